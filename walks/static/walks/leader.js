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
    if (config.boundary) {
      L.geoJSON(config.boundary, { interactive: false, style: { color: "#1d2530", weight: 2, fill: false } }).addTo(map);
    }
    config.districts.forEach(function (d) {
      L.geoJSON(d.geometry, { interactive: false, style: { color: "#0b5cad", weight: 1, dashArray: "4 4", fillOpacity: 0.04 } }).addTo(map);
    });
    TryggMap.streetsInView(map, config.api.streets, 15);
    var points = [];
    var line = L.polyline([], { color: "#0b5cad", weight: 5 }).addTo(map);
    var dots = L.layerGroup().addTo(map);
    var hidden = document.querySelector('input[name="route_drawn"]');
    var draw = function () {
      var latlngs = points.map(function (p) { return [p[1], p[0]]; });
      line.setLatLngs(latlngs);
      dots.clearLayers();
      latlngs.forEach(function (ll) { dots.addLayer(L.circleMarker(ll, { radius: 5, color: "#0b5cad" })); });
      hidden.value = points.length > 1 ? JSON.stringify({ type: "LineString", coordinates: points }) : "";
      $("route-state").textContent = points.length ? points.length + " ✓" : config.strings.tapRoute;
    };
    if (hidden.value) {
      try { points = JSON.parse(hidden.value).coordinates || []; } catch (e) { points = []; }
    }
    map.on("click", function (e) {
      points.push([Number(e.latlng.lng.toFixed(7)), Number(e.latlng.lat.toFixed(7))]);
      draw();
    });
    $("route-undo").addEventListener("click", function () { points.pop(); draw(); });
    $("route-clear").addEventListener("click", function () { points = []; draw(); });
    var district = document.querySelector('select[name="district"]');
    if (district) {
      district.addEventListener("change", function () {
        var match = config.districts.find(function (d) { return String(d.id) === district.value; });
        if (match && match.bounds) map.fitBounds(match.bounds);
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
    TryggMap.streetsInView(smap, cfg.api.streets, 15);
    if (cfg.route) L.geoJSON(cfg.route, { style: { color: "#0b5cad", weight: 5, opacity: 0.7 } }).addTo(smap);
    cfg.findings.features.forEach(function (f) {
      TryggMap.featureLayer(f, f.properties.colour, false)
        .bindPopup(TryggMap.textPopup([f.properties.category + " · " + f.properties.severity]))
        .addTo(smap);
    });
  }
})();
