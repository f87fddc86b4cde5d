/* The resident report form: mark a place, pick a category and a time, see nearby reports of
 * the same kind ("already reported? add your voice"), write why, optionally add a photo and
 * contact details, and send. The same client_uuid is reused when sending again after a
 * failure, so a report is never stored twice.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("report-config").textContent);
  var S = config.strings;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("rp-form");
  var clientUuid = TryggMap.uuid();
  var place = null;

  var map = TryggMap.create($("rp-map"), config);
  /* Without the basemap the streets come from the field API when zoomed in. */
  if (!(config.map && config.map.style)) TryggMap.streetsInView(map, config.api.streets, 15);
  var marker = TryggMap.placeMarker(map, function (ll) { setPlace(ll.lat, ll.lng); });
  var nearbyLayer = TryggMap.overlay(map, "rp-nearby", { colour: "#555", radius: 7 });

  function setPlace(lat, lon, zoom, label) {
    place = { lat: Number(lat.toFixed(7)), lon: Number(lon.toFixed(7)) };
    marker.set(lat, lon);
    if (zoom) map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), zoom) });
    $("rp-place-state").textContent = "✓ " + (label ? label + " · " : "") +
      place.lat.toFixed(5) + ", " + place.lon.toFixed(5);
    clearError("geometry");
    lookNearby();
  }

  map.on("click", function (e) { setPlace(e.lngLat.lat, e.lngLat.lng); });
  TryggMap.keyboardPlace(map, function (centre) { setPlace(centre.lat, centre.lng); });
  $("rp-locate").addEventListener("click", function () {
    if (!("geolocation" in navigator)) { showError("geometry", S.noGps); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      setPlace(p.coords.latitude, p.coords.longitude, 17);
    }, function () { showError("geometry", S.noGps); }, { enableHighAccuracy: true, timeout: 15000 });
  });

  /* ---- the place by street name: suggestions as you type (a combobox) ---------------- */
  var search = $("rp-search");
  var list = $("rp-search-list");
  var options = [];
  var active = -1;
  var searchTimer = null;
  var asked = "";

  function closeList() {
    list.hidden = true;
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function showOptions(results) {
    list.innerHTML = "";
    options = results;
    active = -1;
    results.forEach(function (result, index) {
      var li = document.createElement("li");
      li.id = "rp-search-option-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = result.label;  /* street names are data: text, never markup */
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
      list.appendChild(li);
    });
    $("rp-search-state").textContent = results.length ? TryggMap.format(S.suggestions, { n: results.length }) : S.noStreet;
    list.hidden = results.length === 0;
    search.setAttribute("aria-expanded", results.length ? "true" : "false");
  }
  function highlight(index) {
    if (!options.length) return;
    active = (index + options.length) % options.length;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    search.setAttribute("aria-activedescendant", "rp-search-option-" + active);
    list.children[active].scrollIntoView({ block: "nearest" });
  }
  function choose(index) {
    var result = options[index];
    if (!result) return;
    search.value = result.label;
    closeList();
    setPlace(result.lat, result.lon, 17, result.label);
  }
  function ask() {
    var q = search.value.trim();
    if (q.length < 2) { closeList(); $("rp-search-state").textContent = ""; return; }
    if (q === asked) return;
    asked = q;
    var url = config.api.places + "?municipality=" + encodeURIComponent(config.municipality) + "&q=" + encodeURIComponent(q);
    fetch(url, { headers: TryggMap.apiHeaders() }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { if (search.value.trim() === q) showOptions(data.results || []); })
      .catch(function () { asked = ""; });
  }
  search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(ask, 200);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) ask(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();  /* Enter picks a street; it never sends the form from here */
      if (active >= 0) choose(active);
      else if (options.length === 1 && !list.hidden) choose(0);
    } else if (event.key === "Escape") { closeList(); }
  });
  search.addEventListener("blur", function () { setTimeout(closeList, 150); });

  function selected(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  form.querySelectorAll('input[name="category"]').forEach(function (input) {
    input.addEventListener("change", function () { clearError("category"); lookNearby(); });
  });
  form.querySelectorAll('input[name="when"]').forEach(function (input) {
    input.addEventListener("change", function () { clearError("when"); });
  });

  /* ---- nearby reports of the same category: add your voice instead ------------------ */
  function lookNearby() {
    var category = selected("category");
    if (!place || !category) return;
    var url = config.api.nearby + "?lon=" + place.lon + "&lat=" + place.lat + "&category=" + encodeURIComponent(category);
    fetch(url, { headers: TryggMap.apiHeaders() }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      var list = $("rp-nearby-list");
      list.innerHTML = "";
      var features = (data && data.features) || [];
      nearbyLayer.set({ type: "FeatureCollection", features: features.map(function (f, i) {
        return TryggMap.feature(f.geometry, "#555", i);
      }) });
      $("rp-nearby").hidden = features.length === 0;
      features.forEach(function (f) { list.appendChild(nearbyItem(f)); });
    }).catch(function () {});
  }

  function nearbyItem(feature) {
    var p = feature.properties;
    var li = document.createElement("li");
    li.dataset.pin = feature.id;
    if (p.photos && p.photos.length && p.photos[0].thumbnail) {
      var img = document.createElement("img");
      img.src = p.photos[0].thumbnail;
      img.alt = "";
      li.appendChild(img);
    } else {
      var blank = document.createElement("div");
      blank.className = "noimg";
      li.appendChild(blank);
    }
    var body = document.createElement("div");
    body.className = "body";
    var text = document.createElement("p");
    text.textContent = p.description || "—";
    var meta = document.createElement("p");
    meta.className = "hint";
    meta.textContent = p.status_label + " · " + p.vote_count + " " + S.votes + " · " +
      TryggMap.format(S.distance, { m: Math.round(p.distance_m) });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.textContent = S.addVoice;
    button.addEventListener("click", function () { vote(feature.id, button); });
    body.appendChild(text);
    body.appendChild(meta);
    body.appendChild(button);
    li.appendChild(body);
    return li;
  }

  function vote(pinId, button) {
    button.disabled = true;
    var key = "trygg-vote-" + pinId;
    var voteId = localStorage.getItem(key) || TryggMap.uuid();
    localStorage.setItem(key, voteId);
    fetch(config.api.vote.replace("/0/", "/" + pinId + "/"), {
      method: "POST",
      headers: TryggMap.apiHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ client_uuid: voteId, when: selected("when") }),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw body;
        form.hidden = true;
        var follow = $("rp-follow");  // ask to be told about the supported report (gis.notices)
        follow.href = follow.href.replace(/\/0\/$/, "/" + pinId + "/");
        $("rp-voted").hidden = false;
        window.scrollTo(0, 0);
      });
    }).catch(function (body) {
      button.disabled = false;
      showErrors(body && typeof body === "object" ? body : { detail: [S.offline] });
    });
  }

  /* ---- the photo's own GPS, offered as the place ------------------------------------ */
  $("rp-photo").addEventListener("change", function () {
    var file = this.files && this.files[0];
    clearError("photo");
    $("rp-photo-offer").hidden = true;
    if (!file) return;
    var data = new FormData();
    data.append("photo", file);
    fetch(config.api.photoLocation, { method: "POST", body: data, headers: TryggMap.apiHeaders() })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) { showErrors(answer.body); return; }
        if (answer.body.lat === null) return;
        $("rp-photo-offer").hidden = false;
        $("rp-photo-use").onclick = function () {
          setPlace(answer.body.lat, answer.body.lon, 17);
          $("rp-photo-offer").hidden = true;
        };
      }).catch(function () {});
  });

  /* ---- errors ----------------------------------------------------------------------- */
  function clearError(field) {
    form.querySelectorAll('[data-error-for="' + field + '"]').forEach(function (el) { el.textContent = ""; });
  }
  function showError(field, message) {
    var el = form.querySelector('[data-error-for="' + field + '"]') || form.querySelector('[data-error-for="detail"]');
    el.textContent = message;
  }
  function showErrors(body) {
    var first = null;
    Object.keys(body || {}).forEach(function (field) {
      var messages = body[field];
      var text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      showError(field, text);
      if (!first) first = form.querySelector('[data-error-for="' + field + '"]');
    });
    if (first) first.scrollIntoView({ block: "center" });
  }

  /* ---- send -------------------------------------------------------------------------- */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach(function (el) { el.textContent = ""; });
    var problems = {};
    if (!place) problems.geometry = [S.placeFirst];
    if (!selected("category")) problems.category = [S.pickCategory];
    if (!selected("when")) problems.when = [S.pickWhen];
    if (!$("rp-description").value.trim()) problems.description = [S.describe];
    if (Object.keys(problems).length) { showErrors(problems); return; }

    var data = new FormData(form);
    data.set("published", $("rp-published").checked ? "true" : "false");
    data.set("client_uuid", clientUuid);
    data.set("geometry", JSON.stringify({ type: "Point", coordinates: [place.lon, place.lat] }));
    var photo = $("rp-photo").files[0];
    if (!photo) data.delete("photo");
    var submit = $("rp-submit");
    submit.disabled = true;
    submit.textContent = S.sending;
    fetch(config.api.pins, { method: "POST", body: data, headers: TryggMap.apiHeaders() })
      .then(function (r) {
        return r.json().catch(function () { return { detail: [S.error] }; }).then(function (body) {
          if (!r.ok) { showErrors(body); return; }
          form.hidden = true;
          $("rp-done").hidden = false;
          $("rp-track-link").href = body.tracking_url;
          $("rp-track-url").value = body.tracking_url;
          window.scrollTo(0, 0);
        });
      }, function () {
        showErrors({ detail: [S.offline] });
      })
      .then(function () {
        submit.disabled = false;
        submit.textContent = submit.dataset.label;
      });
  });
  $("rp-submit").dataset.label = $("rp-submit").textContent;
  window.tryggReport = { map: map, setPlace: setPlace, place: function () { return place; } };
})();
