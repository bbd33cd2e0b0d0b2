/* Client-side search over briefs and incidents (sitegen).
 *
 * Needs, on the page: <form role="search" data-index="index.json"> holding
 * <input type="search" id="search-input">, and <div id="search-results" aria-live="polite">.
 * The index (built by sitegen.render.search) is fetched on first focus or typing, or at
 * once when the address carries ?q=. Results are built with DOM APIs and textContent
 * only; no eval, no inline handlers, so it runs under CSP script-src 'self'.
 * Texts can be translated with data-msg-* attributes on the form (see MESSAGES); the
 * form's data-lang (en, fr) picks the light stemming applied to the reader's words.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 50;
  var EXCERPT_LENGTH = 160;
  var DEBOUNCE_MS = 120;
  var MESSAGES = {
    loading: "Loading the search index…",
    error: "The search index could not be loaded. Try again later, or browse the archive.",
    none: "No results for “{q}”.",
    one: "1 result for “{q}”.",
    many: "{n} results for “{q}”.",
    more: "{n} results for “{q}”; the first {max} are shown. Add words to narrow the search.",
    brief: "Brief",
    incident: "Incident"
  };

  var form = document.querySelector('form[role="search"][data-index]');
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  if (!form || !input || !results || !window.fetch || !window.URL) {
    return;
  }

  var indexUrl = new URL(form.getAttribute("data-index"), window.location.href);
  var docs = null; // [{kind, title, url, date, country, text, hay, titleHay}]
  var loading = null;
  var timer = 0;

  function message(key, values) {
    var attr = form.getAttribute("data-msg-" + key);
    var text = attr !== null ? attr : MESSAGES[key];
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // Case- and accent-insensitive form of a text: "Tillabéri" -> "tillaberi".
  function fold(text) {
    text = String(text || "");
    return (text.normalize ? text.normalize("NFKD") : text)
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019]/g, "'")
      .toLowerCase();
  }

  // Word separators: anything but letters and digits (Unicode-aware where the browser is).
  var SEPARATORS = (function () {
    try {
      return new RegExp("[^\\p{L}\\p{N}]+", "u");
    } catch (e) {
      return /[\s!-\/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f]+/;
    }
  })();

  // Light stemming of a query word (the index is matched by substring, so a stem finds
  // every ending): "attaquées" -> "attaqu", "soldats" -> "soldat", "généraux" -> "general",
  // "attacks" -> "attack", "casualties" -> "casualt", "killed" -> "kill".
  var LANG = (form && form.getAttribute("data-lang")) || "en";
  function stem(word) {
    if (word.length < 4 || /\d/.test(word)) {
      return word;
    }
    if (LANG === "fr") {
      word = word.replace(/aux$/, "al").replace(/([^s])[sx]$/, "$1");
      return word.length > 4 ? word.replace(/ee?$/, "") : word;
    }
    if (/ies$/.test(word) && word.length > 5) {
      return word.slice(0, -3);
    }
    if (/(ing|ed)$/.test(word) && word.length > 5) {
      return word.replace(/(ing|ed)$/, "");
    }
    return /[^s]s$/.test(word) ? word.slice(0, -1) : word;
  }

  function words(query) {
    return fold(query).split(SEPARATORS).filter(function (w) {
      return w.length > 0;
    }).map(stem);
  }

  function safeHref(url, base) {
    try {
      var href = new URL(url, base);
      if (href.protocol === "http:" || href.protocol === "https:" || href.protocol === window.location.protocol) {
        return href.href;
      }
    } catch (e) {
      /* a malformed URL gets no link */
    }
    return null;
  }

  function prepare(index) {
    var fields = index.fields || [];
    var at = {};
    fields.forEach(function (name, i) {
      at[name] = i;
    });
    var base = new URL(typeof index.root === "string" ? index.root : "", indexUrl);
    return (index.docs || []).map(function (row) {
      var doc = {};
      ["kind", "title", "url", "date", "country", "text"].forEach(function (name) {
        var value = at[name] === undefined ? "" : row[at[name]];
        doc[name] = value === null || value === undefined ? "" : String(value);
      });
      doc.href = safeHref(doc.url, base);
      doc.titleHay = fold(doc.title);
      doc.hay = doc.titleHay + "\n" + fold(doc.country) + "\n" + fold(doc.text) + "\n" + doc.date;
      return doc;
    });
  }

  function load() {
    if (!loading) {
      loading = fetch(indexUrl.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (index) {
          docs = prepare(index);
          return docs;
        })
        .catch(function (error) {
          loading = null; // let a later keystroke try again
          throw error;
        });
    }
    return loading;
  }

  function search(query) {
    var terms = words(query);
    if (!terms.length) {
      return [];
    }
    var inTitle = [];
    var elsewhere = [];
    for (var i = 0; i < docs.length; i++) {
      var doc = docs[i];
      var all = true;
      var title = true;
      for (var j = 0; j < terms.length; j++) {
        if (doc.hay.indexOf(terms[j]) === -1) {
          all = false;
          break;
        }
        if (title && doc.titleHay.indexOf(terms[j]) === -1) {
          title = false;
        }
      }
      if (all) {
        (title ? inTitle : elsewhere).push(doc);
      }
    }
    // the index lists briefs then incidents, newest first: that order holds within each group
    return inTitle.concat(elsewhere);
  }

  function clear() {
    while (results.firstChild) {
      results.removeChild(results.firstChild);
    }
  }

  function status(text) {
    clear();
    var p = document.createElement("p");
    p.className = "search-status";
    p.textContent = text;
    results.appendChild(p);
  }

  function excerpt(text) {
    return text.length > EXCERPT_LENGTH ? text.slice(0, EXCERPT_LENGTH).replace(/\s+\S*$/, "") + "…" : text;
  }

  function show(query, found) {
    var q = query.trim();
    var n = found.length;
    var key = n === 0 ? "none" : n === 1 ? "one" : n > MAX_RESULTS ? "more" : "many";
    status(message(key, { q: q, n: n, max: MAX_RESULTS }));
    if (!n) {
      return;
    }
    var list = document.createElement("ol");
    list.className = "search-results-list";
    found.slice(0, MAX_RESULTS).forEach(function (doc) {
      var item = document.createElement("li");
      item.className = "search-result search-result-" + (doc.kind === "brief" ? "brief" : "incident");
      var title;
      if (doc.href) {
        title = document.createElement("a");
        title.href = doc.href;
      } else {
        title = document.createElement("span");
      }
      title.className = "search-result-title";
      title.textContent = doc.title;
      item.appendChild(title);

      var meta = document.createElement("span");
      meta.className = "search-result-meta";
      var kind = doc.kind === "brief" ? message("brief") : message("incident");
      meta.textContent = [kind, doc.date, doc.country].filter(Boolean).join(" · ");
      item.appendChild(document.createTextNode(" "));
      item.appendChild(meta);

      if (doc.text) {
        var text = document.createElement("p");
        text.className = "search-result-excerpt";
        text.textContent = excerpt(doc.text);
        item.appendChild(text);
      }
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  function remember(query) {
    if (!window.history || !window.history.replaceState) {
      return;
    }
    var url = new URL(window.location.href);
    if (query.trim()) {
      url.searchParams.set("q", query.trim());
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url.href);
  }

  function run() {
    var query = input.value;
    if (!words(query).length) {
      clear();
      remember("");
      return;
    }
    if (!docs) {
      status(message("loading"));
    }
    load().then(
      function () {
        if (input.value === query) {
          show(query, search(query));
          remember(query);
        }
      },
      function () {
        status(message("error"));
      }
    );
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DEBOUNCE_MS);
  }

  input.addEventListener("focus", function () {
    load().catch(function () {
      /* reported when the reader searches */
    });
  });
  input.addEventListener("input", later);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    run();
  }
})();
