/* Trygg dashboard: MapLibre map of vector tiles made in PostGIS, filters kept in the URL,
   counts, layers with legends, feature details, pin triage and the ranked fixes.
   Plain browser JavaScript (no build step); texts come translated from the page's config. */
(function () {
  "use strict";

  const C = JSON.parse(document.getElementById("dashboard-config").textContent);
  const T = C.t;
  const $ = (selector) => document.querySelector(selector);
  const FILTERS = ["from", "to", "category", "severity", "when", "source", "status", "district"];
  const LIST_FILTERS = ["category", "severity", "when", "source", "status"];
  const DEFAULT_LAYERS = ["streets", "pins", "findings", "incidents", "districts", "fixes"];
  const SOURCE_NAMES = JSON.parse(T.sources);
  const CATEGORY = Object.fromEntries(C.categories.map((c) => [c.code, c]));
  const STATUS = Object.fromEntries(C.statuses.map((s) => [s.code, s.label]));
  const FIX_STATUS = Object.fromEntries(C.fixStatuses.map((s) => [s.code, s.label]));

  const esc = (value) =>
    String(value == null ? "" : value).replace(/[&<>"']/g, (ch) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[ch]);
  // A category colour as stored may hold anything: only #rgb / #rrggbb reaches the map style.
  const safeColour = (value, fallback) =>
    typeof value === "string" && /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(value) ? value : fallback || "#888888";
  const fmtDate = (iso) => (iso ? new Date(iso).toLocaleDateString(C.lang === "sv" ? "sv-SE" : "en-GB") : "");
  const fmtTime = (iso) =>
    iso ? new Date(iso).toLocaleString(C.lang === "sv" ? "sv-SE" : "en-GB", { dateStyle: "short", timeStyle: "short" }) : "";
  const fmtNum = (n, digits) =>
    n == null ? "–" : Number(n).toLocaleString(C.lang === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: digits ?? 0 });

  // --- state from the URL -------------------------------------------------------------
  const state = { filters: {}, layers: new Set(DEFAULT_LAYERS), department: "", fixStatus: "" };
  const initial = new URLSearchParams(location.search);
  for (const key of FILTERS) {
    const value = initial.get(key);
    if (value) state.filters[key] = LIST_FILTERS.includes(key) ? value.split(",") : value;
  }
  if (initial.get("layers") !== null) {
    state.layers = new Set(initial.get("layers").split(",").filter(Boolean));
  }
  state.department = initial.get("department") || "";
  state.fixStatus = initial.get("fix_status") || "";

  function filterParams() {
    const q = new URLSearchParams();
    q.set("municipality", C.municipality);
    for (const key of FILTERS) {
      const value = state.filters[key];
      if (value && (!Array.isArray(value) || value.length)) {
        q.set(key, Array.isArray(value) ? value.join(",") : value);
      }
    }
    return q;
  }
  function apiUrl(path, extra) {
    const q = filterParams();
    q.set("lang", C.lang);
    for (const [k, v] of Object.entries(extra || {})) if (v !== "" && v != null) q.set(k, v);
    return location.origin + path + "?" + q.toString();
  }
  function syncUrl() {
    const q = filterParams();
    if (q.get("municipality") === C.municipalities[0].code && C.municipalities.length === 1) {
      q.delete("municipality");
    }
    q.set("layers", [...state.layers].join(","));
    if (state.department) q.set("department", state.department);
    if (state.fixStatus) q.set("fix_status", state.fixStatus);
    history.replaceState(history.state, "", location.pathname + "?" + q.toString() + location.hash);
    const situation = new URLSearchParams();
    situation.set("municipality", C.municipality);
    if (state.filters.district) situation.set("district", state.filters.district);
    $("#nav-situation").href = C.api.situation + "?" + situation.toString();
  }

  async function getJson(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const error = new Error(response.status + "");
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }
  function showFilterError(error) {
    const box = $("#filter-error");
    if (!error) {
      box.hidden = true;
      return;
    }
    let text = T.error;
    if (error.status === 400 && error.body) {
      const [param, messages] = Object.entries(error.body)[0];
      text = `${T.badFilter} ${param}: ${[].concat(messages).join(" ")}`;
    } else if (error.status === 401 || error.status === 403) {
      text = T.forbidden;
    }
    box.textContent = text;
    box.hidden = false;
  }

  // --- the map ---------------------------------------------------------------------------
  const tileUrl = (layer, filtered, bust) => {
    const q = filtered ? filterParams() : new URLSearchParams({ municipality: C.municipality });
    if (bust) q.set("_", bust);
    return location.origin + C.api.tile.replace("{layer}", layer) + "?" + q.toString();
  };
  const vector = (layer, filtered, minzoom) => ({
    type: "vector",
    tiles: [tileUrl(layer, filtered)],
    minzoom: minzoom || 0,
    maxzoom: 16,
  });
  const categoryColour = ["match", ["get", "category"]];
  for (const c of C.categories) categoryColour.push(c.code, safeColour(c.colour));
  categoryColour.push("#888888");
  const CLOSED = ["feedback_given", "closed_not_ours", "closed_duplicate", "closed_no_action"];
  const ACTED = ["measure_planned", "fixed"];
  const HOT_COLOURS = { 3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
  // Zoomed out, the report tiles aggregate points per grid cell (gis.dashboard.tiles): a cluster
  // carries `count`, per-source counts, its most frequent category and its highest severity. The
  // reports source's maxzoom must not be below the server's POINTS_FROM_ZOOM (16).
  const CLUSTER_PARTS = { pins: "residents", findings: "findings", incidents: "incidents" };
  const CLUSTER_RADIUS = [[0.3, 7], [1, 9], [2, 13], [3, 17], [4, 21]]; // [log10(count), px]
  const clusterCount = (groups) => {
    const parts = Object.keys(CLUSTER_PARTS).filter((g) => groups.has(g)).map((g) => ["coalesce", ["get", CLUSTER_PARTS[g]], 0]);
    return parts.length ? ["+", 0, ...parts] : 0;
  };
  const clusterRadius = (count) => ["interpolate", ["linear"], ["log10", ["max", count, 1]], ...CLUSTER_RADIUS.flat()];
  const clusterFilter = (count) => ["all", ["has", "count"], [">", count, 0]];
  const LUX_STEPS = [["< 1 lx", "#2d004b"], ["1–5 lx", "#6a51a3"], ["5–10 lx", "#9e9ac8"], ["10–20 lx", "#fdb863"], ["≥ 20 lx", "#e66101"]];

  const sources = {
    streets: vector("streets", false, 11),
    green: vector("green", false, 11),
    reports: vector("reports", true),
    lamps: vector("lamps", false, 13),
    lux: vector("lux", false, 13),
    vegetation: vector("vegetation", false, 13),
    cameras: vector("cameras", false, 13),
    districts: { type: "geojson", data: apiUrl(C.api.districts) },
    routes: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    fixes: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    hotspots: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    stored: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    selected: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
  };
  const styleLayers = [{ id: "background", type: "background", paint: { "background-color": "#f2efe9" } }];
  if (C.basemap) {
    sources.basemap = { type: "raster", tiles: [C.basemap], tileSize: 256, attribution: C.basemapAttribution };
    styleLayers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  const minor = ["footway", "path", "cycleway", "steps", "pedestrian", "track", "service"];
  styleLayers.push(
    { id: "green-fill", type: "fill", source: "green", "source-layer": "green", paint: { "fill-color": "#cfe6c4", "fill-opacity": C.basemap ? 0 : 0.9 } },
    {
      id: "streets-casing", type: "line", source: "streets", "source-layer": "streets",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": "#b9c0c9",
        "line-width": ["interpolate", ["linear"], ["zoom"], 12, ["match", ["get", "highway"], minor, 0.8, 2], 17, ["match", ["get", "highway"], minor, 3, 12]],
        "line-opacity": C.basemap ? 0 : 1,
      },
    },
    {
      id: "streets-line", type: "line", source: "streets", "source-layer": "streets",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": ["match", ["get", "highway"], minor, "#f7f7f5", "#ffffff"],
        "line-width": ["interpolate", ["linear"], ["zoom"], 12, ["match", ["get", "highway"], minor, 0.4, 1.2], 17, ["match", ["get", "highway"], minor, 1.6, 9]],
        "line-opacity": C.basemap ? 0 : 1,
      },
    },
    {
      id: "lighting-line", type: "line", source: "streets", "source-layer": "streets",
      filter: ["!=", ["get", "lighting"], "unknown"],
      layout: { "line-cap": "round" },
      paint: { "line-color": ["match", ["get", "lighting"], "lit", "#f2b705", "#1b2a6b"], "line-width": ["interpolate", ["linear"], ["zoom"], 13, 1.5, 17, 5] },
    },
    { id: "districts-line", type: "line", source: "districts", paint: { "line-color": "#3b4a5a", "line-width": 2, "line-dasharray": [3, 2] } },
    {
      id: "hotspots-fill", type: "fill", source: "hotspots",
      paint: { "fill-color": ["match", ["to-string", ["get", "gi_bin"]], ...Object.entries(HOT_COLOURS).flat(), "#ccc"], "fill-opacity": 0.6, "fill-outline-color": "#ffffff" },
    },
    {
      id: "stored-fill", type: "fill", source: "stored",
      paint: { "fill-color": ["case", [">", ["coalesce", ["get", "z"], 0], 0], "#d6604d", "#4393c3"], "fill-opacity": 0.45, "fill-outline-color": "#ffffff" },
    },
    { id: "vegetation-fill", type: "fill", source: "vegetation", "source-layer": "vegetation", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#4f9a3f", "fill-opacity": 0.35 } },
    {
      id: "vegetation-line", type: "line", source: "vegetation", "source-layer": "vegetation", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": ["case", ["get", "blocks_sightline"], "#d7191c", "#2f6b24"], "line-width": ["case", ["get", "blocks_sightline"], 2, 1] },
    },
    {
      id: "vegetation-point", type: "circle", source: "vegetation", "source-layer": "vegetation", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": "#4f9a3f", "circle-radius": 3.5, "circle-stroke-color": ["case", ["get", "blocks_sightline"], "#d7191c", "#ffffff"], "circle-stroke-width": ["case", ["get", "blocks_sightline"], 2, 0.5] },
    },
    { id: "viewsheds-fill", type: "fill", source: "cameras", "source-layer": "viewsheds", paint: { "fill-color": "#7b61ff", "fill-opacity": 0.18, "fill-outline-color": "#7b61ff" } },
    { id: "cameras-circle", type: "circle", source: "cameras", "source-layer": "cameras", paint: { "circle-color": "#4b2fc9", "circle-radius": 4, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
    { id: "routes-line", type: "line", source: "routes", layout: { "line-cap": "round", "line-join": "round" }, paint: { "line-color": "#0b5cad", "line-width": 3, "line-opacity": 0.75 } },
    {
      id: "lux-circle", type: "circle", source: "lux", "source-layer": "lux",
      paint: { "circle-color": ["step", ["get", "lux"], LUX_STEPS[0][1], 1, LUX_STEPS[1][1], 5, LUX_STEPS[2][1], 10, LUX_STEPS[3][1], 20, LUX_STEPS[4][1]], "circle-radius": 3.5, "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.5 },
    },
    {
      id: "lamps-circle", type: "circle", source: "lamps", "source-layer": "lamps",
      paint: { "circle-color": ["match", ["get", "status"], "working", "#f5c400", "broken", "#d7191c", "#9aa3ad"], "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 2.5, 17, 5], "circle-stroke-color": "#1d2530", "circle-stroke-width": 0.8 },
    },
    { id: "fixes-fill", type: "fill", source: "fixes", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#4b2991", "fill-opacity": 0.2 } },
    { id: "fixes-line", type: "line", source: "fixes", layout: { "line-cap": "round" }, paint: { "line-color": "#4b2991", "line-width": 6, "line-opacity": 0.55 } },
    {
      id: "findings-fill", type: "fill", source: "reports", "source-layer": "reports",
      filter: ["all", ["==", ["get", "source"], "walk"], ["==", ["geometry-type"], "Polygon"]],
      paint: { "fill-color": categoryColour, "fill-opacity": 0.35, "fill-outline-color": "#1d2530" },
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
        "circle-stroke-color": "#1d2530", "circle-stroke-width": 1.2, "circle-opacity": 0.9,
      },
    },
    {
      id: "incidents-symbol", type: "symbol", source: "reports", "source-layer": "reports",
      filter: ["==", ["get", "source"], "incident"],
      layout: { "icon-image": "triangle", "icon-size": ["interpolate", ["linear"], ["zoom"], 12, 0.25, 17, 0.55], "icon-allow-overlap": true },
      paint: { "icon-color": categoryColour, "icon-halo-color": "#1d2530", "icon-halo-width": 1.2 },
    },
    {
      id: "pins-circle", type: "circle", source: "reports", "source-layer": "reports",
      filter: ["==", ["get", "source"], "resident"],
      paint: {
        "circle-color": categoryColour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
        "circle-opacity": ["match", ["get", "status"], CLOSED, 0.45, 0.95],
        "circle-stroke-color": ["match", ["get", "status"], ACTED, "#1a9850", CLOSED, "#ffffff", "#1d2530"],
        "circle-stroke-width": ["match", ["get", "status"], ACTED, 2.5, CLOSED, 1, 1.5],
      },
    },
    {
      id: "clusters-circle", type: "circle", source: "reports", "source-layer": "reports",
      filter: clusterFilter(clusterCount(state.layers)),
      paint: {
        "circle-color": categoryColour,
        "circle-radius": clusterRadius(clusterCount(state.layers)),
        "circle-opacity": 0.85, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
      },
    },
    { id: "selected-ring", type: "circle", source: "selected", paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ff00aa", "circle-stroke-width": 3 } },
  );

  // Layer toggles: each switches one or more style layers; legends are HTML with SVG symbols
  // (presentation attributes, no inline styles, as the site's Content-Security-Policy asks).
  const svg = (body, size) => `<svg class="swatch" width="${size || 14}" height="${size || 14}" viewBox="0 0 ${size || 14} ${size || 14}" aria-hidden="true">${body}</svg>`;
  const shape = {
    square: (fill, stroke) => svg(`<rect x="1" y="1" width="12" height="12" rx="3" fill="${esc(fill)}"${stroke ? ` stroke="${esc(stroke)}" stroke-width="2"` : ""}/>`),
    circle: (fill, stroke, width, opacity) => svg(`<circle cx="7" cy="7" r="5.5" fill="${esc(fill)}" fill-opacity="${opacity || 1}" stroke="${esc(stroke || "#1d2530")}" stroke-width="${width || 1}"/>`),
    line: (colour, dashed) => svg(`<line x1="1" y1="7" x2="13" y2="7" stroke="${esc(colour)}" stroke-width="${dashed ? 2 : 4}"${dashed ? ' stroke-dasharray="3 2"' : ""}/>`),
    triangle: (fill) => svg(`<polygon points="7,1 13,13 1,13" fill="${esc(fill)}" stroke="#1d2530" stroke-width="1"/>`),
  };
  const chip = (colour) => shape.square(safeColour(colour));
  const categoryLegend = () => C.categories.map((c) => `<li>${chip(c.colour)}${esc(c.name)}</li>`).join("");
  const dot = (r, stroke) => {
    const size = Math.ceil(2 * r + 2);
    return svg(`<circle cx="${size / 2}" cy="${size / 2}" r="${r}" fill="#bbbbbb" stroke="${stroke || "#1d2530"}" stroke-width="1"/>`, size);
  };
  const severityDot = (s) => dot(4 + (s - 1) * 1.75);
  const clusterPx = (n) => {
    // The map's radius for a count: linear in log10(count) between the CLUSTER_RADIUS stops.
    const x = Math.log10(n);
    if (x <= CLUSTER_RADIUS[0][0]) return CLUSTER_RADIUS[0][1];
    for (let i = 1; i < CLUSTER_RADIUS.length; i++) {
      const [x0, r0] = CLUSTER_RADIUS[i - 1];
      const [x1, r1] = CLUSTER_RADIUS[i];
      if (x <= x1) return r0 + ((r1 - r0) * (x - x0)) / (x1 - x0);
    }
    return CLUSTER_RADIUS[CLUSTER_RADIUS.length - 1][1];
  };
  const clusterLegend = () => `<p class="muted small">${esc(T.legendCluster)}</p><ul class="sizes">${[2, 10, 100, 1000].map((n) => `<li>${dot(clusterPx(n), "#ffffff")}${fmtNum(n)}</li>`).join("")}</ul>`;
  const GROUPS = [
    { id: "pins", layers: ["pins-circle"], legend: () => `<ul>${categoryLegend()}</ul><ul>
      <li>${shape.circle("#cccccc", "#1d2530", 1.5)}${esc(T.legendOpen)}</li>
      <li>${shape.circle("#cccccc", "#1a9850", 2.5)}${esc(T.legendActed)}</li>
      <li>${shape.circle("#cccccc", "#ffffff", 1, 0.45)}${esc(T.legendClosed)}</li></ul>${clusterLegend()}` },
    { id: "findings", layers: ["findings-circle", "findings-line", "findings-fill"], legend: () => `<ul class="sizes">${[1, 3, 5].map((s) => `<li>${severityDot(s)}${esc(T.severity)} ${s}</li>`).join("")}</ul><p class="muted small">${esc(T.legendCategoryColour)}</p>` },
    { id: "incidents", layers: ["incidents-symbol"], legend: () => `<ul><li>${shape.triangle("#d95f02")}${esc(T.legendIncident)}</li></ul>` },
    { id: "routes", layers: ["routes-line"], legend: () => `<ul><li>${shape.line("#0b5cad")}${esc(T.legendRoute)}</li></ul>` },
    { id: "heat", layers: ["heat-raster"], legend: () => `<div id="heat-legend" class="ramp-legend">${esc(T.loading)}</div>` },
    { id: "hotspots", layers: ["hotspots-fill"], legend: () => `<ul>${Object.entries(HOT_COLOURS).sort((a, b) => b[0] - a[0]).map(([bin, colour]) => `<li>${chip(colour)}${esc(T["hot" + bin] || bin)}</li>`).join("")}</ul><p class="muted small" id="hot-summary"></p>` },
    { id: "stored", layers: ["stored-fill"], legend: () => `<p class="muted small" id="stored-summary">${esc(T.storedNone)}</p>` },
    { id: "fixes", layers: ["fixes-line", "fixes-fill"], legend: () => `<ul><li><span class="rank-badge">1</span>${esc(T.legendFix)}</li></ul>` },
    { id: "lamps", layers: ["lamps-circle"], legend: () => `<ul><li>${shape.circle("#f5c400")}${esc(T.lampWorking)}</li><li>${shape.circle("#d7191c")}${esc(T.lampBroken)}</li><li>${shape.circle("#9aa3ad")}${esc(T.lampUnknown)}</li></ul>` },
    { id: "lux", layers: ["lux-circle"], legend: () => `<ul>${LUX_STEPS.map(([label, colour]) => `<li>${shape.circle(colour, "#ffffff")}${esc(label)}</li>`).join("")}</ul>` },
    { id: "lighting", layers: ["lighting-line"], legend: () => `<ul><li>${shape.line("#f2b705")}${esc(T.segLit)}</li><li>${shape.line("#1b2a6b")}${esc(T.segUnlit)}</li></ul>` },
    { id: "vegetation", layers: ["vegetation-fill", "vegetation-line", "vegetation-point"], legend: () => `<ul><li>${chip("#4f9a3f")}${esc(T.vegetation)}</li><li>${shape.square("#4f9a3f", "#d7191c")}${esc(T.blocksSightline)}</li></ul>` },
    { id: "cameras", layers: ["viewsheds-fill", "cameras-circle"], legend: () => `<ul><li>${shape.circle("#4b2fc9", "#ffffff")}${esc(T.cameraSource)}</li><li>${chip("#c9bfff")}${esc(T.viewshed)}</li></ul>` },
    { id: "districts", layers: ["districts-line"], legend: () => `<ul><li>${shape.line("#3b4a5a", true)}${esc(T.district)}</li></ul>` },
    { id: "streets", layers: ["streets-casing", "streets-line", "green-fill"], legend: () => `<p class="muted small">${esc(C.basemap ? T.basemapExternal : T.basemapStreets)}</p>` },
  ];

  const map = new maplibregl.Map({
    container: "map",
    style: { version: 8, sources, layers: styleLayers },
    bounds: C.bounds,
    fitBoundsOptions: { padding: 24 },
    hash: true,
    maxZoom: 20,
    attributionControl: { compact: false, customAttribution: "© OpenStreetMap contributors (ODbL)" },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
  window.tryggMap = map;

  function triangleImage() {
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
  map.on("styleimagemissing", (event) => {
    if (event.id === "triangle" && !map.hasImage("triangle")) map.addImage("triangle", triangleImage(), { sdf: true });
  });
  map.on("load", () => {
    if (!map.hasImage("triangle")) map.addImage("triangle", triangleImage(), { sdf: true });
    applyLayerVisibility();
    refreshAll();
    document.body.dataset.mapReady = "1";
  });
  map.on("idle", () => {
    document.body.dataset.mapIdle = String(Date.now());
  });

  // --- layer list -----------------------------------------------------------------------
  function buildLayerList() {
    const list = $("#layer-list");
    list.innerHTML = GROUPS.map(
      (g) => `<li data-group="${g.id}">
        <label><input type="checkbox" id="layer-${g.id}" value="${g.id}"${state.layers.has(g.id) ? " checked" : ""}> ${esc(T["layer_" + g.id])}</label>
        <div class="legend">${g.legend()}</div></li>`,
    ).join("");
    list.addEventListener("change", (event) => {
      const box = event.target;
      if (box.type !== "checkbox") return;
      if (box.checked) state.layers.add(box.value);
      else state.layers.delete(box.value);
      applyLayerVisibility();
      refreshOverlays();
      syncUrl();
    });
  }
  function applyLayerVisibility() {
    for (const group of GROUPS) {
      const on = state.layers.has(group.id);
      for (const id of group.layers) {
        if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
      }
      const item = document.querySelector(`#layer-list li[data-group="${group.id}"]`);
      if (item) item.classList.toggle("off", !on);
    }
    for (const marker of fixMarkers) marker.getElement().hidden = !state.layers.has("fixes");
    if (map.getLayer("clusters-circle")) {
      // A cluster shows the reports of the switched-on report layers only.
      const count = clusterCount(state.layers);
      map.setFilter("clusters-circle", clusterFilter(count));
      map.setPaintProperty("clusters-circle", "circle-radius", clusterRadius(count));
    }
  }

  // --- filters UI -----------------------------------------------------------------------
  function checkboxes(container, name, items, withCounts) {
    const selected = new Set(state.filters[name] || []);
    $(container).innerHTML = items
      .map(
        (item) => `<label>
          <input type="checkbox" name="${name}" value="${esc(item.code)}"${selected.has(String(item.code)) ? " checked" : ""}>
          ${item.colour ? chip(item.colour) : ""}<span>${esc(item.label)}</span>${withCounts ? `<span class="count" data-count="${name}:${esc(item.code)}"></span>` : ""}</label>`,
      )
      .join("");
  }
  function buildFilters() {
    checkboxes("#filter-source", "source", C.sources, true);
    checkboxes("#filter-category", "category", C.categories.map((c) => ({ code: c.code, label: c.name, colour: c.colour })), true);
    checkboxes("#filter-when", "when", C.times, true);
    checkboxes("#filter-severity", "severity", [1, 2, 3, 4, 5].map((s) => ({ code: String(s), label: String(s) })), false);
    checkboxes("#filter-status", "status", C.statuses, true);
    const district = $("#filter-district");
    district.innerHTML += C.districts.map((d) => `<option value="${esc(d.id)}">${esc(d.name)}</option>`).join("");
    district.value = state.filters.district || "";
    document.querySelector(".panel").addEventListener("change", (event) => {
      const box = event.target;
      if (box.type === "checkbox" && LIST_FILTERS.includes(box.name)) {
        state.filters[box.name] = [...document.querySelectorAll(`input[name="${box.name}"]:checked`)].map((b) => b.value);
        scheduleRefresh();
      }
    });
    district.addEventListener("change", () => {
      state.filters.district = district.value;
      scheduleRefresh();
      loadFixes();
    });
    buildPeriod();
    $("#filter-reset").addEventListener("click", () => {
      state.filters = {};
      document.querySelectorAll(".panel input[type=checkbox][name]").forEach((b) => (b.checked = false));
      district.value = "";
      syncPeriodInputs();
      scheduleRefresh();
      loadFixes();
    });
    $("#share-view").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(location.href);
      } catch (e) {
        window.prompt(T.copyLink, location.href);
      }
      $("#share-view").textContent = T.copied;
    });
  }

  // The period: two month sliders, date fields and quick choices.
  const months = C.months;
  const monthLabel = (key) => {
    const [y, m] = key.split("-").map(Number);
    return new Date(y, m - 1, 1).toLocaleDateString(C.lang === "sv" ? "sv-SE" : "en-GB", { month: "short", year: "numeric" });
  };
  const lastDay = (key) => {
    const [y, m] = key.split("-").map(Number);
    const d = new Date(Date.UTC(y, m, 0));
    return d.toISOString().slice(0, 10);
  };
  const isoDay = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  function syncPeriodInputs() {
    const from = state.filters.from || "";
    const to = state.filters.to || "";
    $("#filter-from").value = from.slice(0, 10);
    $("#filter-to").value = to.slice(0, 10);
    const startIndex = from ? Math.max(0, months.indexOf(from.slice(0, 7))) : 0;
    const endIndex = to ? months.indexOf(to.slice(0, 7)) : months.length - 1;
    $("#period-start").value = startIndex;
    $("#period-end").value = endIndex < 0 ? months.length - 1 : endIndex;
    $("#period-slider").dataset.label = `${monthLabel(months[$("#period-start").value])} – ${monthLabel(months[$("#period-end").value])}`;
    $("#period-start").setAttribute("aria-valuetext", monthLabel(months[$("#period-start").value]));
    $("#period-end").setAttribute("aria-valuetext", monthLabel(months[$("#period-end").value]));
  }
  function buildPeriod() {
    for (const id of ["#period-start", "#period-end"]) $(id).max = months.length - 1;
    const onSlide = (event) => {
      let a = Number($("#period-start").value);
      let b = Number($("#period-end").value);
      if (a > b) {
        if (event.target.id === "period-start") b = a;
        else a = b;
      }
      const full = a === 0 && b === months.length - 1;
      state.filters.from = full ? "" : `${months[a]}-01`;
      state.filters.to = full ? "" : lastDay(months[b]);
      syncPeriodInputs();
      scheduleRefresh();
    };
    $("#period-start").addEventListener("input", onSlide);
    $("#period-end").addEventListener("input", onSlide);
    for (const id of ["from", "to"]) {
      $("#filter-" + id).addEventListener("change", (event) => {
        state.filters[id] = event.target.value;
        syncPeriodInputs();
        scheduleRefresh();
      });
    }
    document.querySelectorAll(".quick button").forEach((button) =>
      button.addEventListener("click", () => {
        const days = Number(button.dataset.days);
        if (!days) {
          state.filters.from = state.filters.to = "";
        } else {
          const today = new Date();
          state.filters.to = isoDay(today);
          state.filters.from = isoDay(new Date(today.getTime() - (days - 1) * 86400000));
        }
        syncPeriodInputs();
        scheduleRefresh();
      }),
    );
    syncPeriodInputs();
  }

  // --- refreshing -----------------------------------------------------------------------
  let timer = null;
  function scheduleRefresh() {
    clearTimeout(timer);
    timer = setTimeout(refreshAll, 250);
  }
  function refreshAll(bust) {
    syncUrl();
    const source = map.getSource("reports");
    if (source) source.setTiles([tileUrl("reports", true, bust)]);
    refreshCounts();
    refreshOverlays();
  }
  async function refreshCounts() {
    $("#count-total").textContent = "…";
    try {
      const counts = await getJson(apiUrl(C.api.counts));
      showFilterError(null);
      $("#count-total").textContent = fmtNum(counts.total);
      $("#count-sources").innerHTML = C.sources
        .map((s) => `<span class="source-count" data-source="${esc(s.code)}">${esc(s.label)} <b>${fmtNum(counts.source[s.code] || 0)}</b></span>`)
        .join("");
      document.querySelectorAll("[data-count]").forEach((el) => {
        const [group, code] = el.dataset.count.split(":");
        el.textContent = fmtNum(counts[group] ? counts[group][code] || 0 : 0);
      });
      document.body.dataset.countsTotal = counts.total;
    } catch (error) {
      $("#count-total").textContent = "–";
      showFilterError(error);
    }
  }
  function refreshOverlays() {
    if (!map.isStyleLoaded() && !map.getSource("routes")) return;
    if (state.layers.has("routes")) {
      map.getSource("routes").setData(apiUrl(C.api.routes));
    }
    if (state.layers.has("hotspots")) refreshHotspots();
    if (state.layers.has("stored")) refreshStored();
    if (state.layers.has("heat")) refreshHeat();
  }
  async function refreshHotspots() {
    try {
      const data = await getJson(apiUrl(C.api.hotspots));
      map.getSource("hotspots").setData(data);
      const summary = $("#hot-summary");
      if (summary) summary.textContent = T.hotCells.replace("{n}", data.features.length) + ` · ${data.cell_size_m} m / ${data.distance_m} m`;
    } catch (error) {
      showFilterError(error);
    }
  }
  async function refreshStored() {
    try {
      const data = await getJson(apiUrl(C.api.hotspots, { run: "latest" }));
      map.getSource("stored").setData(data);
      $("#stored-summary").textContent = `${T.storedRun} ${fmtTime(data.created_at)} (${data.features.length})`;
    } catch (error) {
      if (error.status !== 404) showFilterError(error);
    }
  }
  async function refreshHeat() {
    try {
      const heat = await getJson(apiUrl(C.api.heatmap));
      const legend = $("#heat-legend");
      if (heat.empty) {
        if (map.getLayer("heat-raster")) map.setLayoutProperty("heat-raster", "visibility", "none");
        if (legend) legend.textContent = T.noReports;
        return;
      }
      const url = location.origin + heat.url;
      const source = map.getSource("heat");
      if (source) {
        source.updateImage({ url, coordinates: heat.coordinates });
      } else {
        map.addSource("heat", { type: "image", url, coordinates: heat.coordinates });
        map.addLayer({ id: "heat-raster", type: "raster", source: "heat", paint: { "raster-opacity": 0.85, "raster-fade-duration": 0 } }, "hotspots-fill");
      }
      map.setLayoutProperty("heat-raster", "visibility", state.layers.has("heat") ? "visible" : "none");
      if (legend) {
        const colours = ["#ffffb2", ...heat.legend.map((s) => s.colour)];
        const stops = colours.map((c, i) => `<stop offset="${(100 * i) / (colours.length - 1)}%" stop-color="${esc(c)}"/>`).join("");
        legend.innerHTML = `<svg class="ramp" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><defs><linearGradient id="heat-ramp">${stops}</linearGradient></defs><rect width="100" height="10" rx="2" fill="url(#heat-ramp)"/></svg>
          <div class="ramp-labels"><span>0</span><span>${fmtNum(heat.legend[heat.legend.length - 1].value)} ${esc(T.perKm2)}</span></div>
          <p class="muted small">${esc(T.heatParams.replace("{h}", fmtNum(heat.params.bandwidth_m)))}</p>`;
      }
    } catch (error) {
      showFilterError(error);
    }
  }

  // --- details --------------------------------------------------------------------------
  const INTERACTIVE = ["pins-circle", "findings-circle", "findings-line", "findings-fill", "incidents-symbol", "clusters-circle", "fixes-line", "fixes-fill", "lamps-circle", "lux-circle", "cameras-circle", "vegetation-point", "vegetation-line", "vegetation-fill", "hotspots-fill", "routes-line", "lighting-line"];
  map.on("click", (event) => {
    const layers = INTERACTIVE.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const box = [[event.point.x - 4, event.point.y - 4], [event.point.x + 4, event.point.y + 4]];
    const hits = map.queryRenderedFeatures(box, { layers });
    if (!hits.length) return;
    hits.sort((a, b) => INTERACTIVE.indexOf(a.layer.id) - INTERACTIVE.indexOf(b.layer.id));
    const hit = hits[0];
    const p = hit.properties;
    if (hit.layer.id === "clusters-circle") {
      // A cluster opens up two zoom levels further in (each level halves its cells).
      map.easeTo({ center: hit.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, map.getMaxZoom()) });
      return;
    }
    const kind = {
      "fixes-line": "fix", "fixes-fill": "fix", "lamps-circle": "lamp", "lux-circle": "lux", "cameras-circle": "camera",
      "vegetation-point": "vegetation", "vegetation-line": "vegetation", "vegetation-fill": "vegetation",
      "routes-line": "route", "lighting-line": "street", "hotspots-fill": "hotspot",
    }[hit.layer.id] || p.source;
    select(event.lngLat);
    if (kind === "fix") openFix(p.id);
    else if (kind === "hotspot") showHotspot(p);
    else openFeature(kind, p.id);
  });
  for (const id of INTERACTIVE) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  function select(lngLat) {
    map.getSource("selected").setData({
      type: "FeatureCollection",
      features: lngLat ? [{ type: "Feature", geometry: { type: "Point", coordinates: [lngLat.lng, lngLat.lat] }, properties: {} }] : [],
    });
  }
  function openPanel(html) {
    $("#detail-body").innerHTML = html;
    $("#detail").hidden = false;
  }
  $("#detail-close").addEventListener("click", () => {
    $("#detail").hidden = true;
    select(null);
  });
  const row = (label, value) => (value === "" || value == null ? "" : `<dt>${esc(label)}</dt><dd>${value}</dd>`);
  const photos = (list) =>
    list && list.length
      ? `<h3>${esc(T.photos)}</h3><div class="photos">${list.map((p) => `<a href="${esc(p.image)}" target="_blank" rel="noopener"><img src="${esc(p.thumbnail)}" alt="${esc(T.photos)}" loading="lazy"></a>`).join("")}</div>`
      : "";
  const historyList = (items) =>
    items && items.length
      ? `<h3>${esc(T.history)}</h3><ol class="history">${items
          .map((h) => `<li><time>${esc(fmtTime(h.at))}</time> ${esc(STATUS[h.from] || FIX_STATUS[h.from] || h.from)} → <b>${esc(STATUS[h.to] || FIX_STATUS[h.to] || h.to)}</b>${h.by ? ` ${esc(T.by)} ${esc(h.by)}` : ""}${h.note ? `<br><span class="muted">${esc(h.note)}</span>` : ""}</li>`)
          .join("")}</ol>`
      : "";
  const heading = (kindLabel, title, colour) =>
    `<p class="kind">${colour ? chip(colour) : ""}${esc(kindLabel)}</p><h2>${esc(title)}</h2>`;

  async function openFeature(kind, id) {
    openPanel(`<p>${esc(T.loading)}</p>`);
    try {
      const d = await getJson(location.origin + C.api.feature.replace("{source}", kind).replace("{id}", id) + `?lang=${C.lang}`);
      renderFeature(d);
    } catch (error) {
      openPanel(`<p class="form-error">${esc(error.status === 403 ? T.forbidden : T.error)}</p>`);
    }
  }
  function renderFeature(d) {
    const colour = CATEGORY[d.category] ? CATEGORY[d.category].colour : null;
    let html = heading(T[d.source + "Source"] || d.source, d.title, colour);
    html += "<dl>";
    if (d.source === "resident") {
      html += row(T.status, `<span class="status status-${esc(d.status)}">${esc(d.status_label)}</span>`);
      html += row(T.when, esc(d.when_label)) + row(T.reported, esc(fmtTime(d.reported_at)));
      html += row(T.votes, esc(d.votes)) + row(T.district, esc(d.district));
      html += row(T.description, esc(d.description)) + row(T.answer, esc(d.public_answer));
      html += row(T.linkedFix, d.fixes.map((f) => `<a href="#" data-fix="${esc(f.id)}">${esc(f.label)}</a>`).join(", "));
      if (d.contact) html += row(T.contact, esc([d.contact.name, d.contact.email, d.contact.phone].filter(Boolean).join(" · ")));
    } else if (d.source === "walk") {
      html += row(T.severity, esc(d.severity)) + row(T.when, esc(d.when_label));
      html += row(T.observed, esc(fmtTime(d.observed_at))) + row(T.author, esc(d.author_role));
      html += row(T.walk, `${esc(d.walk.title)} (${esc(d.walk.date)})`) + row(T.note, esc(d.note));
    } else if (d.source === "incident") {
      html += row(T.category, esc(d.category_name)) + row(T.author, esc(d.reported_by));
      html += row(T.occurred, esc(fmtTime(d.occurred_at))) + row(T.description, esc(d.description));
    } else if (d.source === "lamp") {
      html += row(T.status, esc(d.status_label)) + row(T.checked, esc(fmtDate(d.status_checked_at)));
    } else if (d.source === "lux") {
      html += row(T.lux, `${fmtNum(d.lux, 1)} lx`) + row(T.measured, esc(fmtTime(d.measured_at))) + row(T.author, esc(d.measured_by));
    } else if (d.source === "camera") {
      html += row(T.operator, esc(d.operator)) + row(T.permit, esc(d.permit)) + row(T.range, `${fmtNum(d.range_m)} m`);
    } else if (d.source === "vegetation") {
      html += row(T.height, d.height_m == null ? "" : `${fmtNum(d.height_m, 1)} m`) + row(T.blocksSightline, esc(d.blocks_sightline ? T.yes : T.no));
    } else if (d.source === "street") {
      html += row(T.lit, esc(d.lit_label)) + row(T.length, `${fmtNum(d.length_m)} m`);
    } else if (d.source === "route") {
      html += row(T.reported, esc(d.date)) + row(T.timeOfDay, esc(d.time_of_day)) + row(T.district, esc(d.district)) + row(T.findings, esc(d.findings));
    }
    html += "</dl>" + photos(d.photos) + historyList(d.history);
    if (d.source === "resident" && d.can_triage) html += triageForm(d);
    openPanel(html);
    document.querySelectorAll("#detail-body [data-fix]").forEach((a) =>
      a.addEventListener("click", (event) => {
        event.preventDefault();
        openFix(a.dataset.fix, true);
      }),
    );
    const form = $("#triage-form");
    if (form) form.addEventListener("submit", (event) => submitTriage(event, d));
  }
  function showHotspot(p) {
    openPanel(`${heading(T.layer_hotspots, T["hot" + p.gi_bin] || "")}<dl>${row("z", fmtNum(p.z, 2))}${row("p", esc(p.p))}${row(T.reports, esc(p.count))}</dl>`);
  }

  let fixChoices = null;
  async function fixOptions() {
    if (!fixChoices) {
      const data = await getJson(location.origin + C.api.fixes + `?municipality=${encodeURIComponent(C.municipality)}&limit=1000&lang=${C.lang}`);
      fixChoices = data.features.map((f) => f.properties);
    }
    return fixChoices;
  }
  function triageForm(d) {
    const options = (items, current) => items.map((i) => `<option value="${esc(i.code)}"${i.code === current ? " selected" : ""}>${esc(i.label)}</option>`).join("");
    const linked = d.fixes.length ? d.fixes[0].id : "";
    setTimeout(async () => {
      const select = $("#triage-fix");
      if (!select) return;
      const choices = await fixOptions();
      select.innerHTML = `<option value="">${esc(T.noFix)}</option>` + choices.map((f) => `<option value="${esc(f.id)}"${f.id === linked ? " selected" : ""}>${f.rank != null ? "#" + esc(f.rank) + " " : ""}${esc(f.headline)}</option>`).join("");
    });
    return `<form id="triage-form" class="triage"><h3>${esc(T.triage)}</h3>
      <label>${esc(T.status)}<select name="status">${options(C.statuses, d.status)}</select></label>
      <label>${esc(T.category)}<select name="category">${options(C.categories.map((c) => ({ code: c.code, label: c.name })), d.category)}</select></label>
      <label>${esc(T.linkedFix)}<select name="fix" id="triage-fix"><option value="${esc(linked)}">${esc(d.fixes.length ? d.fixes[0].label : T.noFix)}</option></select></label>
      <label>${esc(T.answer)}<textarea name="public_answer" rows="3">${esc(d.public_answer)}</textarea></label>
      <label>${esc(T.note)}<input name="note" type="text"></label>
      <button type="submit" class="primary">${esc(T.save)}</button> <span class="saved" id="triage-saved" role="status"></span></form>`;
  }
  async function post(url, body) {
    return getJson(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": C.csrf },
      body: JSON.stringify(body),
    });
  }
  async function submitTriage(event, d) {
    event.preventDefault();
    const form = event.target;
    const body = {
      status: form.status.value,
      category: form.category.value,
      fix: form.fix.value ? Number(form.fix.value) : null,
      public_answer: form.public_answer.value,
      note: form.note.value,
    };
    try {
      const updated = await post(location.origin + C.api.triage.replace("{id}", d.id) + `?lang=${C.lang}`, body);
      renderFeature(updated);
      $("#triage-saved").textContent = T.saved;
      refreshAll(Date.now());
    } catch (error) {
      const message = error.body ? Object.entries(error.body).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") : T.error;
      $("#triage-saved").textContent = error.status === 403 ? T.forbidden : message;
    }
  }

  // --- fixes ----------------------------------------------------------------------------
  let fixMarkers = [];
  function buildFixFilters() {
    const dept = $("#fix-department");
    dept.innerHTML += C.departments.map((d) => `<option value="${esc(d.code)}">${esc(d.label)}</option>`).join("");
    dept.value = state.department;
    const status = $("#fix-status");
    status.innerHTML += C.fixStatuses.map((s) => `<option value="${esc(s.code)}">${esc(s.label)}</option>`).join("");
    status.value = state.fixStatus;
    dept.addEventListener("change", () => {
      state.department = dept.value;
      syncUrl();
      loadFixes();
    });
    status.addEventListener("change", () => {
      state.fixStatus = status.value;
      syncUrl();
      loadFixes();
    });
  }
  async function loadFixes() {
    const q = new URLSearchParams({ municipality: C.municipality, lang: C.lang, limit: "100" });
    if (state.filters.district) q.set("district", state.filters.district);
    if (state.department) q.set("department", state.department);
    if (state.fixStatus) q.set("fix_status", state.fixStatus);
    try {
      const data = await getJson(location.origin + C.api.fixes + "?" + q.toString());
      const setData = () => map.getSource("fixes").setData(data);
      if (map.getSource("fixes")) setData();
      else map.once("load", setData);
      for (const marker of fixMarkers) marker.remove();
      fixMarkers = data.features.map((f) => {
        const el = document.createElement("button");
        el.className = "rank-badge badge-" + f.properties.status;
        el.type = "button";
        el.textContent = f.properties.rank ?? "–";
        el.title = `#${f.properties.rank} ${f.properties.label}`;
        el.hidden = !state.layers.has("fixes");
        el.addEventListener("click", (event) => {
          event.stopPropagation();
          openFix(f.properties.id);
        });
        return new maplibregl.Marker({ element: el }).setLngLat(f.properties.center).addTo(map);
      });
      $("#fix-summary").textContent = data.features.length
        ? T.fixesShown.replace("{shown}", data.features.length).replace("{total}", data.total)
        : T.noFixes;
      $("#fix-list").innerHTML = data.features
        .map((f) => {
          const p = f.properties;
          return `<li><button type="button" class="fix-item" data-fix="${esc(p.id)}">
            <span class="rank-badge badge-${esc(p.status)}">${esc(p.rank ?? "–")}</span>
            <span class="fix-text"><b>${esc(p.headline)}</b><span class="muted">${esc(p.department_label)} · <span class="status status-${esc(p.status)}">${esc(p.status_label)}</span> · ${esc(T.score)} ${fmtNum(p.score, 2)}</span>
            <span class="why">${esc(p.why)}</span></span></button></li>`;
        })
        .join("");
    } catch (error) {
      $("#fix-summary").textContent = T.error;
    }
  }
  $("#fix-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-fix]");
    if (button) openFix(button.dataset.fix, true);
  });
  async function openFix(id, zoom) {
    openPanel(`<p>${esc(T.loading)}</p>`);
    try {
      const fix = await getJson(location.origin + C.api.fix.replace("{id}", id) + `?lang=${C.lang}`);
      if (zoom) {
        map.fitBounds(fix.bbox, { padding: { top: 80, bottom: 80, left: 80, right: 420 }, maxZoom: 17, duration: 600 });
      }
      select({ lng: fix.center[0], lat: fix.center[1] });
      renderFix(fix);
    } catch (error) {
      openPanel(`<p class="form-error">${esc(T.error)}</p>`);
    }
  }
  function renderFix(fix) {
    let html = heading(T.fixSource + (fix.rank != null ? ` #${fix.rank}` : ""), fix.headline); // heading escapes both
    html += "<dl>" + row(T.department, esc(fix.department_label));
    html += row(T.status, `<span class="status status-${esc(fix.status)}">${esc(fix.status_label)}</span>`);
    html += row(T.score, fmtNum(fix.score, 3)) + row(T.costClass, esc(fix.cost_class));
    html += row(T.linkedPins, esc(fix.pins)) + row(T.doneAt, esc(fmtDate(fix.done_at))) + row(T.fixAnswer, esc(fix.answer));
    html += "</dl>";
    html += `<h3>${esc(T.why)}</h3><ul class="reasons">${fix.evidence.map((line) => `<li>${esc(line)}</li>`).join("")}</ul>`;
    if (fix.page) html += `<p><a href="${esc(fix.page)}">${esc(T.fixPage)}</a></p>`;
    html += historyList(fix.history);
    if (fix.can_change && fix.next_statuses.length) {
      html += `<form id="fix-form" class="triage"><h3>${esc(T.changeStatus)}</h3>
        <label>${esc(T.status)}<select name="status">${fix.next_statuses.map((s) => `<option value="${esc(s)}">${esc(FIX_STATUS[s] || s)}</option>`).join("")}</select></label>
        <label>${esc(T.scheduledFor)}<input name="scheduled_for" type="date"></label>
        <label>${esc(T.fixAnswer)}<textarea name="answer" rows="2">${esc(fix.answer)}</textarea></label>
        <label>${esc(T.note)}<input name="note" type="text"></label>
        <button type="submit" class="primary">${esc(T.save)}</button> <span class="saved" id="fix-saved" role="status"></span></form>`;
    }
    openPanel(html);
    const form = $("#fix-form");
    if (form) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const updated = await post(location.origin + C.api.fix.replace("{id}", fix.id) + `?lang=${C.lang}`, {
            status: form.status.value,
            answer: form.answer.value,
            note: form.note.value,
            scheduled_for: form.scheduled_for.value || null,
          });
          renderFix(updated);
          $("#fix-saved").textContent = T.saved;
          fixChoices = null;
          loadFixes();
        } catch (error) {
          const message = error.body ? Object.entries(error.body).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") : T.error;
          $("#fix-saved").textContent = error.status === 403 ? T.forbidden : message;
        }
      });
    }
  }

  // --- tabs -----------------------------------------------------------------------------
  document.querySelectorAll(".tabs [role=tab]").forEach((tab) =>
    tab.addEventListener("click", () => {
      document.querySelectorAll(".tabs [role=tab]").forEach((t) => {
        const on = t === tab;
        t.setAttribute("aria-selected", on);
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
    }),
  );

  buildFilters();
  buildLayerList();
  buildFixFilters();
  syncUrl();
  loadFixes();
})();
