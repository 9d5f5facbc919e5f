"""Emergencies (suspected MSCC, R9-R12): the on-call people hear of a case the moment it
arrives (R12), and again when its ad-hoc meeting is set up, with the deadlines that run."""

from __future__ import annotations

from typing import Any

from boardsvc.domain.emergency import deadline_lines, mscc_deadlines
from boardsvc.models import Board, BoardMember, Meeting
from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus, Urgency
from cases.models import Case
from core.models import Notification
from core.notifications import notification_send

from .boards import boards_for_case
from .common import User, board_people, coordinators, local_label, oncall_window


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


def _emergency_body(*, case: Case, board: Board, meeting: Meeting | None,
                    neurological: bool) -> str:
    thresholds = case_selectors.site_thresholds_effective()
    deadlines = mscc_deadlines(
        suspected_at=case.submitted_at, mri_hours=thresholds["mscc_mri_hours"],
        rt_hours=thresholds["mscc_rt_hours"],
        advice_hours=thresholds["mscc_expert_advice_hours"],
        meeting_at=meeting.starts_at if meeting is not None else None,
        neurological=neurological)
    if meeting is not None:
        where = (f"Ad-hoc {'virtual ' if meeting.virtual else ''}meeting: "
                 f"{local_label(meeting.starts_at, board)}.")
    elif case.status == CaseStatus.SUBMITTED:
        where = ("Once the referral is complete and marked ready for MDT, an ad-hoc meeting is "
                 f"set up in the board's on-call window ({oncall_window(board).label()}).")
    else:
        where = "An ad-hoc meeting is being set up (R9-R12)."
    return "\n".join([
        f"Suspected metastatic spinal cord compression, referred at "
        f"{local_label(case.submitted_at, board)} (the clocks below start then).",
        where, "", "Deadlines (R9-R12, docs/clinical-rules.md):",
        *deadline_lines(deadlines, board.timezone),
    ])


def notify_emergency_meeting(*, case: Case, board: Board, meeting: Meeting) -> None:
    """Tell the on-call people when and where the emergency's ad-hoc meeting is (R12)."""
    facts = case_selectors.case_facts(case)
    notification_send(
        recipients=oncall_people(board),
        kind=Notification.Kind.GENERAL,
        subject=(f"MSCC case {str(case.public_id)[:8]}: ad-hoc meeting "
                 f"{local_label(meeting.starts_at, board)}"),
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
    return notification_send(
        recipients=oncall_people(board),
        kind=Notification.Kind.GENERAL,
        subject=f"MSCC emergency: case {str(case.public_id)[:8]} needs the on-call team now",
        body=_emergency_body(case=case, board=board, meeting=None, neurological=any(
            lesion.lesion.neurological_deficit for lesion in support.lesions)),
        link=f"/cases/{case.public_id}/",
        dedup_key=f"mscc-alert:{case.pk}",
        email=True,
    )
