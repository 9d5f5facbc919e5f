// Small progressive enhancements; no inline scripts (CSP forbids them). Every page works without
// this file: forms submit normally and links navigate.
(function () {
  "use strict";

  // Language switch and filter selects submit on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  function isTyping(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // Live meeting: previous / next case from the keyboard (J / K or the arrow keys, when the focus
  // is not in a form field). The links carry data-hotkey="prev" / "next".
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
    var which = null;
    if (event.key === "ArrowRight" || event.key === "j" || event.key === "J") which = "next";
    if (event.key === "ArrowLeft" || event.key === "k" || event.key === "K") which = "prev";
    if (!which) return;
    var link = document.querySelector('a[data-hotkey="' + which + '"]');
    if (link) { event.preventDefault(); link.click(); }
  });

  // Print buttons (no inline onclick under CSP).
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) { event.preventDefault(); window.print(); }
  });

  // Decision form: show the override-reason hint as soon as the plan departs from a suggestion.
  function refreshOverride(form) {
    var suggested = (form.getAttribute("data-suggested") || "").split(" ").filter(Boolean);
    var chosen = Array.prototype.slice.call(form.querySelectorAll("input[name=procedure]:checked"))
      .map(function (box) { return box.value; });
    var departs = chosen.some(function (value) { return suggested.indexOf(value) === -1; });
    var hint = form.querySelector("[data-override-hint]");
    var reason = form.querySelector("textarea[name=override_reason]");
    if (hint) hint.hidden = !departs;
    if (reason) reason.required = departs;
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-suggested]") : null;
    if (form) refreshOverride(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggested]").forEach(refreshOverride);
  });
})();

// After htmx swaps the agenda list (reorder), put the keyboard focus back on the button the
// person pressed (the server marks it with data-autofocus), so up/down can be pressed again.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  var scope = (target && target.isConnected) ? target : document;
  var el = scope.querySelector("[data-autofocus]") || document.querySelector("[data-autofocus]");
  if (el) { el.focus(); }
});
