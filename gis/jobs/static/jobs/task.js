// The progress of a background analysis task: polls its status (JSON) until it ends and shows
// its state and result as text (textContent only: nothing from the server becomes markup).
(function () {
  "use strict";
  const box = document.getElementById("job-progress");
  if (!box) return;
  const state = document.getElementById("job-state");
  const bar = document.getElementById("job-bar");
  const error = document.getElementById("job-error");
  const steps = { queued: 0, running: 1, done: 2, failed: 2 };

  function show(status) {
    box.dataset.state = status.state;
    let text = state.dataset[status.state] || status.state;
    if (status.state === "done" && status.outcome === "skipped") text = state.dataset.skipped;
    else if (status.state === "done" && status.fixes !== null && status.fixes !== undefined) {
      text += " " + status.fixes + " " + state.dataset.fixes + " " + status.seconds + " " + state.dataset.seconds;
    }
    state.textContent = text;
    bar.value = steps[status.state] ?? 0;
    error.textContent = status.error || "";
    error.hidden = !status.error;
    return status.state === "done" || status.state === "failed";
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then((response) => response.json())
      .then((status) => { if (!show(status)) setTimeout(poll, 1000); })
      .catch(() => setTimeout(poll, 3000));
  }

  if (box.dataset.state !== "done" && box.dataset.state !== "failed") poll();
  else fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
    .then((response) => response.json()).then(show).catch(() => {});
})();
