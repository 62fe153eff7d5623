/* The course's search ranking (Sphinx's html_search_scorer: this file is put into
   language_data.js, which every page loads after searchtools.js).

   The index the build writes holds prose only (book/_ext/reader_site.py leaves code cells and
   their outputs out), and gives each glossary term an entry on the lesson that first uses it
   in the reading order: the lesson that teaches it. Ranks, highest first: index entries (those
   taught-in entries, then the glossary's own definition, one point lower), titles and
   headings, then body text. Snippets are taken from the prose, never from a code cell. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename] = result;
    return anchor && anchor.startsWith("#term-") ? score - 1 : score;
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
