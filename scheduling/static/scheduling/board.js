/* The booking board (scheduling/web/views/board.py): move one of the plan's bookings by
 * drag-and-drop or with the keyboard. Either way the browser goes to the move page's
 * "Check the rules" preview (/bookings/{id}/move/?day=&time=&resource=&version=#check), the same
 * page and service as a manual move; nothing changes until it is confirmed there.
 * A refused start is not a target: dropping on it (or choosing it) says why, and stays here.
 * Served from static (the CSP forbids inline scripts); without it every booking keeps its
 * plain "Move" link. */
(function () {
  "use strict";

  function init() {
    var board = document.getElementById("board");
    var status = document.getElementById("board-move-status");
    if (!board || !status) { return; }
    var moving = null;   // the booking element picked up (keyboard) or dragged

    function say(text) { status.textContent = text; }

    function slots() { return Array.prototype.slice.call(board.querySelectorAll("[data-slot]")); }

    function targetUrl(booking, slot) {
      var params = new URLSearchParams({
        day: slot.dataset.moveDay, time: slot.dataset.moveTime,
        resource: slot.dataset.moveResource, version: booking.dataset.version
      });
      return booking.dataset.moveUrl + "?" + params.toString() + "#check";
    }

    function refusedText(slot) {
      return (board.dataset.msgRefused || "%s").replace("__S__", slot.dataset.refused);
    }

    // Go to the preview, or say why this start is refused. True when it navigates.
    function dropOn(booking, slot) {
      if (slot.hasAttribute("data-refused")) {
        say(refusedText(slot));
        status.classList.add("refused");
        return false;
      }
      status.classList.remove("refused");
      window.location.assign(targetUrl(booking, slot));
      return true;
    }

    function setMoving(booking) {
      if (moving) {
        moving.classList.remove("picked");
        var old = moving.querySelector(".board-pick");
        if (old) { old.setAttribute("aria-pressed", "false"); }
      }
      moving = booking;
      board.classList.toggle("moving", !!booking);
      slots().forEach(function (s) {
        // Refused starts are focusable only while moving, so the keyboard can hear why.
        if (s.hasAttribute("data-refused")) {
          if (booking) { s.setAttribute("tabindex", "0"); } else { s.removeAttribute("tabindex"); }
        }
      });
      if (booking) {
        booking.classList.add("picked");
        var pick = booking.querySelector(".board-pick");
        if (pick) { pick.setAttribute("aria-pressed", "true"); }
        status.classList.remove("refused");
        say((board.dataset.msgMoving || "__P__").replace("__P__", booking.dataset.procedureLabel));
      }
    }

    function cancel() {
      var was = moving;
      setMoving(null);
      say(board.dataset.msgCancelled || "");
      if (was) { was.focus(); }
    }

    function focusSlot(from, step) {
      var all = slots().filter(function (s) { return s.offsetParent !== null; });
      var i = all.indexOf(from);
      var next = all[i < 0 ? 0 : Math.min(all.length - 1, Math.max(0, i + step))];
      if (next) { next.focus(); }
    }

    // --- the bookings: draggable, focusable, with a "Move on the board" button ---------------
    board.querySelectorAll(".board-booking[data-move-url]").forEach(function (booking) {
      booking.setAttribute("tabindex", "0");
      var pick = booking.querySelector(".board-pick");
      if (pick) {
        pick.hidden = false;
        pick.addEventListener("click", function (e) {
          e.preventDefault();
          e.stopPropagation();
          if (moving === booking) { cancel(); } else { setMoving(booking); focusSlot(null, 0); }
        });
      }
      booking.addEventListener("keydown", function (e) {
        if (e.target !== booking) { return; }
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          setMoving(booking);
          focusSlot(null, 0);
        }
      });
      booking.addEventListener("dragstart", function (e) {
        setMoving(booking);
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", booking.dataset.booking || "");
      });
      booking.addEventListener("dragend", function () {
        if (moving === booking && !board.classList.contains("navigating")) { setMoving(null); }
      });
    });

    // --- the starts: drop targets, and keyboard targets while a booking is picked up ----------
    slots().forEach(function (slot) {
      slot.addEventListener("dragover", function (e) {
        if (!moving) { return; }
        // A refused start still accepts the drop, so that the drop can say why it is refused.
        e.preventDefault();
        e.dataTransfer.dropEffect = "move";
        slot.classList.add("drop-over");
      });
      slot.addEventListener("dragleave", function () { slot.classList.remove("drop-over"); });
      slot.addEventListener("drop", function (e) {
        e.preventDefault();
        slot.classList.remove("drop-over");
        if (!moving) { return; }
        if (dropOn(moving, slot)) { board.classList.add("navigating"); } else { setMoving(null); }
      });
      slot.addEventListener("keydown", function (e) {
        if (!moving) { return; }
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          dropOn(moving, slot);
        } else if (e.key === "ArrowDown" || e.key === "ArrowRight") {
          e.preventDefault();
          focusSlot(slot, 1);
        } else if (e.key === "ArrowUp" || e.key === "ArrowLeft") {
          e.preventDefault();
          focusSlot(slot, -1);
        }
      });
      slot.addEventListener("click", function (e) {
        // While a booking is picked up, a start moves it rather than booking the procedure.
        if (!moving) { return; }
        e.preventDefault();
        dropOn(moving, slot);
      });
    });

    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && moving) { e.preventDefault(); cancel(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
