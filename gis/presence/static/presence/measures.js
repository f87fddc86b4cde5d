// Presence measures: the map of the list, the form and the measure's page (MapLibre, as the
// import page). No inline code (CSP): the areas come from json_script, settings from data-*.
// On the form a click on the map sets the point (lon, lat fields) and draws the radius' circle.
(function () {
  "use strict";

  const element = document.getElementById("measure-map");
  const data = document.getElementById("measure-areas");
  if (!element || !data || typeof maplibregl === "undefined") return;
  const areas = JSON.parse(data.textContent);
  const centre = (element.dataset.centre || "0,0").split(",").map(Number);
  const map = new maplibregl.Map({
    container: element,
    style: element.dataset.style,
    center: centre,
    zoom: 13,
    attributionControl: { compact: true },
  });
  window.tryggMeasureMap = map;

  const lon = document.getElementById("id_lon");
  const lat = document.getElementById("id_lat");
  const radius = document.getElementById("id_radius_m");
  const district = document.getElementById("id_district");

  // A circle of `metres` around [lon, lat] as a GeoJSON polygon (64 corners).
  function circle(lonlat, metres) {
    const ring = [];
    const dLat = metres / 111320;
    const dLon = dLat / Math.cos((lonlat[1] * Math.PI) / 180);
    for (let k = 0; k <= 64; k += 1) {
      const a = (2 * Math.PI * k) / 64;
      ring.push([lonlat[0] + dLon * Math.cos(a), lonlat[1] + dLat * Math.sin(a)]);
    }
    return { type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: {} };
  }

  function picked() {
    if (!lon || !lat || lon.value === "" || lat.value === "") return null;
    const point = [Number(lon.value), Number(lat.value)];
    if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) return null;
    return point;
  }

  function showPick() {
    const source = map.getSource("pick");
    if (!source) return;
    const point = picked();
    const metres = Number(radius && radius.value) || 150;
    source.setData({ type: "FeatureCollection", features: point ? [circle(point, metres)] : [] });
    element.dataset.picked = point ? point.join(",") : "";
  }

  map.on("load", function () {
    map.addSource("areas", { type: "geojson", data: areas });
    map.addLayer({ id: "areas-fill", type: "fill", source: "areas",
      paint: { "fill-color": "#1f6feb", "fill-opacity": 0.25 } });
    map.addLayer({ id: "areas-line", type: "line", source: "areas",
      paint: { "line-color": "#0b3d91", "line-width": 2 } });
    const bounds = new maplibregl.LngLatBounds();
    const extend = (c) => (typeof c[0] === "number" ? bounds.extend(c) : c.forEach(extend));
    areas.features.forEach((f) => extend(f.geometry.coordinates));
    if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 40, maxZoom: 16, duration: 0 });
    element.dataset.areas = String(areas.features.length);
    if (!element.dataset.pick) {
      map.on("click", "areas-fill", function (event) {
        const url = event.features[0] && event.features[0].properties.url;
        if (url && url.charAt(0) === "/") window.location.assign(url);
      });
      return;
    }
    map.addSource("pick", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "pick-fill", type: "fill", source: "pick",
      paint: { "fill-color": "#d1242f", "fill-opacity": 0.2 } });
    map.addLayer({ id: "pick-line", type: "line", source: "pick",
      paint: { "line-color": "#d1242f", "line-width": 2 } });
    map.on("click", function (event) {
      lon.value = event.lngLat.lng.toFixed(6);
      lat.value = event.lngLat.lat.toFixed(6);
      if (district) district.value = "";
      showPick();
    });
    [lon, lat, radius].forEach((input) => input && input.addEventListener("input", showPick));
    showPick();
    element.dataset.ready = "1";
  });
})();
