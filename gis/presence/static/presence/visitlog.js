/* The visit log on the phone: tick each visit done or not done, with a note.
 *
 * Every tick goes to the field app's IndexedDB outbox (walks/static/walks/outbox.js) before it
 * is sent, so a tick made without a connection waits on the phone and is sent when the phone
 * is back online; the API is idempotent, so a resend changes nothing. The page registers its
 * service worker (the field app's, with this page's shell) and keeps itself in the cache, so it
 * opens without a connection too. The API uses the logged-in session: every send carries the
 * page's CSRF token. Notes are data: shown with textContent only.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("visitlog-config").textContent);
  var S = config.strings;
  var $ = function (id) { return document.getElementById(id); };
  var DATA_CACHE = "trygg-presence-data";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw).catch(function () {});
  }
  if (navigator.onLine && "caches" in window) {
    caches.open(DATA_CACHE).then(function (cache) { return cache.add(config.page); }).catch(function () {});
  }

  function itemOf(row) { return row.closest("[data-visit]"); }
  function rowOf(id) { return document.querySelector('li[data-visit="' + id + '"]'); }
  function label(outcome) { return outcome === "done" ? S.done : outcome === "not_done" ? S.notDone : ""; }

  /* Without visits the page has no form and nothing to send. */
  var form = $("vl-form");
  if (!form) return;
  var outbox = TryggOutbox.forSession("presence-visits", form, render);

  /* Each visit shows its newest tick: sent, waiting on the phone, or refused with why. */
  var busy = false;
  function render() {
    if (busy) return;
    busy = true;
    outbox.all().then(function (items) {
      var waiting = 0;
      items.forEach(function (item) {
        var row = rowOf(item.visit);
        if (!row) return;
        var status = row.querySelector(".vl-status");
        var error = row.querySelector(".vl-error");
        error.textContent = "";
        if (item.state === "saved") {
          status.textContent = label(item.json.outcome) + " · " + S.saved;
        } else if (item.state === "rejected") {
          error.textContent = S.rejected + " " + item.error;
        } else {
          waiting += 1;
          status.textContent = label(item.json.outcome) + " · " + S.queued;
        }
        row.dataset.outcome = item.json.outcome;
      });
      $("vl-counts").textContent = waiting ? TryggMap.format(S.pending, { n: waiting }) : "";
    }).catch(function () {}).then(function () { busy = false; });
  }

  function showConnection() {
    $("vl-state").textContent = navigator.onLine ? S.online : S.offline;
  }
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();

  document.querySelectorAll("li[data-visit] button[data-outcome]").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = itemOf(button);
      var id = row.dataset.visit;
      var note = row.querySelector(".vl-note").value.trim();
      outbox.add({
        id: TryggMap.uuid(),
        kind: "visit-log",
        visit: id,
        label: id,
        url: config.log.replace("{id}", id),
        json: { outcome: button.dataset.outcome, note: note },
      });
    });
  });

  var element = $("visits-map");
  if (element && config.visits && config.visits.features && typeof maplibregl !== "undefined") {
    var features = config.visits.features;
    var bounds = TryggMap.boundsOf(features.map(function (f) { return f.geometry; })) || config.bounds;
    var map = TryggMap.create(element, { map: config.map, bounds: bounds });
    TryggMap.overlay(map, "visits", { colour: "#005a9c", radius: 8 }).set(config.visits);
  }

  window.tryggVisitLog = { outbox: outbox };
  outbox.start(2000).then(render);
})();
