"""Factories for scheduling: rooms with opening hours, plans, procedures and bookings.

Synthetic data only. Times default to a fixed future Monday (2030-01-07) in Europe/Rome, so
tests are deterministic and never collide with "now".
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from cases.models import PlannedProcedure, TreatmentPlan
from scheduling.models import Booking, OpeningHours, Resource, ResourceException
from tests.factories.cases import CaseFactory, LesionFactory

ROME = ZoneInfo("Europe/Rome")
MONDAY = datetime(2030, 1, 7, tzinfo=ROME).date()


def at(day_offset: int = 0, hour: int = 9, minute: int = 0, *, base=None) -> datetime:
    """A Rome wall-clock time ``day_offset`` days after the fixed Monday (aware)."""
    day = (base or MONDAY) + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


class ResourceFactory(DjangoModelFactory[Resource]):
    """A room open Monday to Friday, 07:00-20:00 Rome time (``hours=False`` for none)."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"room-{n}")
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = "angio_suite"
    timezone = "Europe/Rome"

    @factory.post_generation
    def hours(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        opens, closes = extracted if isinstance(extracted, tuple) else (time(7), time(20))
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=self, weekday=d, opens=opens, closes=closes) for d in range(5)
        )


class ResourceExceptionFactory(DjangoModelFactory[ResourceException]):
    class Meta:
        model = ResourceException

    resource = factory.SubFactory(ResourceFactory)
    kind = "closure"
    start = factory.LazyFunction(lambda: at(0, 7))
    end = factory.LazyFunction(lambda: at(0, 20))
    reason = "Maintenance"


class TreatmentPlanFactory(DjangoModelFactory[TreatmentPlan]):
    class Meta:
        model = TreatmentPlan

    case = factory.SubFactory(CaseFactory)
    summary = "Synthetic plan"


class PlannedProcedureFactory(DjangoModelFactory[PlannedProcedure]):
    class Meta:
        model = PlannedProcedure

    plan = factory.SubFactory(TreatmentPlanFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    procedure_type = "embolization"
    intent = "palliative"


class BookingFactory(DjangoModelFactory[Booking]):
    """A raw row (no service checks): for list/permission tests and constraint tests."""

    class Meta:
        model = Booking

    procedure = factory.SubFactory(PlannedProcedureFactory)
    plan = factory.LazyAttribute(lambda b: b.procedure.plan)
    patient = factory.LazyAttribute(lambda b: b.procedure.plan.case.patient)
    resource = factory.SubFactory(ResourceFactory)
    start = factory.LazyFunction(lambda: at(0, 9))
    end = factory.LazyAttribute(lambda b: b.start + timedelta(hours=2))
    status = "booked"


def plan_with(*procedures: str | dict[str, Any], case=None, lesion=None,
              status: str | None = None) -> tuple[TreatmentPlan, list[PlannedProcedure]]:
    """An active plan on one lesion with the given procedures, in order.

    Each item is a procedure type, or a dict of PlannedProcedure fields (``lesion=None`` for no
    target lesion). Example: ``plan_with({"procedure_type": "embolization",
    "purpose": "pre_operative"}, "surgery")``.
    """
    case = case or CaseFactory()
    if status:
        type(case).objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
    lesion = lesion or LesionFactory(case=case)
    plan = TreatmentPlanFactory(case=case)
    made = []
    for index, item in enumerate(procedures):
        fields = {"procedure_type": item} if isinstance(item, str) else dict(item)
        target = fields.pop("lesion", lesion)
        made.append(PlannedProcedureFactory(plan=plan, sequence=index + 1, target_lesion=target,
                                            **fields))
    return plan, made
