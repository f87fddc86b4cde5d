/* The admin's map widget (gis.mapadmin.LocalMapWidget) without inline script: starts Django's
   MapWidget (gis/js/OLMapWidget.js) for every [data-map-widget] from the JSON options beside it,
   on a basemap of the same origin (the street-network tiles) or TRYGG_BASEMAP_URL. */
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
      source: new ol.source.VectorTile({ format: new ol.format.MVT(), url: basemap.url }),
      style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: "#8a939c", width: 2 }) }),
    });
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
