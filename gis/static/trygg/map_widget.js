/* The admin's map widget (gis.mapadmin.LocalMapWidget) without inline script: starts Django's
   MapWidget (gis/js/OLMapWidget.js) for every [data-map-widget] from the JSON options beside it,
   on the basemap of the same origin (the vector tiles of /basemap/: water, land use, parks,
   buildings, rail and roads, in the dashboard's colours; no labels) or TRYGG_BASEMAP_URL. */
/* global ol, MapWidget */
"use strict";

(function () {
  function baseLayer(basemap) {
    if (basemap.kind === "xyz") {
      return new ol.layer.Tile({
        source: new ol.source.XYZ({ url: basemap.url, attributions: basemap.attribution || undefined }),
      });
    }
    return new ol.layer.VectorTile({
      source: new ol.source.VectorTile({
        format: new ol.format.MVT(),
        url: basemap.url,
        maxZoom: 16,
        attributions: "© OpenStreetMap contributors",
      }),
      style: basemapStyle,
      background: "#f4f2ee",
    });
  }

  // The basemap's look (as layers/basemap_style.py), one style per MVT layer.
  const fill = (colour, line) =>
    new ol.style.Style({
      fill: new ol.style.Fill({ color: colour }),
      stroke: line ? new ol.style.Stroke({ color: line, width: 1 }) : undefined,
    });
  const line = (colour, width, dash) =>
    new ol.style.Style({ stroke: new ol.style.Stroke({ color: colour, width: width, lineDash: dash }) });
  const STYLES = {
    water: fill("#c9dce8"),
    landuse: fill("#ece9e3"),
    park: fill("#dde9d5"),
    building: fill("#e3dfd8", "#d3cdc4"),
    rail: line("#b7b2aa", 1.2, [4, 3]),
  };
  const ROAD = [line("#d9d5ce", 5), line("#ffffff", 3)];
  const PATH = line("#d9d5ce", 1.5);

  function basemapStyle(feature) {
    const layer = feature.get("layer");
    if (layer === "road") return feature.get("minor") ? PATH : ROAD;
    return STYLES[layer];
  }

  function start(wrapper) {
    const options = JSON.parse(wrapper.querySelector('script[type="application/json"]').textContent);
    const module = options.module;
    options.base_layer = baseLayer(options.basemap);
    delete options.module;
    delete options.basemap;
    // The global name Django's inline script gave the widget, for code that looks it up.
    window[module] = new MapWidget(options);
  }

  function startAll() {
    document.querySelectorAll("[data-map-widget]").forEach(start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
