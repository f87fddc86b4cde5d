/* The phone app of a safety walk: pick a role, see the route, the streets and your position,
 * add findings (point, stretch of path or area; by tapping or by GPS) and audits. Everything
 * goes through the outbox (IndexedDB), so nothing is lost without a connection; the service
 * worker keeps the page, MapLibre, the basemap of the walk's area and the walk's data for
 * offline use.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("walk-config").textContent);
  var categories = JSON.parse(document.getElementById("walk-categories").textContent);
  var S = config.strings;
  var colours = {};
  categories.forEach(function (c) { colours[c.code] = c.colour; });
  var $ = function (id) { return document.getElementById(id); };
  var closed = config.status === "closed";

  /* ---- offline shell: service worker + cache of this walk's page and data ------------ */
  var DATA_CACHE = "trygg-walk-data";
  function cacheWalk() {
    if (!("caches" in window)) return;
    caches.open(DATA_CACHE).then(function (cache) {
      return cache.addAll([config.page, config.api.walk, config.api.streets, config.api.stops]);
    }).catch(function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw).catch(function () {});
  }
  if (navigator.onLine) cacheWalk();

  /* ---- offline basemap: the style, its glyphs and sprite, and the tiles of the walk's area
   * at the zooms a walker uses, kept in their own cache (the service worker answers from it
   * when there is no connection). */
  var BASEMAP_CACHE = "trygg-walk-basemap";
  var OFFLINE_ZOOMS = [13, 14, 15, 16, 17];
  var MAX_TILES = 400;
  var MARGIN_DEG = 0.004;  /* about 250-450 m around the area, in WGS 84 degrees */
  var GLYPH_RANGES = ["0-255", "256-511", "8192-8447"];

  function tileX(lon, z) { return Math.floor((lon + 180) / 360 * Math.pow(2, z)); }
  function tileY(lat, z) {
    var r = lat * Math.PI / 180;
    return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * Math.pow(2, z));
  }
  /* The tiles [z, x, y] covering `bounds` at OFFLINE_ZOOMS, without the highest zooms when
   * they would pass MAX_TILES. */
  function tilesOf(bounds, minzoom, maxzoom) {
    var w = bounds[0][0] - MARGIN_DEG, s = bounds[0][1] - MARGIN_DEG;
    var e = bounds[1][0] + MARGIN_DEG, n = bounds[1][1] + MARGIN_DEG;
    var tiles = [];
    OFFLINE_ZOOMS.forEach(function (z) {
      if (z < minzoom || z > maxzoom) return;
      var level = [];
      for (var x = tileX(w, z); x <= tileX(e, z); x++) {
        for (var y = tileY(n, z); y <= tileY(s, z); y++) level.push([z, x, y]);
      }
      if (tiles.length + level.length <= MAX_TILES) tiles = tiles.concat(level);
    });
    return tiles;
  }
  function fontStacks(style) {
    var stacks = {};
    (style.layers || []).forEach(function (layer) {
      var font = layer.layout && layer.layout["text-font"];
      if (Array.isArray(font) && font.every(function (f) { return typeof f === "string"; })) stacks[font.join(",")] = true;
      else if (Array.isArray(font) && font[0] === "literal" && Array.isArray(font[1])) stacks[font[1].join(",")] = true;
    });
    return Object.keys(stacks);
  }
  function absolute(url) { return new URL(url, location.href).href; }
  function cacheBasemap() {
    var styleUrl = config.map && config.map.style;
    var bounds = config.bounds;
    if (!styleUrl || !bounds || !("caches" in window)) return Promise.resolve(null);
    return fetch(styleUrl).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.clone().json().then(function (style) { return { style: style, response: r }; });
    }).then(function (got) {
      var style = got.style;
      var urls = [];
      Object.keys(style.sources || {}).forEach(function (name) {
        var source = style.sources[name];
        if (source.type !== "vector" || !source.tiles) return;
        tilesOf(bounds, source.minzoom || 0, source.maxzoom || 22).forEach(function (t) {
          urls.push(absolute(source.tiles[0].replace("{z}", t[0]).replace("{x}", t[1]).replace("{y}", t[2])));
        });
      });
      var tileCount = urls.length;
      if (style.glyphs) {
        fontStacks(style).forEach(function (stack) {
          GLYPH_RANGES.forEach(function (range) {
            urls.push(absolute(style.glyphs.replace("{fontstack}", encodeURIComponent(stack)).replace("{range}", range)));
          });
        });
      }
      var sprites = typeof style.sprite === "string" ? [style.sprite] :
        (Array.isArray(style.sprite) ? style.sprite.map(function (s) { return s.url; }) : []);
      sprites.forEach(function (sprite) {
        ["", "@2x"].forEach(function (ratio) {
          urls.push(absolute(sprite + ratio + ".json"), absolute(sprite + ratio + ".png"));
        });
      });
      return caches.open(BASEMAP_CACHE).then(function (cache) {
        cache.put(absolute(styleUrl), got.response);
        var bytes = 0;
        var stored = 0;
        return Promise.all(urls.map(function (url) {
          return fetch(url).then(function (r) {
            if (!r.ok) return null;
            return r.clone().arrayBuffer().then(function (body) {
              bytes += body.byteLength;
              stored += 1;
              return cache.put(url, r);
            });
          }).catch(function () { return null; });
        })).then(function () {
          var summary = { tiles: tileCount, files: stored, bytes: bytes };
          document.body.dataset.basemapCached = String(stored);
          return summary;
        });
      });
    }).catch(function () { return null; });
  }
  var basemapCached = navigator.onLine ? cacheBasemap() : Promise.resolve(null);

  /* ---- who am I on this walk --------------------------------------------------------- */
  var device = TryggMap.deviceToken();
  var profileKey = "trygg-walk-" + config.code;
  var profile = JSON.parse(localStorage.getItem(profileKey) || "null");

  var outbox = new TryggOutbox(config.code, {
    headers: TryggMap.apiHeaders(),
    onChange: function () { scheduleRender(); },
  });

  function chooseRole(role) {
    profile = { role: role, name: ($("wa-name").value || "").trim() };
    localStorage.setItem(profileKey, JSON.stringify(profile));
    closeSheet($("wa-role"), $("wa-tap"));
    outbox.add({
      id: "join-" + device,
      kind: "join",
      url: config.api.join,
      json: { device_token: device, role: profile.role, display_name: profile.name },
    });
    renderRole();
  }
  document.querySelectorAll("[data-role]").forEach(function (button) {
    button.addEventListener("click", function () { chooseRole(button.dataset.role); });
  });
  function renderRole() {
    var label = document.querySelector('[data-role="' + (profile && profile.role) + '"]');
    $("wa-me").textContent = label ? label.textContent.trim() : "";
  }
  /* A sheet (role, finding, audit, my list) takes the focus when it opens, and gives it back
   * to `back` when it closes, so the keyboard never has to travel through the page. */
  function openSheet(sheet) {
    sheet.hidden = false;
    var first = sheet.querySelector("input:not([type=hidden]), button, textarea");
    if (first) first.focus({ preventScroll: true });
  }
  function closeSheet(sheet, back) {
    var inside = sheet.contains(document.activeElement);
    sheet.hidden = true;
    if (inside && back) back.focus({ preventScroll: true });
  }
  $("wa-change-role").addEventListener("click", function () { openSheet($("wa-role")); });
  if (!profile) openSheet($("wa-role"));
  renderRole();

  /* ---- the map: route, streets, everyone's findings, my queue, my position ----------- */
  var map = TryggMap.create($("wa-map"), config);
  var streets = TryggMap.streetsLayer(map);
  var routeLayer = TryggMap.overlay(map, "wa-route", { colour: "#0b5cad", width: 6, lineOpacity: 0.75, fillOpacity: 0.08 });
  var sharedLayer = TryggMap.overlay(map, "wa-shared");
  var mineLayer = TryggMap.overlay(map, "wa-mine", { dashed: true });
  var draftLayer = TryggMap.overlay(map, "wa-draft", { colour: "#111", dashed: true, radius: 6, stroke: "#111" });
  var serverIds = {};
  var popupLines = {};
  TryggMap.popups(map, sharedLayer, function (key) { return popupLines[key]; });
  var routeBounds = null;

  function getJson(url) {
    return fetch(url, { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  getJson(config.api.walk).then(function (walk) {
    if (walk.geometry) {
      routeLayer.set({ type: "FeatureCollection", features: [TryggMap.feature(walk.geometry, "#0b5cad", 0)] });
      routeBounds = TryggMap.boundsOf([walk.geometry]);
      fitView();
    }
  }).catch(function () {});
  getJson(config.api.streets).then(function (data) { streets.addData(data); }).catch(function () {});

  function loadShared() {
    return getJson(config.api.findings + "?limit=2000").then(function (data) {
      serverIds = {};
      popupLines = {};
      var features = data.features.map(function (f, index) {
        serverIds[f.properties.client_uuid] = true;
        var cat = categories.find(function (c) { return c.code === f.properties.category; });
        var lines = [(cat ? cat.name : "") + " · " + f.properties.severity];
        if (f.properties.note) lines.push(f.properties.note);
        popupLines[index] = lines;  /* shown as text nodes: data never becomes markup */
        return TryggMap.feature(f.geometry, colours[f.properties.category], index);
      });
      sharedLayer.set({ type: "FeatureCollection", features: features });
      scheduleRender();
    }).catch(function () {});
  }
  loadShared();
  setInterval(function () { if (navigator.onLine) loadShared(); }, 15000);

  var gps = TryggMap.gps(map, function (fix) {
    $("wa-gps").textContent = TryggMap.format(S.gpsAccuracy, { m: Math.round(fix.accuracy) });
    if (!gps.shown) {
      gps.shown = true;
      fitView();
    }
  });

  /* Metres between two [lon, lat] points (WGS 84 degrees, a sphere is close enough here). */
  function metres(a, b) {
    var k = Math.PI / 180;
    var x = (b[0] - a[0]) * k * Math.cos((a[1] + b[1]) / 2 * k);
    var y = (b[1] - a[1]) * k;
    return Math.sqrt(x * x + y * y) * 6371000;
  }

  /* Show the route, with the phone's position when it is near the route. */
  function fitView() {
    var bounds = routeBounds || config.bounds;
    var fix = gps && gps.last;
    if (fix) {
      var here = [fix.lon, fix.lat];
      var centre = bounds ? [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2] : null;
      if (!bounds || metres(centre, here) > 3000) {
        map.jumpTo({ center: here, zoom: 17 });
        return;
      }
      bounds = [[Math.min(bounds[0][0], here[0]), Math.min(bounds[0][1], here[1])],
        [Math.max(bounds[1][0], here[0]), Math.max(bounds[1][1], here[1])]];
    }
    if (bounds) map.fitBounds(bounds, { padding: 24, maxZoom: 17, animate: false });
  }

  /* ---- network state and counts ----------------------------------------------------- */
  function renderNet() {
    var online = navigator.onLine;
    $("wa-net").textContent = online ? S.online : S.offline;
    $("wa-net").classList.toggle("off", !online);
  }
  window.addEventListener("online", renderNet);
  window.addEventListener("offline", renderNet);
  renderNet();

  var renderTimer = null;
  function scheduleRender() {
    clearTimeout(renderTimer);
    renderTimer = setTimeout(render, 50);
  }

  function render() {
    outbox.all().then(function (items) {
      var counts = { queued: 0, saved: 0, rejected: 0 };
      var photosPending = 0;
      var list = $("wa-mine-list");
      list.innerHTML = "";
      var mine = [];
      items.forEach(function (item) {
        if (item.kind === "photo") {
          if (item.state !== "saved" && item.state !== "rejected") photosPending += 1;
          return;
        }
        if (item.kind === "join") return;
        var state = item.state === "sending" ? "queued" : item.state;
        counts[state] += 1;
        if (item.kind === "finding" && item.json && !(state === "saved" && serverIds[item.id])) {
          mine.push(TryggMap.feature(item.json.geometry, colours[item.json.properties.category], mine.length));
        }
        var li = document.createElement("li");
        li.dataset.state = state;
        li.dataset.id = item.id;
        var text = document.createElement("span");
        text.textContent = item.label || item.kind;
        if (item.error && state === "rejected") text.textContent += " — " + item.error;
        var badge = document.createElement("span");
        badge.className = "state " + state;
        badge.textContent = S[state] || state;
        li.appendChild(text);
        li.appendChild(badge);
        list.insertBefore(li, list.firstChild);
      });
      mineLayer.set({ type: "FeatureCollection", features: mine });
      $("wa-queued").textContent = counts.queued;
      $("wa-saved").textContent = counts.saved;
      $("wa-photos-pending").textContent = photosPending ? "(+" + photosPending + " " + S.photos + ")" : "";
    });
  }

  /* ---- drawing: point, stretch of path or area, by taps or GPS positions ------------- */
  var draft = null;

  function shape() {
    var checked = document.querySelector('input[name="wa-shape"]:checked');
    return checked ? checked.value : "Point";
  }

  function startDraft(source) {
    if (closed) return alert(S.closed);
    if (!profile) { openSheet($("wa-role")); return; }
    draft = { shape: shape(), points: [], source: source, accuracy: null };
    $("wa-draw").hidden = false;
    $("wa-draw-help").textContent = draft.shape === "Point" ? S.tapPoint :
      draft.shape === "LineString" ? S.tapLine : S.tapArea;
    $("wa-done").hidden = draft.shape === "Point";
    $("wa-undo").hidden = draft.shape === "Point";
    if (source === "gps") addGpsPoint();
    drawDraft();
  }

  function addGpsPoint() {
    if (!gps.last) { alert(S.noGps); return false; }
    draft.accuracy = draft.accuracy === null ? gps.last.accuracy : Math.max(draft.accuracy, gps.last.accuracy);
    addPoint([gps.last.lon, gps.last.lat]);
    return true;
  }

  function addPoint(lonlat) {
    draft.points.push([Number(lonlat[0].toFixed(7)), Number(lonlat[1].toFixed(7))]);
    drawDraft();
    if (draft.shape === "Point") finishDraft();
  }

  function drawDraft() {
    map.tryggDrawing = !!draft;  /* taps draw; they open no popup meanwhile */
    if (!draft) { draftLayer.clear(); return; }
    var features = draft.points.map(function (p, i) {
      return TryggMap.feature({ type: "Point", coordinates: p }, "#f2b705", i + 1);
    });
    if (draft.points.length > 1) {
      var geometry = draft.shape === "Polygon" && draft.points.length > 2 ?
        { type: "Polygon", coordinates: [draft.points.concat([draft.points[0]])] } :
        { type: "LineString", coordinates: draft.points };
      features.unshift(TryggMap.feature(geometry, "#111", 0));
    }
    draftLayer.set({ type: "FeatureCollection", features: features });
  }

  function cancelDraft() {
    draft = null;
    $("wa-draw").hidden = true;
    drawDraft();
  }

  function geometryOf(d) {
    if (d.shape === "Point") return { type: "Point", coordinates: d.points[0] };
    if (d.shape === "LineString") return { type: "LineString", coordinates: d.points };
    return { type: "Polygon", coordinates: [d.points.concat([d.points[0]])] };
  }

  function finishDraft() {
    var need = draft.shape === "Point" ? 1 : draft.shape === "LineString" ? 2 : 3;
    if (draft.points.length < need) { alert(S.needMore); return; }
    $("wa-draw").hidden = true;
    openFindingForm();
  }

  map.on("click", function (e) {
    if (!draft) return;
    addPoint([e.lngLat.lng, e.lngLat.lat]);
    if (draft && draft.source === "gps") draft.source = "mixed";
  });
  TryggMap.keyboardPlace(map, function (centre) {
    if (!draft) return;
    addPoint([centre.lng, centre.lat]);
    if (draft && draft.source === "gps") draft.source = "mixed";
  });
  $("wa-tap").addEventListener("click", function (event) {
    startDraft("tap");
    /* Pressed from the keyboard (a click of detail 0), the map takes the focus: the arrows
     * move it, Enter places the point under the cross. */
    if (draft && event.detail === 0) map.getCanvas().focus();
  });
  $("wa-here").addEventListener("click", function () {
    if (draft && draft.shape !== "Point") { addGpsPoint(); return; }
    if (!gps.last) { alert(S.noGps); return; }
    startDraft("gps");
  });
  $("wa-undo").addEventListener("click", function () { if (draft) { draft.points.pop(); drawDraft(); } });
  $("wa-done").addEventListener("click", function () { if (draft) finishDraft(); });
  $("wa-cancel").addEventListener("click", cancelDraft);

  /* ---- the finding form ------------------------------------------------------------- */
  var form = $("wa-finding");
  function openFindingForm() {
    form.reset();
    var when = form.querySelector('input[name="when"][value="' + config.timeOfDay + '"]');
    if (when) when.checked = true;
    $("wa-photo-offer").hidden = true;
    $("wa-form-error").textContent = "";
    openSheet(form);
  }
  $("wa-finding-cancel").addEventListener("click", function () { closeSheet(form, $("wa-tap")); cancelDraft(); });

  $("wa-photos").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file || !navigator.onLine || !draft || draft.source === "gps") return;
    var data = new FormData();
    data.append("photo", file);
    fetch(config.api.photoLocation, { method: "POST", body: data, headers: TryggMap.apiHeaders() })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (pos) {
        if (!pos || pos.lat === null) return;
        $("wa-photo-offer").hidden = false;
        $("wa-photo-use").onclick = function () {
          draft.shape = "Point";
          draft.points = [[pos.lon, pos.lat]];
          draft.accuracy = null;
          drawDraft();
          $("wa-photo-offer").hidden = true;
        };
      }).catch(function () {});
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (!data.get("category")) { $("wa-form-error").textContent = S.pickCategory; return; }
    if (!data.get("severity")) { $("wa-form-error").textContent = S.pickSeverity; return; }
    var id = TryggMap.uuid();
    var category = data.get("category");
    var feature = {
      type: "Feature",
      geometry: geometryOf(draft),
      properties: {
        client_uuid: id,
        category: category,
        severity: Number(data.get("severity")),
        when: data.get("when"),
        note: (data.get("note") || "").trim(),
        gps_accuracy_m: draft.source === "gps" && draft.accuracy !== null ? Math.round(draft.accuracy * 10) / 10 : null,
        observed_at: new Date().toISOString(),
        device_token: device,
        author_role: profile.role,
      },
    };
    var cat = categories.find(function (c) { return c.code === category; });
    var shapeLabel = { Point: S.point, LineString: S.line, Polygon: S.area }[draft.shape];
    var files = Array.prototype.slice.call($("wa-photos").files || []);
    outbox.add({
      id: id,
      kind: "finding",
      url: config.api.findings,
      json: feature,
      label: (cat ? cat.name : category) + " · " + feature.properties.severity + " · " + shapeLabel +
        (files.length ? " · " + files.length + " " + S.photos : ""),
    }).then(function () {
      files.forEach(function (file) {
        var photoId = TryggMap.uuid();
        outbox.add({
          id: photoId,
          kind: "photo",
          parent: id,
          url: config.api.findings + id + "/photos/",
          form: { fields: { client_uuid: photoId }, file: file, fileName: file.name || "photo.jpg" },
        });
      });
    });
    closeSheet(form, $("wa-tap"));
    cancelDraft();
  });

  /* ---- the audit form --------------------------------------------------------------- */
  var auditForm = $("wa-audit-form");
  var auditPlace = null;
  $("wa-audit").addEventListener("click", function () {
    if (closed) return alert(S.closed);
    if (!profile) { openSheet($("wa-role")); return; }
    auditForm.reset();
    $("wa-audit-error").textContent = "";
    var c = map.getCenter();  /* LngLat */
    auditPlace = gps.last ? [gps.last.lon, gps.last.lat] : [c.lng, c.lat];
    openSheet(auditForm);
  });
  $("wa-audit-cancel").addEventListener("click", function () { closeSheet(auditForm, $("wa-audit")); });
  auditForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(auditForm);
    var id = TryggMap.uuid();
    var properties = {
      client_uuid: id,
      stop_name: (data.get("stop_name") || "").trim(),
      note: (data.get("note") || "").trim(),
      observed_at: new Date().toISOString(),
      device_token: device,
    };
    var missing = false;
    config.parameters.forEach(function (name) {
      var value = data.get(name);
      if (value === null) missing = true;
      properties[name] = Number(value);
    });
    if (missing) { $("wa-audit-error").textContent = S.auditMissing; return; }
    outbox.add({
      id: id,
      kind: "audit",
      url: config.api.audits,
      json: { type: "Feature", geometry: { type: "Point", coordinates: auditPlace.map(function (v) { return Number(v.toFixed(7)); }) }, properties: properties },
      label: S.audit + (properties.stop_name ? " · " + properties.stop_name : ""),
    });
    closeSheet(auditForm, $("wa-audit"));
  });

  /* ---- the numbered stops of a planned walk: markers, list and ticks ----------------- */
  var stops = [];
  var stopMarkers = [];
  var tickedHere = {};  /* order -> true/false: ticks queued on this phone, newest wins */
  function stopTicked(stop) {
    return Object.prototype.hasOwnProperty.call(tickedHere, stop.order) ? tickedHere[stop.order] : stop.ticked;
  }
  function renderStops() {
    stopMarkers.forEach(function (m) { m.remove(); });
    stopMarkers = stops.map(function (stop) {
      var element = document.createElement("div");
      element.className = "stop-marker" + (stopTicked(stop) ? " ticked" : "");
      element.textContent = String(stop.order);
      element.setAttribute("aria-hidden", "true");
      return new maplibregl.Marker({ element: element }).setLngLat([stop.lon, stop.lat]).addTo(map);
    });
    var list = $("wa-stops-list");
    list.textContent = "";
    stops.forEach(function (stop) {
      var ticked = stopTicked(stop);
      var li = document.createElement("li");
      li.dataset.order = stop.order;
      if (ticked) li.className = "ticked";
      var number = li.appendChild(document.createElement("span"));
      number.className = "stop-no";
      number.textContent = String(stop.order);
      var title = li.appendChild(document.createElement("span"));
      title.className = "stop-title";
      title.textContent = stop.title || stop.kind_label;
      if (stop.why) {
        var why = li.appendChild(document.createElement("p"));
        why.className = "stop-text";
        why.textContent = S.stopWhy + ": " + stop.why;
      }
      if (stop.look_at) {
        var look = li.appendChild(document.createElement("p"));
        look.className = "stop-text";
        look.textContent = S.stopLookAt + ": " + stop.look_at;
      }
      var button = li.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = "btn" + (ticked ? "" : " primary");
      button.dataset.tick = stop.order;
      button.textContent = ticked ? "✓ " + S.stopTicked + " · " + S.stopUntick : S.stopTick;
      button.setAttribute("aria-pressed", ticked ? "true" : "false");
      button.disabled = closed;
      button.addEventListener("click", function () { tick(stop, !stopTicked(stop)); });
      list.appendChild(li);
    });
    var done = stops.filter(stopTicked).length;
    $("wa-stops-btn").hidden = !stops.length;
    $("wa-stops-count").textContent = stops.length ? "(" + done + "/" + stops.length + ")" : "";
  }
  function tick(stop, ticked) {
    if (closed) return alert(S.closed);
    if (!profile) { openSheet($("wa-role")); return; }
    tickedHere[stop.order] = ticked;
    outbox.add({
      id: "stop-" + config.code + "-" + stop.order + "-" + Date.now(),
      kind: "tick",
      url: config.api.stops + stop.order + "/tick/",
      json: { ticked: ticked },
      label: stop.order + ". " + (stop.title || stop.kind_label) + " · " + (ticked ? S.stopTicked : S.stopUntick),
    });
    renderStops();
    var button = $("wa-stops-list").querySelector('[data-tick="' + stop.order + '"]');
    if (button) button.focus({ preventScroll: true });
  }
  function loadStops() {
    return getJson(config.api.stops).then(function (data) {
      stops = data;
      /* Ticks still queued on this phone show as they will be once sent. */
      return outbox.all().then(function (items) {
        var pending = {};
        items.forEach(function (item) {
          if (item.kind !== "tick" || item.state === "saved" || item.state === "rejected") return;
          pending[item.url] = item.json.ticked;
        });
        tickedHere = {};
        stops.forEach(function (stop) {
          var url = config.api.stops + stop.order + "/tick/";
          if (Object.prototype.hasOwnProperty.call(pending, url)) tickedHere[stop.order] = pending[url];
        });
        renderStops();
      });
    }).catch(function () {});
  }
  loadStops();
  setInterval(function () { if (navigator.onLine) loadStops(); }, 30000);
  $("wa-stops-btn").addEventListener("click", function () { openSheet($("wa-stops")); });
  $("wa-stops-close").addEventListener("click", function () { closeSheet($("wa-stops"), $("wa-stops-btn")); });

  /* ---- my list ---------------------------------------------------------------------- */
  $("wa-list-btn").addEventListener("click", function () { openSheet($("wa-mine")); });
  $("wa-mine-close").addEventListener("click", function () { closeSheet($("wa-mine"), $("wa-list-btn")); });

  if (closed) {
    ["wa-tap", "wa-here", "wa-audit"].forEach(function (id) { $(id).disabled = true; });
  }
  outbox.start(2000);
  render();
  window.tryggWalk = { outbox: outbox, map: map, gps: gps, basemapCached: basemapCached, loadStops: loadStops };
})();
