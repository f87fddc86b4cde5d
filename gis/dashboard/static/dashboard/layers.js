/* The map and its data layers: MapLibre (the classic script vendor/maplibre-gl defines the global
   `maplibregl`) on the basemap (config.basemapStyle: the style of /basemap/style.json, its
   source and layers composed under the data) with vector tiles made in PostGIS (streets, parks, reports, lamps, lux readings,
   vegetation, cameras), GeoJSON overlays fetched from the API (districts, municipal properties, walk routes, ranked
   fixes, Gi* hot spots, the stored hot-spot analysis), the heat map as an image, and the layer
   list that switches them. Coordinates are WGS 84 degrees throughout. */
import { getJson, onThisServer } from "./api.js";
import { config, texts, formatTime } from "./config.js";
import { apiUrl, filterParams, showFilterError, state } from "./filters.js";
import { $, html, setHtml } from "./html.js";
import {
  HEAT_BELOW, HEAT_LAYER_ID, HEAT_SOURCE_ID, LAYER_GROUPS, clusterCount, clusterFilter, clusterRadius, heatLayer, heatLegend,
  styleLayers, triangleImage,
} from "./style.js";

const { maplibregl } = window;
let map = null;

/** A vector tile URL template of a tile layer; with the report filters if `filtered`, and a
    cache-busting `_` parameter if `bust` is given (after a change the tiles must show). */
function tileUrl(layer, filtered, bust) {
  const query = filtered ? filterParams() : new URLSearchParams({ municipality: config.municipality });
  if (bust) query.set("_", bust);
  return onThisServer(config.api.tile.replace("{layer}", layer)) + "?" + query.toString();
}

const vectorSource = (layer, filtered, minzoom) => ({
  type: "vector",
  tiles: [tileUrl(layer, filtered)],
  minzoom: minzoom || 0,
  maxzoom: 16,
});
const emptyGeoJson = () => ({ type: "geojson", data: { type: "FeatureCollection", features: [] } });

/** The map's sources: tile layers (each from its minimum zoom), and GeoJSON overlays that start
    empty and are filled when their layer is switched on. */
function mapSources() {
  const sources = {
    streets: vectorSource("streets", false, 11),
    green: vectorSource("green", false, 11),
    reports: vectorSource("reports", true),
    lamps: vectorSource("lamps", false, 13),
    lux: vectorSource("lux", false, 13),
    vegetation: vectorSource("vegetation", false, 13),
    cameras: vectorSource("cameras", false, 13),
    districts: { type: "geojson", data: apiUrl(config.api.districts) },
    properties: { type: "geojson", data: apiUrl(config.api.properties) },
    routes: emptyGeoJson(),
    fixes: emptyGeoJson(),
    hotspots: emptyGeoJson(),
    stored: emptyGeoJson(),
    selected: emptyGeoJson(),
  };
  // The basemap's source (vector tiles of /basemap/, or the raster of TRYGG_BASEMAP_URL).
  return Object.assign(sources, (config.basemapStyle && config.basemapStyle.sources) || {});
}

/** The map's style: the basemap's glyphs (labels), the sources, the layers bottom to top. */
function mapStyle() {
  const style = { version: 8, sources: mapSources(), layers: styleLayers(state.layers) };
  if (config.basemapStyle && config.basemapStyle.glyphs) style.glyphs = config.basemapStyle.glyphs;
  return style;
}

/** Create the map in #map, fitted to the municipality's bounds, with its controls and the
    incident symbol. `document.body.dataset.mapIdle` holds the time the map last went idle. */
export function createMap() {
  map = new maplibregl.Map({
    container: "map",
    style: mapStyle(),
    bounds: config.bounds,
    fitBoundsOptions: { padding: 24 },
    hash: true,
    maxZoom: 20,
    // The vector basemap's source credits OpenStreetMap; over a raster basemap the data layers
    // (streets, lamps, parks) still do.
    attributionControl: { compact: false, customAttribution: config.basemap ? "© OpenStreetMap contributors (ODbL)" : undefined },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
  map.on("styleimagemissing", (event) => {
    if (event.id === "triangle" && !map.hasImage("triangle")) map.addImage("triangle", triangleImage(), { sdf: true });
  });
  map.on("load", () => {
    if (!map.hasImage("triangle")) map.addImage("triangle", triangleImage(), { sdf: true });
  });
  map.on("idle", () => {
    document.body.dataset.mapIdle = String(Date.now());
  });
  return map;
}

// --- the layer list ---------------------------------------------------------------------------
/** Build the layer list (a checkbox and a legend per group); `onToggle()` runs after a group was
    switched on or off (the state already says which). */
export function buildLayerList({ onToggle }) {
  const list = $("#layer-list");
  setHtml(
    list,
    html`${LAYER_GROUPS.map(
      (group) => html`<li data-group="${group.id}">
        <label><input type="checkbox" id="layer-${group.id}" value="${group.id}"${state.layers.has(group.id) ? html` checked` : ""}> ${texts["layer_" + group.id]}</label>
        <div class="legend">${group.legend()}</div></li>`,
    )}`,
  );
  list.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") return;
    if (box.checked) state.layers.add(box.value);
    else state.layers.delete(box.value);
    onToggle();
  });
}

/** Show the style layers of the switched-on groups, hide the others (and their legends), and
    count in the clusters only the reports of switched-on report layers. */
export function applyLayerVisibility() {
  for (const group of LAYER_GROUPS) {
    const on = state.layers.has(group.id);
    for (const id of group.layers) {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    }
    const item = document.querySelector(`#layer-list li[data-group="${group.id}"]`);
    if (item) item.classList.toggle("off", !on);
  }
  if (map.getLayer("clusters-circle")) {
    const count = clusterCount(state.layers);
    map.setFilter("clusters-circle", clusterFilter(count));
    map.setPaintProperty("clusters-circle", "circle-radius", clusterRadius(count));
  }
}

// --- refreshing ---------------------------------------------------------------------------------
/** Point the report tiles at the current filters (`bust`: fetch them anew even if unchanged). */
export function refreshReports(bust) {
  const source = map.getSource("reports");
  if (source) source.setTiles([tileUrl("reports", true, bust)]);
}

/** Reload the switched-on overlays that follow the filters: routes, hot spots, the stored
    analysis and the heat map. */
export function refreshOverlays() {
  if (!map.isStyleLoaded() && !map.getSource("routes")) return;
  if (state.layers.has("routes")) map.getSource("routes").setData(apiUrl(config.api.routes));
  if (state.layers.has("hotspots")) refreshHotspots();
  if (state.layers.has("stored")) refreshStored();
  if (state.layers.has("heat")) refreshHeat();
}

/** Gi* hot spots of the filtered reports, computed on request; the legend tells the cells and
    the analysis' cell size and distance band (metres). */
async function refreshHotspots() {
  try {
    const data = await getJson(apiUrl(config.api.hotspots));
    map.getSource("hotspots").setData(data);
    const summary = $("#hot-summary");
    if (summary) summary.textContent = texts.hotCells.replace("{n}", data.features.length) + ` · ${data.cell_size_m} m / ${data.distance_m} m`;
  } catch (error) {
    showFilterError(error);
  }
}

/** The latest stored hot-spot analysis run (none yet: HTTP 404, the legend says so). */
async function refreshStored() {
  try {
    const data = await getJson(apiUrl(config.api.hotspots, { run: "latest" }));
    map.getSource("stored").setData(data);
    $("#stored-summary").textContent = `${texts.storedRun} ${formatTime(data.created_at)} (${data.features.length})`;
  } catch (error) {
    if (error.status !== 404) showFilterError(error);
  }
}

/** The heat map of the filtered reports: a PNG in WGS 84 corners drawn below the hot spots. */
async function refreshHeat() {
  try {
    const heat = await getJson(apiUrl(config.api.heatmap));
    const legend = $("#heat-legend");
    if (heat.empty) {
      if (map.getLayer(HEAT_LAYER_ID)) map.setLayoutProperty(HEAT_LAYER_ID, "visibility", "none");
      if (legend) legend.textContent = texts.noReports;
      return;
    }
    const url = onThisServer(heat.url);
    const source = map.getSource(HEAT_SOURCE_ID);
    if (source) {
      source.updateImage({ url, coordinates: heat.coordinates });
    } else {
      map.addSource(HEAT_SOURCE_ID, { type: "image", url, coordinates: heat.coordinates });
      map.addLayer(heatLayer(), HEAT_BELOW);
    }
    map.setLayoutProperty(HEAT_LAYER_ID, "visibility", state.layers.has("heat") ? "visible" : "none");
    if (legend) setHtml(legend, heatLegend(heat));
  } catch (error) {
    showFilterError(error);
  }
}
