// Polls an import's status row and moves the progress bar; reloads once the import has ended.
// Loaded without defer right after the page's markup, so the bar has its width straight away.
(function () {
  var box = document.getElementById("import");
  var bar = document.getElementById("progress-bar");
  if (bar && bar.parentNode.getAttribute("aria-valuenow") !== null) {
    bar.style.width = bar.parentNode.getAttribute("aria-valuenow") + "%";
  }
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  var stage = document.getElementById("stage");
  function tick() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.percent + "%";
        bar.parentNode.setAttribute("aria-valuenow", s.percent);
        document.getElementById("processed").textContent = s.processed;
        stage.textContent = stage.dataset["label" + s.stage.charAt(0).toUpperCase() + s.stage.slice(1)] || stage.textContent;
        Object.keys(s.counts || {}).forEach(function (k) {
          var cell = document.querySelector('[data-count="' + k + '"]');
          if (cell) cell.textContent = s.counts[k];
        });
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
