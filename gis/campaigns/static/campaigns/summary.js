/* The map of a digital walk's summary (staff page and public results): the area, a heat map of
 * the marked places, the avoided ways drawn together, the avoided places, and the most named
 * places with their rank. Names come as data and are shown as text only (TryggMap.textPopup). */
(function () {
  "use strict";
  var node = document.getElementById("summary-config");
  var element = document.getElementById("cp-summary-map");
  if (!node || !element || !window.maplibregl) return;
  var config = JSON.parse(node.textContent);
  var map = window.TryggMap.create(element, config);
  var layers = config.layers || {};

  var area = window.TryggMap.overlay(map, "cp-area", { colour: "#1d2530", fillOpacity: 0.04, width: 2, dashed: true });
  if (config.area) area.set({ type: "FeatureCollection", features: [{ type: "Feature", geometry: config.area, properties: {} }] });

  map.whenReady(function () {
    map.addSource("cp-heat", { type: "geojson", data: layers.heat || { type: "FeatureCollection", features: [] } });
    map.addLayer({
      id: "cp-heat", type: "heatmap", source: "cp-heat",
      paint: {
        "heatmap-weight": ["get", "value"],
        "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 12, 12, 17, 40],
        "heatmap-opacity": 0.6,
      },
    });
  });
  window.TryggMap.overlay(map, "cp-areas", { colour: "#6a3d9a", fillOpacity: 0.2, width: 2 }).set(layers.areas);
  window.TryggMap.overlay(map, "cp-ways", { colour: "#b3261e", width: 4, lineOpacity: 0.45 }).set(layers.ways);
  var places = window.TryggMap.overlay(map, "cp-places", { colour: "#0b5cad", radius: 11 });
  var byKey = {};
  var features = ((layers.places || {}).features || []).map(function (f) {
    var key = f.properties.rank;
    byKey[key] = f.properties;
    return window.TryggMap.feature(f.geometry, "#0b5cad", key);
  });
  places.set({ type: "FeatureCollection", features: features });
  window.TryggMap.popups(map, places, function (key) {
    var p = byKey[key] || {};
    return [key + ". " + (p.name || ""), String(p.answers || 0)];
  });
})();
