// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Dataset detail: follow the validation status without a manual reload.
  var head = document.querySelector("[data-status-url]");
  if (head && head.getAttribute("data-dataset-status") === "validating") {
    var url = head.getAttribute("data-status-url");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.dataset && body.dataset.status !== "validating") { window.location.reload(); }
          else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 700);
  }

  // New dataset: show the skill prompt only in seeds mode.
  var form = document.querySelector("[data-dataset-form]");
  if (form) {
    var sync = function () {
      var checked = form.querySelector("input[name=mode]:checked");
      form.setAttribute("data-mode", checked ? checked.value : "chat");
    };
    form.addEventListener("change", sync);
    sync();
  }

  // Skill prompt presets fill the textarea; the text stays editable.
  document.querySelectorAll("[data-preset-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-preset-target"));
      if (target) { target.value = button.getAttribute("data-preset-text"); target.focus(); }
    });
  });

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
