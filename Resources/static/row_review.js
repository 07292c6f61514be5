// The row page's keys: a accept, r reject, e edit, j / k next / previous row. Each key clicks the control marked
// data-row-key, so the keys do exactly what the buttons and links do. Ignored while typing and with modifiers.
(function () {
  "use strict";
  if (!document.querySelector("[data-row-page]")) { return; }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function openEditor() {
    var editor = document.getElementById("edit");
    if (!editor) { return; }
    editor.open = true;
    var field = editor.querySelector("textarea");
    editor.scrollIntoView({ block: "start" });
    if (field) { field.focus(); }
  }

  var edit = document.querySelector("[data-row-key=e]");
  if (edit) {
    edit.addEventListener("click", function (event) { event.preventDefault(); openEditor(); });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    var control = document.querySelector("[data-row-key=\"" + event.key + "\"]");
    if (!control) { return; }
    event.preventDefault();
    control.click();
  });
})();
