/* The filter panel and the view's state in the URL: which reports (period, source, category,
   time of day, severity, status, district, partner), which layers and which fixes are shown. The URL's
   query string holds all of it, so a copied link opens the same view; the map's position is in
   the URL's hash (MapLibre's `hash: true`). Also the counts box, which answers for the filters. */
import { onThisServer, getJson } from "./api.js";
import { config, texts, formatMonth, formatNumber } from "./config.js";
import { $, html, setHtml } from "./html.js";
import { colourChip } from "./style.js";

/** Query parameters of the report filters (the API's names), in URL order. */
const FILTERS = ["from", "to", "category", "severity", "when", "source", "status", "district", "partner"];
/** The filters that hold a list (comma-separated in the URL); the others hold one value. */
const LIST_FILTERS = ["category", "severity", "when", "source", "status", "partner"];
/** The layer groups switched on when the URL names none. */
const DEFAULT_LAYERS = ["streets", "pins", "findings", "incidents", "districts", "fixes"];

/** The view's state, read from the URL once: report filters (name -> value or list), layer
    groups switched on, and the fixes list's department and status. */
export const state = readState(new URLSearchParams(location.search));

function readState(query) {
  const read = { filters: {}, layers: new Set(DEFAULT_LAYERS), department: "", fixStatus: "" };
  for (const key of FILTERS) {
    const value = query.get(key);
    if (value) read.filters[key] = LIST_FILTERS.includes(key) ? value.split(",") : value;
  }
  if (query.get("layers") !== null) read.layers = new Set(query.get("layers").split(",").filter(Boolean));
  read.department = query.get("department") || "";
  read.fixStatus = query.get("fix_status") || "";
  return read;
}

/** The municipality and the set report filters as query parameters. */
export function filterParams() {
  const query = new URLSearchParams();
  query.set("municipality", config.municipality);
  for (const key of FILTERS) {
    const value = state.filters[key];
    if (value && (!Array.isArray(value) || value.length)) {
      query.set(key, Array.isArray(value) ? value.join(",") : value);
    }
  }
  return query;
}

/** An API URL with the filters, the page's language and `extra` parameters (empty ones left out). */
export function apiUrl(path, extra) {
  const query = filterParams();
  query.set("lang", config.lang);
  for (const [key, value] of Object.entries(extra || {})) if (value !== "" && value != null) query.set(key, value);
  return onThisServer(path) + "?" + query.toString();
}

/** Write the state into the address bar (keeping the map's hash) and the situation link. */
export function syncUrl() {
  const query = filterParams();
  if (query.get("municipality") === config.municipalities[0].code && config.municipalities.length === 1) {
    query.delete("municipality");
  }
  query.set("layers", [...state.layers].join(","));
  if (state.department) query.set("department", state.department);
  if (state.fixStatus) query.set("fix_status", state.fixStatus);
  history.replaceState(history.state, "", location.pathname + "?" + query.toString() + location.hash);
  const situation = new URLSearchParams();
  situation.set("municipality", config.municipality);
  if (state.filters.district) situation.set("district", state.filters.district);
  $("#nav-situation").href = config.api.situation + "?" + situation.toString();
}

// --- counts ---------------------------------------------------------------------------------
/** Show why the filters were refused (HTTP 400: the parameter and its messages), or hide it. */
export function showFilterError(error) {
  const box = $("#filter-error");
  if (!error) {
    box.hidden = true;
    return;
  }
  let text = texts.error;
  if (error.status === 400 && error.body) {
    const [param, messages] = Object.entries(error.body)[0];
    text = `${texts.badFilter} ${param}: ${[].concat(messages).join(" ")}`;
  } else if (error.status === 401 || error.status === 403) {
    text = texts.forbidden;
  }
  box.textContent = text;
  box.hidden = false;
}

/** Fetch the counts for the filters: the total, per source, and beside every filter choice.
    `document.body.dataset.countsTotal` holds the total once shown (tests wait for it). */
export async function refreshCounts() {
  $("#count-total").textContent = "…";
  try {
    const counts = await getJson(apiUrl(config.api.counts));
    showFilterError(null);
    $("#count-total").textContent = formatNumber(counts.total);
    setHtml(
      $("#count-sources"),
      html`${config.sources.map((source) => html`<span class="source-count" data-source="${source.code}">${source.label} <b>${formatNumber(counts.source[source.code] || 0)}</b></span>`)}`,
    );
    document.querySelectorAll("[data-count]").forEach((element) => {
      const [group, code] = element.dataset.count.split(":");
      element.textContent = formatNumber(counts[group] ? counts[group][code] || 0 : 0);
    });
    document.body.dataset.countsTotal = counts.total;
  } catch (error) {
    $("#count-total").textContent = "–";
    showFilterError(error);
  }
}

// --- the panel ------------------------------------------------------------------------------
/** Checkboxes of one list filter, ticked from the state; with a count beside each if asked. */
function checkboxes(container, name, items, withCounts) {
  const selected = new Set(state.filters[name] || []);
  setHtml(
    $(container),
    html`${items.map(
      (item) => html`<label>
          <input type="checkbox" name="${name}" value="${item.code}"${selected.has(String(item.code)) ? html` checked` : ""}>
          ${item.colour ? colourChip(item.colour) : ""}<span>${item.label}</span>${withCounts ? html`<span class="count" data-count="${name}:${item.code}"></span>` : ""}</label>`,
    )}`,
  );
}

/** Build the filter panel from the config and the state, and listen to it.

    `onChange()` runs after any report filter changed (the caller debounces); `onDistrictChange()`
    also after the district or the reset (the fixes list follows the district). */
export function initFilters({ onChange, onDistrictChange }) {
  checkboxes("#filter-source", "source", config.sources, true);
  checkboxes("#filter-category", "category", config.categories.map((category) => ({ code: category.code, label: category.name, colour: category.colour })), true);
  checkboxes("#filter-when", "when", config.times, true);
  checkboxes("#filter-severity", "severity", [1, 2, 3, 4, 5].map((severity) => ({ code: String(severity), label: String(severity) })), false);
  checkboxes("#filter-status", "status", config.statuses, true);
  checkboxes("#filter-partner", "partner", config.partners, false);
  const district = $("#filter-district");
  for (const item of config.districts) district.append(new Option(item.name, item.id));
  district.value = state.filters.district || "";
  $(".panel").addEventListener("change", (event) => {
    const box = event.target;
    if (box.type === "checkbox" && LIST_FILTERS.includes(box.name)) {
      state.filters[box.name] = [...document.querySelectorAll(`input[name="${box.name}"]:checked`)].map((checked) => checked.value);
      onChange();
    }
  });
  district.addEventListener("change", () => {
    state.filters.district = district.value;
    onChange();
    onDistrictChange();
  });
  initPeriod(onChange);
  $("#filter-reset").addEventListener("click", () => {
    state.filters = {};
    document.querySelectorAll(".panel input[type=checkbox][name]").forEach((box) => (box.checked = false));
    district.value = "";
    syncPeriodInputs();
    onChange();
    onDistrictChange();
  });
  $("#share-view").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
    } catch (error) {
      window.prompt(texts.copyLink, location.href);
    }
    $("#share-view").textContent = texts.copied;
  });
}

// --- the period: two month sliders, date fields and quick choices -------------------------------
/** Months with data, "YYYY-MM", oldest first: the sliders' steps. */
const months = config.months;

/** The last day of a month "YYYY-MM" as "YYYY-MM-DD". */
const lastDay = (key) => {
  const [year, month] = key.split("-").map(Number);
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
};
/** A date as the local "YYYY-MM-DD". */
const isoDay = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/** Set the sliders, the date fields and the period's label from the state. */
function syncPeriodInputs() {
  const from = state.filters.from || "";
  const to = state.filters.to || "";
  $("#filter-from").value = from.slice(0, 10);
  $("#filter-to").value = to.slice(0, 10);
  const startIndex = from ? Math.max(0, months.indexOf(from.slice(0, 7))) : 0;
  const endIndex = to ? months.indexOf(to.slice(0, 7)) : months.length - 1;
  const start = $("#period-start");
  const end = $("#period-end");
  start.value = startIndex;
  end.value = endIndex < 0 ? months.length - 1 : endIndex;
  $("#period-slider").dataset.label = `${formatMonth(months[start.value])} – ${formatMonth(months[end.value])}`;
  start.setAttribute("aria-valuetext", formatMonth(months[start.value]));
  end.setAttribute("aria-valuetext", formatMonth(months[end.value]));
}

function initPeriod(onChange) {
  const start = $("#period-start");
  const end = $("#period-end");
  for (const slider of [start, end]) slider.max = months.length - 1;
  const onSlide = (event) => {
    let first = Number(start.value);
    let last = Number(end.value);
    if (first > last) {
      if (event.target.id === "period-start") last = first;
      else first = last;
    }
    const everything = first === 0 && last === months.length - 1;
    state.filters.from = everything ? "" : `${months[first]}-01`;
    state.filters.to = everything ? "" : lastDay(months[last]);
    syncPeriodInputs();
    onChange();
  };
  start.addEventListener("input", onSlide);
  end.addEventListener("input", onSlide);
  for (const bound of ["from", "to"]) {
    $("#filter-" + bound).addEventListener("change", (event) => {
      state.filters[bound] = event.target.value;
      syncPeriodInputs();
      onChange();
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
      onChange();
    }),
  );
  syncPeriodInputs();
}
