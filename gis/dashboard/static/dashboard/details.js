/* The details panel: what a click on the map opens. A report, lamp, lux reading, camera,
   vegetation, street segment or walk route is fetched from the API and shown with its photos
   and history; a resident pin also gets the triage form for roles that may triage. A cluster
   zooms in instead, a hot-spot cell shows its Gi* statistics. Every value from the API is
   escaped (`html`) or set as text. The fixes module renders fixes into the same panel. */
import { getJson, onThisServer, postJson, saveErrorText } from "./api.js";
import {
  categoryByCode, config, fixStatusLabels, formatDate, formatNumber, formatTime, pinStatusLabels, texts,
} from "./config.js";
import { $, html, isBlank, setHtml } from "./html.js";
import { colourChip } from "./style.js";
import { cellTimeProfile } from "./timeprofile.js";

/** Clickable style layers, the first drawn on top of the others when several are hit. */
const INTERACTIVE = [
  "pins-circle", "findings-circle", "findings-line", "findings-fill", "incidents-symbol", "clusters-circle",
  "fixes-line", "fixes-fill", "lamps-circle", "lux-circle", "cameras-circle", "vegetation-point",
  "vegetation-line", "vegetation-fill", "hotspots-fill", "routes-line", "lighting-line", "properties-fill",
];
/** The API's feature kind of a style layer's features (report layers: their `source`). */
const KIND_OF_LAYER = {
  "fixes-line": "fix", "fixes-fill": "fix", "lamps-circle": "lamp", "lux-circle": "lux", "cameras-circle": "camera",
  "vegetation-point": "vegetation", "vegetation-line": "vegetation", "vegetation-fill": "vegetation",
  "routes-line": "route", "lighting-line": "street", "hotspots-fill": "hotspot", "properties-fill": "property",
};
/** Half the side of the square around a click that counts as hitting a feature, in px. */
const HIT_TOLERANCE_PX = 4;

let map = null;
let fixes = null;

/** Listen to clicks on the map and on the panel's close button.

    `fixesApi.openFix(id, zoom)` opens a fix (a fix on the map, or one linked to a pin);
    `fixesApi.fixChoices()` resolves to the fixes a pin may be linked to; `fixesApi.afterTriage()`
    runs once a triage was saved (the map and counts follow). */
export function initDetails(theMap, fixesApi) {
  map = theMap;
  fixes = fixesApi;
  map.on("click", (event) => {
    const layers = INTERACTIVE.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const { x, y } = event.point;
    const box = [[x - HIT_TOLERANCE_PX, y - HIT_TOLERANCE_PX], [x + HIT_TOLERANCE_PX, y + HIT_TOLERANCE_PX]];
    const hits = map.queryRenderedFeatures(box, { layers });
    if (!hits.length) return;
    hits.sort((a, b) => INTERACTIVE.indexOf(a.layer.id) - INTERACTIVE.indexOf(b.layer.id));
    const hit = hits[0];
    const properties = hit.properties;
    if (hit.layer.id === "clusters-circle") {
      // A cluster opens up two zoom levels further in (each level halves its cells).
      map.easeTo({ center: hit.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, map.getMaxZoom()) });
      return;
    }
    const kind = KIND_OF_LAYER[hit.layer.id] || properties.source;
    selectPoint(event.lngLat);
    if (kind === "fix") fixes.openFix(properties.id);
    else if (kind === "hotspot") showHotspot(properties);
    else if (kind === "property") showProperty(properties);
    else openFeature(kind, properties.id);
  });
  for (const id of INTERACTIVE) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  $("#detail-close").addEventListener("click", () => {
    $("#detail").hidden = true;
    selectPoint(null);
  });
}

/** Ring a point on the map ({lng, lat} in WGS 84 degrees), or none (null). */
export function selectPoint(lngLat) {
  map.getSource("selected").setData({
    type: "FeatureCollection",
    features: lngLat ? [{ type: "Feature", geometry: { type: "Point", coordinates: [lngLat.lng, lngLat.lat] }, properties: {} }] : [],
  });
}

/** Show markup made by `html` in the details panel. */
export function openPanel(markup) {
  setHtml($("#detail-body"), markup);
  $("#detail").hidden = false;
}

// --- building blocks of the panel ---------------------------------------------------------------
/** A term and its value for the panel's list; no markup when the value is blank. */
export const row = (label, value) => (isBlank(value) ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`);

/** The kind of thing (with a colour chip if given) above its title. */
export const heading = (kindLabel, title, colour) =>
  html`<p class="kind">${colour ? colourChip(colour) : ""}${kindLabel}</p><h2>${title}</h2>`;

/** Status changes, oldest first: when, from → to, by whom, and the note. */
export const historyList = (items) =>
  items && items.length
    ? html`<h3>${texts.history}</h3><ol class="history">${items.map(
        (change) => html`<li><time>${formatTime(change.at)}</time> ${statusLabel(change.from)} → <b>${statusLabel(change.to)}</b>${change.by ? html` ${texts.by} ${change.by}` : ""}${change.note ? html`<br><span class="muted">${change.note}</span>` : ""}</li>`,
      )}</ol>`
    : "";
const statusLabel = (code) => pinStatusLabels[code] || fixStatusLabels[code] || code;

const photos = (list) =>
  list && list.length
    ? html`<h3>${texts.photos}</h3><div class="photos">${list.map((photo) => html`<a href="${photo.image}" target="_blank" rel="noopener"><img src="${photo.thumbnail}" alt="${texts.photos}" loading="lazy"></a>`)}</div>`
    : "";

const loading = () => openPanel(html`<p>${texts.loading}</p>`);

// --- features -----------------------------------------------------------------------------------
/** Fetch a feature of `kind` (resident, walk, incident, lamp, lux, camera, vegetation, street,
    route) and show it. */
async function openFeature(kind, id) {
  loading();
  try {
    const url = onThisServer(config.api.feature.replace("{source}", kind).replace("{id}", id)) + `?lang=${config.lang}`;
    renderFeature(await getJson(url));
  } catch (error) {
    openPanel(html`<p class="form-error">${error.status === 403 ? texts.forbidden : texts.error}</p>`);
  }
}

/** The rows of a feature's details, by its kind. */
function featureRows(feature) {
  switch (feature.source) {
    case "resident":
      return [
        row(texts.status, html`<span class="status status-${feature.status}">${feature.status_label}</span>`),
        row(texts.when, feature.when_label), row(texts.reported, formatTime(feature.reported_at)),
        row(texts.votes, feature.votes), row(texts.district, feature.district),
        row(texts.routedTo, feature.routed_to),
        row(texts.description, feature.description), row(texts.answer, feature.public_answer),
        row(texts.linkedFix, joinMarkup(feature.fixes.map((fix) => html`<a href="#" data-fix="${fix.id}">${fix.label}</a>`), ", ")),
        feature.contact ? row(texts.contact, [feature.contact.name, feature.contact.email, feature.contact.phone].filter(Boolean).join(" · ")) : html``,
      ];
    case "walk":
      return [
        row(texts.severity, feature.severity), row(texts.when, feature.when_label),
        row(texts.observed, formatTime(feature.observed_at)), row(texts.author, feature.author_role),
        row(texts.walk, html`${feature.walk.title} (${feature.walk.date})`), row(texts.note, feature.note),
      ];
    case "incident":
      return [
        row(texts.category, feature.category_name), row(texts.author, feature.reported_by),
        row(texts.occurred, feature.occurred_label),
        row(texts.property, feature.property),
        row(texts.description, feature.description),
      ];
    case "lamp":
      return [row(texts.status, feature.status_label), row(texts.checked, formatDate(feature.status_checked_at))];
    case "lux":
      return [row(texts.lux, `${formatNumber(feature.lux, 1)} lx`), row(texts.measured, formatTime(feature.measured_at)), row(texts.author, feature.measured_by)];
    case "camera":
      return [row(texts.operator, feature.operator), row(texts.permit, feature.permit), row(texts.range, `${formatNumber(feature.range_m)} m`)];
    case "vegetation":
      return [
        row(texts.height, feature.height_m == null ? "" : `${formatNumber(feature.height_m, 1)} m`),
        row(texts.blocksSightline, feature.blocks_sightline ? texts.yes : texts.no),
      ];
    case "street":
      return [row(texts.lit, feature.lit_label), row(texts.length, `${formatNumber(feature.length_m)} m`), row(texts.segmentId, feature.id)];
    case "route":
      return [row(texts.reported, feature.date), row(texts.timeOfDay, feature.time_of_day), row(texts.district, feature.district), row(texts.findings, feature.findings)];
    default:
      return [];
  }
}

/** Markup pieces joined by a separator (text). */
const joinMarkup = (pieces, separator) => html`${pieces.flatMap((piece, i) => (i ? [html`${separator}`, piece] : [piece]))}`;

/** Show a feature from the API (also the answer of a saved triage). */
function renderFeature(feature) {
  const category = categoryByCode[feature.category];
  openPanel(html`${heading(texts[feature.source + "Source"] || feature.source, feature.title, category ? category.colour : null)}<dl>${featureRows(feature)}</dl>${photos(feature.photos)}${historyList(feature.history)}${feature.source === "resident" && feature.can_triage ? triageForm(feature) : ""}`);
  document.querySelectorAll("#detail-body [data-fix]").forEach((link) =>
    link.addEventListener("click", (event) => {
      event.preventDefault();
      fixes.openFix(link.dataset.fix, true);
    }),
  );
  const form = $("#triage-form");
  if (form) form.addEventListener("submit", (event) => submitTriage(event, feature));
}

/** A Gi* cell: the place at its centre, its confidence bin, z score, p value and number of
    reports, and when its reports happened (weekday × hour, gis/dashboard/static/dashboard/timeprofile.js). */
function showHotspot(cell) {
  const bin = texts["hot" + cell.gi_bin] || "";
  const kind = cell.place ? [texts.layer_hotspots, bin].filter(Boolean).join(" · ") : texts.layer_hotspots;
  openPanel(html`${heading(kind, cell.place || bin)}<dl>${row("z", formatNumber(cell.z, 2))}${row("p", cell.p)}${row(texts.reports, cell.count)}</dl><h3>${texts.tpTitle}</h3><div class="time-profile" id="detail-time-profile"><p>${texts.loading}</p></div>`);
  cellTimeProfile(cell.cell, cell.place);
}

/** A municipal property: its kind, the department that looks after it and what was routed
    to it (the layer's GeoJSON carries it all). */
function showProperty(place) {
  openPanel(html`${heading(place.kind_label, place.name)}<dl>${row(texts.department, place.department_label)}${row(texts.propertyReports, place.pins)}${row(texts.propertyIncidents, place.incidents)}</dl>`);
}

// --- triage of a resident pin -------------------------------------------------------------------
const options = (items, current) =>
  items.map((item) => html`<option value="${item.code}"${item.code === current ? html` selected` : ""}>${item.label}</option>`);

/** The triage form of a pin: status, category, linked fix (the list of fixes follows as soon as
    it is fetched), the public answer and an internal note. */
function triageForm(pin) {
  const linked = pin.fixes.length ? pin.fixes[0].id : "";
  setTimeout(async () => {
    const select = $("#triage-fix");
    if (!select) return;
    const choices = await fixes.fixChoices();
    setHtml(
      select,
      html`<option value="">${texts.noFix}</option>${choices.map((fix) => html`<option value="${fix.id}"${fix.id === linked ? html` selected` : ""}>${fix.rank != null ? html`#${fix.rank} ` : ""}${fix.headline}</option>`)}`,
    );
  });
  const categories = config.categories.map((category) => ({ code: category.code, label: category.name }));
  return html`<form id="triage-form" class="triage"><h3>${texts.triage}</h3>
      <label>${texts.status}<select name="status">${options(config.statuses, pin.status)}</select></label>
      <label>${texts.category}<select name="category">${options(categories, pin.category)}</select></label>
      <label>${texts.linkedFix}<select name="fix" id="triage-fix"><option value="${linked}">${pin.fixes.length ? pin.fixes[0].label : texts.noFix}</option></select></label>
      <label>${texts.answer}<textarea name="public_answer" rows="3">${pin.public_answer}</textarea></label>
      <label>${texts.note}<input name="note" type="text"></label>
      <button type="submit" class="primary">${texts.save}</button> <span class="saved" id="triage-saved" role="status"></span></form>`;
}

async function submitTriage(event, pin) {
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
    const updated = await postJson(onThisServer(config.api.triage.replace("{id}", pin.id)) + `?lang=${config.lang}`, body);
    renderFeature(updated);
    $("#triage-saved").textContent = texts.saved;
    fixes.afterTriage();
  } catch (error) {
    $("#triage-saved").textContent = saveErrorText(error);
  }
}
