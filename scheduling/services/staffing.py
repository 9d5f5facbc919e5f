"""The people booked with a room (issue 13): the operator (interventional radiologist,
surgeon) and the anaesthesia team, each a Resource of a staff kind with its own calendar
(opening hours = working sessions, exceptions = leave), booked for the same interval as the
room in BookingStaff.

Which people a procedure needs is data: the catalogue entry's ``staff_kinds``. A kind applies
once the site keeps calendars for it (at least one active resource of that kind); a site that
books rooms only is not asked for people, and the booking check page says so rather than
skipping it silently (``staff_plan``).

Each kind is filled by the person the caller names, else by the first person of that kind (by
name) who is working and free for every interval. Everything runs inside the booking's
transaction, after the rooms and the candidate people are locked in one primary-key-ordered
statement (booking_checks.lock_resources), so two bookings cannot take the same person; the
database's own guard (exclusion constraint / trigger, migration 0016) is the arbiter, mapped to
StaffUnavailable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError
from django.db.models import Q

from scheduling import selectors
from scheduling.domain.catalogue import STAFF_KINDS
from scheduling.domain.errors import StaffNotSuitable, StaffUnavailable
from scheduling.domain.types import MAX_BOOKING_LENGTH, Interval
from scheduling.models import (
    STAFF_OVERLAP_CONSTRAINT,
    Booking,
    BookingStaff,
    ProcedureCatalogueEntry,
    Resource,
)
from scheduling.services import booking_checks


@dataclass(frozen=True)
class StaffNeed:
    """The kinds of people a procedure needs at this site, those the site keeps no calendar
    for (named on the booking page, never skipped silently), and every active person of the
    needed kinds (locked with the room, by pk)."""

    kinds: tuple[str, ...]
    without_calendar: tuple[str, ...] = ()
    pool: tuple[Resource, ...] = ()


def staff_need(entry: ProcedureCatalogueEntry) -> StaffNeed:
    """The catalogue entry's staff kinds, split by whether the site keeps calendars for them,
    with the people of those kinds (one query, none when the entry needs nobody)."""
    wanted = [k for k in entry.staff_kinds if k in STAFF_KINDS]
    if not wanted:
        return StaffNeed(())
    pool = tuple(Resource.objects.filter(kind__in=wanted, active=True).order_by("pk"))
    kept = {p.kind for p in pool}
    return StaffNeed(tuple(k for k in wanted if k in kept),
                     tuple(k for k in wanted if k not in kept), pool)


def booked_people(booking: Booking, need: StaffNeed) -> list[Resource]:
    """The people booked with ``booking`` (no query when the procedure needs nobody)."""
    if not need.kinds:
        return []
    return [s.resource for s in booking.staff.select_related("resource")]


def check_named(named: Sequence[Resource], need: StaffNeed, procedure_type: str) -> None:
    """The people a caller names must be staff of a kind the procedure needs, one per kind."""
    seen: set[str] = set()
    for person in named:
        label = procedure_type.replace("_", " ")
        if person.kind not in STAFF_KINDS:
            raise StaffNotSuitable(f"{person.name} is a room, not a person; name rooms in "
                                   "'resource'.")
        if person.kind not in need.kinds:
            raise StaffNotSuitable(
                f"A {person.get_kind_display().lower()} is not among the people a {label} "
                f"needs here ({', '.join(need.kinds) or 'none'}).")
        if person.kind in seen:
            raise StaffNotSuitable(f"Two people of the kind {person.kind} were named; name one.")
        if not person.active:
            raise StaffNotSuitable(f"{person.name} is not in service.")
        seen.add(person.kind)


def _busy(person_ids: Iterable[int], intervals: Sequence[Interval],
          exclude_booking_pks: Sequence[int]) -> set[int]:
    """Of ``person_ids``, those already booked during any of ``intervals`` (one query)."""
    ids = list(person_ids)
    if not ids or not intervals:
        return set()
    overlap = Q()
    for interval in intervals:
        overlap |= Q(start__lt=interval.end, end__gt=interval.start,
                     start__gte=interval.start - MAX_BOOKING_LENGTH)
    qs = BookingStaff.objects.filter(overlap, resource_id__in=ids, active=True)
    if exclude_booking_pks:
        qs = qs.exclude(booking_id__in=list(exclude_booking_pks))
    return set(qs.values_list("resource_id", flat=True))


def _working(person: Resource, intervals: Sequence[Interval]) -> bool:
    return booking_checks.outside_hours(person, intervals) is None


def staff_choose(*, need: StaffNeed, named: Sequence[Resource],
                 intervals: Sequence[Interval], procedure_type: str,
                 exclude_booking_pks: Sequence[int] = (), override_reason: str = "",
                 keep: Sequence[Resource] = ()) -> list[Resource]:
    """One person per needed kind for all ``intervals``: the named one (refused with
    StaffUnavailable when busy or, without ``override_reason``, not working then), else a kept
    one still free and working (a moved booking keeps its people when it can), else the first
    free and working person of the kind in ``need.pool``. Raises StaffUnavailable naming the kind
    when nobody is."""
    by_kind = {p.kind: p for p in named}  # checked by check_named before the lock
    if not need.kinds:
        return []
    pool = need.pool
    busy = _busy({p.pk for p in [*named, *keep, *pool]}, intervals, exclude_booking_pks)
    chosen: list[Resource] = []
    for kind in need.kinds:
        person = by_kind.get(kind)
        if person is not None:
            if person.pk in busy:
                raise StaffUnavailable(f"{person.name} is already booked for part of this time.")
            if not override_reason.strip() and not _working(person, intervals):
                raise StaffUnavailable(
                    f"{person.name} is not working for the whole of this time (their calendar); "
                    "give an override reason to book them anyway.")
            chosen.append(person)
            continue
        options = [p for p in keep if p.kind == kind] + sorted(
            (p for p in pool if p.kind == kind), key=lambda p: (p.name, p.pk))
        found = next((p for p in options if p.active and p.pk not in busy
                      and _working(p, intervals)), None)
        if found is None:
            label = dict(Resource.Kind.choices).get(kind, kind)
            raise StaffUnavailable(
                f"No {str(label).lower()} is free and working for the whole of this time.")
        chosen.append(found)
    return chosen


def staff_write(bookings: Sequence[Booking], people: Sequence[Resource]) -> None:
    """Book ``people`` with each of ``bookings`` (same interval), under the database guard."""
    rows = [BookingStaff(booking=b, resource=p, start=b.start, end=b.end)
            for b in bookings for p in people]
    if not rows:
        return
    try:
        BookingStaff.objects.bulk_create(rows)
    except IntegrityError as exc:
        if is_staff_overlap(exc):
            raise StaffUnavailable("A person was booked for this time by someone else just now; "
                                   "check again.") from None
        raise


def staff_replace(booking: Booking, people: Sequence[Resource]) -> None:
    """A moved booking's people: the rows follow its new interval (same people when they
    stayed free, else those chosen again)."""
    BookingStaff.objects.filter(booking=booking).delete()
    staff_write([booking], people)


def staff_release(booking_pks: Sequence[int]) -> None:
    """A cancelled booking frees its people at once (the guard ignores inactive rows)."""
    BookingStaff.objects.filter(booking_id__in=list(booking_pks)).update(active=False)


def is_staff_overlap(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    text = str(exc)
    return ("booking_staff_overlap" in text or STAFF_OVERLAP_CONSTRAINT in text
            or ((getattr(cause, "sqlstate", None) == "23P01"
                 or getattr(cause, "pgcode", None) == "23P01") and "bookingstaff" in text))


@dataclass(frozen=True)
class StaffOption:
    person: Resource
    free: bool


@dataclass(frozen=True)
class StaffKindPreview:
    """One needed kind on the booking page: who can be chosen (free or not at that time) and
    who would be booked when nobody is named (None: nobody is free, the booking would be
    refused)."""

    kind: str
    options: tuple[StaffOption, ...]
    proposed: Resource | None


@dataclass(frozen=True)
class StaffPreview:
    kinds: tuple[StaffKindPreview, ...]
    without_calendar: tuple[str, ...]


def staff_preview(*, procedure_type: str, interval: Interval) -> StaffPreview:
    """What booking ``procedure_type`` at ``interval`` would do with people (reads only): per
    needed kind, each person and whether they are free and working, and who would be taken."""
    need = staff_need(selectors.catalogue_entry(procedure_type))
    busy = _busy({p.pk for p in need.pool}, [interval], ())
    kinds = []
    for kind in need.kinds:
        people = sorted((p for p in need.pool if p.kind == kind), key=lambda p: (p.name, p.pk))
        options = tuple(StaffOption(p, p.pk not in busy and _working(p, [interval]))
                        for p in people)
        proposed = next((o.person for o in options if o.free), None)
        kinds.append(StaffKindPreview(kind, options, proposed))
    return StaffPreview(tuple(kinds), need.without_calendar)
