/* Interactive incident maps (sitegen.render.maps, partials/map.html).
   Each map is a <div class="sg-map"> with a <script type="application/json"> island of its
   settings. Nothing heavy loads before the page has: after the load event (or, on phones,
   when the reader asks), Leaflet is loaded from this site, the bundled outlines are drawn,
   then the markers, and the tiles last, above the outlines. Incident text is shown with
   textContent only. Leaflet's own controls speak the page's language: their words are the
   data-sg-* attributes of the map's <div> (partials/map.html). */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src : document.baseURI;
  var loaded = {};
  var outlines = null;

  function asset(path) { return new URL(path, base).href; }

  function load(path) {
    if (!loaded[path]) {
      loaded[path] = new Promise(function (resolve, reject) {
        var node;
        if (/\.css$/.test(path)) {
          node = document.createElement("link");
          node.rel = "stylesheet";
          node.href = asset(path);
        } else {
          node = document.createElement("script");
          node.src = asset(path);
        }
        node.onload = resolve;
        node.onerror = function () { reject(new Error(path + ": not loaded")); };
        document.head.appendChild(node);
      });
    }
    return loaded[path];
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }

  function pageLoaded() {
    return new Promise(function (resolve) {
      if (document.readyState === "complete") { resolve(); } else { window.addEventListener("load", resolve); }
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function Map(box, settings) {
    var words = box.dataset, labels = settings.labels = settings.labels || {};
    labels.zoomIn = words.sgZoomIn;  // undefined (Leaflet's English) for a page without them
    labels.zoomOut = words.sgZoomOut;
    labels.closePopup = words.sgClosePopup;
    labels.leaflet = words.sgLeaflet;
    labels.osmCredit = words.sgOsmCredit;
    this.box = box;
    this.settings = settings;
    this.figure = box.closest(".map-figure");
    /* the map's height, set through the CSS object model: the pages' CSP allows no style attribute */
    var frame = box.closest(".map-frame");
    if (frame && frame.dataset.sgHeight) { frame.style.setProperty("--sg-map-height", frame.dataset.sgHeight); }
  }

  Map.prototype.style = function (p) {
    var types = this.settings.types;
    return Object.prototype.hasOwnProperty.call(types, p.type)
      ? types[p.type] : {label: String(p.type), colour: this.settings.fallbackColour};
  };

  Map.prototype.entry = function (p) {
    var labels = this.settings.labels, div = el("div", "sg-popup-entry");
    var title = div.appendChild(el("p", "sg-popup-title", p.title));
    if (p.lang) { title.lang = p.lang; }  // an untranslated title, in its original language
    // the toll in the words of the incident lists: "no toll reported", "0 killed", "7 killed"
    div.appendChild(el("p", "sg-popup-meta", [p.date, this.style(p).label, p.toll].join(" \u00b7 ")));
    if (p.precision) { div.appendChild(el("p", "sg-popup-precision", p.precision)); }
    if (p.summary) {
      var summary = div.appendChild(el("p", "sg-popup-summary", p.summary));
      var summaryLang = p.summary_lang !== undefined ? p.summary_lang : p.lang;
      if (summaryLang) { summary.lang = summaryLang; }
    }
    if (p.url) {
      var link = el("a", null, labels.details), line = el("p", "sg-popup-link");
      link.href = p.url;
      line.appendChild(link);
      div.appendChild(line);
    }
    return div;
  };

  /* One popup for every incident at the marker's place, the marker's own first. */
  Map.prototype.popup = function (marker) {
    var self = this, div = el("div", "sg-popup");
    div.tabIndex = -1;
    div.appendChild(this.entry(marker.feature.properties));
    (this.samePlace[marker.sgKey] || []).forEach(function (other) {
      if (other !== marker) { div.appendChild(self.entry(other.feature.properties)); }
    });
    return div;
  };

  Map.prototype.start = function () {
    var self = this, settings = this.settings;
    if (this.started) { return; }
    this.started = true;
    this.box.setAttribute("data-sg-state", "loading");
    var needs = [load("vendor/leaflet/leaflet.css"), load("vendor/leaflet/leaflet.js")];
    var data = settings.dataUrl ? getJSON(settings.dataUrl) : Promise.resolve(settings.data);
    outlines = outlines || getJSON(asset("maps/outlines.geojson")).catch(function () { return null; });
    Promise.all(needs)
      .then(function () {
        return settings.clusters
          ? Promise.all([load("vendor/leaflet.markercluster/MarkerCluster.css"),
                         load("vendor/leaflet.markercluster/leaflet.markercluster.js")]) : null;
      })
      .then(function () { return Promise.all([data, outlines]); })
      .then(function (results) { self.draw(results[0], results[1]); })
      .catch(function (error) { self.fail(error); });
  };

  Map.prototype.draw = function (data, shapes) {
    var self = this, settings = this.settings, options = {};
    if (this.figure) { this.figure.classList.add("is-live"); }  // the static map gives way
    var labels = settings.labels;
    Object.keys(settings.map).forEach(function (k) { options[k] = settings.map[k]; });
    var touch = L.Browser.mobile || L.Browser.touch && window.matchMedia("(pointer: coarse)").matches;
    if (touch) { options.dragging = false; options.tap = false; }  // one finger scrolls the page
    options.zoomControl = false;  // added below, with its buttons named in the page's language
    var map = this.map = L.map(this.box, options);
    if (settings.map.zoomControl !== false) {
      var zoom = {};
      if (labels.zoomIn) { zoom.zoomInTitle = labels.zoomIn; }
      if (labels.zoomOut) { zoom.zoomOutTitle = labels.zoomOut; }
      L.control.zoom(zoom).addTo(map);
    }
    /* Leaflet's credit link, written again by Leaflet with each new credit, says what it is in the page's language */
    var nameLeaflet = function () {
      var credits = map.attributionControl && map.attributionControl.getContainer();
      var link = credits && labels.leaflet ? credits.querySelector('a[href="https://leafletjs.com"]') : null;
      if (link) { link.title = labels.leaflet; }
    };
    map.on("layeradd", function (event) {
      if (event.layer.getAttribution && event.layer.getAttribution()) { nameLeaflet(); }
    });
    nameLeaflet();
    if (touch) {  // until the reader taps or focuses the map: then one finger pans it
      map.once("click focus", function () { map.dragging.enable(); });
    }
    map.createPane("sgOutlines").style.zIndex = 150;  // under the tiles (200): seen when they are not
    map.createPane("sgLabels").style.zIndex = 350;  // capitals' names, above the tiles
    map.createPane("sgHalos").style.zIndex = 390;
    if (shapes) { this.drawOutlines(shapes); }
    var drawn = this.drawIncidents(data);
    if (settings.tiles) {
      var tileOptions = {};
      Object.keys(settings.tiles.options).forEach(function (k) { tileOptions[k] = settings.tiles.options[k]; });
      if (settings.tiles.credit === "osm" && labels.osmCredit) { tileOptions.attribution = labels.osmCredit; }
      pageLoaded().then(function () {
        L.tileLayer(settings.tiles.url, tileOptions).addTo(map);
      });
    }
    map.on("popupopen", function (event) {
      var node = event.popup.getElement();
      var close = node.querySelector(".leaflet-popup-close-button"), content = node.querySelector(".sg-popup");
      if (close && labels.closePopup) { close.setAttribute("aria-label", labels.closePopup); }
      if (content) { content.focus({preventScroll: true}); }
    });
    /* a long popup pans the map to fit; closing it puts the map back unless the reader moved it */
    var before = null;
    map.on("autopanstart", function () {
      if (!before) { before = {center: map.getCenter(), zoom: map.getZoom(), moved: false}; }
    });
    map.on("dragstart zoomstart", function () { if (before) { before.moved = true; } });
    map.on("popupclose", function () {
      var view = before;
      before = null;
      if (view && !view.moved) { map.setView(view.center, view.zoom, {animate: false}); }
    });
    this.box.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.openMarker) {
        var marker = self.openMarker;
        map.closePopup();
        if (marker.getElement()) { marker.getElement().focus({preventScroll: true}); }
      }
    });
    drawn.then(function () { self.box.setAttribute("data-sg-state", "ready"); });
  };

  Map.prototype.drawOutlines = function (shapes) {
    var map = this.map, names = this.names = [];
    L.geoJSON(shapes, {
      pane: "sgOutlines",
      interactive: false,
      attribution: this.settings.labels.outlines,
      filter: function (f) { return f.properties.kind !== "capital"; },
      style: function (f) {
        return f.properties.kind === "country"
          ? {color: "#8f9ba6", weight: 1, fillColor: "#f6f3ec", fillOpacity: 1}
          : {color: "#b3bcc4", weight: 0.8, dashArray: "3 3", fill: false};
      }
    }).addTo(map);
    L.geoJSON(shapes, {
      pane: "sgOutlines",
      filter: function (f) { return f.properties.kind === "capital"; },
      pointToLayer: function (f, latlng) {
        var name = el("span", null, f.properties.name);
        var label = L.marker(latlng, {pane: "sgLabels", interactive: false, keyboard: false,
          icon: L.divIcon({html: name, className: "sg-capital", iconSize: null, iconAnchor: [-6, 8]})}).addTo(map);
        names.push({label: label, name: name, gap: 6});
        return L.circleMarker(latlng, {pane: "sgOutlines", radius: 3, color: "#3b4650", weight: 1.5,
          fillColor: "#ffffff", fillOpacity: 1, interactive: false});
      }
    }).addTo(map);
  };

  Map.prototype.drawIncidents = function (data) {
    var self = this, settings = this.settings, map = this.map;
    this.samePlace = {};
    var halos = [];
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties || {};
        if (p.halo_km) {
          halos.push(L.circle(latlng, {radius: p.halo_km * 1000, pane: "sgHalos", interactive: false,
            color: self.style(p).colour, weight: 1, dashArray: "4 3", fillColor: self.style(p).colour, fillOpacity: 0.08}));
        }
        return L.circleMarker(latlng, {
          radius: p.radius || 4, color: "#ffffff", weight: 1, opacity: 0.9,
          fillColor: self.style(p).colour, fillOpacity: 0.8
        });
      },
      onEachFeature: function (feature, marker) {
        var key = (feature.properties.at || feature.geometry.coordinates).join(",");  // its place
        marker.sgKey = key;
        (self.samePlace[key] = self.samePlace[key] || []).push(marker);
        marker.bindPopup(function () { return self.popup(marker); }, {maxWidth: 280});
        marker.bindTooltip(function () { return el("span", null, feature.properties.title); });
        marker.on("add", function () { self.accessible(marker); });
        marker.on("popupopen", function () { self.openMarker = marker; });
        marker.on("popupclose", function (event) {
          if (self.openMarker === marker) { self.openMarker = null; }
          // focus inside the closing popup (its close button) goes back to the marker
          var node = marker.getElement(), box = event.popup && event.popup.getElement();
          var active = document.activeElement;
          if (node && (!active || active === document.body || (box && box.contains(active)))) {
            node.focus({preventScroll: true});
          }
        });
      }
    });
    L.layerGroup(halos).addTo(map);
    var count = layer.getLayers().length, shown = layer, finished;
    var drawn = new Promise(function (resolve) { finished = resolve; });
    if (settings.clusters && typeof L.markerClusterGroup === "function") {
      shown = L.markerClusterGroup({
        chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
        chunkProgress: function (done, total) { if (done >= total) { finished(); } },
        iconCreateFunction: function (cluster) {
          var n = cluster.getChildCount(), size = n < 10 ? 30 : n < 100 ? 36 : 44;
          var html = el("div", null);
          html.appendChild(el("span", null, n));
          return L.divIcon({html: html, className: "marker-cluster sg-cluster", iconSize: L.point(size, size)});
        }
      });
      shown.addLayer(layer);
    }
    var spread = shown === layer ? layer.getLayers().filter(function (m) { return m.feature.properties.offset; }) : [];
    var room = 16;  // around the view's points: and room for the markers set around their place
    spread.forEach(function (m) {
      var o = m.feature.properties.offset;
      room = Math.max(room, 16 + Math.sqrt(o[0] * o[0] + o[1] * o[1]) + (m.feature.properties.radius || 4));
    });
    if (count) {  // the view first: clusters are then made once, at that zoom
      map.fitBounds(layer.getBounds(), {padding: [room, room], maxZoom: settings.maxFitZoom, animate: false});
    }
    shown.addTo(map);
    if (spread.length) { this.spread(spread); }
    if (shown === layer) { this.clearNames(layer.getLayers()); }
    this.box.setAttribute("data-sg-count", String(count));
    if (shown === layer || !count) { finished(); }
    return drawn;  // resolved once every marker (or cluster) is on the map
  };

  /* Markers at one place are set around it (a map that clusters spiderfies them instead):
     each moved by its offset in pixels at every zoom, with a line to the place. */
  Map.prototype.spread = function (markers) {
    var map = this.map, legs = L.layerGroup().addTo(map);
    markers.forEach(function (marker) {
      var p = marker.feature.properties, o = p.offset;
      marker.sgPlace = p.at ? L.latLng(p.at[1], p.at[0]) : marker.getLatLng();
      marker.sgOffset = L.point(o[0], o[1]);
      marker.sgLeg = L.polyline([marker.sgPlace, marker.sgPlace], {pane: "sgHalos", interactive: false,
        color: "#3b4650", weight: 1, opacity: 0.7}).addTo(legs);
    });
    function place() {
      var zoom = map.getZoom();
      markers.forEach(function (marker) {
        var at = map.unproject(map.project(marker.sgPlace, zoom).add(marker.sgOffset), zoom);
        marker.setLatLng(at);
        marker.sgLeg.setLatLngs([marker.sgPlace, at]);
      });
    }
    map.on("zoomend", place);
    place();
  };

  /* A capital's name starts beyond the markers at its point or a few pixels from it. */
  Map.prototype.clearNames = function (markers) {
    var map = this.map, names = this.names || [];
    if (!names.length || !markers.length) { return; }
    function clear() {
      names.forEach(function (n) {
        var at = map.latLngToLayerPoint(n.label.getLatLng()), gap = 6;
        markers.forEach(function (marker) {
          var place = map.latLngToLayerPoint(marker.sgPlace || marker.getLatLng()), near = place.distanceTo(at);
          if (near <= 12) {  // px, as svgmap.NEAR_NAME
            var o = marker.sgOffset || L.point(0, 0);
            gap = Math.max(gap, Math.ceil(near + o.distanceTo(L.point(0, 0)) + marker.getRadius() + 3));
          }
        });
        if (gap !== n.gap) {
          n.gap = gap;
          n.label.setIcon(L.divIcon({html: n.name, className: "sg-capital", iconSize: null, iconAnchor: [-gap, 8]}));
        }
      });
    }
    map.on("zoomend", clear);
    clear();
  };

  /* Markers are buttons named like "Battle, Kandadji, 28 September 2023, 7 killed". */
  Map.prototype.accessible = function (marker) {
    var node = marker.getElement();
    if (!node || node.getAttribute("data-sg-named")) { return; }
    node.setAttribute("data-sg-named", "1");
    node.setAttribute("role", "button");
    node.setAttribute("tabindex", "0");
    node.setAttribute("aria-label", marker.feature.properties.name || marker.feature.properties.title);
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        marker.openPopup();
      }
    });
  };

  Map.prototype.fail = function (error) {
    var note = el("p", "sg-map-error", this.settings.labels.loadFailed);
    note.setAttribute("role", "status");
    (this.figure || this.box).appendChild(note);
    this.box.setAttribute("data-sg-state", "error");
    if (this.figure) { this.figure.classList.remove("is-live"); }
    if (window.console) { console.error(error); }
  };

  function setUp() {
    var phone = window.matchMedia("(max-width: 40rem), (pointer: coarse)").matches;
    document.querySelectorAll("script.sg-map-data").forEach(function (island) {
      var box = document.getElementById(island.getAttribute("data-map"));
      if (!box) { return; }
      var map = new Map(box, JSON.parse(island.textContent));
      var button = map.figure ? map.figure.querySelector(".map-start") : null;
      if (phone && button) {
        button.hidden = false;
        button.addEventListener("click", function () { button.hidden = true; map.start(); });
      } else {
        pageLoaded().then(function () { map.start(); });
      }
    });
  }

  /* printed pages say when they were printed (the footer's .print-date, print media only) */
  window.addEventListener("beforeprint", function () {
    var day = new Date().toLocaleDateString(document.documentElement.lang, {day: "numeric", month: "long", year: "numeric"});
    document.querySelectorAll(".print-date").forEach(function (line) {
      line.querySelector(".print-day").textContent = day;
      line.hidden = false;
    });
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();
