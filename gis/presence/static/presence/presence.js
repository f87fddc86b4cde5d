/* The presence page and a team's list: the planned visits on the field pages' map
 * (walks/static/walks/fieldmap.js, the installation's basemap), numbered in order, with a
 * popup of text only (places are data, never markup); and the print button of a team's list.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("presence-config").textContent);
  var element = document.getElementById("visits-map");
  var printButton = document.getElementById("print-list");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  if (!element || typeof maplibregl === "undefined") return;

  var features = config.visits.features;
  var bounds = TryggMap.boundsOf(features.map(function (f) { return f.geometry; })) || config.bounds;
  var map = TryggMap.create(element, { map: config.map, bounds: bounds });
  var visits = TryggMap.overlay(map, "visits", { colour: "#005a9c", radius: 8 });
  visits.set({ type: "FeatureCollection", features: features });
  map.whenReady(function () {
    map.addLayer({
      id: "visits-number", type: "symbol", source: "visits",
      layout: { "text-field": ["to-string", ["get", "n"]], "text-size": 11, "text-allow-overlap": true },
      paint: { "text-color": "#ffffff" },
    });
  });
  map.on("click", "visits-point", function (event) {
    var p = event.features[0].properties;
    new maplibregl.Popup({ closeButton: true })
      .setLngLat(event.lngLat)
      .setDOMContent(TryggMap.textPopup([p.n + ". " + p.team, p.when, p.place]))
      .addTo(map);
  });
  window.tryggPresenceMap = map;
})();
