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
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-checked") === "true") { return; }
      event.preventDefault();
      checkUpload(form).then(function (ok) {
        if (ok) { form.setAttribute("data-checked", "true"); form.submit(); }
      });
    });
  }

  // Before a file is sent: the skill prompt (same rules as the server's validateSkillPrompt, which still checks)
  // and whether the file's first lines belong to the other mode (same rule as the server's UploadModeCheck).
  function showClientError(target, field, message) {
    var slot = target.querySelector("[data-client-error=" + field + "]");
    if (!slot) { return; }
    slot.textContent = message || "";
    slot.hidden = !message;
  }

  function skillPromptProblem(text) {
    if (!/\S/.test(text)) { return "The skill prompt is required: describe the persona, voice and format the teacher should follow."; }
    var bytes = new TextEncoder().encode(text).length;
    if (bytes > 65536) { return "The skill prompt is " + bytes + " bytes; the limit is 65536 bytes (64 KiB)."; }
    return "";
  }

  function modeMismatch(mode, sample, complete) {
    var lines = sample.split("\n");
    if (!complete) { lines.pop(); }
    var checked = 0, chat = 0, seeds = 0;
    for (var i = 0; i < lines.length && checked < 5; i++) {
      var line = lines[i].replace(/\r$/, "");
      if (!/\S/.test(line)) { continue; }
      checked++;
      var value;
      try { value = JSON.parse(line); } catch (e) { return ""; }
      if (!value || typeof value !== "object" || Array.isArray(value)) { return ""; }
      var hasMessages = "messages" in value, hasInput = "input" in value;
      if (hasMessages && !hasInput) { chat++; } else if (hasInput && !hasMessages) { seeds++; } else { return ""; }
    }
    if (checked === 0) { return ""; }
    if (mode === "seeds" && chat === checked) { return "This looks like a chat-format file ({\"messages\": [...]} per line); pick Upload (chat format)."; }
    if (mode === "chat" && seeds === checked) { return "This looks like a seeds file ({\"input\": \"...\"} per line); pick Seeds + skill prompt."; }
    return "";
  }

  function checkUpload(target) {
    var mode = target.getAttribute("data-mode");
    var prompt = target.querySelector("textarea[name=skill_prompt]");
    var promptProblem = mode === "seeds" && prompt ? skillPromptProblem(prompt.value) : "";
    showClientError(target, "skill_prompt", promptProblem);
    var input = target.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (!file || !file.slice || !window.TextDecoder) {
      showClientError(target, "file", "");
      return Promise.resolve(!promptProblem);
    }
    var limit = 65536;
    return file.slice(0, limit).arrayBuffer().then(function (buffer) {
      var sample = new TextDecoder("utf-8").decode(buffer);
      var mismatch = modeMismatch(mode, sample, file.size <= limit);
      showClientError(target, "file", mismatch);
      var first = target.querySelector(".field-error:not([hidden])");
      if (first && (promptProblem || mismatch)) { first.scrollIntoView({ block: "center" }); }
      return !promptProblem && !mismatch;
    }, function () { return !promptProblem; });
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
          // The server formats every figure (one format everywhere); the page only copies the texts.
          var texts = {
            progressText: job.progressText, written: job.written.toLocaleString("en-US"), skipped: job.skipped.toLocaleString("en-US"),
            retries: job.retries.toLocaleString("en-US"), inFlight: job.inFlight, tokensIn: job.tokensIn.toLocaleString("en-US"),
            tokensOut: job.tokensOut.toLocaleString("en-US"), costText: job.costText, rateText: job.rateText, rateLabel: job.rateLabel,
            elapsedText: job.elapsedText, etaText: job.etaText, statusLabel: job.statusLabel
          };
          document.querySelectorAll("[data-job-field]").forEach(function (el) {
            var key = el.getAttribute("data-job-field");
            if (key in texts) { el.textContent = String(texts[key]); }
          });
          var bar = document.querySelector("[data-job-progress]");
          if (bar) { bar.value = job.percentDone; bar.className = "progress " + job.barTone; }
          setTimeout(follow, 1000);
        })
        .catch(function () { setTimeout(follow, 3000); });
    };
    setTimeout(follow, 1000);
  }

  // Generation task page: follow the report until the task ends (then reload for the final report).
  var generationHead = document.querySelector("[data-generation-url]");
  if (generationHead) {
    var generationURL = generationHead.getAttribute("data-generation-url");
    var followGeneration = function () {
      fetch(generationURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (task) {
          if (!task) { setTimeout(followGeneration, 3000); return; }
          if (!task.isActive) { window.location.reload(); return; }
          var texts = {
            statusLabel: task.statusLabel, accepted: task.accepted, duplicates: task.totals.duplicates,
            unparseable: task.totals.unparseable, rejected: task.totals.rejected, itemsAsked: task.totals.itemsAsked,
            inFlight: task.inFlight, costText: task.costText
          };
          document.querySelectorAll("[data-gen-field]").forEach(function (el) {
            var key = el.getAttribute("data-gen-field");
            if (key in texts) { el.textContent = String(texts[key]); }
          });
          task.strata.forEach(function (stratum) {
            var row = document.querySelector('[data-stratum-index="' + stratum.index + '"]');
            if (!row) { return; }
            row.querySelectorAll("[data-stratum-field]").forEach(function (el) {
              el.textContent = String(stratum[el.getAttribute("data-stratum-field")]);
            });
          });
          var bar = document.querySelector("[data-gen-progress]");
          if (bar) { bar.value = task.percentDone; }
          setTimeout(followGeneration, 1000);
        })
        .catch(function () { setTimeout(followGeneration, 3000); });
    };
    setTimeout(followGeneration, 1000);
  }

  // Scoring job page: follow the progress until the job ends (then reload for the results).
  var scoringHead = document.querySelector("[data-scoring-url]");
  if (scoringHead) {
    var scoringURL = scoringHead.getAttribute("data-scoring-url");
    var followScoring = function () {
      fetch(scoringURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) {
          if (!job) { setTimeout(followScoring, 3000); return; }
          if (!job.isActive) { window.location.reload(); return; }
          document.querySelectorAll("[data-score-field]").forEach(function (el) {
            var key = el.getAttribute("data-score-field");
            if (key in job) { el.textContent = String(job[key]); }
          });
          var bar = document.querySelector("[data-score-progress]");
          if (bar) { bar.value = job.percentDone; }
          setTimeout(followScoring, 1000);
        })
        .catch(function () { setTimeout(followScoring, 3000); });
    };
    setTimeout(followScoring, 1000);
  }

  // Evaluation page: follow the run until it ends (then reload for the full report).
  var evaluationHead = document.querySelector("[data-evaluation-url]");
  if (evaluationHead) {
    var evaluationURL = evaluationHead.getAttribute("data-evaluation-url");
    var followEvaluation = function () {
      fetch(evaluationURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (page) {
          if (!page || !page.run) { setTimeout(followEvaluation, 3000); return; }
          if (!page.run.isActive) { window.location.reload(); return; }
          var texts = { statusLabel: page.run.statusLabel, progressText: page.run.progressText };
          document.querySelectorAll("[data-eval-field]").forEach(function (el) {
            var key = el.getAttribute("data-eval-field");
            if (key in texts) { el.textContent = String(texts[key]); }
          });
          var bar = document.querySelector("[data-eval-progress]");
          if (bar) { bar.value = page.run.percentDone; }
          setTimeout(followEvaluation, 1000);
        })
        .catch(function () { setTimeout(followEvaluation, 3000); });
    };
    setTimeout(followEvaluation, 1000);
  }

  // Jobs page: while a listed job is active, copy its row's figures from the JSON twin (same filter and page).
  var jobsTable = document.querySelector("[data-jobs-poll]");
  if (jobsTable) {
    var jobsURL = jobsTable.getAttribute("data-jobs-poll");
    var refreshJobs = function () {
      fetch(jobsURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body || !body.items) { setTimeout(refreshJobs, 5000); return; }
          var anyActive = false;
          body.items.forEach(function (job) {
            var row = jobsTable.querySelector("[data-job-row='" + job.id + "']");
            if (!row) { return; }
            if (job.isActive) { anyActive = true; }
            row.querySelectorAll("[data-job-cell]").forEach(function (cell) {
              var key = cell.getAttribute("data-job-cell");
              if (job[key] !== undefined && job[key] !== null) { cell.textContent = String(job[key]); }
            });
            var badge = row.querySelector(".status");
            if (badge) { badge.className = "status " + job.tone; }
          });
          if (anyActive) { setTimeout(refreshJobs, 2000); }
        })
        .catch(function () { setTimeout(refreshJobs, 5000); });
    };
    setTimeout(refreshJobs, 2000);
  }

  // Teacher fields (synthesis dialog, seed expansion, dry run): show the chosen endpoint's fields and models.
  document.querySelectorAll("form [data-provider-select]").forEach(function (providerSelect) {
    var form = providerSelect.form;
    var modelSelect = form.querySelector("[data-model-select]");
    var syncProvider = function () {
      var option = providerSelect.options[providerSelect.selectedIndex];
      form.setAttribute("data-custom", option.getAttribute("data-custom") === "true" ? "true" : "false");
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
    providerSelect.addEventListener("change", syncProvider);
    syncProvider();
  });

  // Synthesis dialog and judge scoring form: keep the estimate current.
  var synthesis = document.querySelector("form[data-estimate-url]");
  if (synthesis) {
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
          var values = { costText: e.costText, durationText: e.durationText, requests: e.requests.toLocaleString("en-US"),
            tokensText: e.promptTokens.toLocaleString("en-US") + " / " + e.completionTokens.toLocaleString("en-US"),
            assumption: e.assumption || "" };
          synthesis.querySelectorAll("[data-estimate-field]").forEach(function (el) {
            var key = el.getAttribute("data-estimate-field");
            if (key in values) { el.textContent = String(values[key]); }
          });
        })
        .catch(function () {});
    };
    synthesis.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refreshEstimate, 250); });
    synthesis.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refreshEstimate, 400); });
  }

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
