/* The answer page of a digital walk: mark places (a point with a category, when and a comment),
 * draw "a way I avoid" (a line) and "a place I avoid" (an area), answer the questions, send it
 * all as one answer. The answer goes through the field app's offline outbox (walks/outbox.js):
 * kept on the phone until the server has it, resent without duplicates (its client_uuid);
 * photos follow as items of their own once the answer is stored. Text people typed is shown
 * with textContent only. */
(function () {
  "use strict";
  var node = document.getElementById("campaign-config");
  if (!node) return;
  var config = JSON.parse(node.textContent);
  var S = config.strings;
  var T = window.TryggMap;
  var ZEROS = "00000000-0000-0000-0000-000000000000";

  var form = document.getElementById("cp-form");
  var mapState = document.getElementById("cp-map-state");
  var drawActions = document.getElementById("cp-draw-actions");
  var details = document.getElementById("cp-details");
  var categoryBox = document.getElementById("cp-category-box");
  var detailsError = document.getElementById("cp-details-error");
  var comment = document.getElementById("cp-comment");
  var photo = document.getElementById("cp-photo");
  var list = document.getElementById("cp-list");
  var state = document.getElementById("cp-state");
  var submit = document.getElementById("cp-submit");
  var modeButtons = Array.prototype.slice.call(document.querySelectorAll("[data-mode]"));

  var map = T.create(document.getElementById("cp-map"), config);
  var area = T.overlay(map, "cp-area", { colour: "#1d2530", fillOpacity: 0.04, width: 2, dashed: true });
  if (config.area) area.set({ type: "FeatureCollection", features: [{ type: "Feature", geometry: config.area, properties: {} }] });
  var marked = T.overlay(map, "cp-marked", { colour: "#b3261e", fillOpacity: 0.25, width: 4 });
  var drawing = T.overlay(map, "cp-drawing", { colour: "#0b5cad", fillOpacity: 0.2, width: 3, radius: 6 });

  var mode = null;
  var vertices = [];
  var pending = null; // the geometry waiting for its details
  var features = [];
  var clientUuid = null;

  function say(text) { mapState.textContent = text || ""; }

  function geometryOf(kind, points) {
    if (kind === "point") return { type: "Point", coordinates: points[0] };
    if (kind === "avoided_way") return { type: "LineString", coordinates: points.slice() };
    return { type: "Polygon", coordinates: [points.concat([points[0]])] };
  }

  function drawCurrent() {
    var shown = [];
    vertices.forEach(function (c) { shown.push({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }); });
    if (vertices.length >= 2) {
      var line = mode === "avoided_place" && vertices.length >= 3 ? geometryOf("avoided_place", vertices) : { type: "LineString", coordinates: vertices };
      shown.push({ type: "Feature", geometry: line, properties: {} });
    }
    drawing.set({ type: "FeatureCollection", features: shown });
  }

  function drawMarked() {
    marked.set({ type: "FeatureCollection", features: features.map(function (f, i) {
      return T.feature(f.geometry, f.kind === "point" ? "#b3261e" : (f.kind === "avoided_way" ? "#b3261e" : "#6a3d9a"), i + 1);
    }) });
  }

  function setMode(next) {
    mode = next;
    vertices = [];
    pending = null;
    map.tryggDrawing = !!next;
    details.hidden = true;
    drawActions.hidden = !next || next === "point";
    modeButtons.forEach(function (b) { b.setAttribute("aria-pressed", b.dataset.mode === next ? "true" : "false"); });
    say(next === "point" ? S.tapPoint : next === "avoided_way" ? S.tapWay : next === "avoided_place" ? S.tapArea : "");
    drawCurrent();
  }

  function openDetails(kind) {
    pending = geometryOf(kind, vertices);
    drawActions.hidden = true;
    details.hidden = false;
    categoryBox.hidden = kind !== "point";
    detailsError.textContent = "";
    document.getElementById("cp-details-title").textContent = kind === "point" ? S.point : kind === "avoided_way" ? S.way : S.area;
    var first = details.querySelector(kind === "point" ? "input[name=category]" : "input[name=when]");
    if (first) first.focus();
  }

  function addVertex(lngLat) {
    if (!mode || pending) return;
    vertices.push([Number(lngLat.lng.toFixed(7)), Number(lngLat.lat.toFixed(7))]);
    drawCurrent();
    if (mode === "point") openDetails("point");
  }

  map.on("click", function (e) { addVertex(e.lngLat); });
  T.keyboardPlace(map, addVertex);
  modeButtons.forEach(function (b) {
    b.addEventListener("click", function () { setMode(mode === b.dataset.mode ? null : b.dataset.mode); });
  });
  document.getElementById("cp-done").addEventListener("click", function () {
    if (mode === "avoided_way" && vertices.length < 2) { say(S.needTwo); return; }
    if (mode === "avoided_place" && vertices.length < 3) { say(S.needThree); return; }
    openDetails(mode);
  });
  document.getElementById("cp-undo").addEventListener("click", function () { vertices.pop(); drawCurrent(); });
  document.getElementById("cp-cancel").addEventListener("click", function () { setMode(null); });
  document.getElementById("cp-discard").addEventListener("click", function () { setMode(null); });

  function checked(name) {
    var input = details.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  function clearDetails() {
    details.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = false; });
    comment.value = "";
    photo.value = "";
  }

  function renderList() {
    while (list.firstChild) list.removeChild(list.firstChild);
    features.forEach(function (f, index) {
      var item = document.createElement("li");
      var text = document.createElement("span");
      text.textContent = (index + 1) + ". " + f.label + (f.comment ? ": " + f.comment : "");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn";
      remove.textContent = S.remove;
      remove.setAttribute("aria-label", S.remove + " " + (index + 1));
      remove.addEventListener("click", function () { features.splice(index, 1); renderList(); drawMarked(); });
      item.appendChild(text);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  document.getElementById("cp-add").addEventListener("click", function () {
    var category = checked("category");
    var when = checked("when");
    if (mode === "point" && !category) { detailsError.textContent = S.pickCategory; return; }
    if (mode === "point" && !when) { detailsError.textContent = S.pickWhen; return; }
    var label = mode === "point" ? (details.querySelector("input[name=category]:checked + span") || {}).textContent : (mode === "avoided_way" ? S.way : S.area);
    features.push({
      kind: mode, geometry: pending, category: mode === "point" ? category : null, when: when,
      comment: comment.value.trim(), photo: photo.files && photo.files[0] ? photo.files[0] : null, label: label || "",
    });
    clearDetails();
    setMode(null);
    renderList();
    drawMarked();
    say(T.format(S.added, { n: features.length }));
  });

  function answers() {
    var result = {};
    form.querySelectorAll("[data-question]").forEach(function (input) {
      var key = input.dataset.question;
      if (input.type === "radio") { if (input.checked) result[key] = Number(input.value); }
      else if (input.value.trim()) result[key] = input.value.trim();
    });
    return result;
  }

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (p) { p.textContent = ""; });
  }

  var outbox = new window.TryggOutbox("campaign-" + config.slug, {
    headers: function () { return T.apiHeaders(); },
    onChange: function () { check(); },
  });

  function check() {
    if (!clientUuid) return;
    outbox.get(clientUuid).then(function (item) {
      if (!item) return;
      if (item.state === "saved") {
        form.hidden = true;
        var thanks = document.getElementById("cp-thanks");
        thanks.hidden = false;
        thanks.querySelector("[role=status]").focus && thanks.scrollIntoView();
      } else if (item.state === "rejected") {
        state.textContent = item.error || S.error;
        submit.disabled = false;
        clientUuid = null; // a corrected answer is a new one
      } else if (item.attempts > 0) {
        state.textContent = S.queued;
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var given = answers();
    if (!features.length && !Object.keys(given).length) {
      form.querySelector("[data-error-for=features]").textContent = S.nothing;
      return;
    }
    clientUuid = T.uuid();
    var body = {
      client_uuid: clientUuid,
      device_token: T.deviceToken(),
      features: features.map(function (f) {
        var out = { kind: f.kind, geometry: f.geometry, when: f.when, comment: f.comment };
        if (f.category) out.category = f.category;
        return out;
      }),
      answers: given,
      contact_email: document.getElementById("cp-email").value.trim(),
      website: document.getElementById("cp-website").value,
    };
    submit.disabled = true;
    state.textContent = S.sending;
    var photosUrl = config.api.photos.replace(ZEROS, clientUuid);
    var items = [{ id: clientUuid, kind: "response", url: config.api.responses, json: body }];
    features.forEach(function (f, index) {
      if (!f.photo) return;
      items.push({
        id: T.uuid(), kind: "photo", parent: clientUuid, url: photosUrl,
        form: { fields: { feature: String(index) }, file: f.photo, fileName: f.photo.name || "photo.jpg" },
      });
    });
    items.reduce(function (chain, item) {
      return chain.then(function () { return outbox.add(item); });
    }, Promise.resolve()).then(check);
  });

  outbox.start(3000);
})();
