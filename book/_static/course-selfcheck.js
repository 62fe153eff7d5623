/* Self-checks on the page (book/_ext/selfcheck_page.py writes the widgets and their data).
 *
 * The same answers as `check()` of customs_course.selfcheck: the answer is put in canonical
 * form exactly as canonical() does, hashed with sha256 salted with the question id, and compared
 * with the stored hash; a number one unit of its precision away also counts. Nothing is sent
 * anywhere: answers and progress stay in this browser's localStorage.
 * tests/test_selfcheck_page.py checks this file against the Python code on a table of inputs.
 */
(function () {
  "use strict";

  var STORE = "customs-course:selfcheck:v1";

  // --- Canonical form, as customs_course.selfcheck.canonical() -------------------------------

  // The exact binary value of a double, as sign, integer mantissa and power of two.
  function decompose(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var bits = view.getBigUint64(0);
    var negative = (bits >> 63n) === 1n;
    var exponent = Number((bits >> 52n) & 0x7ffn);
    var mantissa = bits & 0xfffffffffffffn;
    if (exponent === 0) return [negative, mantissa, -1074];
    return [negative, mantissa | (1n << 52n), exponent - 1075];
  }

  // Python's f"{round(x, d) + 0.0:.{d}f}": round half to even on the exact binary value, no
  // negative zero. toFixed() rounds half away from zero, so it cannot be used.
  function canonicalNumber(value, decimals) {
    if (typeof value !== "number" || !isFinite(value)) {
      throw new TypeError("expected a finite number, got " + value);
    }
    var parts = decompose(value), mantissa = parts[1], power = parts[2];
    var scaled = mantissa * 10n ** BigInt(decimals), digits;
    if (power >= 0) {
      digits = scaled << BigInt(power);
    } else {
      var divisor = 1n << BigInt(-power);
      digits = scaled / divisor;
      var twice = 2n * (scaled % divisor);
      if (twice > divisor || (twice === divisor && digits % 2n === 1n)) digits += 1n;
    }
    var text = digits.toString().padStart(decimals + 1, "0");
    if (decimals > 0) text = text.slice(0, -decimals) + "." + text.slice(-decimals);
    return parts[0] && digits !== 0n ? "-" + text : text;
  }

  // Python's " ".join(str(value).split()).casefold() (ß -> ss, final sigma -> sigma).
  function canonicalText(value) {
    return String(value).trim().split(/\s+/).join(" ").toUpperCase().toLowerCase()
      .replace(/ς/g, "σ");
  }

  function byCodePoint(a, b) {
    var x = Array.from(a), y = Array.from(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var diff = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (diff) return diff;
    }
    return x.length - y.length;
  }

  function canonical(value, kind, decimals) {
    if (kind === "number") return canonicalNumber(value, decimals || 0);
    if (kind === "text" || kind === "choice") return canonicalText(value);
    if (kind === "set") {
      if (!Array.isArray(value)) throw new TypeError("expected a list of values");
      var unique = {};
      value.forEach(function (item) { unique[canonicalText(item)] = true; });
      return Object.keys(unique).sort(byCodePoint).join("|");
    }
    throw new Error("unknown kind " + kind);
  }

  // The texts that count as right, as _candidates(): a number one unit away counts too.
  function candidates(entry, value) {
    if (entry.kind !== "number") return [canonical(value, entry.kind)];
    var decimals = entry.decimals || 0, exact = canonicalNumber(value, decimals);
    var step = 1 / Math.pow(10, decimals);
    return [exact, canonicalNumber(Number(exact) - step, decimals),
      canonicalNumber(Number(exact) + step, decimals)];
  }

  // --- sha256: WebCrypto where the page is a secure context, else a small fallback -----------

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2];

  // FIPS 180-4 sha256 of bytes, for pages served over plain http (no crypto.subtle there).
  function sha256Fallback(bytes) {
    var length = bytes.length, padded = new Uint8Array(((length + 72) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded.length - 4, (length << 3) >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
      0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (var block = 0; block < padded.length; block += 64) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) { w[t] = view.getUint32(block + 4 * t); continue; }
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
        var t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + k]
        .map(function (x) { return x | 0; });
    }
    return h.map(function (x) { return (x >>> 0).toString(16).padStart(8, "0"); }).join("");
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer)).map(function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function answerHash(questionId, text, useFallback) {
    var bytes = new TextEncoder().encode(questionId + "\n" + text);
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle || useFallback) return Promise.resolve(sha256Fallback(bytes));
    return subtle.digest("SHA-256", bytes).then(hex);
  }

  function check(entry, value) {
    var texts;
    try {
      texts = candidates(entry, value);
    } catch (problem) {
      return Promise.resolve({ correct: false, message: problem.message + ". " + entry.hint });
    }
    return Promise.all(texts.map(function (text) { return answerHash(entry.id, text); }))
      .then(function (hashes) {
        var right = hashes.indexOf(entry.sha256) >= 0;
        return { correct: right, message: right ? entry.success || "well done." : entry.hint };
      });
  }

  // --- What the reader typed or ticked -------------------------------------------------------

  var THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;

  // A number as a reader types it: "1,234.5", "45 %", "-0.25". A lone comma is refused, since
  // "1,5" may mean 1.5 or 15.
  function parseNumber(text) {
    var cleaned = String(text).trim().replace(/\s*%$/, "").replace(/[\s\u00a0_]/g, "");
    if (THOUSANDS.test(cleaned)) cleaned = cleaned.replace(/,/g, "");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) {
      throw new TypeError("expected a number written with a point for decimals, such as 12.5");
    }
    return Number(cleaned);
  }

  function parseList(text) {
    return String(text).split(/[,;]/).map(function (item) { return item.trim(); })
      .filter(function (item) { return item !== ""; });
  }

  function readAnswer(widget, entry) {
    var boxes = widget.querySelectorAll("input[type=checkbox], input[type=radio]");
    if (boxes.length) {
      var ticked = Array.from(boxes).filter(function (box) { return box.checked; })
        .map(function (box) { return box.value; });
      return entry.kind === "set" ? ticked : ticked[0] || "";
    }
    var typed = widget.querySelector("input[type=text]").value;
    if (entry.kind === "number") return parseNumber(typed);
    return entry.kind === "set" ? parseList(typed) : typed;
  }

  function rawAnswer(widget) {
    var boxes = widget.querySelectorAll("input[type=checkbox], input[type=radio]");
    if (boxes.length) {
      return Array.from(boxes).filter(function (box) { return box.checked; })
        .map(function (box) { return box.value; });
    }
    return widget.querySelector("input[type=text]").value;
  }

  function restoreAnswer(widget, raw) {
    var boxes = widget.querySelectorAll("input[type=checkbox], input[type=radio]");
    if (boxes.length && Array.isArray(raw)) {
      boxes.forEach(function (box) { box.checked = raw.indexOf(box.value) >= 0; });
    } else if (!boxes.length && typeof raw === "string") {
      widget.querySelector("input[type=text]").value = raw;
    }
  }

  // --- Progress in localStorage ------------------------------------------------------------

  function loadProgress() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE)) || {};
    } catch (problem) {
      return {};  // storage off (private window) or a damaged entry: start afresh
    }
  }

  // A record counts only for the answer it was checked against: when the course's data change
  // and a question's answer with them, an earlier "correct" no longer does. (Records saved
  // before answers were stamped carry no stamp and are kept.)
  function isCurrent(record, answerSha256) {
    return !!record && (record.sha256 === undefined || record.sha256 === answerSha256);
  }

  function saveProgress(questionId, record) {
    var progress = loadProgress();
    progress[questionId] = record;
    try {
      window.localStorage.setItem(STORE, JSON.stringify(progress));
    } catch (problem) {
      return false;
    }
    return true;
  }

  // --- The widgets -------------------------------------------------------------------------

  function showResult(widget, result, saved) {
    var output = widget.querySelector(".course-selfcheck-result");
    output.textContent = (result.correct ? "Correct: " : "Not yet: ") + result.message +
      (saved ? "" : " (Your browser does not keep answers here, so this page will forget it.)");
    widget.classList.toggle("course-selfcheck-correct", result.correct);
    widget.classList.toggle("course-selfcheck-wrong", !result.correct);
  }

  function setUpWidget(widget, progress) {
    var entry = JSON.parse(widget.querySelector(".course-selfcheck-data").textContent);
    var form = widget.querySelector("form");
    var saved = progress[entry.id];
    if (saved) {
      restoreAnswer(widget, saved.answer);
      if (!isCurrent(saved, entry.sha256)) {
        showResult(widget, { correct: false, message: "the course's data have changed since " +
          "you answered, and this question's answer with them: check your answer again." }, true);
      } else if (saved.correct) {
        showResult(widget, { correct: true, message: "you answered this before." }, true);
      }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var answer;
      try {
        answer = readAnswer(widget, entry);
      } catch (problem) {
        showResult(widget, { correct: false, message: problem.message + "." }, true);
        return;
      }
      check(entry, answer).then(function (result) {
        var kept = saveProgress(entry.id, {
          correct: result.correct, answer: rawAnswer(widget), at: new Date().toISOString(),
          sha256: entry.sha256,
        });
        showResult(widget, result, kept);
      });
    });
    widget.hidden = false;
  }

  // --- A model brief, shown once the reader has written their own (brief_self_study.py) ------

  var ATTEMPTS = "customs-course:brief-attempts:v1";
  var MIN_WORDS = 30;

  function setUpModelBrief(box) {
    var field = box.querySelector("textarea"), button = box.querySelector("button");
    var status = box.querySelector("[role=status]"), shown = box.querySelector(".course-model-brief-text");
    var key = location.pathname.split("/").slice(-2).join("/");
    var attempts = {};
    try { attempts = JSON.parse(window.localStorage.getItem(ATTEMPTS)) || {}; } catch (e) { attempts = {}; }
    field.value = attempts[key] || "";
    function words() { return field.value.trim().split(/\s+/).filter(Boolean).length; }
    function update() {
      var count = words();
      button.disabled = count < MIN_WORDS;
      status.textContent = count < MIN_WORDS ? "Write at least " + MIN_WORDS + " words (" +
        count + " so far), then compare with the model brief." : "";
    }
    field.addEventListener("input", function () {
      attempts[key] = field.value;
      try { window.localStorage.setItem(ATTEMPTS, JSON.stringify(attempts)); } catch (e) { /* kept on the page */ }
      update();
    });
    button.addEventListener("click", function () {
      if (words() < MIN_WORDS) return;
      shown.replaceChildren(box.querySelector("template").content.cloneNode(true));
      status.textContent = "The model brief is shown below your recommendation.";
      shown.focus();
    });
    update();
    box.hidden = false;
  }

  // --- Progress on the level pages and the framework page -----------------------------------

  function pageUrl(docname) {
    var root = document.documentElement.dataset.content_root || "";
    return root + docname + ".html";
  }

  function cell(row, text, tag) {
    var element = document.createElement(tag || "td");
    element.textContent = text;
    row.appendChild(element);
    return element;
  }

  function table(headers) {
    var element = document.createElement("table");
    element.className = "table course-progress-table";
    var row = element.createTHead().insertRow();
    headers.forEach(function (header) { cell(row, header, "th").scope = "col"; });
    element.createTBody();
    return element;
  }

  function lessonStatus(lesson, progress, answers) {
    var right = lesson.questions.filter(function (id) {
      return isCurrent(progress[id], answers[id]) && progress[id].correct;
    }).length;
    return { right: right, total: lesson.questions.length, done: right === lesson.questions.length };
  }

  function levelProgress(container, index, progress) {
    var level = index.levels[container.dataset.level];
    var body = table(["Lesson", "Self-check questions answered right", "Completed"]);
    var done = 0;
    level.lessons.forEach(function (docname) {
      var lesson = index.lessons[docname];
      var status = lessonStatus(lesson, progress, index.answers);
      var row = body.tBodies[0].insertRow();
      var link = document.createElement("a");
      link.href = pageUrl(docname);
      link.textContent = lesson.title;
      cell(row, "").appendChild(link);
      cell(row, status.right + " of " + status.total);
      cell(row, status.done ? "yes" : "not yet");
      if (status.done) done += 1;
    });
    var summary = document.createElement("p");
    summary.className = "course-progress-summary";
    summary.textContent = "You have completed " + done + " of " + level.lessons.length +
      " lessons of this level (all their self-check questions answered right, in this browser).";
    container.replaceChildren(summary, body);
  }

  function frameworkProgress(container, index, progress) {
    var body = table(["Competency", "Lessons completed", "Highest proficiency reached"]);
    index.competencies.forEach(function (competency) {
      var lessons = Object.keys(index.lessons).filter(function (docname) {
        return competency.id in index.lessons[docname].competencies;
      });
      var completed = lessons.filter(function (docname) {
        return lessonStatus(index.lessons[docname], progress, index.answers).done;
      });
      var reached = completed.map(function (docname) {
        return index.proficiency.indexOf(index.lessons[docname].competencies[competency.id]);
      });
      var row = body.tBodies[0].insertRow();
      cell(row, competency.title, "th").scope = "row";
      cell(row, completed.length + " of " + lessons.length);
      cell(row, reached.length ? index.proficiency[Math.max.apply(null, reached)] : "none yet");
    });
    var summary = document.createElement("p");
    summary.className = "course-progress-summary";
    summary.textContent = "A lesson counts when all its self-check questions are answered " +
      "right in this browser. Graded exercises are not counted here.";
    container.replaceChildren(summary, body);
  }

  function showProgress(progress) {
    var index = window.COURSE_SELFCHECK;
    document.querySelectorAll(".course-progress").forEach(function (container) {
      if (!index) return;
      if (container.dataset.level) levelProgress(container, index, progress);
      else frameworkProgress(container, index, progress);
    });
  }

  function start() {
    var progress = loadProgress();
    document.querySelectorAll(".course-selfcheck").forEach(function (widget) {
      setUpWidget(widget, progress);
    });
    document.querySelectorAll(".course-model-brief").forEach(setUpModelBrief);
    showProgress(progress);
  }

  window.CourseSelfcheck = {
    canonical: canonical, candidates: candidates, answerHash: answerHash, check: check,
    parseNumber: parseNumber, parseList: parseList, sha256Fallback: sha256Fallback,
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
