"""Scoped reads of scheduling's records: resources, bookings and courses, plans, procedures,
violations, timing rules and the procedure catalogue.

Every read of patient data is scoped in the query by cases.selectors.case_scope_q (the one
definition of which cases a principal may see): a board member sees the bookings of the cases
visible to them; coordinators, administrators and scoped system clients see all. An object
outside the scope is 404 like one that does not exist (existence is not leaked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import PlannedProcedure, TreatmentPlan
from cases.selectors import case_scope_q
from core.access import GROUP_COORDINATOR, Principal
from scheduling.domain.catalogue import STAFF_KINDS
from scheduling.domain.types import CHANGEABLE_STATUSES, MAX_BOOKING_LENGTH
from scheduling.models import (
    Booking,
    BookingStaff,
    ProcedureCatalogueEntry,
    Resource,
    SolverRun,
    TimingRule,
    Violation,
)

CANCELLED = Booking.Status.CANCELLED


# --- what other apps read (boards show a case's timing problems before deciding) --------------


def open_violations_by_case(case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Open or acknowledged timing-rule violations of the cases' plans, by case id, in one
    query: ``{case_id: [{"rule_id", "severity", "message", "status"}]}``."""
    ids = list(case_ids)
    if not ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Violation.objects.filter(plan__case_id__in=ids, status__in=[
            Violation.Status.OPEN, Violation.Status.ACKNOWLEDGED])
        .values("plan__case_id", "rule_id", "severity", "message", "status")
        .order_by("plan__case_id", "rule_id", "pk")
    )
    for row in rows:
        out[row["plan__case_id"]].append({
            "rule_id": row["rule_id"], "severity": row["severity"],
            "message": row["message"], "status": row["status"],
        })
    return dict(out)


# --- scoped querysets ------------------------------------------------------------------------------


def resource_list(*, kind: str | None = None, active: bool | None = True) -> QuerySet[Resource]:
    qs = Resource.objects.all().prefetch_related("opening_hours")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("kind", "name", "id")


def resource_get(*, public_id: UUID | str) -> Resource:
    return get_object_or_404(Resource.objects.prefetch_related("opening_hours"), public_id=public_id)


def resource_find(*, public_id: UUID | str) -> Resource | None:
    """The resource with this public id (rooms are not patient data: no scope), or None."""
    return Resource.objects.filter(public_id=public_id).first()


# The people booked with each booking, for BookingOut's ``staff`` (one query per page).
# Into a list (``to_attr``, read through Booking.people): a prefetch into the related manager
# clones its queryset once per booking, and a clone deep-copies select_related, which took a
# quarter of a 200-booking page's time.
BOOKING_STAFF = Prefetch("staff", queryset=BookingStaff.objects.select_related("resource")
                         .order_by("resource__kind", "resource__name"), to_attr="staff_loaded")


def resources_by_public_ids(public_ids: Iterable[UUID | str]) -> list[Resource]:
    """The resources with these public ids (unknown ids are left out; one query)."""
    ids = list(dict.fromkeys(str(i) for i in public_ids))
    if not ids:
        return []
    return list(Resource.objects.filter(public_id__in=ids).order_by("pk"))


def booking_list(
    *,
    principal: Principal,
    resource: UUID | str | None = None,
    patient: UUID | str | None = None,
    plan: UUID | str | None = None,
    status: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[Booking]:
    """Bookings the principal may see, filtered; each filter is backed by an index.
    ``resource`` is a room (its bookings) or a person (the bookings they are staffed on: a
    person's calendar)."""
    qs = Booking.objects.filter(case_scope_q(principal, "plan__case")).select_related(
        "resource", "patient", "plan", "procedure"
    ).prefetch_related(BOOKING_STAFF)
    if resource:
        # One read of the resource: a person's bookings through BookingStaff, a room's by its
        # own id so the (resource, start, end) index serves the filter.
        found = Resource.objects.filter(public_id=resource).values_list("pk", "kind").first()
        if found is None:
            qs = qs.none()
        elif found[1] in STAFF_KINDS:
            qs = qs.filter(pk__in=BookingStaff.objects.filter(resource_id=found[0])
                           .values("booking_id"))
        else:
            qs = qs.filter(resource_id=found[0])
    if patient:
        qs = qs.filter(patient__public_id=patient)
    if plan:
        qs = qs.filter(plan__public_id=plan)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        # Overlapping ``from``: bounded on the start index too (a booking lasts at most
        # MAX_BOOKING_LENGTH), so the scan does not grow with the room's history.
        qs = qs.filter(end__gt=date_from, start__gte=date_from - MAX_BOOKING_LENGTH)
    if date_to:
        qs = qs.filter(start__lt=date_to)
    return qs.order_by("start", "id")


# A listed booking as plain values (BookingRowOut's input): a page of 200 bookings is 200
# tuples, not 1,000 model instances (a booking and its four related rows each).
BOOKING_ROW = ("pk", "public_id", "procedure__public_id", "procedure__procedure_type",
               "plan__public_id", "patient__public_id", "resource__public_id", "resource__name",
               "start", "end", "status", "fraction_number", "override_reason",
               "retrospective_reason", "version")


def booking_rows(bookings: QuerySet[Booking]) -> QuerySet[Any]:
    """``bookings`` (booking_list's queryset) as BOOKING_ROW dicts; slice it, then give the
    slice to ``booking_rows_people``."""
    return bookings.prefetch_related(None).values(*BOOKING_ROW)


def booking_rows_people(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with ``people``: the people booked with each (by kind, then name, as
    BOOKING_STAFF orders them), read in one query for all the rows."""
    people: dict[int, list[dict[str, Any]]] = {row["pk"]: [] for row in rows}
    if people:
        for found in (BookingStaff.objects.filter(booking_id__in=list(people))
                      .order_by("resource__kind", "resource__name")
                      .values("booking_id", "resource__public_id", "resource__code",
                              "resource__name", "resource__kind")):
            people[found["booking_id"]].append(found)
    for row in rows:
        row["people"] = people[row["pk"]]
    return rows


def booking_get(*, principal: Principal, public_id: UUID | str) -> Booking:
    """404 for an unknown id and for a booking of a case the principal cannot see (no leak)."""
    qs = Booking.objects.filter(case_scope_q(principal, "plan__case")).select_related(
        "resource", "patient", "plan", "procedure"
    ).prefetch_related(BOOKING_STAFF)
    return get_object_or_404(qs, public_id=public_id)


def booking_pseudonym(public_id: UUID | str) -> str:
    """The patient pseudonym of a booking regardless of scope, for auditing a refused access
    ("" when there is no such booking). Never shown to the caller."""
    value = (Booking.objects.filter(public_id=public_id)
             .values_list("patient__public_id", flat=True).first())
    return str(value) if value else ""


def bookings_by_pk(pks: Iterable[int]) -> list[Booking]:
    """These bookings as they are now, with their rooms (e.g. a course after a write)."""
    return list(Booking.objects.filter(pk__in=list(pks)).select_related("resource"))


def course_fractions(booking: Booking) -> list[Booking]:
    """Every active fraction of ``booking``'s radiotherapy course (proposed, booked or done),
    in time order; ``[booking]`` alone when it is not a fraction."""
    if booking.fraction_number is None:
        return [booking]
    return list(
        Booking.objects.filter(procedure_id=booking.procedure_id, fraction_number__isnull=False)
        .exclude(status=CANCELLED)
        .select_related("resource", "procedure", "plan", "patient")
        .order_by("start", "fraction_number", "pk")
    )


def course_pending(booking: Booking) -> list[Booking]:
    """The fractions of ``booking``'s course not done yet (proposed or booked), in time order:
    what a move or cancellation of a fraction takes with it. Empty for a booking that is not a
    fraction."""
    if booking.fraction_number is None:
        return []
    return [b for b in course_fractions(booking) if b.status in CHANGEABLE_STATUSES]


def plan_get(*, principal: Principal, public_id: UUID | str) -> TreatmentPlan:
    qs = TreatmentPlan.objects.filter(case_scope_q(principal, "case")).select_related(
        "case", "case__patient"
    )
    return get_object_or_404(qs, public_id=public_id)


def procedure_visible(*, principal: Principal, public_id: UUID | str) -> PlannedProcedure | None:
    """The planned procedure with this public id if the principal may see its case, else None."""
    return (PlannedProcedure.objects.filter(case_scope_q(principal, "plan__case"))
            .filter(public_id=public_id).first())


def violation_get(*, principal: Principal, public_id: UUID | str) -> Violation:
    """One violation of a plan the principal may see, with plan, case, patient and rule loaded.
    404 (Http404) for an unknown id and for a case outside the principal's scope."""
    queryset = Violation.objects.select_related(
        "plan__case__patient", "timing_rule", "acknowledged_by")
    return get_object_or_404(queryset.filter(case_scope_q(principal, "plan__case")),
                             public_id=public_id)


def timing_rule_list() -> QuerySet[TimingRule]:
    return TimingRule.objects.all().order_by("rule_id", "code")


def timing_rule_get(*, code: str) -> TimingRule:
    """The site's timing rule with this code, or 404 (Http404)."""
    return get_object_or_404(TimingRule, code=code)


def catalogue_list() -> QuerySet[ProcedureCatalogueEntry]:
    return ProcedureCatalogueEntry.objects.all().order_by("procedure_type")


def catalogue_entry_get(*, procedure_type: str) -> ProcedureCatalogueEntry:
    """The site's stored catalogue entry for this procedure type, or 404 (Http404)."""
    return get_object_or_404(ProcedureCatalogueEntry, procedure_type=procedure_type)


def resource_feed_bookings(*, resource: Resource, since: datetime, until: datetime,
                           limit: int) -> list[Booking]:
    """The bookings of a resource's calendar feed (every status, cancelled ones too), starting
    in [since, until), in time order, at most ``limit``, procedure and patient loaded."""
    return list(
        Booking.objects.select_related("procedure", "patient", "resource")
        .filter(resource=resource, start__gte=since, start__lt=until)
        .order_by("start", "id")[:limit]
    )


def coordinators() -> list[Any]:
    """The active coordinators, who are notified of violations and follow-up proposals."""
    return list(get_user_model().objects.filter(groups__name=GROUP_COORDINATOR, is_active=True)
                .distinct())




def solver_run_list(*, principal: Principal, plan: UUID | str | None = None,
                    status: str | None = None) -> QuerySet[SolverRun]:
    """Solver runs of the plans the principal may see, newest first (indexes: plan, created;
    status, created)."""
    qs = SolverRun.objects.filter(case_scope_q(principal, "plan__case")).select_related(
        "plan", "plan__case__patient")
    if plan:
        qs = qs.filter(plan__public_id=plan)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def solver_run_get(*, principal: Principal, public_id: UUID | str) -> SolverRun:
    """404 for an unknown run and for a run of a plan the principal cannot see (no leak)."""
    return get_object_or_404(solver_run_list(principal=principal), public_id=public_id)


def solver_run_pseudonym(public_id: UUID | str) -> str:
    """The patient pseudonym of a run regardless of scope, for auditing a refused access."""
    value = (SolverRun.objects.filter(public_id=public_id)
             .values_list("plan__case__patient__public_id", flat=True).first())
    return str(value) if value else ""


def solver_run_patients(run: SolverRun) -> list[str]:
    """The patient pseudonyms a run's result discloses: its plan's, or every plan's of a
    waiting-list run (one query)."""
    if run.plan_id is not None:
        return [str(run.plan.case.patient.public_id)]
    return [str(p) for p in TreatmentPlan.objects.filter(public_id__in=run.plans).order_by(
        "pk").values_list("case__patient__public_id", flat=True)]
