/* Trygg dashboard: MapLibre map of vector tiles made in PostGIS, filters kept in the URL,
   counts, layers with legends, feature details, pin triage and the ranked fixes.

   ES modules served as they are (no build step); texts come translated from the page's config.
   This entry module wires them:
     config.js  the page's JSON config, label look-ups, number and date formats
     html.js    escaping templates (every value from data is text, never markup)
     api.js     JSON requests
     style.js   colours, MapLibre style layers, legends
     filters.js the filter panel, the counts and the view's state in the URL
     layers.js  the map, its sources, the layer list and the overlays that follow the filters
     details.js the details panel opened from the map, pin triage
     fixes.js   the ranked fixes: list, badges, details and workflow
     timeprofile.js the weekday × hour grid of the selection and of a clicked hot spot

   Hooks for the browser tests (tests/dashboard/test_browser.py), kept on purpose:
     window.tryggMap                  the maplibregl.Map
     document.body.dataset.mapReady   "1" once the map's style has loaded
     document.body.dataset.countsTotal the total of the last counts shown
     document.body.dataset.mapIdle    the time (ms) the map last went idle */
import { initDetails } from "./details.js";
import { fixChoices, initFixes, loadFixes, openFix, showFixMarkers } from "./fixes.js";
import { initFilters, refreshCounts, state, syncUrl } from "./filters.js";
import { applyLayerVisibility, buildLayerList, createMap, refreshOverlays, refreshReports } from "./layers.js";
import { refreshTimeProfile } from "./timeprofile.js";

/** Milliseconds a filter change waits for the next one before the map and counts reload. */
const REFRESH_DELAY_MS = 250;

const map = createMap();
window.tryggMap = map;

/** Everything that follows the filters: the URL, the report tiles, the counts and the overlays
    (`bust`: fetch the report tiles anew, after a change to the data). */
function refreshAll(bust) {
  syncUrl();
  refreshReports(bust);
  refreshCounts();
  refreshOverlays();
  refreshTimeProfile();
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshAll, REFRESH_DELAY_MS);
}

function showLayers() {
  applyLayerVisibility();
  showFixMarkers(state.layers.has("fixes"));
}

map.on("load", () => {
  showLayers();
  refreshAll();
  document.body.dataset.mapReady = "1";
});

initDetails(map, { openFix, fixChoices, afterTriage: () => refreshAll(Date.now()) });

/** The side panel's tabs: Filters, Layers, Fixes. */
document.querySelectorAll(".tabs [role=tab]").forEach((tab) =>
  tab.addEventListener("click", () => {
    document.querySelectorAll(".tabs [role=tab]").forEach((other) => {
      const selected = other === tab;
      other.setAttribute("aria-selected", selected);
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
  }),
);

initFilters({ onChange: scheduleRefresh, onDistrictChange: loadFixes });
buildLayerList({
  onToggle: () => {
    showLayers();
    refreshOverlays();
    syncUrl();
  },
});
initFixes(map);
syncUrl();
loadFixes();
