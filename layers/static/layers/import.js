// The import page: the preview map of the good rows, the progress of a running import, and the
// confirmation of an undo. No inline code (CSP); data comes from json_script and data-*.
(function () {
  "use strict";

  function previewMap() {
    const element = document.getElementById("preview-map");
    const data = document.getElementById("preview-features");
    if (!element || !data || typeof maplibregl === "undefined") return;
    const features = JSON.parse(data.textContent);
    const map = new maplibregl.Map({
      container: element,
      style: element.dataset.style,
      attributionControl: { compact: true },
    });
    window.tryggPreviewMap = map;
    map.on("load", function () {
      map.addSource("preview", { type: "geojson", data: features });
      map.addLayer({ id: "preview-fill", type: "fill", source: "preview",
        filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": "#1f6feb", "fill-opacity": 0.3 } });
      map.addLayer({ id: "preview-line", type: "line", source: "preview",
        filter: ["!=", ["geometry-type"], "Point"],
        paint: { "line-color": "#1f6feb", "line-width": 2 } });
      map.addLayer({ id: "preview-points", type: "circle", source: "preview",
        filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-radius": 6, "circle-color": "#1f6feb",
          "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
      const bounds = new maplibregl.LngLatBounds();
      const extend = (c) => (typeof c[0] === "number" ? bounds.extend(c) : c.forEach(extend));
      features.features.forEach((f) => extend(f.geometry.coordinates));
      if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 40, maxZoom: 16, duration: 0 });
      element.dataset.features = String(features.features.length);
    });
  }

  function progress() {
    const box = document.getElementById("import-progress");
    if (!box) return;
    const state = document.getElementById("import-state");
    const bar = document.getElementById("import-bar");
    const result = document.getElementById("import-result");
    const error = document.getElementById("import-error");
    function show(status) {
      box.dataset.state = status.state;
      let text = state.dataset[status.state] || status.state;
      if (status.state === "running") text += " " + status.rows_read + " " + state.dataset.rows;
      state.textContent = text;
      if (status.rows) bar.max = status.rows;
      bar.value = status.state === "done" ? bar.max : status.rows_read;
      if (status.state === "done" && status.result) {
        result.querySelectorAll("[data-key]").forEach(function (dd) {
          dd.textContent = String(status.result[dd.dataset.key]);
        });
        result.hidden = false;
      }
      if (status.state === "failed") {
        error.textContent = status.error || "";
        error.hidden = false;
      }
      return status.state === "done" || status.state === "failed";
    }
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
        .then((response) => response.json())
        .then((status) => { if (!show(status)) setTimeout(poll, 700); })
        .catch(() => setTimeout(poll, 2000));
    }
    poll();
  }

  function confirmUndo() {
    document.querySelectorAll("form.undo-form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  previewMap();
  progress();
  confirmUndo();
})();
