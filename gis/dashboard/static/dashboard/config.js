/* The page's settings: the JSON the server renders into <script id="dashboard-config"> (API
   paths, vocabularies, the municipality's bounds in WGS 84 degrees, translated texts), label
   look-ups built from it, and number and date formats in the page's language. */

/** The dashboard's configuration as rendered by gis.dashboard.views.map_page. */
export const config = JSON.parse(document.getElementById("dashboard-config").textContent);

/** The page's translated texts, by key (e.g. texts.loading, texts["layer_" + group]). */
export const texts = config.t;

/** Categories by code: { code, name, colour }. */
export const categoryByCode = Object.fromEntries(config.categories.map((category) => [category.code, category]));

/** Resident-pin status labels by code. */
export const pinStatusLabels = Object.fromEntries(config.statuses.map((status) => [status.code, status.label]));

/** Fix status labels by code. */
export const fixStatusLabels = Object.fromEntries(config.fixStatuses.map((status) => [status.code, status.label]));

const locale = config.lang === "sv" ? "sv-SE" : "en-GB";

/** An ISO date or time as a local date ("" for none). */
export const formatDate = (iso) => (iso ? new Date(iso).toLocaleDateString(locale) : "");

/** An ISO time as a short local date and time ("" for none). */
export const formatTime = (iso) =>
  iso ? new Date(iso).toLocaleString(locale, { dateStyle: "short", timeStyle: "short" }) : "";

/** A number with at most `digits` decimals (default 0); "–" for none. */
export const formatNumber = (number, digits) =>
  number == null ? "–" : Number(number).toLocaleString(locale, { maximumFractionDigits: digits ?? 0 });

/** A month key "YYYY-MM" as a short month and year ("nov. 2026"). */
export const formatMonth = (key) => {
  const [year, month] = key.split("-").map(Number);
  return new Date(year, month - 1, 1).toLocaleDateString(locale, { month: "short", year: "numeric" });
};
