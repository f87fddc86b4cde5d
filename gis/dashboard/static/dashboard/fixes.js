/* The ranked fixes: the Fixes tab (department and status filters kept in the URL, the list with
   rank, department, status, score and why), their lines and rank badges on the map, a fix's
   details with its evidence and history, and the workflow form that moves it to a next status
   (for the departments allowed to). */
import { getJson, onThisServer, postJson, saveErrorText } from "./api.js";
import { config, fixStatusLabels, formatDate, formatNumber, texts } from "./config.js";
import { heading, historyList, openPanel, row, selectPoint } from "./details.js";
import { state, syncUrl } from "./filters.js";
import { $, html, setHtml } from "./html.js";

const { maplibregl } = window;
/** Padding (px) around a fix zoomed to; the right side leaves room for the details panel. */
const FIT_PADDING = { top: 80, bottom: 80, left: 80, right: 420 };

let map = null;
let markers = [];
let choices = null;

/** Fill the Fixes tab's filters from the config and the state, and listen to the tab. */
export function initFixes(theMap) {
  map = theMap;
  const department = $("#fix-department");
  for (const item of config.departments) department.append(new Option(item.label, item.code));
  department.value = state.department;
  const status = $("#fix-status");
  for (const item of config.fixStatuses) status.append(new Option(item.label, item.code));
  status.value = state.fixStatus;
  department.addEventListener("change", () => {
    state.department = department.value;
    syncUrl();
    loadFixes();
  });
  status.addEventListener("change", () => {
    state.fixStatus = status.value;
    syncUrl();
    loadFixes();
  });
  $("#fix-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-fix]");
    if (button) openFix(button.dataset.fix, true);
  });
}

/** Show or hide the rank badges on the map (the "fixes" layer group). */
export function showFixMarkers(visible) {
  for (const marker of markers) marker.getElement().hidden = !visible;
}

/** The fixes a pin may be linked to ({id, rank, headline, …}), fetched once and kept. */
export async function fixChoices() {
  if (!choices) {
    const query = `?municipality=${encodeURIComponent(config.municipality)}&limit=1000&lang=${config.lang}`;
    const data = await getJson(onThisServer(config.api.fixes) + query);
    choices = data.features.map((feature) => feature.properties);
  }
  return choices;
}

/** Fetch the top fixes for the district, department and status; draw them and list them. */
export async function loadFixes() {
  const query = new URLSearchParams({ municipality: config.municipality, lang: config.lang, limit: "100" });
  if (state.filters.district) query.set("district", state.filters.district);
  if (state.department) query.set("department", state.department);
  if (state.fixStatus) query.set("fix_status", state.fixStatus);
  try {
    const data = await getJson(onThisServer(config.api.fixes) + "?" + query.toString());
    const setData = () => map.getSource("fixes").setData(data);
    if (map.getSource("fixes")) setData();
    else map.once("load", setData);
    for (const marker of markers) marker.remove();
    markers = data.features.map((feature) => rankMarker(feature.properties));
    $("#fix-summary").textContent = data.features.length
      ? texts.fixesShown.replace("{shown}", data.features.length).replace("{total}", data.total)
      : texts.noFixes;
    setHtml($("#fix-list"), html`${data.features.map((feature) => fixItem(feature.properties))}`);
  } catch (error) {
    $("#fix-summary").textContent = texts.error;
  }
}

/** A fix's rank badge at its centre on the map; a click opens the fix. */
function rankMarker(fix) {
  const badge = document.createElement("button");
  badge.className = "rank-badge badge-" + fix.status;
  badge.type = "button";
  badge.textContent = fix.rank ?? "–";
  badge.title = `#${fix.rank} ${fix.label}`;
  badge.hidden = !state.layers.has("fixes");
  badge.addEventListener("click", (event) => {
    event.stopPropagation();
    openFix(fix.id);
  });
  return new maplibregl.Marker({ element: badge }).setLngLat(fix.center).addTo(map);
}

/** A fix in the Fixes tab's list. */
const fixItem = (fix) => html`<li><button type="button" class="fix-item" data-fix="${fix.id}">
            <span class="rank-badge badge-${fix.status}">${fix.rank ?? "–"}</span>
            <span class="fix-text"><b>${fix.headline}</b><span class="muted">${fix.department_label} · <span class="status status-${fix.status}">${fix.status_label}</span> · ${texts.score} ${formatNumber(fix.score, 2)}</span>
            <span class="why">${fix.why}</span></span></button></li>`;

/** Fetch a fix and show it; ring its centre, and zoom to it if `zoom`. */
export async function openFix(id, zoom) {
  openPanel(html`<p>${texts.loading}</p>`);
  try {
    const fix = await getJson(onThisServer(config.api.fix.replace("{id}", id)) + `?lang=${config.lang}`);
    if (zoom) map.fitBounds(fix.bbox, { padding: FIT_PADDING, maxZoom: 17, duration: 600 });
    selectPoint({ lng: fix.center[0], lat: fix.center[1] });
    renderFix(fix);
  } catch (error) {
    openPanel(html`<p class="form-error">${texts.error}</p>`);
  }
}

/** A fix's details, its reasons, its page, its history and, if it may move on, the status form. */
function renderFix(fix) {
  const details = html`${heading(texts.fixSource + (fix.rank != null ? ` #${fix.rank}` : ""), fix.headline)}<dl>${[
    row(texts.department, fix.department_label),
    row(texts.status, html`<span class="status status-${fix.status}">${fix.status_label}</span>`),
    row(texts.score, formatNumber(fix.score, 3)), row(texts.costClass, fix.cost_class),
    row(texts.linkedPins, fix.pins), row(texts.doneAt, formatDate(fix.done_at)), row(texts.fixAnswer, fix.answer),
  ]}</dl><h3>${texts.why}</h3><ul class="reasons">${fix.evidence.map((line) => html`<li>${line}</li>`)}</ul>${fix.page ? html`<p><a href="${fix.page}">${texts.fixPage}</a></p>` : ""}${historyList(fix.history)}`;
  const form =
    fix.can_change && fix.next_statuses.length
      ? html`<form id="fix-form" class="triage"><h3>${texts.changeStatus}</h3>
        <label>${texts.status}<select name="status">${fix.next_statuses.map((status) => html`<option value="${status}">${fixStatusLabels[status] || status}</option>`)}</select></label>
        <label>${texts.scheduledFor}<input name="scheduled_for" type="date"></label>
        <label>${texts.fixAnswer}<textarea name="answer" rows="2">${fix.answer}</textarea></label>
        <label>${texts.note}<input name="note" type="text"></label>
        <button type="submit" class="primary">${texts.save}</button> <span class="saved" id="fix-saved" role="status"></span></form>`
      : "";
  openPanel(html`${details}${form}`);
  const element = $("#fix-form");
  if (element) element.addEventListener("submit", (event) => submitStatus(event, fix));
}

/** Move a fix to the chosen status; the list and the pins' fix choices follow. */
async function submitStatus(event, fix) {
  event.preventDefault();
  const form = event.target;
  try {
    const updated = await postJson(onThisServer(config.api.fix.replace("{id}", fix.id)) + `?lang=${config.lang}`, {
      status: form.status.value,
      answer: form.answer.value,
      note: form.note.value,
      scheduled_for: form.scheduled_for.value || null,
    });
    renderFix(updated);
    $("#fix-saved").textContent = texts.saved;
    choices = null;
    loadFixes();
  } catch (error) {
    $("#fix-saved").textContent = saveErrorText(error);
  }
}
