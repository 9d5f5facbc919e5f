"""Emergencies (suspected MSCC, R9-R12): the on-call people hear of a case the moment it
arrives (R12), and again when its ad-hoc meeting is set up, with the deadlines that run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from boardsvc.domain.emergency import Deadline, mscc_deadlines
from boardsvc.models import Board, BoardMember, Meeting
from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus, Urgency
from cases.models import Case
from core.models import Notification
from core.notifications import notification_send
from core.timezones import local_time
from core.web.localized import localized_name

from .boards import boards_for_case
from .common import (
    User,
    board_people,
    coordinators,
    local_label,
    oncall_window,
)


def oncall_people(board: Board) -> list[Any]:
    """Who hears of an emergency at once (R12): the board's chair(s), its coordinator(s) and its
    MSCC coordinator(s) (by role, or by the MSCC coordinator specialty). A board without a
    coordinator of its own falls back on the site's coordinators, so someone always hears."""
    people = {u.pk: u for u in board_people(board, [BoardMember.Role.CHAIR,
                                                    BoardMember.Role.COORDINATOR,
                                                    BoardMember.Role.MSCC_COORDINATOR])}
    for user in User.objects.filter(is_active=True, board_memberships__board=board,
                                    board_memberships__active=True,
                                    board_memberships__specialty="mscc_coordinator"):
        people.setdefault(user.pk, user)
    if not BoardMember.objects.filter(board=board, active=True,
                                      role=BoardMember.Role.COORDINATOR).exists():
        for user in coordinators(None):
            people.setdefault(user.pk, user)
    return [people[pk] for pk in sorted(people)]


# What each clock asks for (boardsvc/domain/emergency.py, by its key), in the reader's language.
_DEADLINE_ACTIONS = {
    "contact_coordinator": gettext_lazy("Contact the MSCC coordinator"),
    "mri": gettext_lazy("Whole-spine MRI"),
    "expert_advice": gettext_lazy("Expert advice (spinal surgery / clinical oncology)"),
    "radiotherapy": gettext_lazy("Radiotherapy if not for surgery"),
    "mri_without_neurology": gettext_lazy("MRI if MSCC is ruled out (pain only, no neurology)"),
}


def _hours(value: float | None) -> str:
    """A clock's length in hours as the active language writes numbers ("24", "1,5")."""
    return f"{value or 0:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _deadline_note(deadline: Deadline, *, at_meeting: bool) -> str:
    """The clock's note ("within 24 h of the suspicion") in the active language; a clock this
    module does not know keeps the domain's English note."""
    hours = _hours(deadline.hours)
    if deadline.key == "contact_coordinator":
        return _("immediately")
    if deadline.key == "mri":
        # Translators: {hours} is a number of hours, e.g. "within 24 h of the suspicion".
        return _("within {hours} h of the suspicion").format(hours=hours)
    if deadline.key == "expert_advice":
        # Translators: {hours} is a number of hours.
        return _("within {hours} h").format(hours=hours)
    if deadline.key == "radiotherapy":
        if at_meeting:
            # Translators: {hours} is a number of hours; the decision to treat may be taken at
            # the emergency's ad-hoc meeting, which starts this clock.
            return _("within {hours} h of the decision to treat (if decided at the ad-hoc "
                     "meeting)").format(hours=hours)
        # Translators: {hours} is a number of hours.
        return _("within {hours} h of the decision to treat").format(hours=hours)
    if deadline.key == "mri_without_neurology":
        return _("within 1 week")
    return deadline.note


def _deadline_lines(deadlines: list[Deadline], tz_name: str, *, at_meeting: bool) -> list[str]:
    """One line per clock in the active language, times in the board's zone with UTC beside:
    "- R9 Whole-spine MRI: by Wed 25 Nov 03:30 Europe/Rome (02:30 UTC), within 24 h of the
    suspicion" (no patient data)."""
    lines = []
    for d in deadlines:
        action = str(_DEADLINE_ACTIONS.get(d.key, d.action))
        note = _deadline_note(d, at_meeting=at_meeting)
        if d.due is None:
            # Translators: one deadline of a suspected MSCC. {rule} is a rule code ("R10"),
            # {action} what must happen ("Radiotherapy if not for surgery"), {note} when
            # ("within 24 h of the decision to treat").
            line = _("{rule} {action}: {note}").format(rule=d.rule_id, action=action, note=note)
        else:
            values = {"rule": d.rule_id, "action": action, "note": note,
                      "local_time": f"{local_time(d.due, tz_name, year=False)} {tz_name}",
                      "utc_time": f"{d.due.astimezone(UTC):%H:%M}"}
            if note:
                # Translators: one deadline of a suspected MSCC. {rule} is a rule code ("R9"),
                # {action} what must happen ("Whole-spine MRI"), {local_time} the board's local
                # day and time with its zone ("Wed 25 Nov 03:30 Europe/Rome"), {utc_time} the
                # same time in UTC ("02:30"), {note} the rule ("within 24 h of the suspicion").
                line = _("{rule} {action}: by {local_time} ({utc_time} UTC), {note}").format(
                    **values)
            else:
                # Translators: as the line above, without the rule's note.
                line = _("{rule} {action}: by {local_time} ({utc_time} UTC)").format(**values)
        lines.append(f"- {line}")
    return lines


def _emergency_body(*, case: Case, board: Board, meeting: Meeting | None,
                    neurological: bool) -> Callable[[], str]:
    """The alert's text (a callable, rendered in each recipient's language): when the case was
    referred, where its ad-hoc meeting stands and the R9-R12 deadlines, with no patient data."""
    thresholds = case_selectors.site_thresholds_effective()
    deadlines = mscc_deadlines(
        suspected_at=case.submitted_at, mri_hours=thresholds["mscc_mri_hours"],
        rt_hours=thresholds["mscc_rt_hours"],
        advice_hours=thresholds["mscc_expert_advice_hours"],
        meeting_at=meeting.starts_at if meeting is not None else None,
        neurological=neurological)
    submitted = case.status == CaseStatus.SUBMITTED
    window = oncall_window(board).label()

    def render() -> str:
        if meeting is not None:
            when = local_label(meeting.starts_at, board)
            where = (_("Ad-hoc virtual meeting: {when}.") if meeting.virtual
                     else _("Ad-hoc meeting: {when}.")).format(when=when)
        elif submitted:
            # Translators: {window} is the board's on-call hours, e.g. "08:00-20:00 Europe/Rome".
            where = _("Once the referral is complete and marked ready for MDT, an ad-hoc meeting "
                      "is set up in the board's on-call window ({window}).").format(window=window)
        else:
            where = _("An ad-hoc meeting is being set up (R9-R12).")
        return "\n".join([
            # Translators: {when} is the referral's local date and time with the board's zone,
            # e.g. "Tue 24 Nov 2026 03:30 Europe/Rome".
            _("Suspected metastatic spinal cord compression, referred at {when} (the clocks "
              "below start then).").format(when=local_label(case.submitted_at, board)),
            where, "", _("Deadlines (R9-R12, docs/clinical-rules.md):"),
            *_deadline_lines(deadlines, board.timezone, at_meeting=meeting is not None),
        ])

    return render


def notify_emergency_meeting(*, case: Case, board: Board, meeting: Meeting) -> None:
    """Tell the on-call people when and where the emergency's ad-hoc meeting is (R12)."""
    facts = case_selectors.case_facts(case)
    label = case_selectors.case_label(case)
    notification_send(
        recipients=oncall_people(board),
        kind=Notification.Kind.GENERAL,
        # Translators: {patient} is the patient's pseudonym or hospital number, {board} the
        # board's name, {when} the meeting's local date and time with the board's zone.
        subject=lambda: _("MSCC, patient {patient}: ad-hoc meeting of {board}, {when}").format(
            patient=label, board=localized_name(board),
            when=local_label(meeting.starts_at, board)),
        body=_emergency_body(case=case, board=board, meeting=meeting,
                             neurological=any(les.neurological_deficit for les in facts.lesions)),
        link=f"/meetings/{meeting.public_id}/",
        dedup_key=f"mscc-meeting:{case.pk}:{meeting.pk}",
        email=True,
    )


def emergency_alert(*, case_id: int) -> int:
    """Tell the on-call people of a suspected MSCC the moment the referral arrives (R12).

    Runs after every intake and update (cases.services enqueues it, with the case id only). A
    case that is not an emergency (decision support's MSCC flag, or urgency "emergency") is a
    no-op. Recipients: the chair, coordinator(s) and MSCC coordinator(s) of the board the case
    goes to, whatever the hour; the message carries the R9-R12 deadlines from the referral
    time, the pseudonym and a link, never a name. Deduplicated per case and person, so a second
    run (or a later update) sends nothing new. Returns how many people were newly told.
    """
    case = Case.objects.select_related("patient").filter(pk=case_id).first()
    if case is None or case.status == CaseStatus.CLOSED:
        return 0
    support = case_selectors.case_support_get(case=case)
    if not (support.emergency or case.urgency == Urgency.EMERGENCY):
        return 0
    boards = boards_for_case(case)
    if not boards:
        return 0
    board = boards[0]
    label = case_selectors.case_label(case)
    return notification_send(
        recipients=oncall_people(board),
        kind=Notification.Kind.GENERAL,
        # Translators: {patient} is the patient's pseudonym or hospital number, {board} the
        # board's name (its on-call team: chair and coordinators).
        subject=lambda: _("MSCC emergency: patient {patient} needs the {board} on-call team "
                          "now").format(patient=label, board=localized_name(board)),
        body=_emergency_body(case=case, board=board, meeting=None, neurological=any(
            lesion.lesion.neurological_deficit for lesion in support.lesions)),
        link=f"/cases/{case.public_id}/",
        dedup_key=f"mscc-alert:{case.pk}",
        email=True,
    )
