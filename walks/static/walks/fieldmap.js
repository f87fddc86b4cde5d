/* Shared map helpers of the field pages: MapLibre on Trygg's own basemap.
 *
 * The map's style is the self-hosted basemap (`config.map.style`, the basemap-style URL);
 * without one it is a plain background with the street network drawn from the field API
 * (thin lines, unlit streets dashed), enough to see where you are. The page's own data
 * (route, findings, pins, GPS position) are GeoJSON overlays drawn above the basemap.
 * Coordinates are WGS 84 degrees (GeoJSON order: lon, lat); bounds are [[west, south],
 * [east, north]].
 */
(function () {
  "use strict";

  var INK = "#1d2530";

  /* A style of no basemap: a background, the raster override if one is configured. */
  function fallbackStyle(settings) {
    var style = {
      version: 8,
      sources: {},
      layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f5" } }],
    };
    if (settings.basemap) {
      style.sources.basemap = {
        type: "raster", tiles: [settings.basemap], tileSize: 256, maxzoom: 19,
        attribution: settings.basemapAttribution || "",
      };
      style.layers.push({ id: "basemap-raster", type: "raster", source: "basemap" });
    }
    return style;
  }

  /* The map in `element`, fitted to `config.bounds` (at most `config.map.maxFitZoom`, at least
   * `config.map.minFitZoom`). `map.whenReady(fn)` runs fn once the style has loaded. */
  function create(element, config) {
    var settings = (config && config.map) || {};
    var options = {
      container: element,
      style: settings.style || fallbackStyle(settings),
      maxZoom: 19,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      attributionControl: { compact: true },
      cooperativeGestures: false,
    };
    if (config && config.bounds) {
      options.bounds = config.bounds;
      options.fitBoundsOptions = { padding: 16, maxZoom: settings.maxFitZoom || 17 };
    } else {
      options.center = [18.07, 59.33];
      options.zoom = 12;
    }
    var map = new maplibregl.Map(options);
    map.touchZoomRotate.disableRotation();
    map.keyboard.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    if (settings.minFitZoom && map.getZoom() < settings.minFitZoom) map.setZoom(settings.minFitZoom);
    var ready = false;
    var waiting = [];
    map.once("load", function () {
      ready = true;
      waiting.splice(0).forEach(function (fn) { fn(); });
    });
    map.whenReady = function (fn) { if (ready) fn(); else waiting.push(fn); };
    /* The canvas is focusable (arrow keys pan, + and - zoom); name it for screen readers. */
    var label = element.getAttribute("aria-label");
    if (label) map.getCanvas().setAttribute("aria-label", label);
    return map;
  }

  function emptyCollection() { return { type: "FeatureCollection", features: [] }; }

  /* A GeoJSON overlay of points, lines and areas: `colour` property of each feature (a safe
   * hex colour) or options.colour; options: dashed, width, radius, stroke, fillOpacity,
   * lineOpacity, pointsOnly. Returns {id, set(collection), clear(), layers}. */
  function overlay(map, id, options) {
    options = options || {};
    var colour = ["coalesce", ["get", "colour"], options.colour || "#444"];
    var data = emptyCollection();
    var layers = [id + "-fill", id + "-line", id + "-point"];
    map.whenReady(function () {
      map.addSource(id, { type: "geojson", data: data });
      map.addLayer({
        id: id + "-fill", type: "fill", source: id,
        filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": colour, "fill-opacity": options.fillOpacity == null ? 0.3 : options.fillOpacity },
      });
      var linePaint = {
        "line-color": colour,
        "line-width": options.width || 4,
        "line-opacity": options.lineOpacity == null ? 0.95 : options.lineOpacity,
      };
      if (options.dashed) linePaint["line-dasharray"] = [2, 2];
      map.addLayer({
        id: id + "-line", type: "line", source: id,
        filter: ["in", ["geometry-type"], ["literal", ["LineString", "Polygon"]]],
        layout: { "line-cap": "round", "line-join": "round" },
        paint: linePaint,
      });
      map.addLayer({
        id: id + "-point", type: "circle", source: id,
        filter: ["==", ["geometry-type"], "Point"],
        paint: {
          "circle-radius": options.radius || 9,
          "circle-color": colour,
          "circle-opacity": options.dashed ? 0.5 : 1,
          "circle-stroke-color": options.stroke || (options.dashed ? colour : "#fff"),
          "circle-stroke-width": 3,
        },
      });
    });
    var handle = {
      id: id,
      layers: layers,
      set: function (collection) {
        data = collection || emptyCollection();
        var source = map.getSource && map.getSource(id);
        if (source) source.setData(data);
      },
      clear: function () { handle.set(emptyCollection()); },
      data: function () { return data; },
    };
    return handle;
  }

  /* A feature for an overlay: its geometry with a safe colour and a key (a number). */
  function feature(geometry, colour, key) {
    return { type: "Feature", id: key, geometry: geometry, properties: { colour: safeColour(colour, "#444"), key: key } };
  }

  /* Popups of an overlay's features: `linesOf(key)` gives the text lines of a feature. */
  function popups(map, handle, linesOf) {
    var layers = [handle.id + "-point", handle.id + "-line", handle.id + "-fill"];
    map.whenReady(function () {
      layers.forEach(function (layer) {
        map.on("mouseenter", layer, function () { map.getCanvas().style.cursor = "pointer"; });
        map.on("mouseleave", layer, function () { map.getCanvas().style.cursor = ""; });
      });
    });
    map.on("click", function (e) {
      if (map.tryggDrawing) return;
      var present = layers.filter(function (layer) { return map.getLayer(layer); });
      if (!present.length) return;
      var hit = map.queryRenderedFeatures(e.point, { layers: present })[0];
      if (!hit) return;
      openPopup(map, e.lngLat, linesOf(hit.properties.key));
    });
  }

  function openPopup(map, lngLat, lines) {
    return new maplibregl.Popup({ maxWidth: "260px" }).setLngLat(lngLat).setDOMContent(textPopup(lines || [])).addTo(map);
  }

  /* The street network as thin lines (unlit streets dashed), from GeoJSON of the field API. */
  function streetsLayer(map) {
    var id = "trygg-streets";
    var data = emptyCollection();
    map.whenReady(function () {
      /* Under the basemap's labels, so street names stay readable. */
      var label = (map.getStyle().layers || []).find(function (l) { return l.type === "symbol"; });
      var before = label ? label.id : undefined;
      map.addSource(id, { type: "geojson", data: data });
      map.addLayer({
        id: id + "-lit", type: "line", source: id,
        filter: ["!=", ["get", "lit"], "no"],
        paint: { "line-color": "#8a95a5", "line-width": before ? 1.5 : 3, "line-opacity": 0.8 },
      }, before);
      map.addLayer({
        id: id + "-unlit", type: "line", source: id,
        filter: ["==", ["get", "lit"], "no"],
        paint: { "line-color": "#5d6878", "line-width": 2, "line-opacity": 0.9, "line-dasharray": [2, 2] },
      }, before);
    });
    var ids = {};
    return {
      addData: function (collection) {
        (collection.features || []).forEach(function (f) {
          var key = f.id != null ? f.id : JSON.stringify(f.geometry.coordinates[0]);
          if (ids[key]) return;
          ids[key] = true;
          data.features.push({ type: "Feature", geometry: f.geometry, properties: { lit: (f.properties && f.properties.lit) || "" } });
        });
        var source = map.getSource(id);
        if (source) source.setData(data);
        else map.whenReady(function () { map.getSource(id).setData(data); });
      },
    };
  }

  /* Street segments for the visible box, loaded when zoomed in enough. */
  function streetsInView(map, url, minZoom) {
    var layer = streetsLayer(map);
    var loaded = {};
    var timer = null;
    function load() {
      if (map.getZoom() < (minZoom || 15)) return;
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(4); }).join(",");
      if (loaded[box]) return;
      loaded[box] = true;
      fetch(url + "?in_bbox=" + box)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) layer.addData(data); })
        .catch(function () { delete loaded[box]; });
    }
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
    map.whenReady(load);
    return layer;
  }

  /* A circle of `radius` metres around [lon, lat] as a GeoJSON polygon (WGS 84 degrees). */
  function circlePolygon(lon, lat, radius) {
    var ring = [];
    var dLat = radius / 111320;
    var dLon = dLat / Math.max(Math.cos(lat * Math.PI / 180), 0.01);
    for (var i = 0; i <= 48; i++) {
      var a = (i / 48) * 2 * Math.PI;
      ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
    }
    return { type: "Polygon", coordinates: [ring] };
  }

  /* Follow the phone's GPS: a dot and its accuracy circle; `onFix` gets each position. */
  function gps(map, onFix, onError) {
    var state = { last: null };
    var layer = overlay(map, "trygg-gps", { colour: "#0b5cad", fillOpacity: 0.12, width: 1, radius: 8 });
    if (!("geolocation" in navigator)) {
      if (onError) onError();
      return state;
    }
    navigator.geolocation.watchPosition(
      function (position) {
        var c = position.coords;
        state.last = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy };
        layer.set({ type: "FeatureCollection", features: [
          { type: "Feature", geometry: circlePolygon(c.longitude, c.latitude, c.accuracy), properties: {} },
          { type: "Feature", geometry: { type: "Point", coordinates: [c.longitude, c.latitude] }, properties: {} },
        ] });
        if (onFix) onFix(state.last);
      },
      function () { if (onError) onError(); },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 }
    );
    return state;
  }

  /* Keyboard placing: with the map focused, the arrow keys move it (MapLibre's own keys) and
   * Enter or Space gives `onPlace` the point under the cross in the middle (a LngLat). */
  function keyboardPlace(map, onPlace) {
    var canvas = map.getCanvas();
    map.getContainer().classList.add("keyboard-place");
    canvas.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      onPlace(map.getCenter());
    });
  }

  /* The draggable pin of a place being reported (resident form, shift report): `set(lat, lon)`
   * places or moves it; dragging it calls `onMove` with its new LngLat. The pin is placed by
   * the page's own buttons from the keyboard, so it is no tab stop of its own. */
  function placeMarker(map, onMove) {
    var marker = null;
    return {
      set: function (lat, lon) {
        if (marker) { marker.setLngLat([lon, lat]); return; }
        var pin = document.createElement("div");
        pin.className = "pin";
        pin.appendChild(document.createElement("div")).className = "pin-icon";
        marker = new maplibregl.Marker({ element: pin, anchor: "bottom", draggable: true })
          .setLngLat([lon, lat]).addTo(map);
        pin.removeAttribute("tabindex");
        pin.setAttribute("aria-hidden", "true");
        marker.on("dragend", function () { onMove(marker.getLngLat()); });
      },
    };
  }

  /* The bounds [[west, south], [east, north]] of GeoJSON geometries, or null. */
  function boundsOf(geometries) {
    var b = null;
    function add(c) {
      if (typeof c[0] === "number") {
        if (!b) b = [[c[0], c[1]], [c[0], c[1]]];
        b[0][0] = Math.min(b[0][0], c[0]); b[0][1] = Math.min(b[0][1], c[1]);
        b[1][0] = Math.max(b[1][0], c[0]); b[1][1] = Math.max(b[1][1], c[1]);
      } else c.forEach(add);
    }
    geometries.forEach(function (g) { if (g && g.coordinates) add(g.coordinates); });
    return b;
  }

  /* A category colour as stored may hold anything: only #rgb / #rrggbb is used. */
  var HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}){1,2}$/;
  function safeColour(colour, fallback) {
    return typeof colour === "string" && HEX_COLOUR.test(colour) ? colour : (fallback || null);
  }

  /* A popup's content built from text nodes only (names and notes are data, never markup):
   * `lines` are strings, one a line. */
  function textPopup(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, index) {
      if (index) box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line == null ? "" : String(line)));
    });
    return box;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  /* A stable random id of this browser, sent for per-device rate limits. */
  function deviceToken() {
    var key = "trygg-device";
    var token = localStorage.getItem(key);
    if (!token) {
      token = uuid();
      localStorage.setItem(key, token);
    }
    return token;
  }

  /* Headers of every API call: the device token (rate limits) and the page's language, so
   * that messages and links come back in the language the person reads. */
  function apiHeaders(extra) {
    return Object.assign({
      "X-Trygg-Device": deviceToken(),
      "Accept-Language": document.documentElement.lang || "sv",
    }, extra || {});
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }

  /* Category colours come as data-colour attributes (the Content-Security-Policy forbids style
   * attributes); the CSS reads them as the custom property --c. */
  function applyColours(root) {
    (root || document).querySelectorAll("[data-colour]").forEach(function (element) {
      var colour = safeColour(element.dataset.colour);
      if (colour) element.style.setProperty("--c", colour);
    });
  }
  applyColours();

  window.TryggMap = {
    create: create,
    overlay: overlay,
    feature: feature,
    popups: popups,
    openPopup: openPopup,
    streetsLayer: streetsLayer,
    streetsInView: streetsInView,
    gps: gps,
    boundsOf: boundsOf,
    keyboardPlace: keyboardPlace,
    placeMarker: placeMarker,
    safeColour: safeColour,
    textPopup: textPopup,
    uuid: uuid,
    deviceToken: deviceToken,
    apiHeaders: apiHeaders,
    format: format,
    applyColours: applyColours,
    INK: INK,
  };
})();
