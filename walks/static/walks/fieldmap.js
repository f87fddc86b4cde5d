/* Shared map helpers of the field pages (Leaflet, no basemap needed).
 *
 * Without a configured basemap the map shows the street network as thin lines, which is
 * enough to see where you are. Coordinates are WGS 84 (GeoJSON order: lon, lat).
 */
(function () {
  "use strict";

  function create(element, config) {
    var map = L.map(element, { preferCanvas: true, zoomSnap: 0.5, tap: true });
    var settings = (config && config.map) || {};
    if (settings.basemap) {
      L.tileLayer(settings.basemap, {
        maxZoom: 19,
        attribution: settings.basemapAttribution || "",
      }).addTo(map);
    }
    if (config && config.bounds) {
      map.fitBounds(config.bounds, { padding: [16, 16] });
    } else {
      map.setView([59.33, 18.07], 12);
    }
    return map;
  }

  function streetsLayer(map) {
    return L.geoJSON(null, {
      interactive: false,
      style: function (feature) {
        var lit = feature.properties && feature.properties.lit;
        return {
          color: lit === "no" ? "#7d8796" : "#9aa5b5",
          weight: lit === "no" ? 2 : 3,
          dashArray: lit === "no" ? "4 4" : null,
          opacity: 0.9,
        };
      },
    }).addTo(map);
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
        .then(function (data) {
          if (!data) return;
          data.features.forEach(function (f) {
            if (!layer._ids) layer._ids = {};
            if (layer._ids[f.id]) return;
            layer._ids[f.id] = true;
            layer.addData(f);
          });
        })
        .catch(function () { delete loaded[box]; });
    }
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
    load();
    return layer;
  }

  /* Follow the phone's GPS: a dot and its accuracy circle; `onFix` gets each position. */
  function gps(map, onFix, onError) {
    var state = { last: null, dot: null, circle: null };
    if (!("geolocation" in navigator)) {
      if (onError) onError();
      return state;
    }
    navigator.geolocation.watchPosition(
      function (position) {
        var c = position.coords;
        var latlng = [c.latitude, c.longitude];
        state.last = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy };
        if (!state.dot) {
          state.circle = L.circle(latlng, {
            radius: c.accuracy, color: "#0b5cad", weight: 1, fillOpacity: 0.12, interactive: false,
          }).addTo(map);
          state.dot = L.circleMarker(latlng, {
            radius: 8, color: "#fff", weight: 3, fillColor: "#0b5cad", fillOpacity: 1,
          }).addTo(map);
        } else {
          state.dot.setLatLng(latlng);
          state.circle.setLatLng(latlng).setRadius(c.accuracy);
        }
        if (onFix) onFix(state.last);
      },
      function () { if (onError) onError(); },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 }
    );
    return state;
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

  /* Style of a finding or pin of a category colour; `pending` ones are dashed. */
  function styleFor(colour, pending) {
    colour = safeColour(colour);
    return {
      color: colour || "#444",
      weight: 4,
      opacity: 0.95,
      fillColor: colour || "#444",
      fillOpacity: 0.35,
      dashArray: pending ? "6 6" : null,
    };
  }

  function featureLayer(feature, colour, pending) {
    colour = safeColour(colour, "#444");
    return L.geoJSON(feature, {
      style: function () { return styleFor(colour, pending); },
      pointToLayer: function (_f, latlng) {
        return L.circleMarker(latlng, Object.assign(styleFor(colour, pending), {
          radius: 9, color: pending ? colour : "#fff", weight: 3, fillOpacity: pending ? 0.4 : 1,
        }));
      },
    });
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
    streetsLayer: streetsLayer,
    streetsInView: streetsInView,
    gps: gps,
    featureLayer: featureLayer,
    styleFor: styleFor,
    safeColour: safeColour,
    textPopup: textPopup,
    uuid: uuid,
    deviceToken: deviceToken,
    apiHeaders: apiHeaders,
    format: format,
    applyColours: applyColours,
  };
})();
