"""The timing-rules engine (clinical-rules.md §1: R1-R8, R17, R18), pure and deterministic.

Two questions are answered here:

- ``evaluate``: given a patient's bookings, which rules are broken, how badly, by which bookings,
  and why it matters (a plain-English sentence ending in the rule's rationale);
- ``allowed_windows``: for one procedure still to be placed, the start times the rules allow
  given the other bookings (hard rules only, and hard + soft + preferred lags).

Lags are measured between procedures, not bookings: a radiotherapy course is several fraction
bookings of one planned procedure, and "RT ends" means the end of its last fraction.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .courses import course_violations
from .scope import pair_scope
from .types import (
    Anchor,
    BookingView,
    Occurrence,
    RuleKind,
    Severity,
    TimingRuleSpec,
    Violation,
)

DEFAULT_TZ = "Europe/Rome"


# --- helpers -----------------------------------------------------------------------------------


def humanize(delta: timedelta, *, weeks: bool = False) -> str:
    """'2 days 3 hours', '45 minutes': plain English for rationale sentences; with ``weeks``,
    a whole number of weeks reads '6 weeks'."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if weeks and days and not hours and not mins and days % 7 == 0:
        return f"{days // 7} week{'s' if days != 7 else ''}"
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not parts:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date) -> date:
    """The next Monday-to-Friday date after ``day`` (public holidays are closures, not here)."""
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    return nxt


def _label(procedure_type: str) -> str:
    return procedure_type.replace("_", " ")


def occurrences_from_bookings(bookings: Iterable[BookingView]) -> list[Occurrence]:
    """Group active bookings by planned procedure into occurrences (their span).

    Cancelled bookings are ignored. The result is sorted by start, then procedure id, so the
    engine's output is deterministic.
    """
    grouped: dict[str, list[BookingView]] = defaultdict(list)
    for booking in bookings:
        if booking.active:
            grouped[booking.procedure_id].append(booking)
    result = []
    for procedure_id, items in grouped.items():
        items.sort(key=lambda b: (b.start, b.booking_id))
        first = items[0]
        last = max(items, key=lambda b: (b.end, b.booking_id))
        result.append(
            Occurrence(
                procedure_id=procedure_id,
                procedure_type=first.procedure_type,
                start=first.start,
                end=last.end,
                first_booking_id=first.booking_id,
                last_booking_id=last.booking_id,
                booking_ids=tuple(b.booking_id for b in items),
                patient_id=first.patient_id,
                lesion_id=first.lesion_id,
                plan_id=first.plan_id,
                purpose=first.purpose,
                planned_fractions=first.planned_fractions,
                fraction_starts=tuple(b.start for b in items),
                prepares_id=first.prepares_id,
            )
        )
    result.sort(key=lambda o: (o.start, o.procedure_id))
    return result


def in_scope(rule: TimingRuleSpec, a: Occurrence, b: Occurrence) -> bool:
    """Whether the rule binds the two procedures (domain/scope.py): a linked pair (one prepares
    the other) always; otherwise same-lesion rules need one lesion, or apply at patient scope
    when a target lesion is missing; same-patient rules one patient."""
    return pair_scope(rule, a, b).applies


def scope_note(rule: TimingRuleSpec, a: Occurrence, b: Occurrence) -> str:
    """The visible note of a pair bound at patient scope for want of a target ("" otherwise)."""
    return pair_scope(rule, a, b).note


def _is_from(rule: TimingRuleSpec, procedure_type: str, purpose: str) -> bool:
    if procedure_type not in rule.from_procedures:
        return False
    return not rule.from_purposes or purpose in rule.from_purposes


def _is_to(rule: TimingRuleSpec, procedure_type: str) -> bool:
    return procedure_type in rule.to_procedures


def _ordered_pairs(
    rule: TimingRuleSpec, occs: Sequence[Occurrence]
) -> Iterator[tuple[Occurrence, Occurrence]]:
    """Yield (from, to) pairs the rule constrains.

    - symmetric rules (R6): each unordered pair once, the earlier procedure as "from";
    - rules whose both sides can match both procedures (R7 embolization → embolization): the
      earlier one is "from", so the same pair is never judged in both directions.
    """
    for i, a in enumerate(occs):
        for b in occs[i + 1:]:
            # occs is sorted by (start, id): a is never later than b.
            a_from, b_to = _is_from(rule, a.procedure_type, a.purpose), _is_to(rule, b.procedure_type)
            b_from, a_to = _is_from(rule, b.procedure_type, b.purpose), _is_to(rule, a.procedure_type)
            if not in_scope(rule, a, b):
                continue
            if rule.symmetric:
                if (a_from and b_to) or (b_from and a_to):
                    yield a, b
                continue
            if a_from and b_to:
                yield a, b
            # The reverse direction only when it is a different relation (not same-type).
            if b_from and a_to and not (a_from and b_to):
                yield b, a


# --- evaluation --------------------------------------------------------------------------------


def _lag_violations(rule: TimingRuleSpec, occs: Sequence[Occurrence]) -> list[Violation]:
    out = []
    for a, b in _ordered_pairs(rule, occs):
        lag = b.anchor(rule.to_anchor) - a.anchor(rule.from_anchor)
        involved = (a.anchor_booking(rule.from_anchor), b.anchor_booking(rule.to_anchor))
        what = (
            f"{_label(b.procedure_type).capitalize()} {rule.to_anchor.value}s "
            f"{humanize(lag)} {'after' if lag >= timedelta(0) else 'before'} the "
            f"{rule.from_anchor.value} of {_label(a.procedure_type)}"
        )
        if rule.min_lag is not None and lag < rule.min_lag:
            off = rule.min_lag - lag
            bound = (
                "it must not be before it" if rule.min_lag == timedelta(0)
                else f"the minimum is {humanize(rule.min_lag)}"
            )
            out.append(_violation(rule, a, b, involved, off,
                                  f"{what}; {bound} ({humanize(off)} too early)."))
        if rule.max_lag is not None and lag > rule.max_lag:
            off = lag - rule.max_lag
            out.append(_violation(rule, a, b, involved, off,
                                  f"{what}; the maximum is {humanize(rule.max_lag)} "
                                  f"({humanize(off)} too late)."))
    return out


def _violation(rule: TimingRuleSpec, a: Occurrence, b: Occurrence, involved: tuple[str, ...],
               off: timedelta, what: str) -> Violation:
    note = scope_note(rule, a, b)
    return Violation(
        rule_code=rule.code,
        rule_id=rule.rule_id,
        severity=rule.severity,
        booking_ids=tuple(dict.fromkeys(involved)),
        procedure_ids=(a.procedure_id, b.procedure_id),
        off_by=off,
        message=(f"{rule.rule_id} ({rule.severity.value}): {what} {rule.rationale}"
                 + (f" ({note[0].upper()}{note[1:]}.)" if note else "")),
        scope_note=note,
    )


def _follow_up_violations(rule: TimingRuleSpec, occs: Sequence[Occurrence],
                          tz: ZoneInfo) -> list[Violation]:
    """R8: each follow-up examination should sit within ±tolerance of a template offset after
    the latest preceding source procedure (embolization) in scope."""
    raw_offsets = rule.template.get("offsets_months", [])
    offsets = [int(str(m)) for m in (raw_offsets if isinstance(raw_offsets, (list, tuple)) else [])]
    tolerance = timedelta(days=int(str(rule.template.get("tolerance_days", 14))))
    out = []
    for b in occs:
        if not _is_to(rule, b.procedure_type):
            continue
        sources = [
            a for a in occs
            if a is not b and _is_from(rule, a.procedure_type, a.purpose) and in_scope(rule, a, b)
            and a.anchor(rule.from_anchor) <= b.anchor(rule.to_anchor)
        ]
        if not sources or not offsets:
            continue
        a = max(sources, key=lambda o: (o.anchor(rule.from_anchor), o.procedure_id))
        base = a.anchor(rule.from_anchor).astimezone(tz)
        targets = [
            datetime.combine(add_months(base.date(), m), base.timetz()).astimezone(tz)
            for m in offsets
        ]
        actual = b.anchor(rule.to_anchor)
        distance = min(abs(actual - t) for t in targets)
        if distance > tolerance:
            nearest = min(range(len(targets)), key=lambda i: abs(actual - targets[i]))
            off = distance - tolerance
            involved = (a.anchor_booking(rule.from_anchor), b.anchor_booking(rule.to_anchor))
            out.append(_violation(
                rule, a, b, involved, off,
                f"{_label(b.procedure_type).capitalize()} is {humanize(off)} outside the "
                f"{offsets[nearest]}-month window (± {humanize(tolerance)}) after "
                f"{_label(a.procedure_type)}.",
            ))
    return out


def _fractionation_violations(rule: TimingRuleSpec, occs: Sequence[Occurrence],
                              tz: ZoneInfo) -> list[Violation]:
    """R17: one fraction a day on consecutive working days, no more than the planned count, a
    scheme of the site (domain/courses.py; without resource closures here, which the booking
    services pass through domain/engine.py)."""
    return course_violations(rule=rule, occurrences=occs, tz=str(tz))


def evaluate(
    *,
    bookings: Iterable[BookingView],
    rules: Iterable[TimingRuleSpec],
    history: Iterable[BookingView] = (),
    tz: str = DEFAULT_TZ,
) -> list[Violation]:
    """Every violation among ``bookings`` (one plan, say) read against the patient's ``history``
    (done or other-plan bookings). A violation is reported only if at least one booking it names
    is in ``bookings``: history alone never produces one.

    Deterministic: sorted by rule id, rule code, then bookings. Inactive rules are skipped;
    cancelled bookings are ignored.
    """
    own = list(bookings)
    own_ids = {b.booking_id for b in own}
    seen = set(own_ids)
    merged = own + [h for h in history if h.booking_id not in seen]
    occs = occurrences_from_bookings(merged)
    zone = ZoneInfo(tz)
    found: list[Violation] = []
    for rule in rules:
        if not rule.active:
            continue
        if rule.kind == RuleKind.LAG:
            found.extend(_lag_violations(rule, occs))
        elif rule.kind == RuleKind.FOLLOW_UP:
            found.extend(_follow_up_violations(rule, occs, zone))
        elif rule.kind == RuleKind.FRACTIONATION:
            found.extend(_fractionation_violations(rule, occs, zone))
    relevant = [v for v in found if own_ids.intersection(v.booking_ids)]
    unique = {v.key: v for v in relevant}
    return sorted(unique.values(), key=lambda v: (_rule_order(v.rule_id), v.rule_code, v.key))


def _rule_order(rule_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in rule_id if ch.isdigit())
    return (int(digits) if digits else 999, rule_id)


def new_hard_violations(before: Sequence[Violation], after: Sequence[Violation]) -> list[Violation]:
    """Hard violations present after a change and not before it: what refuses the change.

    Hard violations that already existed (a rule made stricter by a site) do not block unrelated
    changes; the re-check reports them instead.
    """
    old = {v.key for v in before if v.severity == Severity.HARD}
    return [v for v in after if v.severity == Severity.HARD and v.key not in old]


# --- allowed windows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StartWindow:
    """Allowed start times, both ends inclusive (a window may be a single instant)."""

    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class PlacementWindows:
    """Where a procedure may start: ``hard`` honours hard rules; ``preferred`` also honours soft
    rules and preferred lags. ``reasons`` lists the rule codes that narrowed the windows."""

    hard: tuple[StartWindow, ...]
    preferred: tuple[StartWindow, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PlacementRequest:
    procedure_id: str
    procedure_type: str
    duration: timedelta
    patient_id: str = ""
    lesion_id: str | None = None
    purpose: str = ""
    prepares_id: str | None = None


Windows = list[tuple[datetime, datetime]]


def _intersect(a: Windows, b: Windows) -> Windows:
    out: Windows = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s <= e:
                out.append((s, e))
    return _normalise(out)


def _normalise(windows: Windows) -> Windows:
    merged: Windows = []
    for s, e in sorted(windows):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _window(lo: datetime | None, hi: datetime | None, horizon: tuple[datetime, datetime]) -> Windows:
    s = horizon[0] if lo is None else max(lo, horizon[0])
    e = horizon[1] if hi is None else min(hi, horizon[1])
    return [(s, e)] if s <= e else []


def _rule_windows(rule: TimingRuleSpec, new: PlacementRequest, other: Occurrence,
                  bounds: tuple[timedelta | None, timedelta | None],
                  horizon: tuple[datetime, datetime]) -> Windows | None:
    """Start windows for ``new`` implied by one rule against one booked procedure, or None if the
    rule does not relate them."""
    lo_lag, hi_lag = bounds
    probe = Occurrence(
        procedure_id=new.procedure_id, procedure_type=new.procedure_type, start=horizon[0],
        end=horizon[0] + new.duration, first_booking_id="", last_booking_id="", booking_ids=(),
        patient_id=new.patient_id, lesion_id=new.lesion_id, purpose=new.purpose,
        prepares_id=new.prepares_id,
    )
    if not in_scope(rule, probe, other):
        return None
    new_from = _is_from(rule, new.procedure_type, new.purpose)
    new_to = _is_to(rule, new.procedure_type)
    other_from = _is_from(rule, other.procedure_type, other.purpose)
    other_to = _is_to(rule, other.procedure_type)
    if rule.symmetric and ((new_from and other_to) or (other_from and new_to)):
        # Either order (R6): whichever comes first plays "from".
        new_from = new_to = other_from = other_to = True
    parts: list[Windows] = []
    # new after other ("to" side): new.anchor in [other.anchor + lo, other.anchor + hi]
    if other_from and new_to:
        shift = new.duration if rule.to_anchor == Anchor.END else timedelta(0)
        base = other.anchor(rule.from_anchor)
        parts.append(_window(
            None if lo_lag is None else base + lo_lag - shift,
            None if hi_lag is None else base + hi_lag - shift, horizon))
    # new before other ("from" side): new.anchor in [other.anchor - hi, other.anchor - lo]
    if new_from and other_to:
        shift = new.duration if rule.from_anchor == Anchor.END else timedelta(0)
        base = other.anchor(rule.to_anchor)
        parts.append(_window(
            None if hi_lag is None else base - hi_lag - shift,
            None if lo_lag is None else base - lo_lag - shift, horizon))
    if not parts:
        return None
    same_type = other_from and new_to and new_from and other_to
    if len(parts) == 2 and (rule.symmetric or same_type):
        return _normalise(parts[0] + parts[1])  # either order is acceptable
    result = parts[0]
    for extra in parts[1:]:
        result = _intersect(result, extra)
    return result


def allowed_windows(
    *,
    request: PlacementRequest,
    bookings: Iterable[BookingView],
    rules: Iterable[TimingRuleSpec],
    horizon: tuple[datetime, datetime],
) -> PlacementWindows:
    """The start times allowed for ``request`` by LAG rules against the other booked procedures.

    ``horizon`` bounds the answer (unbounded lags stop there). Follow-up templates and
    fractionation do not restrict a single start and are not used here. Resource availability is
    a separate question (domain/slots.py); the solver combines both.
    """
    occs = [o for o in occurrences_from_bookings(bookings) if o.procedure_id != request.procedure_id]
    hard: Windows = [horizon]
    preferred: Windows = [horizon]
    reasons: list[str] = []
    for rule in rules:
        if not rule.active or rule.kind != RuleKind.LAG:
            continue
        for other in occs:
            bounds = (rule.min_lag, rule.max_lag)
            w = _rule_windows(rule, request, other, bounds, horizon)
            if w is None:
                continue
            reasons.append(rule.code)
            if rule.severity == Severity.HARD:
                hard = _intersect(hard, w)
            preferred = _intersect(preferred, w)
            if rule.preferred_lag is not None:
                pw = _rule_windows(rule, request, other, (rule.min_lag, rule.preferred_lag), horizon)
                if pw is not None:
                    preferred = _intersect(preferred, pw)
    return PlacementWindows(
        hard=tuple(StartWindow(s, e) for s, e in hard),
        preferred=tuple(StartWindow(s, e) for s, e in preferred),
        reasons=tuple(dict.fromkeys(reasons)),
    )
