// Live progress of a running contact sync: every element with data-progress-url that holds a
// visible .sync-progress box polls that URL until the run ends, then reloads the page so the
// outcome (last sync, recent runs) shows. A static file, not an inline script, so pages can
// run under a strict Content-Security-Policy.
(function () {
  function watch(panel) {
    var box = panel.querySelector(".sync-progress");
    if (!box || box.hidden) return;
    var bar = box.querySelector("progress"), text = box.querySelector(".sync-progress-text");
    function poll() {
      fetch(panel.dataset.progressUrl, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (run) {
          if (run.total) { bar.max = run.total; }
          bar.value = run.processed;
          text.textContent = run.processed + (run.total ? " of " + run.total : "") + " records";
          if (run.status === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
  }
  document.querySelectorAll("[data-progress-url]").forEach(watch);
})();
