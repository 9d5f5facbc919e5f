"""Placement reasons (boardsvc/domain/placement.py, and the two the placement service records
itself) in the reader's language, for the notices and pages that show them.

A reason is stored as plain English (``message``) with its ``code`` and, since they were added,
its ``params``; it is worded again here from the code and the parameters. A reason of an
unknown code, or one stored without the parameters it needs, keeps its English ``message``.
The times stay as the domain gives them ("2026-11-24 13:00 UTC"), the same in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# (code, variant) → the sentence; "variant" is the reason's params["variant"] ("" when none).
PLACEMENT_TEXTS: dict[tuple[str, str], Promise] = {
    # Translators: %(when)s is a meeting's start ("2026-11-24 13:00 UTC"), %(status)s its
    # state ("in session", "closed", "cancelled"; context "meeting status, in a sentence").
    ("not_open", ""): _("Meeting on %(when)s is %(status)s."),
    # Translators: R13 is the agenda cut-off rule, R14 the minutes per case; %(free)s,
    # %(capacity)s and %(minutes)s are numbers of minutes.
    ("chosen", "late"): _("Urgent late addition after the cut-off (R13) with the recorded "
                          "reason; %(free)s of %(capacity)s minutes free, the case needs "
                          "%(minutes)s (R14)."),
    # Translators: %(when)s and %(cutoff)s are times ("2026-11-24 13:00 UTC").
    ("cut_off_passed", ""): _("Submission cut-off (R13) for the meeting on %(when)s passed at "
                              "%(cutoff)s."),
    # Translators: %(when)s is a meeting's start; the rest are numbers of minutes.
    ("full", ""): _("Meeting on %(when)s is full: %(free)s of %(capacity)s minutes free, the "
                    "case needs %(minutes)s (R14)."),
    # Translators: an ad-hoc (emergency) meeting; %(when)s is its start.
    ("full", "adhoc"): _("Ad-hoc meeting on %(when)s has %(free)s minutes free, the case needs "
                         "%(minutes)s (R14)."),
    ("chosen", "adhoc"): _("Ad-hoc meeting on %(when)s, within 24 h (R9-R12)."),
    ("none", ""): _("No upcoming meeting of a suitable board has room before its cut-off; the "
                    "coordinators have been told."),
    ("emergency_adhoc", ""): _("Emergency (suspected MSCC, R9-R12): decided at an ad-hoc "
                               "meeting within 24 h instead of waiting for the weekly meeting, "
                               "then ratified at the next regular meeting."),
    # Translators: %(when)s is the start of the virtual meeting set up for an emergency.
    ("create_adhoc", ""): _("No ad-hoc meeting with room within 24 h: a virtual meeting is set "
                            "up for %(when)s (R9-R12)."),
    ("unresolved", ""): _("The case has unresolved requirements and was not placed."),
    ("no_board", ""): _("No active board fits this referral (requested board unknown, or no "
                        "board takes this histology)."),
}

# The regular "chosen" reason, by the kind of case (R14: standard or complex).
CHOSEN_BY_KIND: dict[str, Promise] = {
    # Translators: R13 is the agenda cut-off rule, R14 the minutes per case.
    "standard": _("Earliest meeting whose cut-off (R13) has not passed and with room: "
                  "%(free)s of %(capacity)s minutes free, the case needs %(minutes)s "
                  "(standard case, R14)."),
    "complex": _("Earliest meeting whose cut-off (R13) has not passed and with room: "
                 "%(free)s of %(capacity)s minutes free, the case needs %(minutes)s "
                 "(complex case, R14)."),
}

LATE_POSSIBLE = _("An urgent case can be added late with a recorded reason.")
# Translators: %(window)s is the board's on-call hours, e.g. "08:00-20:00 Europe/Rome".
ONCALL_WINDOW = _("That is the start of the board's on-call window (%(window)s); the on-call "
                  "team was told when the case arrived (R12).")
BEYOND_24H = _("This is more than 24 h after the case became ready: the MSCC pathway (MRI, "
               "expert advice, radiotherapy) must go ahead without waiting for it.")

MEETING_STATUS_IN_SENTENCE: dict[str, Promise] = {
    "planned": pgettext_lazy("meeting status, in a sentence", "planned"),
    "frozen": pgettext_lazy("meeting status, in a sentence", "frozen"),
    "in_session": pgettext_lazy("meeting status, in a sentence", "in session"),
    "closed": pgettext_lazy("meeting status, in a sentence", "closed"),
    "cancelled": pgettext_lazy("meeting status, in a sentence", "cancelled"),
}

# The parameters each wording needs; a reason stored without them keeps its English message.
_REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("not_open", ""): ("when", "status"),
    ("chosen", "late"): ("free", "capacity", "minutes"),
    ("chosen", ""): ("kind", "free", "capacity", "minutes"),
    ("cut_off_passed", ""): ("when", "cutoff"),
    ("full", ""): ("when", "free", "capacity", "minutes"),
    ("full", "adhoc"): ("when", "free", "minutes"),
    ("chosen", "adhoc"): ("when",),
    ("create_adhoc", ""): ("when",),
}


def placement_reason_text(reason: Mapping[str, Any]) -> str:
    """One placement reason (an ``explanation`` entry) in the active language."""
    code = str(reason.get("code", ""))
    fallback = str(reason.get("message", ""))
    params = reason.get("params") or {}
    if not isinstance(params, Mapping):
        return fallback
    key = (code, str(params.get("variant", "") or ""))
    if key == ("chosen", ""):
        template = CHOSEN_BY_KIND.get(str(params.get("kind", "")))
    else:
        template = PLACEMENT_TEXTS.get(key)
    if template is None or any(str(params.get(name, "")) == "" for name in _REQUIRED.get(key, ())):
        return fallback
    values = {name: str(value) for name, value in params.items()}
    if "status" in values:
        values["status"] = str(MEETING_STATUS_IN_SENTENCE.get(
            values["status"], values["status"].replace("_", " ")))
    try:
        parts = [str(template) % values]
        if code == "cut_off_passed" and values.get("late_possible"):
            parts.append(str(LATE_POSSIBLE))
        if code == "create_adhoc" and values.get("oncall_window"):
            parts.append(str(ONCALL_WINDOW) % {"window": values["oncall_window"]})
        if code == "create_adhoc" and values.get("beyond_24h"):
            parts.append(str(BEYOND_24H))
    except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder
        return fallback
    return " ".join(parts)


def placement_reasons_text(reasons: Any, sep: str = "; ") -> str:
    """Several reasons (a stored ``explanation`` list), each in the active language."""
    return sep.join(placement_reason_text(r) for r in reasons or [] if isinstance(r, Mapping))
