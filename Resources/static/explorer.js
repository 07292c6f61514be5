// The row explorer's keys: j / k move to the next / previous row (and scroll it into view), Enter opens the
// focused row's page. Keys typed into the filter form's fields are left alone.
(function () {
  "use strict";
  var list = document.querySelector("[data-row-list]");
  if (!list) { return; }
  var rows = Array.prototype.slice.call(list.querySelectorAll("[data-row-url]"));
  if (rows.length === 0) { return; }
  var current = -1;

  var typing = function (target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  };

  var focusRow = function (index) {
    var row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    if (event.key === "j") { event.preventDefault(); focusRow(current + 1); }
    else if (event.key === "k") { event.preventDefault(); focusRow(current - 1); }
    else if (event.key === "Enter" && current >= 0 && event.target === rows[current]) {
      window.location.href = rows[current].getAttribute("data-row-url");
    }
  });
  rows.forEach(function (row, position) {
    row.addEventListener("focus", function () {
      current = position;
      rows.forEach(function (other, index) { other.classList.toggle("is-current", index === position); });
    });
  });
})();
