/* When a place is hot: the selection's reports by weekday and hour (the API's time profile,
   /api/dashboard/time-profile), drawn as a weekday × hour grid. The grid is a real table (row
   and column headers, each cell's value as text for screen readers) coloured in six steps by
   CSS classes (the Content-Security-Policy allows no inline styles), with the hot hours in
   words above it ("Mest: fredag och lördag 22–02"). It scrolls inside a focusable region when
   the panel is narrower than its 24 columns.

   Shown for the current selection in the side panel (refreshTimeProfile, after every filter
   change) and for a clicked hot spot in the details panel (cellTimeProfile). */
import { getJson } from "./api.js";
import { config, formatNumber, texts } from "./config.js";
import { apiUrl } from "./filters.js";
import { $, html, setHtml } from "./html.js";

/** Colour steps of a cell (class tp-0 … tp-5; 0 for none). */
const STEPS = 5;
const HOURS = [...Array(24).keys()];
const pad = (hour) => String(hour).padStart(2, "0");

/** The colour step of a value against the grid's largest. */
const step = (value, max) => (value > 0 && max > 0 ? Math.max(1, Math.ceil((value / max) * STEPS)) : 0);

/** A profile from the API as markup: its hot hours in words and the grid with its caption
    (`caption`: what the reports are, e.g. the selection or a hot spot's place). */
export function weekGrid(profile, caption) {
  if (!profile.records) return html`<p class="muted tp-summary">${texts.tpNone}</p>`;
  const max = Math.max(...profile.bins);
  const digits = profile.bins.some((value) => value % 1 !== 0) ? 1 : 0;
  const summary = profile.hot_text ? texts.tpMost.replace("{hours}", profile.hot_text) : "";
  const rows = profile.grid.map(
    (hours, day) => html`<tr><th scope="row"><abbr title="${profile.weekdays[day]}">${profile.weekdays_short[day]}</abbr></th>${hours.map(
      (value) => html`<td class="tp-${step(value, max)}"><span class="visually-hidden">${formatNumber(value, digits)}</span></td>`,
    )}</tr>`,
  );
  return html`<p class="tp-summary">${summary}</p>
    <div class="tp-scroll" tabindex="0" role="region" aria-label="${caption}">
      <table class="tp-grid"><caption class="visually-hidden">${caption}. ${summary}</caption>
        <thead><tr><th scope="col"><span class="visually-hidden">${texts.tpDay}</span></th>${HOURS.map((hour) => html`<th scope="col"><span class="tp-hour">${pad(hour)}</span></th>`)}</tr></thead>
        <tbody>${rows}</tbody>
      </table>
    </div>
    <p class="muted small tp-note">${texts.tpNote.replace("{n}", formatNumber(profile.records))}</p>`;
}

/** Fetch a time profile for the filters and `extra` parameters into `target` (an element). */
async function showProfile(target, extra, caption) {
  try {
    const profile = await getJson(apiUrl(config.api.timeProfile, extra));
    setHtml(target, weekGrid(profile, caption));
    target.dataset.records = profile.records;
  } catch (error) {
    setHtml(target, html`<p class="muted">${error.status === 403 ? texts.forbidden : texts.error}</p>`);
  }
}

let pending = 0;

/** The side panel's grid: the reports of the current filters. */
export async function refreshTimeProfile() {
  const target = $("#time-profile");
  if (!target) return;
  const mine = ++pending;
  const profile = await getJson(apiUrl(config.api.timeProfile)).catch(() => null);
  if (mine !== pending) return; // a newer refresh is on its way
  if (!profile) {
    setHtml(target, html`<p class="muted">${texts.error}</p>`);
    return;
  }
  setHtml(target, weekGrid(profile, texts.tpSelection));
  target.dataset.records = profile.records;
}

/** A hot-spot cell's grid in the details panel: its reports among the current filters (`cell`,
    the live Gi* cell's id). */
export function cellTimeProfile(cell, place) {
  const target = $("#detail-time-profile");
  if (!target) return;
  const caption = texts.tpCell.replace("{place}", place || texts.layer_hotspots);
  showProfile(target, { cell }, caption);
}
