/* What the map looks like: colours, the MapLibre style layers (paint and layout of every symbol)
   and the legends of the layer list. Pure functions of the page's config; no map, no requests.

   Legends are HTML with SVG symbols drawn by presentation attributes (no inline styles, as the
   site's Content-Security-Policy asks); every text in them is escaped by `html`. */
import { config, texts, formatNumber } from "./config.js";
import { html } from "./html.js";

export const FALLBACK_COLOUR = "#888888";
export const INK = "#1d2530";
export const FIX_COLOUR = "#4b2991";
export const ROUTE_COLOUR = "#0b5cad";
export const SELECTION_COLOUR = "#ff00aa";
export const DISTRICT_COLOUR = "#3b4a5a";
export const PROPERTY_COLOUR = "#8c510a";
export const VEGETATION_COLOUR = "#4f9a3f";
export const SIGHTLINE_BLOCKED_COLOUR = "#d7191c";
export const CAMERA_COLOUR = "#4b2fc9";
export const VIEWSHED_COLOUR = "#7b61ff";
export const LAMP_COLOURS = { working: "#f5c400", broken: "#d7191c", unknown: "#9aa3ad" };
export const LIT_COLOURS = { lit: "#f2b705", unlit: "#1b2a6b" };
export const INCIDENT_LEGEND_COLOUR = "#d95f02";
/** Getis-Ord Gi* confidence bins (3: hot at 99 %, … -3: cold at 99 %) and their colours. */
export const HOTSPOT_COLOURS = { 3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
/** Lux classes of the lux readings: [label, colour]; the breaks are 1, 5, 10 and 20 lx. */
export const LUX_STEPS = [["< 1 lx", "#2d004b"], ["1–5 lx", "#6a51a3"], ["5–10 lx", "#9e9ac8"], ["10–20 lx", "#fdb863"], ["≥ 20 lx", "#e66101"]];
/** The lowest colour of the heat map's ramp (the server's legend holds the others). */
export const HEAT_RAMP_START = "#ffffb2";

/** A colour as stored may hold anything: only #rgb / #rrggbb reaches the map style or an SVG. */
export const safeColour = (value, fallback) =>
  typeof value === "string" && /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(value) ? value : fallback || FALLBACK_COLOUR;

// Resident-pin statuses drawn faded (closed) or with a green ring (acted on).
const CLOSED = ["feedback_given", "closed_not_ours", "closed_duplicate", "closed_no_action"];
const ACTED = ["measure_planned", "fixed"];
// Minor ways are drawn thinner on the street basemap.
const MINOR_WAYS = ["footway", "path", "cycleway", "steps", "pedestrian", "track", "service"];

/** MapLibre expression: a feature's category colour. */
const categoryColour = ["match", ["get", "category"]];
for (const category of config.categories) categoryColour.push(category.code, safeColour(category.colour));
categoryColour.push(FALLBACK_COLOUR);

// --- clusters -------------------------------------------------------------------------------
// Zoomed out, the report tiles aggregate points per grid cell (gis.dashboard.tiles): a cluster
// carries `count`, per-source counts, its most frequent category and its highest severity. The
// reports source's maxzoom must not be below the server's POINTS_FROM_ZOOM (16).
const CLUSTER_PARTS = { pins: "residents", findings: "findings", incidents: "incidents" };
const CLUSTER_RADIUS = [[0.3, 7], [1, 9], [2, 13], [3, 17], [4, 21]]; // [log10(count), px]

/** MapLibre expression: a cluster's number of reports of the switched-on report layers. Always
    an expression, also with no report layer on (["+", 0, 0]): a bare number would make
    [">", 0, 0], which MapLibre reads as a legacy filter comparing a property named 0 and
    rejects, so the map lost its cluster layer (/dashboard/?layers=lighting). */
export const clusterCount = (layersOn) => {
  const parts = Object.keys(CLUSTER_PARTS)
    .filter((group) => layersOn.has(group))
    .map((group) => ["coalesce", ["get", CLUSTER_PARTS[group]], 0]);
  return ["+", 0, ...(parts.length ? parts : [0])];
};
/** MapLibre expression: a cluster's radius in px for a count expression. */
export const clusterRadius = (count) => ["interpolate", ["linear"], ["log10", ["max", count, 1]], ...CLUSTER_RADIUS.flat()];
/** MapLibre filter: clusters with at least one report of a count expression. */
export const clusterFilter = (count) => ["all", ["has", "count"], [">", count, 0]];

/** The radius in px the map gives a cluster of `count` reports (linear in log10 between stops). */
function clusterPx(count) {
  const x = Math.log10(count);
  if (x <= CLUSTER_RADIUS[0][0]) return CLUSTER_RADIUS[0][1];
  for (let i = 1; i < CLUSTER_RADIUS.length; i++) {
    const [x0, r0] = CLUSTER_RADIUS[i - 1];
    const [x1, r1] = CLUSTER_RADIUS[i];
    if (x <= x1) return r0 + ((r1 - r0) * (x - x0)) / (x1 - x0);
  }
  return CLUSTER_RADIUS[CLUSTER_RADIUS.length - 1][1];
}

// --- the style layers -------------------------------------------------------------------------
/** The heat map's style layer and image source (added once the first heat map comes). */
export const HEAT_LAYER_ID = "heat-raster";
export const HEAT_SOURCE_ID = "heat";
export const heatLayer = () => ({ id: HEAT_LAYER_ID, type: "raster", source: HEAT_SOURCE_ID, paint: { "raster-opacity": 0.85, "raster-fade-duration": 0 } });
/** The style layer the heat map is drawn below. */
export const HEAT_BELOW = "hotspots-fill";

/** The basemap's style layers (/basemap/style.json, rendered into the config): its ground
    (fills, lines, a raster) and its labels, drawn above the areas of the data but below its
    lines and points. Ids start with "basemap-". */
export const basemapLayers = () => {
  const layers = (config.basemapStyle && config.basemapStyle.layers) || [];
  return { ground: layers.filter((layer) => layer.type !== "symbol"), labels: layers.filter((layer) => layer.type === "symbol") };
};
/** The data layer the basemap's labels are drawn below. */
const LABELS_BELOW = "vegetation-fill";

/** Every MapLibre style layer of the map, bottom to top, for the switched-on layer groups: the
    basemap's, then the data's. */
export function styleLayers(layersOn) {
  const { ground, labels } = basemapLayers();
  // With a basemap its roads and parks are drawn: the street tiles' own lines stay transparent.
  const basemap = ground.length > 0;
  const layers = basemap ? [...ground] : [{ id: "background", type: "background", paint: { "background-color": "#f2efe9" } }];
  const clusters = clusterCount(layersOn);
  layers.push(
    { id: "green-fill", type: "fill", source: "green", "source-layer": "green", paint: { "fill-color": "#cfe6c4", "fill-opacity": basemap ? 0 : 0.9 } },
    {
      id: "streets-casing", type: "line", source: "streets", "source-layer": "streets",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": "#b9c0c9",
        "line-width": ["interpolate", ["linear"], ["zoom"], 12, ["match", ["get", "highway"], MINOR_WAYS, 0.8, 2], 17, ["match", ["get", "highway"], MINOR_WAYS, 3, 12]],
        "line-opacity": basemap ? 0 : 1,
      },
    },
    {
      id: "streets-line", type: "line", source: "streets", "source-layer": "streets",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": ["match", ["get", "highway"], MINOR_WAYS, "#f7f7f5", "#ffffff"],
        "line-width": ["interpolate", ["linear"], ["zoom"], 12, ["match", ["get", "highway"], MINOR_WAYS, 0.4, 1.2], 17, ["match", ["get", "highway"], MINOR_WAYS, 1.6, 9]],
        "line-opacity": basemap ? 0 : 1,
      },
    },
    {
      id: "lighting-line", type: "line", source: "streets", "source-layer": "streets",
      filter: ["!=", ["get", "lighting"], "unknown"],
      layout: { "line-cap": "round" },
      paint: { "line-color": ["match", ["get", "lighting"], "lit", LIT_COLOURS.lit, LIT_COLOURS.unlit], "line-width": ["interpolate", ["linear"], ["zoom"], 13, 1.5, 17, 5] },
    },
    { id: "districts-line", type: "line", source: "districts", paint: { "line-color": DISTRICT_COLOUR, "line-width": 2, "line-dasharray": [3, 2] } },
    { id: "properties-fill", type: "fill", source: "properties", paint: { "fill-color": PROPERTY_COLOUR, "fill-opacity": 0.25 } },
    { id: "properties-line", type: "line", source: "properties", paint: { "line-color": PROPERTY_COLOUR, "line-width": 1.5 } },
    {
      id: "hotspots-fill", type: "fill", source: "hotspots",
      paint: { "fill-color": ["match", ["to-string", ["get", "gi_bin"]], ...Object.entries(HOTSPOT_COLOURS).flat(), "#ccc"], "fill-opacity": 0.6, "fill-outline-color": "#ffffff" },
    },
    {
      id: "stored-fill", type: "fill", source: "stored",
      paint: { "fill-color": ["case", [">", ["coalesce", ["get", "z"], 0], 0], "#d6604d", "#4393c3"], "fill-opacity": 0.45, "fill-outline-color": "#ffffff" },
    },
    { id: "vegetation-fill", type: "fill", source: "vegetation", "source-layer": "vegetation", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": VEGETATION_COLOUR, "fill-opacity": 0.35 } },
    {
      id: "vegetation-line", type: "line", source: "vegetation", "source-layer": "vegetation", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": ["case", ["get", "blocks_sightline"], SIGHTLINE_BLOCKED_COLOUR, "#2f6b24"], "line-width": ["case", ["get", "blocks_sightline"], 2, 1] },
    },
    {
      id: "vegetation-point", type: "circle", source: "vegetation", "source-layer": "vegetation", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": VEGETATION_COLOUR, "circle-radius": 3.5, "circle-stroke-color": ["case", ["get", "blocks_sightline"], SIGHTLINE_BLOCKED_COLOUR, "#ffffff"], "circle-stroke-width": ["case", ["get", "blocks_sightline"], 2, 0.5] },
    },
    { id: "viewsheds-fill", type: "fill", source: "cameras", "source-layer": "viewsheds", paint: { "fill-color": VIEWSHED_COLOUR, "fill-opacity": 0.18, "fill-outline-color": VIEWSHED_COLOUR } },
    { id: "cameras-circle", type: "circle", source: "cameras", "source-layer": "cameras", paint: { "circle-color": CAMERA_COLOUR, "circle-radius": 4, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
    { id: "routes-line", type: "line", source: "routes", layout: { "line-cap": "round", "line-join": "round" }, paint: { "line-color": ROUTE_COLOUR, "line-width": 3, "line-opacity": 0.75 } },
    {
      id: "lux-circle", type: "circle", source: "lux", "source-layer": "lux",
      paint: { "circle-color": ["step", ["get", "lux"], LUX_STEPS[0][1], 1, LUX_STEPS[1][1], 5, LUX_STEPS[2][1], 10, LUX_STEPS[3][1], 20, LUX_STEPS[4][1]], "circle-radius": 3.5, "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.5 },
    },
    {
      id: "lamps-circle", type: "circle", source: "lamps", "source-layer": "lamps",
      paint: { "circle-color": ["match", ["get", "status"], "working", LAMP_COLOURS.working, "broken", LAMP_COLOURS.broken, LAMP_COLOURS.unknown], "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 2.5, 17, 5], "circle-stroke-color": INK, "circle-stroke-width": 0.8 },
    },
    { id: "fixes-fill", type: "fill", source: "fixes", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": FIX_COLOUR, "fill-opacity": 0.2 } },
    { id: "fixes-line", type: "line", source: "fixes", layout: { "line-cap": "round" }, paint: { "line-color": FIX_COLOUR, "line-width": 6, "line-opacity": 0.55 } },
    {
      id: "findings-fill", type: "fill", source: "reports", "source-layer": "reports",
      filter: ["all", ["==", ["get", "source"], "walk"], ["==", ["geometry-type"], "Polygon"]],
      paint: { "fill-color": categoryColour, "fill-opacity": 0.35, "fill-outline-color": INK },
    },
    {
      id: "findings-line", type: "line", source: "reports", "source-layer": "reports",
      filter: ["all", ["==", ["get", "source"], "walk"], ["==", ["geometry-type"], "LineString"]],
      paint: { "line-color": categoryColour, "line-width": ["+", 1.5, ["coalesce", ["get", "severity"], 1]] },
    },
    {
      id: "findings-circle", type: "circle", source: "reports", "source-layer": "reports",
      filter: ["all", ["==", ["get", "source"], "walk"], ["==", ["geometry-type"], "Point"]],
      paint: {
        "circle-color": categoryColour,
        "circle-radius": ["interpolate", ["linear"], ["coalesce", ["get", "severity"], 1], 1, 4, 5, 11],
        "circle-stroke-color": INK, "circle-stroke-width": 1.2, "circle-opacity": 0.9,
      },
    },
    {
      id: "incidents-symbol", type: "symbol", source: "reports", "source-layer": "reports",
      filter: ["==", ["get", "source"], "incident"],
      layout: { "icon-image": "triangle", "icon-size": ["interpolate", ["linear"], ["zoom"], 12, 0.25, 17, 0.55], "icon-allow-overlap": true },
      paint: { "icon-color": categoryColour, "icon-halo-color": INK, "icon-halo-width": 1.2 },
    },
    {
      id: "pins-circle", type: "circle", source: "reports", "source-layer": "reports",
      filter: ["==", ["get", "source"], "resident"],
      paint: {
        "circle-color": categoryColour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
        "circle-opacity": ["match", ["get", "status"], CLOSED, 0.45, 0.95],
        "circle-stroke-color": ["match", ["get", "status"], ACTED, "#1a9850", CLOSED, "#ffffff", INK],
        "circle-stroke-width": ["match", ["get", "status"], ACTED, 2.5, CLOSED, 1, 1.5],
      },
    },
    {
      id: "clusters-circle", type: "circle", source: "reports", "source-layer": "reports",
      filter: clusterFilter(clusters),
      paint: {
        "circle-color": categoryColour,
        "circle-radius": clusterRadius(clusters),
        "circle-opacity": 0.85, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
      },
    },
    { id: "selected-ring", type: "circle", source: "selected", paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": SELECTION_COLOUR, "circle-stroke-width": 3 } },
  );
  const below = layers.findIndex((layer) => layer.id === LABELS_BELOW);
  layers.splice(below < 0 ? layers.length : below, 0, ...labels);
  return layers;
}

/** The incident symbol: a filled triangle, 32 × 32 px, alpha only (drawn as an SDF icon). */
export function triangleImage() {
  const size = 32;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const half = (y / (size - 1)) * (size / 2);
      if (Math.abs(x - size / 2 + 0.5) <= half) data[(y * size + x) * 4 + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

// --- legend symbols -----------------------------------------------------------------------------
const svg = (body, size) => html`<svg class="swatch" width="${size || 14}" height="${size || 14}" viewBox="0 0 ${size || 14} ${size || 14}" aria-hidden="true">${body}</svg>`;

/** SVG swatches for legends and filters, 14 × 14 px. */
export const swatch = {
  square: (fill, stroke) => svg(html`<rect x="1" y="1" width="12" height="12" rx="3" fill="${fill}"${stroke ? html` stroke="${stroke}" stroke-width="2"` : ""}/>`),
  circle: (fill, stroke, width, opacity) => svg(html`<circle cx="7" cy="7" r="5.5" fill="${fill}" fill-opacity="${opacity || 1}" stroke="${stroke || INK}" stroke-width="${width || 1}"/>`),
  line: (colour, dashed) => svg(html`<line x1="1" y1="7" x2="13" y2="7" stroke="${colour}" stroke-width="${dashed ? 2 : 4}"${dashed ? html` stroke-dasharray="3 2"` : ""}/>`),
  triangle: (fill) => svg(html`<polygon points="7,1 13,13 1,13" fill="${fill}" stroke="${INK}" stroke-width="1"/>`),
};

/** A square colour chip (for a category colour as stored: anything else than #rgb is grey). */
export const colourChip = (colour) => swatch.square(safeColour(colour));

/** A grey dot of radius `radius` px in a box that fits it. */
const dot = (radius, stroke) => {
  const size = Math.ceil(2 * radius + 2);
  return svg(html`<circle cx="${size / 2}" cy="${size / 2}" r="${radius}" fill="#bbbbbb" stroke="${stroke || INK}" stroke-width="1"/>`, size);
};
const severityDot = (severity) => dot(4 + (severity - 1) * 1.75);

const categoryLegend = () => config.categories.map((category) => html`<li>${colourChip(category.colour)}${category.name}</li>`);
const clusterLegend = () =>
  html`<p class="muted small">${texts.legendCluster}</p><ul class="sizes">${[2, 10, 100, 1000].map((count) => html`<li>${dot(clusterPx(count), "#ffffff")}${formatNumber(count)}</li>`)}</ul>`;

/** The heat map's legend: its colour ramp from 0 to the top density, and its kernel radius. */
export function heatLegend(heat) {
  const colours = [HEAT_RAMP_START, ...heat.legend.map((step) => step.colour)];
  const stops = colours.map((colour, i) => html`<stop offset="${(100 * i) / (colours.length - 1)}%" stop-color="${colour}"/>`);
  return html`<svg class="ramp" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><defs><linearGradient id="heat-ramp">${stops}</linearGradient></defs><rect width="100" height="10" rx="2" fill="url(#heat-ramp)"/></svg>
          <div class="ramp-labels"><span>0</span><span>${formatNumber(heat.legend[heat.legend.length - 1].value)} ${texts.perKm2}</span></div>
          <p class="muted small">${texts.heatParams.replace("{h}", formatNumber(heat.params.bandwidth_m))}</p>`;
}

/** The layer groups of the layer list, top to bottom: each switches its style layers on and off
    and shows its legend while on. */
export const LAYER_GROUPS = [
  { id: "pins", layers: ["pins-circle"], legend: () => html`<ul>${categoryLegend()}</ul><ul>
      <li>${swatch.circle("#cccccc", INK, 1.5)}${texts.legendOpen}</li>
      <li>${swatch.circle("#cccccc", "#1a9850", 2.5)}${texts.legendActed}</li>
      <li>${swatch.circle("#cccccc", "#ffffff", 1, 0.45)}${texts.legendClosed}</li></ul>${clusterLegend()}` },
  { id: "findings", layers: ["findings-circle", "findings-line", "findings-fill"], legend: () => html`<ul class="sizes">${[1, 3, 5].map((severity) => html`<li>${severityDot(severity)}${texts.severity} ${severity}</li>`)}</ul><p class="muted small">${texts.legendCategoryColour}</p>` },
  { id: "incidents", layers: ["incidents-symbol"], legend: () => html`<ul><li>${swatch.triangle(INCIDENT_LEGEND_COLOUR)}${texts.legendIncident}</li></ul>` },
  { id: "routes", layers: ["routes-line"], legend: () => html`<ul><li>${swatch.line(ROUTE_COLOUR)}${texts.legendRoute}</li></ul>` },
  { id: "heat", layers: [HEAT_LAYER_ID], legend: () => html`<div id="heat-legend" class="ramp-legend">${texts.loading}</div>` },
  { id: "hotspots", layers: ["hotspots-fill"], legend: () => html`<ul>${Object.entries(HOTSPOT_COLOURS).sort((a, b) => b[0] - a[0]).map(([bin, colour]) => html`<li>${colourChip(colour)}${texts["hot" + bin] || bin}</li>`)}</ul><p class="muted small" id="hot-summary"></p>` },
  { id: "stored", layers: ["stored-fill"], legend: () => html`<p class="muted small" id="stored-summary">${texts.storedNone}</p>` },
  { id: "fixes", layers: ["fixes-line", "fixes-fill"], legend: () => html`<ul><li><span class="rank-badge">1</span>${texts.legendFix}</li></ul>` },
  { id: "lamps", layers: ["lamps-circle"], legend: () => html`<ul><li>${swatch.circle(LAMP_COLOURS.working)}${texts.lampWorking}</li><li>${swatch.circle(LAMP_COLOURS.broken)}${texts.lampBroken}</li><li>${swatch.circle(LAMP_COLOURS.unknown)}${texts.lampUnknown}</li></ul>` },
  { id: "lux", layers: ["lux-circle"], legend: () => html`<ul>${LUX_STEPS.map(([label, colour]) => html`<li>${swatch.circle(colour, "#ffffff")}${label}</li>`)}</ul>` },
  { id: "lighting", layers: ["lighting-line"], legend: () => html`<ul><li>${swatch.line(LIT_COLOURS.lit)}${texts.segLit}</li><li>${swatch.line(LIT_COLOURS.unlit)}${texts.segUnlit}</li></ul>` },
  { id: "vegetation", layers: ["vegetation-fill", "vegetation-line", "vegetation-point"], legend: () => html`<ul><li>${colourChip(VEGETATION_COLOUR)}${texts.vegetation}</li><li>${swatch.square(VEGETATION_COLOUR, SIGHTLINE_BLOCKED_COLOUR)}${texts.blocksSightline}</li></ul>` },
  { id: "cameras", layers: ["viewsheds-fill", "cameras-circle"], legend: () => html`<ul><li>${swatch.circle(CAMERA_COLOUR, "#ffffff")}${texts.cameraSource}</li><li>${colourChip("#c9bfff")}${texts.viewshed}</li></ul>` },
  { id: "properties", layers: ["properties-fill", "properties-line"], legend: () => html`<ul><li>${swatch.square(PROPERTY_COLOUR, PROPERTY_COLOUR)}${texts.layer_properties}</li></ul>` },
  { id: "districts", layers: ["districts-line"], legend: () => html`<ul><li>${swatch.line(DISTRICT_COLOUR, true)}${texts.district}</li></ul>` },
  { id: "streets", layers: ["streets-casing", "streets-line", "green-fill"], legend: () => html`<p class="muted small">${config.basemap ? texts.basemapExternal : texts.basemapStreets}</p>` },
];
