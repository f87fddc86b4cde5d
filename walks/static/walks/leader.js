/* Leader pages: draw a walk's route on the map (tap points), the summary map, and the
 * confirm and print buttons. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  var create = $("leader-config");
  if (create) {
    var config = JSON.parse(create.textContent);
    var map = TryggMap.create($("route-map"), config);
    /* The municipality and its districts as outlines, so the map is readable before the
     * streets appear (zoomed in). */
    var outline = TryggMap.overlay(map, "route-boundary", { colour: "#1d2530", width: 2, fillOpacity: 0 });
    if (config.boundary) outline.set({ type: "FeatureCollection", features: [TryggMap.feature(config.boundary, "#1d2530", 0)] });
    var districts = TryggMap.overlay(map, "route-districts", { colour: "#0b5cad", width: 1, fillOpacity: 0.04, dashed: true });
    districts.set({ type: "FeatureCollection", features: config.districts.map(function (d, i) {
      return TryggMap.feature(d.geometry, "#0b5cad", i);
    }) });
    if (!config.map.style) TryggMap.streetsInView(map, config.api.streets, 15);
    var points = [];
    var route = TryggMap.overlay(map, "route-drawn", { colour: "#0b5cad", width: 5, radius: 5 });
    var hidden = document.querySelector('input[name="route_drawn"]');
    var draw = function () {
      var features = points.map(function (p, i) { return TryggMap.feature({ type: "Point", coordinates: p }, "#0b5cad", i + 1); });
      if (points.length > 1) features.unshift(TryggMap.feature({ type: "LineString", coordinates: points }, "#0b5cad", 0));
      route.set({ type: "FeatureCollection", features: features });
      hidden.value = points.length > 1 ? JSON.stringify({ type: "LineString", coordinates: points }) : "";
      $("route-state").textContent = points.length ? points.length + " ✓" : config.strings.tapRoute;
    };
    if (hidden.value) {
      try { points = JSON.parse(hidden.value).coordinates || []; } catch (e) { points = []; }
    }
    map.on("click", function (e) {
      points.push([Number(e.lngLat.lng.toFixed(7)), Number(e.lngLat.lat.toFixed(7))]);
      draw();
    });
    $("route-undo").addEventListener("click", function () { points.pop(); draw(); });
    $("route-clear").addEventListener("click", function () { points = []; draw(); });
    var district = document.querySelector('select[name="district"]');
    if (district) {
      district.addEventListener("change", function () {
        var match = config.districts.find(function (d) { return String(d.id) === district.value; });
        if (match && match.bounds) map.fitBounds(match.bounds, { animate: false });
      });
    }
    draw();
    window.tryggLeader = { map: map };
  }

  /* Inline event handlers are forbidden by the Content-Security-Policy: wired up here. */
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var summary = $("summary-config");
  if (summary) {
    var cfg = JSON.parse(summary.textContent);
    var smap = TryggMap.create($("summary-map"), cfg);
    if (!cfg.map.style) TryggMap.streetsInView(smap, cfg.api.streets, 15);
    var sroute = TryggMap.overlay(smap, "summary-route", { colour: "#0b5cad", width: 5, lineOpacity: 0.7 });
    if (cfg.route) sroute.set({ type: "FeatureCollection", features: [TryggMap.feature(cfg.route, "#0b5cad", 0)] });
    var found = TryggMap.overlay(smap, "summary-findings");
    var lines = {};
    found.set({ type: "FeatureCollection", features: cfg.findings.features.map(function (f, i) {
      lines[i] = [f.properties.category + " · " + f.properties.severity];
      return TryggMap.feature(f.geometry, f.properties.colour, i);
    }) });
    TryggMap.popups(smap, found, function (key) { return lines[key]; });
    window.tryggSummary = { map: smap };
  }
})();
