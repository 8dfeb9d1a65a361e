// Polls a scheduler run while it works, shows its progress, and reloads the page when it has ended.
(function () {
  var box = document.getElementById("schedule");
  if (!box || !box.dataset.poll) return;
  var line = document.getElementById("run-status");
  function tick() {
    fetch(box.dataset.poll, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        if (line && s.progress) line.textContent = (line.dataset.working || "") + " " + s.progress;
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
