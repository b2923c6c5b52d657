// The import page: while the letters download, show "done of total" from the
// progress endpoint. Without JavaScript the Voortgang page shows the same.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var line = document.getElementById("import-progress");
  if (!form || !line || !window.fetch) { return; }
  form.addEventListener("submit", function () {
    var previous = line.getAttribute("data-last-run");
    var timer = window.setInterval(function () {
      fetch(line.getAttribute("data-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          if (run.id === null || String(run.id) === previous) { return; }
          var template = line.getAttribute(run.finished ? "data-done" : "data-busy");
          line.textContent = template.replace("{done}", run.done).replace("{total}", run.total);
          if (run.finished) { window.clearInterval(timer); }
        })
        .catch(function () { /* try again at the next tick */ });
    }, 1500);
  });
})();
