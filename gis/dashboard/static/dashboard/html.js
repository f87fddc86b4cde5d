/* Markup from templates in which every interpolated value is escaped: whatever comes from the
   server or from a user (names, notes, answers, colours) always reaches the page as text, never
   as markup. Only what `html` itself returns counts as markup, so a string can never slip into
   `innerHTML` unescaped: `setHtml` refuses anything else. */

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `value` as text for HTML content or a double-quoted attribute (null and undefined: ""). */
export const escapeHtml = (value) =>
  String(value == null ? "" : value).replace(/[&<>"']/g, (character) => ENTITIES[character]);

/** Markup made by `html` (never from data). */
class Markup {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

// A list of markup pieces is joined as it is; any other value (a list of data included, which
// reads "a,b" as String() writes it) is escaped.
function piece(value) {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value) && value.every((item) => item instanceof Markup)) {
    return value.map((item) => item.text).join("");
  }
  return escapeHtml(value);
}

/** Tagged template: html`<b>${name}</b>` escapes `name`; nested html`` results stay markup. */
export function html(strings, ...values) {
  return new Markup(strings.reduce((text, string, index) => text + piece(values[index - 1]) + string));
}

/** Whether a value (markup or data) shows nothing: "", null or undefined. */
export const isBlank = (value) => {
  const text = value instanceof Markup ? value.text : value;
  return text === "" || text == null;
};

/** Put markup made by `html` into an element; anything else is refused. */
export function setHtml(element, markup) {
  if (!(markup instanceof Markup)) throw new TypeError("setHtml takes markup made by html``");
  element.innerHTML = markup.text;
}

/** The first element matching a CSS selector. */
export const $ = (selector) => document.querySelector(selector);
