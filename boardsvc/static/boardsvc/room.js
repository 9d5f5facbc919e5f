// room.js: the meeting room (issue 12). No inline script (CSP): htmx attributes do the work,
// this file only adds what attributes cannot say.
(function () {
  "use strict";

  // "Follow the room": opening the toggle inserts the room screen's fragment, which then polls
  // every 1.5 s (hx-trigger on the fragment itself); closing it removes the fragment, which
  // stops the polling.
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("details[data-follow-room]")) return;
    var slot = box.querySelector("[data-follow-slot]");
    if (!slot) return;
    slot.textContent = "";
    if (!box.open || !window.htmx) return;
    var loader = document.createElement("div");
    loader.setAttribute("hx-get", box.getAttribute("data-follow-room"));
    loader.setAttribute("hx-trigger", "load");
    loader.setAttribute("hx-swap", "outerHTML");
    slot.appendChild(loader);
    window.htmx.process(loader);
  }, true);

  // A refusal (400/409) of an attendance, apology or opinion action comes back as the panel
  // with the message in it: let htmx swap it like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var status = detail.xhr ? detail.xhr.status : 0;
    if (status < 400 || status >= 500) return;
    var target = detail.target;
    if (target && target.closest && (target.closest("#attendance-panel") ||
        target.closest(".opinion-box"))) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
