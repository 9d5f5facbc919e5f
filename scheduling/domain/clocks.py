"""Case-event clocks (clinical-rules.md R9-R11): deadlines measured from something that happened
to the case, not from another booking. Pure and deterministic (``now`` is passed in).

- **R9**  suspected MSCC: whole-spine MRI ≤ 24 h from the suspicion (hard; NICE CG75/NG234, QS56);
- **R10** MSCC not for surgery: radiotherapy starts ≤ 24 h from the decision to treat (hard;
  NICE QS56 statement 6);
- **R11** suspected spinal metastases without neurology: MRI ≤ 1 week (soft; NICE NG234).

A clock rule is a TimingRuleSpec of kind CLOCK. ``to_procedures`` / ``to_anchor`` say what is
measured, ``min_lag`` / ``max_lag`` the allowed delay after the event, and the template says
which event and when the clock runs::

    {"event": "suspicion" | "decision_to_treat",
     "pathway": "mscc" | "spinal_without_neurology",
     "unless_plan_has": ["surgery"]}          # R10: "not for surgery"

The case's facts arrive as one CaseClock per plan (scheduling.selectors builds them: the
suspicion is the referral's submission time, the decision to treat the MDT decision behind the
plan). Only the plan's first matching procedure is measured: the clock stops when the pathway's
first MRI or radiotherapy starts (for a course, its first fraction).

**A deadline already missed.** While the deadline is ahead, a booking past it breaks the rule
at the rule's severity (hard: refused). Once ``now`` is past the deadline no booking can meet
it, and refusing would only delay the treatment further; the violation is then reported as
soft ("missed: book the earliest slot"), stored and notified like any other, so the breach is
visible and can be accepted with a reason. ``now=None`` keeps the rule's severity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .rules import humanize
from .types import Anchor, Occurrence, RuleKind, Severity, TimingRuleSpec, Violation
from .verdicts import RuleVerdict, VerdictStatus


class ClockEvent(StrEnum):
    SUSPICION = "suspicion"  # MSCC or spinal metastases suspected (the referral)
    DECISION_TO_TREAT = "decision_to_treat"  # the MDT decision behind the plan


class Pathway(StrEnum):
    MSCC = "mscc"  # suspected metastatic spinal cord compression (R9, R10)
    SPINAL_WITHOUT_NEUROLOGY = "spinal_without_neurology"  # spinal metastases, no MSCC (R11)


EVENT_LABELS: dict[str, str] = {
    ClockEvent.SUSPICION: "the suspicion",
    ClockEvent.DECISION_TO_TREAT: "the decision to treat",
}


@dataclass(frozen=True)
class CaseClock:
    """What a clock rule needs to know about one plan's case.

    ``mscc``: the MSCC emergency pathway applies (cases.domain.spine.mscc_triggers);
    ``spinal``: the case has a spinal lesion (vertebra or sacrum); ``suspected_at``: when the
    suspicion was recorded; ``decided_at``: when the decision to treat was recorded;
    ``plan_procedures``: the procedure types of the plan (R10 does not run for a plan with
    surgery, and a clock is only shown for a plan that has the procedure it measures).
    """

    plan_id: str
    mscc: bool = False
    spinal: bool = False
    suspected_at: datetime | None = None
    decided_at: datetime | None = None
    plan_procedures: frozenset[str] = frozenset()

    def event_at(self, event: str) -> datetime | None:
        if event == ClockEvent.SUSPICION:
            return self.suspected_at
        if event == ClockEvent.DECISION_TO_TREAT:
            return self.decided_at
        return None

    def on_pathway(self, pathway: str) -> bool:
        if pathway == Pathway.MSCC:
            return self.mscc
        if pathway == Pathway.SPINAL_WITHOUT_NEUROLOGY:
            return self.spinal and not self.mscc  # with MSCC, R9's 24 h clock runs instead
        return False


@dataclass(frozen=True)
class Deadline:
    """One running clock: ``rule`` measures the plan's first ``procedure_types`` from
    ``event_at``; it must start between ``earliest`` (if any) and ``due``."""

    rule_code: str
    rule_id: str
    severity: Severity
    event: str
    event_at: datetime
    due: datetime
    earliest: datetime | None
    procedure_types: frozenset[str]
    plan_id: str
    anchor: Anchor
    rationale: str
    source: str

    def missed(self, now: datetime | None) -> bool:
        """Whether no booking can meet it any more (``now`` is past ``due``)."""
        return now is not None and now > self.due

    def severity_at(self, now: datetime | None) -> Severity:
        """The rule's severity while the deadline can still be met; soft once missed."""
        return Severity.SOFT if self.missed(now) else self.severity

    def describe(self, tz: str) -> str:
        """'radiotherapy must start by Tue 08 Jan 2030 10:00 (24 hours after the decision to
        treat, recorded Mon 07 Jan 2030 10:00)'."""
        what = " or ".join(sorted(_label(p) for p in self.procedure_types))
        return (f"{what} must {self.anchor.value} by {_when(self.due, tz)} "
                f"({_humanize(self.due - self.event_at)} after {EVENT_LABELS.get(self.event, self.event)}, "
                f"recorded {_when(self.event_at, tz)})")


def _label(procedure_type: str) -> str:
    return procedure_type.replace("_", " ")


def _when(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M")


def _humanize(delta: timedelta) -> str:
    return humanize(delta, weeks=True)


def _template_list(template: Mapping[str, object], key: str) -> frozenset[str]:
    value = template.get(key, [])
    return frozenset(str(v) for v in value) if isinstance(value, (list, tuple)) else frozenset()


def not_applicable_reason(rule: TimingRuleSpec, clock: CaseClock) -> str:
    """Why ``rule`` runs no clock for this plan ("" when it does)."""
    event = str(rule.template.get("event", ""))
    pathway = str(rule.template.get("pathway", ""))
    if not clock.on_pathway(pathway):
        if pathway == Pathway.MSCC:
            return f"{rule.rule_id} runs for suspected MSCC; this case is not on the MSCC pathway"
        if pathway == Pathway.SPINAL_WITHOUT_NEUROLOGY:
            return (f"{rule.rule_id} runs for suspected spinal metastases without neurology; "
                    + ("this case is on the MSCC pathway (R9 applies)" if clock.mscc
                       else "this case has no spinal lesion"))
        return f"{rule.rule_id} names an unknown pathway {pathway!r}"
    unless = _template_list(rule.template, "unless_plan_has") & clock.plan_procedures
    if unless:
        return (f"{rule.rule_id} runs when the plan is not for "
                f"{' or '.join(sorted(_label(p) for p in unless))}; this plan has it")
    if clock.plan_procedures and not (rule.to_procedures & clock.plan_procedures):
        return (f"this plan has no "
                f"{' or '.join(sorted(_label(p) for p in rule.to_procedures))}")
    if clock.event_at(event) is None:
        return f"{EVENT_LABELS.get(event, event)} is not recorded"
    return ""


def deadlines(*, rules: Iterable[TimingRuleSpec], clocks: Iterable[CaseClock]) -> list[Deadline]:
    """Every running clock: one per active CLOCK rule and plan it applies to, sorted by due."""
    specs = [r for r in rules if r.active and r.kind == RuleKind.CLOCK and r.max_lag is not None]
    out = []
    for clock in clocks:
        for rule in specs:
            if not_applicable_reason(rule, clock):
                continue
            event = str(rule.template.get("event", ""))
            at = clock.event_at(event)
            if at is None or rule.max_lag is None:  # pragma: no cover - checked above
                continue
            out.append(Deadline(
                rule_code=rule.code, rule_id=rule.rule_id, severity=rule.severity, event=event,
                event_at=at, due=at + rule.max_lag,
                earliest=None if rule.min_lag is None else at + rule.min_lag,
                procedure_types=rule.to_procedures, plan_id=clock.plan_id,
                anchor=rule.to_anchor, rationale=rule.rationale, source=rule.source,
            ))
    out.sort(key=lambda d: (d.due, d.rule_id, d.rule_code, d.plan_id))
    return out


def measured(deadline: Deadline, occurrences: Sequence[Occurrence]) -> Occurrence | None:
    """The occurrence a clock measures: the plan's first procedure of the clock's types."""
    matching = [o for o in occurrences
                if o.plan_id == deadline.plan_id and o.procedure_type in deadline.procedure_types]
    if not matching:
        return None
    return min(matching, key=lambda o: (o.anchor(deadline.anchor), o.procedure_id))


def clock_violations(*, occurrences: Sequence[Occurrence], rules: Iterable[TimingRuleSpec],
                     clocks: Iterable[CaseClock], now: datetime | None,
                     tz: str) -> list[Violation]:
    """The clocks the plans' bookings break: the first matching procedure starts after the
    deadline (or before ``earliest``). Severity as the module docstring says."""
    out = []
    for deadline in deadlines(rules=rules, clocks=clocks):
        occ = measured(deadline, occurrences)
        if occ is None:
            continue
        moment = occ.anchor(deadline.anchor)
        lag = moment - deadline.event_at
        event = EVENT_LABELS.get(deadline.event, deadline.event)
        what = (f"{_label(occ.procedure_type).capitalize()} {deadline.anchor.value}s "
                f"{_humanize(lag)} {'after' if lag >= timedelta(0) else 'before'} {event} "
                f"(recorded {_when(deadline.event_at, tz)})")
        if moment > deadline.due:
            off = moment - deadline.due
            problem = (f"{what}; the deadline is {_when(deadline.due, tz)}, "
                       f"{_humanize(deadline.due - deadline.event_at)} after it "
                       f"({_humanize(off)} too late)")
        elif deadline.earliest is not None and moment < deadline.earliest:
            off = deadline.earliest - moment
            problem = f"{what}; it must not be before {_when(deadline.earliest, tz)}"
        else:
            continue
        severity = deadline.severity_at(now)
        if deadline.missed(now) and severity != deadline.severity:
            problem += (". The deadline has already passed, so no booking can meet it: "
                        "book the earliest slot (recorded as a missed deadline)")
        out.append(Violation(
            rule_code=deadline.rule_code, rule_id=deadline.rule_id, severity=severity,
            booking_ids=(occ.anchor_booking(deadline.anchor),), procedure_ids=(occ.procedure_id,),
            off_by=off,
            message=f"{deadline.rule_id} ({severity.value}): {problem}. {deadline.rationale}",
        ))
    return out


def window_bounds(*, procedure_type: str, plan_id: str, deadlines_: Iterable[Deadline],
                  now: datetime | None) -> tuple[datetime | None, datetime | None, list[str]]:
    """The bounds the running clocks put on where ``procedure_type`` (of ``plan_id``) may start
    or end: (earliest, latest, rule codes). A missed deadline bounds nothing (any booking is as
    late; the earliest is best)."""
    lo: datetime | None = None
    hi: datetime | None = None
    codes = []
    for d in deadlines_:
        if d.plan_id != plan_id or procedure_type not in d.procedure_types or d.missed(now):
            continue
        codes.append(d.rule_code)
        hi = d.due if hi is None else min(hi, d.due)
        if d.earliest is not None:
            lo = d.earliest if lo is None else max(lo, d.earliest)
    return lo, hi, codes


def clock_verdicts(*, rules: Iterable[TimingRuleSpec], clock: CaseClock,
                   occurrences: Sequence[Occurrence], violations: Sequence[Violation],
                   tz: str, now: datetime | None = None) -> list[RuleVerdict]:
    """One verdict per active CLOCK rule for the plan of ``clock`` (issue 11: a rule is never
    skipped in silence): not_applicable with the reason (not MSCC, the plan is for surgery...),
    pending until the measured procedure is booked (with the deadline), else satisfied or
    violated. A missed deadline's verdict is soft, like its violation."""
    rules = list(rules)
    out = []
    running = {d.rule_code: d for d in deadlines(rules=rules, clocks=[clock])}
    broken = {v.rule_code for v in violations}
    for rule in rules:
        if not rule.active or rule.kind != RuleKind.CLOCK:
            continue
        base = RuleVerdict(rule_id=rule.rule_id, rule_code=rule.code,
                           severity=rule.severity.value, status=VerdictStatus.NOT_APPLICABLE,
                           basis="case_event")
        deadline = running.get(rule.code)
        if deadline is None:
            out.append(replace(base, reason=not_applicable_reason(rule, clock)
                               or f"{rule.rule_id} has no deadline to run"))
            continue
        base = replace(base, severity=deadline.severity_at(now).value)
        occ = measured(deadline, occurrences)
        if occ is None:
            out.append(replace(base, status=VerdictStatus.PENDING,
                               reason=f"waiting for the booking: {deadline.describe(tz)}"))
            continue
        status = VerdictStatus.VIOLATED if rule.code in broken else VerdictStatus.SATISFIED
        out.append(replace(base, status=status, procedure_ids=(occ.procedure_id,),
                           reason=deadline.describe(tz)))
    return out
