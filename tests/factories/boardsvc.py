"""Factories for boardsvc tests: boards, members, meetings, agenda items (synthetic data only).

``make_case`` builds a minimal synthetic case with one pelvic lesion directly through the cases
models, so board tests do not depend on the cases test helpers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from boardsvc.models import AgendaItem, Attendance, Board, BoardMember, Meeting
from cases.models import Case, Lesion, Patient
from tests.factories.core import UserFactory


class BoardFactory(DjangoModelFactory[Board]):
    class Meta:
        model = Board
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"board-{n}")
    name = factory.LazyAttribute(lambda b: f"Board {b.slug}")
    focus = "Bone metastases and spine"
    timezone = "Europe/Rome"
    recurrence_weekday = 1
    capacity_minutes = 90
    default_duration_minutes = 90
    cutoff_hours = 24


class BoardMemberFactory(DjangoModelFactory[BoardMember]):
    class Meta:
        model = BoardMember

    board = factory.SubFactory(BoardFactory)
    user = factory.SubFactory(UserFactory)
    specialty = "radiologist"
    role = BoardMember.Role.MEMBER


class MeetingFactory(DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    board = factory.SubFactory(BoardFactory)
    kind = Meeting.Kind.REGULAR
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=3)).replace(
        microsecond=0))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(minutes=90))
    cutoff_at = factory.LazyAttribute(lambda m: m.starts_at - timedelta(hours=24)
                                      if m.kind == Meeting.Kind.REGULAR else m.starts_at)
    occurrence_date = factory.LazyAttribute(
        lambda m: m.starts_at.date() if m.kind == Meeting.Kind.REGULAR else None)
    capacity_minutes = 90
    status = Meeting.Status.PLANNED


class PatientFactory(DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    birth_year = factory.Faker("random_int", min=1935, max=1990)
    sex = "female"


def make_case(*, status: str = "ready_for_mdt", urgency: str = "routine",
              requested_board: str = "", histology: str = "breast", lesions: int = 1,
              ready_at: datetime | None = None, **fields: Any) -> Case:
    """A synthetic case with ``lesions`` pelvic lytic lesions (complete for readiness)."""
    case = Case.objects.create(
        patient=PatientFactory(),
        requested_board=requested_board,
        referring_clinician="Dr Synthetic",
        clinical_question="Local treatment options?",
        urgency=urgency,
        urgency_reason="Worsening pain" if urgency != "routine" else "",
        primary_histology=histology,
        metastases_count=8,
        ecog=1,
        pain_vas=6,
        status=status,
        ready_at=ready_at or (timezone.now() if status != "submitted" else None),
        **fields,
    )
    for index in range(lesions):
        Lesion.objects.create(case=case, position=index, site="pelvis", max_diameter_mm=35,
                              pattern="lytic", painful=True)
    return case


class AgendaItemFactory(DjangoModelFactory[AgendaItem]):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    case = factory.LazyAttribute(lambda i: make_case(status="listed"))
    position = factory.Sequence(lambda n: n)
    allotted_minutes = 5


class AttendanceFactory(DjangoModelFactory[Attendance]):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    specialty = "radiologist"
    arrived_at = factory.LazyFunction(timezone.now)


def suggested_procedure(case: Case) -> dict[str, Any]:
    """The first procedure decision support suggests for the case, as a plan item."""
    from cases.selectors import case_decision_support

    support = case_decision_support(case=case)
    for lesion in support["lesions"]:
        for suggestion in lesion["suggestions"]:
            return {"procedure_type": suggestion["procedure_type"],
                    "intent": suggestion["intent"],
                    "purpose": suggestion.get("purpose")
                    or suggestion.get("embolization_purpose", ""),
                    "target_lesion": str(lesion["lesion"])}
    raise AssertionError("the synthetic case should get at least one suggestion")
