// decision.js: the decision step of the live meeting (boardsvc/_decision_form.html).
// No inline script (CSP); without this file the form posts normally and the page re-renders.
(function () {
  "use strict";

  // htmx settles "style" by default, which writes inline styles the CSP (style-src 'self')
  // refuses on every swap; this page sets no inline style, so nothing needs settling there.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function isTyping(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function firstField(form) {
    return form.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
  }

  // "D" from anywhere in the case: focus the decision form's first field.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
    if (event.key !== "d" && event.key !== "D") return;
    var form = document.querySelector("form[data-decision-form]");
    var field = form && firstField(form);
    if (field) { event.preventDefault(); field.focus(); }
  });

  // A refused decision comes back as the form with a 400/409 status: swap it in place
  // (htmx leaves error statuses unswapped by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail && event.detail.elt;
    var status = event.detail && event.detail.xhr && event.detail.xhr.status;
    if (elt && elt.matches && elt.matches("form[data-decision-form]") &&
        (status === 400 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After the swap, the focus goes to the first field in error (its message is next to it,
  // announced by role="alert" and linked by aria-describedby).
  document.addEventListener("htmx:afterSwap", function () {
    var form = document.querySelector("form[data-decision-form]");
    if (!form) return;
    var invalid = form.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); }
    refreshOverride(form);
  });

  // The override hint: a procedure not suggested needs an override reason (the service
  // decides; this only says so before submitting).
  function refreshOverride(form) {
    var extra = form.querySelector("select[name=extra_procedure_type]");
    var hint = form.querySelector("[data-override-hint]");
    if (hint) hint.hidden = !(extra && extra.value);
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-decision-form]") : null;
    if (form) refreshOverride(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-decision-form]").forEach(refreshOverride);
  });
})();
