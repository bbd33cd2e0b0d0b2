/* Client-side search over briefs and incidents (sitegen).
 *
 * Needs, on the page: <form role="search" data-index="index/meta.json"> holding
 * <input type="search" id="search-input">, and <div id="search-results" aria-live="polite">.
 * The index (built by sitegen.render.search) is in small files: a manifest (meta.json),
 * term shards by the first two letters of a word (t-ti.json), and blocks of documents
 * (d-0.json). A query fetches the manifest, the shard of each of its words and the
 * blocks of the results it shows: a few dozen KB on a site of 100,000 incidents.
 * Results are built with DOM APIs and textContent only; no eval, no inline handlers, so
 * it runs under CSP script-src 'self'. Texts come from data-msg-* attributes on the form
 * (see MESSAGES); the form's data-lang (en, fr) picks the light stemming.
 *
 * Matching: every word of the query must match (accents and case ignored). A word
 * matches the indexed words it begins, once lightly stemmed ("attaquées" -> "attaqu"
 * finds "attaque", "attaqués"); a word of five letters or more that matches nothing so
 * finds the words within one edit of it (a letter missing, added, changed, or two
 * neighbours swapped): "Tilaberi" finds "Tillabéri". The letters that name the shard
 * are taken as typed: the first two (three or more in a shard split for its size).
 */
(function () {
  "use strict";

  var PAGE = 20;
  var DEBOUNCE_MS = 120;
  var FUZZY_MIN = 5;
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var MESSAGES = {
    loading: "Loading the search index…",
    error: "The search index could not be loaded. Try again later, or browse the archive.",
    none: "No results for “{q}”.",
    one: "1 result for “{q}”.",
    many: "{n} results for “{q}”.",
    more: "{n} results for “{q}”; the first {max} are shown. Add words to narrow the search.",
    brief: "Brief",
    incident: "Incident",
    next: "More results",
    in_en: "(in English)",
    in_fr: "(in French)"
  };

  var form = document.querySelector('form[role="search"][data-index]');
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  if (!form || !input || !results || !window.fetch || !window.URL) {
    return;
  }

  var metaUrl = new URL(form.getAttribute("data-index"), window.location.href);
  var meta = null;
  var base = null;
  var shards = {}; // shard key -> promise of {term: [all, inTitle]}
  var blocks = {}; // block number -> promise of rows
  var loading = null;
  var timer = 0;
  var LANG = form.getAttribute("data-lang") || "en";

  function message(key, values) {
    var attr = form.getAttribute("data-msg-" + key);
    var text = attr !== null ? attr : MESSAGES[key];
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // Case- and accent-insensitive form of a text: "Tillabéri" -> "tillaberi" (as the index).
  function fold(text) {
    text = String(text || "");
    return (text.normalize ? text.normalize("NFKD") : text)
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019]/g, "'")
      .toLowerCase();
  }

  var SEPARATORS = (function () {
    try {
      return new RegExp("[^\\p{L}\\p{N}]+", "u");
    } catch (e) {
      return /[\s!-\/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f]+/;
    }
  })();

  // Light stemming of a query word, matched as a prefix of indexed words:
  // "attaquées" -> "attaqu", "soldats" -> "soldat", "attacks" -> "attack",
  // "casualties" -> "casualt", "killed" -> "kill".
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

  // The query's words: folded, two characters or more, each once.
  function words(query) {
    var seen = {};
    return fold(query).split(SEPARATORS).filter(function (w) {
      if (w.length < 2 || seen[w]) {
        return false;
      }
      seen[w] = true;
      return true;
    }).map(function (w) {
      return { word: w.slice(0, 24), stem: stem(w.slice(0, 24)) };
    });
  }

  function shardName(key) {
    if (/^[a-z0-9]+$/.test(key)) {
      return key;
    }
    return "u" + Array.from(key).map(function (c) {
      return c.codePointAt(0).toString(16);
    }).join("-");
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function load() {
    if (!loading) {
      loading = getJSON(metaUrl.href).then(
        function (m) {
          meta = m;
          base = new URL(typeof m.root === "string" ? m.root : "", metaUrl);
          return meta;
        },
        function (error) {
          loading = null; // let a later keystroke try again
          throw error;
        }
      );
    }
    return loading;
  }

  function cached(store, key, url) {
    if (!store[key]) {
      store[key] = getJSON(new URL(url, metaUrl).href).catch(function (error) {
        delete store[key];
        throw error;
      });
    }
    return store[key];
  }

  function shard(key) {
    return cached(shards, key, "t-" + shardName(key) + ".json");
  }

  // The terms a query word can match by prefix live in the shards whose key begins the
  // word or its stem (most words: the one of their first two letters), or that the word
  // begins (a big shard split by one letter more: "20" -> "201", "202" ...).
  function termsFor(q) {
    var keys = (meta.shards || []).filter(function (k) {
      return [q.word, q.stem].some(function (w) {
        return w.lastIndexOf(k, 0) === 0 || k.lastIndexOf(w, 0) === 0;
      });
    });
    return Promise.all(keys.map(shard)).then(function (loaded) {
      var terms = {};
      loaded.forEach(function (part) {
        Object.keys(part).forEach(function (t) {
          terms[t] = part[t];
        });
      });
      return terms;
    });
  }

  function block(n) {
    return cached(blocks, n, "d-" + n + ".json");
  }

  // A set of document numbers: base-64 varint gaps, or "~" and a base64url bitmap.
  function decode(value) {
    var docs = [];
    var i;
    if (value.charAt(0) === "~") {
      var bits = atob(value.slice(1).replace(/-/g, "+").replace(/_/g, "/"));
      for (i = 0; i < bits.length; i++) {
        var byte = bits.charCodeAt(i);
        for (var b = 0; b < 8; b++) {
          if (byte & (1 << b)) {
            docs.push(i * 8 + b);
          }
        }
      }
      return docs;
    }
    var number = 0;
    var prev = -1;
    for (i = 0; i < value.length; i++) {
      var digit = DIGITS.indexOf(value.charAt(i));
      if (digit >= 32) {
        number = number * 32 + digit - 32;
      } else {
        prev += number * 32 + digit + 1;
        docs.push(prev);
        number = 0;
      }
    }
    return docs;
  }

  // Is `a` within one edit (insertion, deletion, substitution, swap of neighbours) of
  // `b` or of a prefix of `b`?
  function nearPrefix(a, b) {
    var prev = [];
    var before = [];
    var row;
    var i;
    var j;
    for (j = 0; j <= b.length; j++) {
      prev.push(j);
    }
    for (i = 1; i <= a.length; i++) {
      row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        var d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
          d = Math.min(d, before[j - 2] + 1);
        }
        row.push(d);
        best = Math.min(best, d);
      }
      if (best > 1) {
        return false;
      }
      before = prev;
      prev = row;
    }
    return Math.min.apply(null, prev) <= 1;
  }

  // The indexed words a query word matches: those it begins (stemmed or as typed), else
  // (five letters or more) those within one edit.
  function matching(q, terms) {
    var found = [];
    var names = Object.keys(terms);
    names.forEach(function (t) {
      if (t.lastIndexOf(q.stem, 0) === 0 || t.lastIndexOf(q.word, 0) === 0) {
        found.push(t);
      }
    });
    if (!found.length && q.stem.length >= FUZZY_MIN) {
      names.forEach(function (t) {
        if (t.length >= q.stem.length - 1 && (nearPrefix(q.stem, t) || nearPrefix(q.word, t))) {
          found.push(t);
        }
      });
    }
    return found;
  }

  // {doc: true if in the title} for one query word: the union over the words it matches.
  function docsOf(q, terms) {
    var docs = {};
    matching(q, terms).forEach(function (t) {
      var sets = terms[t];
      decode(sets[0]).forEach(function (n) {
        if (!(n in docs)) {
          docs[n] = false;
        }
      });
      if (sets.length > 1) {
        decode(sets[1]).forEach(function (n) {
          docs[n] = true;
        });
      }
    });
    return docs;
  }

  // Document numbers matching every word, those with every word in the title first,
  // each group in index order (briefs then incidents, newest first).
  function search(query) {
    var qs = words(query);
    return Promise.all(qs.map(termsFor)).then(function (loaded) {
      var sets = qs.map(function (q, i) {
        return docsOf(q, loaded[i]);
      });
      sets.sort(function (a, b) {
        return Object.keys(a).length - Object.keys(b).length;
      });
      var inTitle = [];
      var elsewhere = [];
      Object.keys(sets[0] || {}).forEach(function (key) {
        var title = sets[0][key];
        for (var i = 1; i < sets.length; i++) {
          if (!(key in sets[i])) {
            return;
          }
          title = title && sets[i][key];
        }
        (title ? inTitle : elsewhere).push(Number(key));
      });
      var order = function (a, b) {
        return a - b;
      };
      return inTitle.sort(order).concat(elsewhere.sort(order));
    });
  }

  // The rows of these documents, fetching the blocks that hold them.
  function rows(docs) {
    var size = meta.block || 16;
    var needed = {};
    docs.forEach(function (n) {
      needed[Math.floor(n / size)] = true;
    });
    var numbers = Object.keys(needed);
    return Promise.all(numbers.map(block)).then(function (loaded) {
      var byBlock = {};
      numbers.forEach(function (b, i) {
        byBlock[b] = loaded[i];
      });
      return docs.map(function (n) {
        var row = byBlock[Math.floor(n / size)][n % size] || [];
        return {
          kind: n < (meta.briefs || 0) ? "brief" : "incident",
          title: String(row[0] || ""),
          href: safeHref(String(row[1] || "")),
          date: String(row[2] || ""),
          country: String(row[3] || ""),
          text: String(row[4] || ""),
          titleLang: /^[a-z]{2}$/.test(row[5] || "") ? row[5] : "",
          textLang: /^[a-z]{2}$/.test(row[6] || "") ? row[6] : ""
        };
      });
    });
  }

  function safeHref(url) {
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

  function clear() {
    while (results.firstChild) {
      results.removeChild(results.firstChild);
    }
  }

  function status(text) {
    var p = results.querySelector(".search-status");
    if (!p) {
      clear();
      p = document.createElement("p");
      p.className = "search-status";
      results.appendChild(p);
    }
    p.textContent = text;
  }

  function counted(q, n, shown) {
    var key = n === 0 ? "none" : n === 1 ? "one" : n > shown ? "more" : "many";
    return message(key, { q: q, n: n, max: shown });
  }

  function item(doc) {
    var li = document.createElement("li");
    li.className = "search-result search-result-" + (doc.kind === "brief" ? "brief" : "incident");
    var title;
    if (doc.href) {
      title = document.createElement("a");
      title.href = doc.href;
    } else {
      title = document.createElement("span");
    }
    title.className = "search-result-title";
    title.textContent = doc.title;
    if (doc.titleLang) {
      title.lang = doc.titleLang;
    }
    li.appendChild(title);
    if (doc.titleLang && MESSAGES["in_" + doc.titleLang]) {
      // an untranslated title, said as the pages' lists say it: "(en anglais)"
      var note = document.createElement("span");
      note.className = "lang-note";
      note.textContent = message("in_" + doc.titleLang);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(note);
    }

    var meta = document.createElement("span");
    meta.className = "search-result-meta";
    var kind = doc.kind === "brief" ? message("brief") : message("incident");
    meta.textContent = [kind, doc.date, doc.country].filter(Boolean).join(" · ");
    li.appendChild(document.createTextNode(" "));
    li.appendChild(meta);

    if (doc.text) {
      var text = document.createElement("p");
      text.className = "search-result-excerpt";
      text.textContent = doc.text;
      if (doc.textLang) {
        text.lang = doc.textLang;
      }
      li.appendChild(text);
    }
    return li;
  }

  // Results are shown a page at a time: each page fetches the blocks of its rows only.
  function show(query, found) {
    var q = query.trim();
    clear();
    status(counted(q, found.length, Math.min(found.length, PAGE)));
    if (!found.length) {
      return Promise.resolve();
    }
    var list = document.createElement("ol");
    list.className = "search-results-list";
    results.appendChild(list);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "search-more";
    button.textContent = message("next");

    function page(start, focus) {
      return rows(found.slice(start, start + PAGE)).then(function (docs) {
        if (input.value !== query) {
          return;
        }
        var first = null;
        docs.forEach(function (doc) {
          var li = item(doc);
          first = first || li;
          list.appendChild(li);
        });
        var shown = start + docs.length;
        status(counted(q, found.length, shown));
        if (shown < found.length) {
          results.appendChild(button);
        } else if (button.parentNode) {
          button.parentNode.removeChild(button);
        }
        if (focus && first && first.firstChild.tagName === "A") {
          first.firstChild.focus(); // the reader goes on where the new results begin
        }
      });
    }
    button.addEventListener("click", function () {
      page(list.children.length, true).catch(function () {
        status(message("error"));
      });
    });
    return page(0, false);
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
    if (!meta) {
      status(message("loading"));
    }
    load()
      .then(function () {
        return input.value === query ? search(query) : null;
      })
      .then(function (found) {
        if (found && input.value === query) {
          remember(query);
          return show(query, found);
        }
      })
      .catch(function () {
        status(message("error"));
      });
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
