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

  // After a submit the server refused, put the keyboard focus on the first field in error (the
  // field's aria-describedby makes screen readers read its error list), or else on the form's
  // error message, so nobody has to hunt for what went wrong. Nothing happens on a page without
  // errors, or when the page already put the focus somewhere on purpose.
  function firstErrorTarget() {
    var invalid = document.querySelector("form [aria-invalid=true]");
    if (invalid) return invalid;
    var list = document.querySelector("form .errorlist");
    var holder = list ? list.closest(".field, fieldset") : null;
    var control = holder ? holder.querySelector("input:not([type=hidden]), select, textarea") : null;
    if (control) return control;
    var message = document.querySelector("#form-errors, #date-errors, form [role=alert]");
    if (message && !message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
    return message;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var active = document.activeElement;
    if (active && active !== document.body) return;
    if (document.querySelector("[data-autofocus], [autofocus]")) return;
    var target = firstErrorTarget();
    if (target) target.focus();
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
