"""Demo data for boards: two boards, Faker-named synthetic doctors with logins, 8 weeks of
meetings. Idempotent: users by username, boards by slug, memberships per (board, user)."""

from __future__ import annotations

import unicodedata
from datetime import time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from faker import Faker

from core.access import GROUP_COORDINATOR
from core.timezones import site_timezone

from .models import Board, BoardMember, Specialty
from .services import board_create, board_member_add, meeting_horizon_upkeep, place_ready_cases

DEMO_PASSWORD = "boardsvc-demo"  # noqa: S105 - synthetic demo logins, printed by the README

_PREFIX = {
    "spine_surgeon": "spine", "neurosurgeon": "neuro", "orthopaedic_surgeon": "ortho",
    "radiation_oncologist": "rt", "radiologist": "rad", "interventional_radiologist": "ir",
    "medical_oncologist": "onc", "palliative_care": "pall", "pathologist": "path",
    "nurse_specialist": "cns", "coordinator": "coord", "mscc_coordinator": "mscc",
}
SARCOMA_HISTOLOGIES = ["osteosarcoma", "chondrosarcoma", "ewing_sarcoma", "other_sarcoma",
                       "leiomyosarcoma", "haemangiopericytoma", "giant_cell_tumour"]

# (key, specialty, role on bone-mets-spine, role on sarcoma); None = not on that board.
_CHAIR, _MEMBER = BoardMember.Role.CHAIR, BoardMember.Role.MEMBER
_COORD, _MSCC = BoardMember.Role.COORDINATOR, BoardMember.Role.MSCC_COORDINATOR
_PEOPLE = [
    ("a", "spine_surgeon", _CHAIR, None),
    ("b", "neurosurgeon", _MEMBER, None),
    ("c", "orthopaedic_surgeon", _MEMBER, _CHAIR),
    ("d", "radiation_oncologist", _MEMBER, _MEMBER),
    ("e", "radiologist", _MEMBER, None),
    ("f", "interventional_radiologist", _MEMBER, _MEMBER),
    ("g", "medical_oncologist", _MEMBER, None),
    ("h", "palliative_care", _MEMBER, None),
    ("i", "coordinator", _COORD, None),
    ("j", "radiologist", None, _MEMBER),
    ("k", "medical_oncologist", None, _MEMBER),
    ("l", "pathologist", None, _MEMBER),
    ("m", "nurse_specialist", None, _MEMBER),
    ("n", "coordinator", None, _COORD),
    # R12: told at once, with the chair and the coordinator, when a suspected MSCC arrives.
    ("o", "mscc_coordinator", _MSCC, None),
]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _boards() -> tuple[Board, Board]:
    spine = Board.objects.filter(slug="bone-mets-spine").first() or board_create(
        slug="bone-mets-spine", name="Bone metastases / spine MDT",
        focus="Bone metastases, spine and pelvis: IR, RT, surgery", timezone_name=site_timezone(),
        recurrence_weekday=1, recurrence_time=time(14, 0), default_duration_minutes=90,
        capacity_minutes=90)
    sarcoma = Board.objects.filter(slug="sarcoma").first() or board_create(
        slug="sarcoma", name="Sarcoma MDT", focus="Bone and soft-tissue sarcoma",
        timezone_name=site_timezone(), histologies=SARCOMA_HISTOLOGIES, recurrence_weekday=3,
        recurrence_time=time(15, 0), default_duration_minutes=90, capacity_minutes=90,
        quorum_requirements=[["orthopaedic_surgeon"], ["radiation_oncologist"], ["radiologist"],
                             ["medical_oncologist"], ["pathologist"]])
    # Names are data; the Italian ones are shown to Italian readers.
    Board.objects.filter(pk=spine.pk, name_it="").update(
        name_it="GOM metastasi ossee / colonna")
    Board.objects.filter(pk=sarcoma.pk, name_it="").update(name_it="GOM sarcomi")
    spine.refresh_from_db()
    sarcoma.refresh_from_db()
    return spine, sarcoma


@transaction.atomic
def seed_demo(*, rng_seed: int = 42) -> dict[str, Any]:
    """Create the demo boards, members and 8 weeks of meetings; returns the logins.

    Running it twice creates nothing new (the names come from a seeded Faker).
    """
    fake = Faker("it_IT")
    fake.seed_instance(rng_seed)
    users = get_user_model()
    coordinators = Group.objects.get_or_create(name=GROUP_COORDINATOR)[0]
    spine, sarcoma = _boards()
    logins: list[dict[str, Any]] = []
    created_users = 0
    taken: set[str] = set()
    for _key, specialty, spine_role, sarcoma_role in _PEOPLE:
        first, last = fake.first_name(), fake.last_name()
        username = f"{_PREFIX[specialty]}.{_ascii(last)}"
        suffix = 2
        while username in taken:
            username = f"{_PREFIX[specialty]}.{_ascii(last)}{suffix}"
            suffix += 1
        taken.add(username)
        user, created = users.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last,
                      "email": f"{username}@demo.boardsvc.invalid"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created_users += 1
        boards = []
        for board, role in ((spine, spine_role), (sarcoma, sarcoma_role)):
            if role is None:
                continue
            board_member_add(board=board, user=user, specialty=specialty, role=role)
            boards.append(board.slug)
        if specialty == Specialty.COORDINATOR:
            user.groups.add(coordinators)
        logins.append({"username": username, "password": DEMO_PASSWORD,
                       "name": f"{user.first_name} {user.last_name}", "specialty": specialty,
                       "boards": boards,
                       "roles": sorted({str(r) for r in (spine_role, sarcoma_role) if r}),
                       "role": "{} ({}) on {}".format(
                           "/".join(sorted({str(r) for r in (spine_role, sarcoma_role) if r})),
                           specialty.replace("_", " "), ", ".join(boards))})
    meetings = meeting_horizon_upkeep(weeks=8)
    return {
        "boards": [spine.slug, sarcoma.slug],
        "users_created": created_users,
        "members": BoardMember.objects.filter(board__in=[spine, sarcoma]).count(),
        "meetings_created": meetings,
        "logins": logins,
    }


def place_ready_cases_seed(*, rng_seed: int = 42) -> dict[str, Any]:
    """Demo step run after the cases are seeded: place every ready case on an agenda.

    Placement is normally a Celery task enqueued when a case becomes ready; running it here
    makes the demo agendas complete even before the worker has started. Idempotent: a placed
    case is no longer ready, so a second run places nothing.
    """
    return {"placed": place_ready_cases()}




#: The outcome text the demo decisions open with: how a re-run recognises its own decisions.
DEMO_DECISION_MARK = "Demo decision"


def _demo_plan_items(case: Any, kind: str) -> list[dict[str, Any]]:
    lesion = case.lesions.order_by("position", "pk").first()
    target = str(lesion.public_id) if lesion is not None else ""
    if kind == "preop":
        return [{"procedure_type": "embolization", "purpose": "pre_operative",
                 "intent": "palliative", "target_lesion": target, "prepares_index": 1},
                {"procedure_type": "surgery", "intent": "palliative", "target_lesion": target}]
    return [{"procedure_type": "radiotherapy", "intent": "palliative", "target_lesion": target,
             "fractions": 5, "dose_gy": "20"}]


@transaction.atomic
def seed_decided_plans(*, rng_seed: int = 42) -> dict[str, Any]:
    """Demo step run after placement (issue 13): two listed cases of the spine board decided at
    the board's last regular meeting, through the boards' own services (the meeting of that
    week, the cases added to its agenda before its cut-off, its start, everyone's arrival, each
    decision with its structured outcome, which creates the treatment plan, and the close), so
    the worklist and the booking board have something to book:

    - a pre-operative embolization linked to its surgery, nothing booked; referred 58 days
      ago, so its 62-day pathway clock (referral → first treatment) is due in about 4 days,
      inside the alert lead time;
    - palliative radiotherapy, 20 Gy in 5 fractions, referred 12 days ago.

    Deterministic: the first two listed cases by external id. Idempotent: a re-run finds the
    demo decisions (``DEMO_DECISION_MARK``) and does nothing."""
    from django.utils import timezone

    from boardsvc.models import AgendaItem, Decision, Meeting
    from boardsvc.services import (
        agenda_item_add_late,
        attendance_arrive,
        decision_record,
        meeting_close,
        meeting_start,
    )
    from boardsvc.services.meetings import _board_horizon
    from cases.domain.codes import CaseStatus
    from cases.models import Case
    from core.access import principal_for_user

    del rng_seed  # the choice is by external id: nothing random
    if Decision.objects.filter(outcome_text__startswith=DEMO_DECISION_MARK).exists():
        return {"decided": 0}
    spine = Board.objects.get(slug="bone-mets-spine")
    cases = list(Case.objects.filter(
        status=CaseStatus.LISTED, agenda_items__meeting__board=spine,
        agenda_items__outcome=AgendaItem.Outcome.PENDING, lesions__isnull=False)
        .distinct().order_by("external_id")[:2])
    if len(cases) < 2:
        return {"decided": 0}
    now = timezone.now()
    _board_horizon(board=spine, now=now - timedelta(days=8), weeks=1)  # last week's meeting
    meeting = (Meeting.objects.filter(
        board=spine, kind=Meeting.Kind.REGULAR, starts_at__lte=now - timedelta(hours=2),
        status__in=[Meeting.Status.PLANNED, Meeting.Status.FROZEN])
        .order_by("-starts_at").first())
    if meeting is None:  # pragma: no cover - the horizon above made one
        return {"decided": 0}
    starts = meeting.starts_at
    for case, days in zip(cases, (58, 12), strict=True):  # referred before the meeting
        Case.objects.filter(pk=case.pk).update(submitted_at=now - timedelta(days=days),
                                               ready_at=starts - timedelta(days=3))
    members = list(BoardMember.objects.filter(board=spine, active=True).select_related("user")
                   .order_by("pk"))
    chair = next(m.user for m in members if m.role == BoardMember.Role.CHAIR)
    oncologist = next(m.user for m in members if m.specialty == Specialty.RADIATION_ONCOLOGIST)
    principal = principal_for_user(chair)
    items = [agenda_item_add_late(meeting=meeting, case=case, reason="Demo decision",
                                  principal=principal, now=starts - timedelta(days=2))
             for case in cases]
    meeting_start(meeting=meeting, principal=principal, now=starts)
    for member in members:
        if member.specialty not in (Specialty.COORDINATOR, Specialty.MSCC_COORDINATOR):
            attendance_arrive(meeting=meeting, user=member.user, principal=principal,
                              at=starts + timedelta(minutes=1))
    for index, (item, kind) in enumerate(zip(items, ("preop", "rt"), strict=True)):
        text = (f"{DEMO_DECISION_MARK}: pre-operative embolization, then surgery (R1, R2)."
                if kind == "preop" else
                f"{DEMO_DECISION_MARK}: palliative radiotherapy, 20 Gy in 5 fractions.")
        decision_record(item=AgendaItem.objects.get(pk=item.pk), outcome_text=text,
                        procedures=_demo_plan_items(item.case, kind), principal=principal,
                        override_reason="Demo plan chosen for the booking worklist.",
                        outcome_category="treatment", intent="palliative",
                        follow_up="Review pain in 4 weeks.", responsible_clinician=oncologist,
                        now=starts + timedelta(minutes=10 + 10 * index))
    meeting_close(meeting=Meeting.objects.get(pk=meeting.pk), principal=principal,
                  now=starts + timedelta(minutes=60))
    return {"decided": len(items)}

__all__ = ["DEMO_PASSWORD", "place_ready_cases_seed", "seed_decided_plans", "seed_demo"]
