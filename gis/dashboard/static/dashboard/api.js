/* Talking to Trygg's JSON API: same-origin requests with the session cookie, the CSRF token on
   writes, and errors that keep the HTTP status and the answer's body (field -> messages). */
import { config, texts } from "./config.js";

/** An absolute URL on this server for an API path. */
export const onThisServer = (path) => location.origin + path;

/** GET (or `options.method`) a URL; resolves to the JSON body, throws {status, body} if not OK. */
export async function getJson(url, options) {
  const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    const failure = new Error(response.status + "");
    failure.status = response.status;
    failure.body = body;
    throw failure;
  }
  return body;
}

/** POST a JSON body with the page's CSRF token; resolves to the JSON answer. */
export function postJson(url, body) {
  return getJson(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf },
    body: JSON.stringify(body),
  });
}

/** What to show under a form whose save failed: the refusal, or each field with its messages. */
export function saveErrorText(error) {
  if (error.status === 403) return texts.forbidden;
  if (!error.body) return texts.error;
  return Object.entries(error.body)
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
    .join("; ");
}
