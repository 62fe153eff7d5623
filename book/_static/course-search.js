/* The course's search ranking (Sphinx's html_search_scorer: this file is put into
   language_data.js, which every page loads after searchtools.js).

   The index the build writes holds prose only (book/_ext/reader_site.py leaves code cells and
   their outputs out). Ranks, highest first: the page that teaches a glossary term the query
   names (the first page in the reading order that links it: _static/course-taught.js), index
   entries (the glossary's definitions), titles and headings, then body text. Snippets are
   taken from the prose, never from a code cell. */
const courseTaughtBoost = 100;

const courseQueryWords = () =>
  (new URLSearchParams(window.location.search).get("q") || "")
    .toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 1);

// Does a query word name a word of the term? ("declarations" names "declaration")
const courseNames = (word, termWord) =>
  word === termWord || (Math.min(word.length, termWord.length) > 3 &&
                        (termWord.startsWith(word) || word.startsWith(termWord)));

const courseTeaches = (docname) => {
  const words = courseQueryWords();
  const taught = window.COURSE_TAUGHT_IN || {};
  return words.length > 0 && Object.entries(taught).some(([term, page]) => page === docname &&
    words.every((word) => term.split(/\s+/).some((termWord) => courseNames(word, termWord))));
};

var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename] = result;
    return courseTeaches(docname) ? score + courseTaughtBoost : score;
  },
  // Sphinx's defaults for objects (API entries; the course has none of its own).
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  // Words of titles and headings well above words of body text.
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};

if (typeof Search !== "undefined" && !Search.courseProseOnly) {
  const sphinxHtmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".cell_input, .cell_output, div.highlight, pre").forEach((el) => el.remove());
    return sphinxHtmlToText(page.documentElement.outerHTML, anchor);
  };
  Search.courseProseOnly = true;
}
