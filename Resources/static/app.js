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

  // Synthesis job page: follow the progress until the job ends.
  var jobHead = document.querySelector("[data-job-url]");
  if (jobHead) {
    var jobURL = jobHead.getAttribute("data-job-url");
    var follow = function () {
      fetch(jobURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) {
          if (!job) { setTimeout(follow, 3000); return; }
          if (!job.isActive) { window.location.reload(); return; }
          var texts = {
            processed: job.processed, written: job.written, skipped: job.skipped, retries: job.retries, inFlight: job.inFlight,
            tokensIn: job.tokensIn.toLocaleString("en-US"), tokensOut: job.tokensOut.toLocaleString("en-US"), costText: "$" + job.costUSD.toFixed(job.costUSD < 1 ? 4 : 2),
            rateText: Math.round(job.ratePerMinute) + " seeds/min",
            elapsedText: Math.round(job.elapsedSeconds) + " s",
            etaText: job.etaSeconds == null ? "—" : Math.round(job.etaSeconds) + " s"
          };
          document.querySelectorAll("[data-job-field]").forEach(function (el) {
            var key = el.getAttribute("data-job-field");
            if (key in texts) { el.textContent = String(texts[key]); }
          });
          var bar = document.querySelector("[data-job-progress]");
          if (bar && job.total > 0) { bar.value = Math.floor(job.processed * 100 / job.total); }
          setTimeout(follow, 1000);
        })
        .catch(function () { setTimeout(follow, 3000); });
    };
    setTimeout(follow, 1000);
  }

  // Synthesis dialog: show the fields of the chosen teacher and keep the estimate current.
  var synthesis = document.querySelector("[data-synthesis-form]");
  if (synthesis) {
    var providerSelect = synthesis.querySelector("[data-provider-select]");
    var modelSelect = synthesis.querySelector("[data-model-select]");
    var syncProvider = function () {
      var option = providerSelect.options[providerSelect.selectedIndex];
      synthesis.setAttribute("data-custom", option.getAttribute("data-custom") === "true" ? "true" : "false");
      var firstVisible = null;
      modelSelect.querySelectorAll("optgroup").forEach(function (group) {
        var visible = group.getAttribute("data-provider") === providerSelect.value;
        group.hidden = !visible;
        group.disabled = !visible;
        if (visible && !firstVisible) { firstVisible = group.querySelector("option"); }
      });
      var current = modelSelect.options[modelSelect.selectedIndex];
      if (firstVisible && (!current || current.parentNode.disabled)) { firstVisible.selected = true; }
    };
    var estimateURL = synthesis.getAttribute("data-estimate-url");
    var timer = null;
    var refreshEstimate = function () {
      var params = new URLSearchParams(new FormData(synthesis));
      params.delete("_csrf"); params.delete("api_key");
      fetch(estimateURL + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body || !body.estimate) { return; }
          var e = body.estimate;
          var values = { costText: e.costText, durationText: e.durationText, requests: e.requests,
            tokensText: e.promptTokens.toLocaleString() + " / " + e.completionTokens.toLocaleString() };
          synthesis.querySelectorAll("[data-estimate-field]").forEach(function (el) {
            var key = el.getAttribute("data-estimate-field");
            if (key in values) { el.textContent = String(values[key]); }
          });
        })
        .catch(function () {});
    };
    synthesis.addEventListener("change", function (event) {
      if (event.target === providerSelect) { syncProvider(); }
      clearTimeout(timer); timer = setTimeout(refreshEstimate, 250);
    });
    synthesis.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refreshEstimate, 400); });
    syncProvider();
  }

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
