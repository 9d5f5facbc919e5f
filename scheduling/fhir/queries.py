"""Reads of the FHIR facade (reads only), scoped exactly like the REST API: the case scope is
cases.selectors.cases_in_scope / case_scope_q, the one definition of which cases a principal
may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from cases.models import Case, PlannedProcedure, TreatmentPlan
from cases.selectors import case_scope_q, cases_in_scope
from core.access import Principal
from scheduling import selectors
from scheduling.domain.slots import free_periods
from scheduling.domain.types import Interval
from scheduling.models import Booking, Resource


def appointments_visible(principal: Principal) -> QuerySet[Booking]:
    """The bookings the principal may see, in time order, with what an Appointment names."""
    return (Booking.objects.filter(case_scope_q(principal, "plan__case"))
            .select_related("patient", "resource", "procedure", "plan__case")
            .prefetch_related(selectors.BOOKING_STAFF)
            .order_by("start", "id"))


def appointments_search(principal: Principal, *, patient: str | None = None,
                        location: str | None = None, statuses: Iterable[str] | None = None,
                        dates: dict[str, datetime] | None = None) -> QuerySet[Booking]:
    """Visible bookings of a patient, on a resource (``location``), in some statuses, and
    overlapping a date range (FHIR period semantics: ``gte``/``gt`` bound the end, ``lte``/``lt``
    the start, ``eq`` an instant inside)."""
    qs = appointments_visible(principal)
    if patient is not None:
        qs = qs.filter(patient__public_id=patient)
    if location is not None:
        qs = qs.filter(resource__public_id=location)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    for op, value in (dates or {}).items():
        if op in ("gte", "gt"):
            qs = qs.filter(**{f"end__{op}": value})
        elif op in ("lte", "lt"):
            qs = qs.filter(**{f"start__{op}": value})
        else:
            qs = qs.filter(start__lte=value, end__gt=value)
    return qs


def service_requests_visible(principal: Principal, *, patient: str | None = None,
                             statuses: Iterable[str] | None = None) -> QuerySet[Case]:
    """The cases (referrals) the principal may see, newest first, patient loaded."""
    qs = cases_in_scope(principal).select_related("patient").order_by("-submitted_at", "-id")
    if patient is not None:
        qs = qs.filter(patient__public_id=patient)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return qs


def service_request_get(principal: Principal, public_id: UUID) -> Case | None:
    return (cases_in_scope(principal).select_related("patient")
            .filter(public_id=public_id).first())


def schedules() -> QuerySet[Resource]:
    """Every resource (a Schedule each), active or not, in a stable order."""
    return Resource.objects.order_by("kind", "name", "id")


def slot_resource(public_id: str) -> Resource | None:
    return Resource.objects.prefetch_related("opening_hours").filter(public_id=public_id).first()


def free_time(resource: Resource, window: Interval) -> list[Interval]:
    """The resource's free periods in ``window``: opening hours, exceptions and active
    bookings applied (Medplum's model: only busy time is stored)."""
    return free_periods(hours=selectors.resource_hours(resource),
                        exceptions=selectors.resource_exceptions(resource, window),
                        busy=selectors.resource_busy(resource, window),
                        tz=resource.timezone, window=window)


def care_plans_visible(principal: Principal, *, patient: str | None = None
                       ) -> QuerySet[TreatmentPlan]:
    """The treatment plans of the cases the principal may see, newest first, with their
    procedures (in order) and target lesions loaded."""
    qs = (TreatmentPlan.objects.filter(case_scope_q(principal, "case"))
          .select_related("case__patient")
          .prefetch_related(Prefetch(
              "procedures", queryset=PlannedProcedure.objects.select_related("target_lesion")
              .order_by("sequence", "id")))
          .order_by("-created_at", "-id"))
    if patient is not None:
        qs = qs.filter(case__patient__public_id=patient)
    return qs


def planned_procedure_get(principal: Principal, public_id: UUID) -> PlannedProcedure | None:
    """One planned procedure of a visible case (a ServiceRequest of a CarePlan's activity)."""
    return (PlannedProcedure.objects.filter(case_scope_q(principal, "plan__case"))
            .select_related("plan__case__patient", "target_lesion", "prepares")
            .filter(public_id=public_id).first())


def planned_procedure_pseudonym(public_id: UUID) -> str:
    value = (PlannedProcedure.objects.filter(public_id=public_id)
             .values_list("plan__case__patient__public_id", flat=True).first())
    return str(value) if value else ""


def care_plan_pseudonym(public_id: UUID) -> str:
    value = (TreatmentPlan.objects.filter(public_id=public_id)
             .values_list("case__patient__public_id", flat=True).first())
    return str(value) if value else ""
