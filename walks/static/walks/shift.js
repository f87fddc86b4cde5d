/* The partners' shift report: one screen, sent through the field app's outbox.
 *
 * Each report gets an id made on the phone (client_uuid) and goes to the IndexedDB outbox
 * (outbox.js) before anything is sent: without a connection it waits there and is sent when
 * the phone is back online; a resend after a lost answer is a harmless replay (the server
 * answers 200 with the same ids). The API uses the logged-in session, so every send carries the
 * page's CSRF token. Times are entered on the phone's clock and sent with its offset (ISO 8601).
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("shift-config").textContent);
  var S = config.strings;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("sr-form");
  var place = null;

  /* ---- times: a date and two clock times; an end before the start is the next day ---- */
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function dateValue(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function timeValue(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  /* ISO 8601 on the phone's clock, with its offset from UTC at that instant. */
  function isoWithOffset(d) {
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return dateValue(d) + "T" + timeValue(d) + ":00" + sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }
  function span() {
    var day = $("sr-date").value, from = $("sr-from").value, to = $("sr-to").value;
    if (!day || !from || !to) return null;
    var start = new Date(day + "T" + from), end = new Date(day + "T" + to);
    if (isNaN(start.getTime()) || isNaN(end.getTime())) return null;
    if (end < start) end.setDate(end.getDate() + 1);  /* a night shift past midnight */
    return [start, end];
  }
  var proposed = [new Date(config.shift.start), new Date(config.shift.end)];
  $("sr-date").value = dateValue(proposed[0]);
  $("sr-from").value = timeValue(proposed[0]);
  $("sr-to").value = timeValue(proposed[1]);

  /* ---- the place: GPS or a tap -------------------------------------------------------- */
  var map = TryggMap.create($("sr-map"), config);
  if (!(config.map && config.map.style)) TryggMap.streetsInView(map, config.api.streets, 15);
  var marker = TryggMap.placeMarker(map, function (ll) { setPlace(ll.lat, ll.lng); });

  function setPlace(lat, lon, zoom) {
    place = { lat: Number(lat.toFixed(7)), lon: Number(lon.toFixed(7)) };
    marker.set(lat, lon);
    if (zoom) map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), zoom) });
    $("sr-place-state").textContent = "✓ " + place.lat.toFixed(5) + ", " + place.lon.toFixed(5);
    clearError("geometry");
  }
  map.on("click", function (e) { setPlace(e.lngLat.lat, e.lngLat.lng); });
  TryggMap.keyboardPlace(map, function (centre) { setPlace(centre.lat, centre.lng); });
  $("sr-locate").addEventListener("click", function () {
    if (!("geolocation" in navigator)) { showError("geometry", S.noGps); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      setPlace(p.coords.latitude, p.coords.longitude, 16);
    }, function () { showError("geometry", S.noGps); }, { enableHighAccuracy: true, timeout: 15000 });
  });

  /* ---- young people met: a stepper ---------------------------------------------------- */
  var young = $("sr-young");
  function step(by) {
    var n = parseInt(young.value, 10);
    young.value = String(Math.max(0, (isNaN(n) ? 0 : n) + by));
  }
  $("sr-young-less").addEventListener("click", function () { step(-1); });
  $("sr-young-more").addEventListener("click", function () { step(1); });

  /* ---- errors ------------------------------------------------------------------------- */
  function clearError(field) {
    form.querySelectorAll('[data-error-for="' + field + '"]').forEach(function (el) { el.textContent = ""; });
  }
  function showError(field, message) {
    var el = form.querySelector('[data-error-for="' + field + '"]') || form.querySelector('[data-error-for="detail"]');
    el.textContent = message;
  }
  function showErrors(problems) {
    Object.keys(problems).forEach(function (field) { showError(field, problems[field]); });
  }
  function selected(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  /* ---- the outbox ----------------------------------------------------------------------- */
  var outbox = TryggOutbox.forSession("shift-report", form, render);
  var rendering = false;
  function render() {
    if (rendering) return;
    rendering = true;
    outbox.all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "queued" || i.state === "sending"; });
      var saved = items.filter(function (i) { return i.state === "saved"; });
      $("sr-counts").textContent = TryggMap.format(S.pending, { n: waiting.length }) + " · " +
        TryggMap.format(S.sent, { n: saved.length });
      var list = $("sr-list");
      list.innerHTML = "";
      items.slice(-5).reverse().forEach(function (item) {
        var li = document.createElement("li");
        li.dataset.id = item.id;
        var text = document.createElement("span");
        text.textContent = item.label + (item.state === "rejected" ? " — " + S.rejected + " " + item.error : "");
        var state = document.createElement("span");
        state.className = "state " + item.state;
        state.textContent = item.state === "saved" ? S.saved : item.state === "rejected" ? S.rejected : S.queued;
        li.appendChild(text);
        li.appendChild(state);
        list.appendChild(li);
      });
    }).catch(function () {}).then(function () { rendering = false; });
  }

  /* ---- send ----------------------------------------------------------------------------- */
  function report() {
    var problems = {};
    var partner = $("sr-partner");
    if (partner && !partner.value) problems.partner = S.pickPartner;
    var times = span();
    if (!times) problems.occurred_at = S.pickTimes;
    if (!place) problems.geometry = S.placeFirst;
    if (!selected("type")) problems.type = S.pickType;
    if (!selected("severity")) problems.severity = S.pickSeverity;
    var category = $("sr-category").value;
    var physical = $("sr-physical").open && category;
    if (physical && !$("sr-fix").value.trim()) problems.physical = S.describeFix;
    if (Object.keys(problems).length) { showErrors(problems); return null; }
    var body = {
      client_uuid: TryggMap.uuid(),
      occurred_at: isoWithOffset(times[0]),
      occurred_to: isoWithOffset(times[1]),
      geometry: { type: "Point", coordinates: [place.lon, place.lat] },
      type: selected("type"),
      severity: Number(selected("severity")),
      young_people_met: Number(young.value || 0),
      what_we_did: $("sr-did").value.trim(),
    };
    if (partner) body.partner = Number(partner.value);
    if (physical) {
      body.physical = { category: category, description: $("sr-fix").value.trim() };
    }
    return body;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach(function (el) { el.textContent = ""; });
    var body = report();
    if (!body) return;
    var type = form.querySelector('input[name="type"]:checked + span').textContent;
    outbox.add({
      id: body.client_uuid,
      kind: "shift",
      url: config.api.reports,
      json: body,
      label: $("sr-from").value + "–" + $("sr-to").value + " " + type,
    }).then(function () {
      /* Ready for the next report of the same shift: keep times and partner. */
      form.querySelectorAll('input[type="radio"]').forEach(function (input) { input.checked = false; });
      young.value = "0";
      $("sr-did").value = "";
      $("sr-category").value = "";
      $("sr-fix").value = "";
      $("sr-physical").open = false;
      $("sr-state").textContent = navigator.onLine ? S.sending : S.queued;
      render();
    });
  });

  window.addEventListener("offline", function () { $("sr-state").textContent = S.queued; });
  outbox.start(2000);
  render();
  window.tryggShift = { map: map, outbox: outbox, setPlace: setPlace, place: function () { return place; } };
})();
