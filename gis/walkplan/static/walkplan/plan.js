/* The planning page of a safety walk (gis/walkplan/templates/walkplan/plan.html).
 *
 * The leader picks the area (a district, or an area drawn on the map), the time of day, the
 * time budget and pace, and optionally a start and an end (clicked on the map, the start also
 * dragged or found by a street search). "Propose" asks the planner's API
 * (POST /api/walkplans/) for the route along the streets and the numbered stops; dropping a
 * stop, adding one (a click on the map in "add" mode) or moving the start asks again. "Save"
 * stores the plan as the walk's route and stops (POST /api/walks/<code>/plan/).
 *
 * Everything residents and leaders typed is shown as text (textContent), never as markup.
 */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var config = JSON.parse($("plan-config").textContent);
  var S = config.strings;
  var inputs = config.inputs || {};
  var state = {
    area: inputs.area || null,
    start: inputs.start || null,
    end: inputs.end || null,
    dropped: (inputs.dropped || []).slice(),
    added: (inputs.added || []).slice(),
    plan: null,
    mode: null,      /* null, "start", "end", "add", "area" */
    areaPoints: [],
    busy: false,
  };

  var map = TryggMap.create($("plan-map"), config);
  if (!config.map.style) TryggMap.streetsInView(map, config.api.streets, 15);
  var districtLayer = TryggMap.overlay(map, "plan-district", { colour: "#0b5cad", width: 2, fillOpacity: 0.05, dashed: true });
  var areaLayer = TryggMap.overlay(map, "plan-area", { colour: "#7a3e00", width: 2, fillOpacity: 0.08, radius: 5 });
  var routeLayer = TryggMap.overlay(map, "plan-route", { colour: "#0b5cad", width: 5, lineOpacity: 0.85 });
  var markers = [];

  /* The CSRF token of the page's forms (the language switch has one). */
  function csrfToken() {
    var field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }
  function round7(v) { return Number(Number(v).toFixed(7)); }
  function fmt(text, values) { return TryggMap.format(text, values); }

  /* ---- the area ------------------------------------------------------------------------ */
  function selectedDistrict() {
    var value = $("plan-district").value;
    return config.districts.find(function (d) { return String(d.id) === value; }) || null;
  }
  function drawArea() {
    var district = selectedDistrict();
    districtLayer.set({ type: "FeatureCollection", features: district ? [TryggMap.feature(district.geometry, "#0b5cad", 0)] : [] });
    var features = [];
    if (state.area) features.push(TryggMap.feature(state.area, "#7a3e00", 0));
    state.areaPoints.forEach(function (p, i) {
      features.push(TryggMap.feature({ type: "Point", coordinates: p }, "#7a3e00", i + 1));
    });
    if (state.areaPoints.length > 1) {
      features.push(TryggMap.feature({ type: "LineString", coordinates: state.areaPoints }, "#7a3e00", 99));
    }
    areaLayer.set({ type: "FeatureCollection", features: features });
  }
  $("plan-district").addEventListener("change", function () {
    var district = selectedDistrict();
    if (district) {
      state.area = null;
      if (district.bounds) map.fitBounds(district.bounds, { padding: 16, animate: false });
    }
    drawArea();
  });

  /* ---- modes: what a click on the map does ---------------------------------------------- */
  var modeButtons = { start: "plan-set-start", end: "plan-set-end", add: "plan-add-stop", area: "plan-draw-area" };
  var modeHelp = { start: S.tapStart, end: S.tapEnd, add: S.tapAdd, area: S.tapArea };
  function setMode(mode) {
    state.mode = state.mode === mode ? null : mode;
    Object.keys(modeButtons).forEach(function (key) {
      $(modeButtons[key]).setAttribute("aria-pressed", state.mode === key ? "true" : "false");
    });
    $("plan-mode").textContent = state.mode ? modeHelp[state.mode] : "";
    $("plan-area-done").hidden = state.mode !== "area";
    if (state.mode === "area") { state.areaPoints = []; drawArea(); }
    map.tryggDrawing = !!state.mode;
  }
  Object.keys(modeButtons).forEach(function (key) {
    $(modeButtons[key]).addEventListener("click", function (event) {
      setMode(key);
      /* From the keyboard the map takes the focus: arrows move it, Enter places the point. */
      if (state.mode && event.detail === 0) map.getCanvas().focus();
    });
  });
  $("plan-area-done").addEventListener("click", function () {
    if (state.areaPoints.length < 3) { $("plan-mode").textContent = S.areaNeedsMore; return; }
    state.area = { type: "Polygon", coordinates: [state.areaPoints.concat([state.areaPoints[0]])] };
    state.areaPoints = [];
    $("plan-district").value = "";
    setMode("area");
    drawArea();
  });

  function place(lngLat) {
    var point = [round7(lngLat.lng), round7(lngLat.lat)];
    if (state.mode === "area") { state.areaPoints.push(point); drawArea(); return; }
    if (state.mode === "start") { state.start = point; setMode("start"); }
    else if (state.mode === "end") { state.end = point; setMode("end"); }
    else if (state.mode === "add") { state.added.push(point); setMode("add"); }
    else return;
    renderEnds();
    if (state.plan) propose();
  }
  map.on("click", function (e) { place(e.lngLat); });
  TryggMap.keyboardPlace(map, function (centre) { place(centre); });

  /* ---- start and end: markers (the start is dragged to move it) -------------------------- */
  var startMarker = null;
  var endMarker = null;
  function endMarkerAt(kind, point, draggable) {
    var element = document.createElement("div");
    element.className = "stop-marker " + kind;
    element.textContent = kind === "start" ? "S" : "E";
    element.title = kind === "start" ? S.start : S.end;
    element.setAttribute("aria-hidden", "true");
    var marker = new maplibregl.Marker({ element: element, draggable: draggable }).setLngLat(point).addTo(map);
    element.removeAttribute("tabindex");
    return marker;
  }
  function renderEnds() {
    if (startMarker) { startMarker.remove(); startMarker = null; }
    if (endMarker) { endMarker.remove(); endMarker = null; }
    if (state.start) {
      startMarker = endMarkerAt("start", state.start, true);
      startMarker.on("dragend", function () {
        var p = startMarker.getLngLat();
        state.start = [round7(p.lng), round7(p.lat)];
        renderEnds();
        if (state.plan) propose();
      });
    }
    if (state.end) endMarker = endMarkerAt("end", state.end, false);
    $("plan-start-value").textContent = state.start ? state.start[1].toFixed(5) + ", " + state.start[0].toFixed(5) : "–";
    $("plan-end-value").textContent = state.end ? state.end[1].toFixed(5) + ", " + state.end[0].toFixed(5) : "–";
  }
  $("plan-clear-ends").addEventListener("click", function () {
    state.start = null;
    state.end = null;
    renderEnds();
    if (state.plan) propose();
  });

  /* ---- a street search for the start ----------------------------------------------------- */
  function searchPlace() {
    var q = $("plan-place").value.trim();
    var list = $("plan-place-results");
    list.textContent = "";
    if (q.length < 2) return;
    var url = config.api.places + "?municipality=" + encodeURIComponent(config.municipality) + "&q=" + encodeURIComponent(q);
    fetch(url, { headers: TryggMap.apiHeaders(), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        var results = data.results || [];
        $("plan-place-status").textContent = results.length ? "" : S.notFound;
        results.forEach(function (result) {
          var li = list.appendChild(document.createElement("li"));
          var button = li.appendChild(document.createElement("button"));
          button.type = "button";
          button.className = "btn";
          button.textContent = result.label;
          button.addEventListener("click", function () {
            state.start = [round7(result.lon), round7(result.lat)];
            list.textContent = "";
            renderEnds();
            map.easeTo({ center: state.start, zoom: Math.max(map.getZoom(), 15) });
            if (state.plan) propose();
          });
        });
      }).catch(function () {});
  }
  $("plan-place-go").addEventListener("click", searchPlace);
  $("plan-place").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); searchPlace(); }
  });

  /* ---- pace ------------------------------------------------------------------------------ */
  $("plan-accessible").addEventListener("change", function () {
    $("plan-pace").value = this.checked ? config.accessiblePace : 4;
  });

  /* ---- the request ----------------------------------------------------------------------- */
  function body() {
    var checked = document.querySelector('input[name="time_of_day"]:checked');
    var request = {
      municipality: config.municipality,
      time_of_day: checked ? checked.value : "evening",
      dropped: state.dropped,
      added: state.added,
    };
    /* A field left empty is left out: the API names what it misses. */
    var minutes = parseInt($("plan-minutes").value, 10);
    var pace = parseFloat(String($("plan-pace").value).replace(",", "."));
    if (!isNaN(minutes)) request.minutes = minutes;
    if (!isNaN(pace)) request.pace_kmh = pace;
    var district = selectedDistrict();
    if (state.area && !district) request.area = state.area;
    else if (district) request.district = district.id;
    if (state.start) request.start = state.start;
    if (state.end) request.end = state.end;
    return request;
  }

  function setState(text, kind) {
    var box = $("plan-state");
    box.textContent = text;
    box.className = "notice" + (kind ? " " + kind : "");
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: TryggMap.apiHeaders({ "Content-Type": "application/json", "X-CSRFToken": csrfToken() }),
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) throw new Error(TryggOutbox.firstMessage(data) || "HTTP " + response.status);
        return data;
      });
    });
  }

  function propose() {
    if (state.busy) return;
    state.busy = true;
    $("plan-propose").disabled = true;
    setState(S.planning);
    post(config.api.plan, body()).then(function (plan) {
      state.plan = plan;
      renderPlan(plan);
      $("plan-save").disabled = false;
      setState(summary(plan) + " " + S.unsaved, plan.over_budget ? "error" : "");
    }).catch(function (error) {
      setState(fmt(S.failed, { error: error.message }), "error");
    }).then(function () {
      state.busy = false;
      $("plan-propose").disabled = false;
    });
  }
  $("plan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    propose();
  });

  $("plan-save").addEventListener("click", function () {
    $("plan-save").disabled = true;
    setState(S.saving);
    post(config.api.save, body()).then(function (plan) {
      state.plan = plan;
      renderPlan(plan);
      setState(summary(plan) + " " + S.saved, "ok");
      document.body.dataset.saved = "1";
    }).catch(function (error) {
      $("plan-save").disabled = false;
      setState(fmt(S.failed, { error: error.message }), "error");
    });
  });

  function summary(plan) {
    return fmt(S.planned, {
      n: plan.stops.length,
      km: (plan.length_m / 1000).toFixed(1),
      min: Math.round(plan.minutes),
    }) + (plan.over_budget ? " " + S.overBudget : "");
  }

  /* ---- drawing the plan ------------------------------------------------------------------- */
  function renderPlan(plan) {
    routeLayer.set({ type: "FeatureCollection", features: plan.route ? [TryggMap.feature(plan.route, "#0b5cad", 0)] : [] });
    markers.forEach(function (m) { m.remove(); });
    markers = plan.stops.map(function (stop, index) {
      var element = document.createElement("div");
      element.className = "stop-marker";
      element.textContent = String(stop.order || index + 1);
      element.setAttribute("aria-hidden", "true");
      return new maplibregl.Marker({ element: element }).setLngLat([stop.lon, stop.lat]).addTo(map);
    });
    var list = $("plan-stops");
    list.textContent = "";
    if (!plan.stops.length) {
      var none = list.appendChild(document.createElement("li"));
      none.textContent = S.noStops;
    }
    plan.stops.forEach(function (stop, index) {
      var number = stop.order || index + 1;
      var li = list.appendChild(document.createElement("li"));
      li.dataset.kind = stop.kind;
      li.dataset.order = number;
      var badge = li.appendChild(document.createElement("span"));
      badge.className = "stop-no";
      badge.textContent = String(number);
      var title = li.appendChild(document.createElement("span"));
      title.className = "stop-title";
      title.textContent = (stop.title || S.added) + (stop.minutes_from_start != null ?
        " · " + fmt(S.minutesFromStart, { min: Math.round(stop.minutes_from_start) }) : "");
      addText(li, S.why, stop.why);
      addText(li, S.lookAt, stop.look_at);
      var comments = (stop.comments || []).filter(function (c) { return c; });
      if (comments.length) {
        var box = li.appendChild(document.createElement("div"));
        box.className = "stop-text";
        box.appendChild(document.createElement("b")).textContent = S.comments;
        var ul = box.appendChild(document.createElement("ul"));
        comments.forEach(function (comment) {
          ul.appendChild(document.createElement("li")).textContent = typeof comment === "string" ? comment : (comment.text || "");
        });
      }
      var photos = (stop.photos || []).filter(function (url) { return typeof url === "string" && url.charAt(0) === "/"; });
      if (photos.length) {
        var row = li.appendChild(document.createElement("p"));
        row.className = "stop-photos";
        photos.forEach(function (url) {
          var img = row.appendChild(document.createElement("img"));
          img.src = url;
          img.alt = S.photo;
          img.loading = "lazy";
        });
      }
      var drop = li.appendChild(document.createElement("button"));
      drop.type = "button";
      drop.className = "btn";
      drop.dataset.drop = number;
      drop.textContent = fmt(S.drop, { n: number });
      drop.addEventListener("click", function () {
        if (stop.kind === "added") {
          state.added = state.added.filter(function (p) {
            return Math.abs(p[0] - stop.lon) > 1e-6 || Math.abs(p[1] - stop.lat) > 1e-6;
          });
        } else {
          state.dropped.push({ kind: stop.kind, id: stop.id });
        }
        propose();
      });
    });
    var bounds = TryggMap.boundsOf([plan.route].concat(plan.stops.map(function (s) {
      return { type: "Point", coordinates: [s.lon, s.lat] };
    })));
    if (bounds) map.fitBounds(bounds, { padding: 40, maxZoom: 17, animate: false });
  }

  function addText(li, label, text) {
    if (!text) return;
    var p = li.appendChild(document.createElement("p"));
    p.className = "stop-text";
    p.appendChild(document.createElement("b")).textContent = label + ": ";
    p.appendChild(document.createTextNode(text));
  }

  /* A saved plan is shown as it was saved, until the leader proposes a new one. */
  drawArea();
  renderEnds();
  if (config.saved && config.saved.stops.length) {
    renderPlan({ route: config.saved.route, stops: config.saved.stops });
    setState("");
  } else {
    setState(S.none);
  }
  window.tryggPlan = { map: map, state: state, propose: propose };
})();
