"""Per-rule verdicts of a plan: a rule is never skipped in silence (issue 11, item 3), pure.

``assess`` answers, besides the violations (rules.evaluate), one verdict per rule and pair of
procedures it could bind:

- ``satisfied``: both booked and the rule holds;
- ``violated``: both booked and the rule is broken (the violation says how);
- ``pending``: the rule binds the pair, but one of them is not booked yet;
- ``not_applicable``: the rule does not bind them, with the reason stated (the embolization is
  palliative, the procedures target different lesions, the embolization prepares another
  surgery, the plan has no surgery...).

A verdict applied at patient scope for want of a target lesion carries the same ``scope_note``
as its violation. Same-session pairs (domain/sessions.py) get verdicts too (rule
``same_session``, hard). So "no rule is broken" is only ever said next to the list of the rules
that apply and of those that do not, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .rules import DEFAULT_TZ, _is_from, _is_to, _rule_order, occurrences_from_bookings
from .scope import pair_scope
from .sessions import SAME_SESSION, same_session_problems
from .types import BookingView, RuleKind, Severity, TimingRuleSpec, Violation

SAME_SESSION_CODE = "same-session"


class VerdictStatus(StrEnum):
    SATISFIED = "satisfied"
    VIOLATED = "violated"
    PENDING = "pending"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class PlannedView:
    """A procedure of the plan being judged, booked or not (ids as in BookingView)."""

    procedure_id: str
    procedure_type: str
    patient_id: str = ""
    lesion_id: str | None = None
    plan_id: str = ""
    purpose: str = ""
    prepares_id: str | None = None
    same_session_with: str | None = None


@dataclass(frozen=True)
class RuleVerdict:
    """What one rule says about one pair (or one procedure, or the plan as a whole)."""

    rule_id: str
    rule_code: str
    severity: str
    status: VerdictStatus
    procedure_ids: tuple[str, ...] = ()
    reason: str = ""  # why not applicable, or what a pending verdict waits for
    scope_note: str = ""  # "applied at patient scope: ..." (never silent)
    basis: str = ""  # linked, same_lesion, same_patient, patient_fallback


@dataclass(frozen=True)
class Assessment:
    violations: tuple[Violation, ...]
    verdicts: tuple[RuleVerdict, ...]

    def of(self, status: VerdictStatus | str) -> list[RuleVerdict]:
        return [v for v in self.verdicts if v.status == VerdictStatus(status)]


@dataclass(frozen=True)
class _Node:
    procedure_id: str
    procedure_type: str
    patient_id: str
    lesion_id: str | None
    purpose: str
    prepares_id: str | None
    booked: bool
    start: datetime | None
    own: bool
    order: int


def _label(procedure_type: str) -> str:
    return procedure_type.replace("_", " ")


def _base(rule: TimingRuleSpec, ids: tuple[str, ...]) -> RuleVerdict:
    """A not_applicable verdict of ``rule`` on ``ids``, for replace() to refine."""
    return RuleVerdict(rule_id=rule.rule_id, rule_code=rule.code, severity=rule.severity.value,
                       status=VerdictStatus.NOT_APPLICABLE, procedure_ids=ids)


def _types(kinds: Iterable[str]) -> str:
    names = sorted(_label(k) for k in kinds)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _nodes(own: Sequence[BookingView], history: Sequence[BookingView],
           planned: Sequence[PlannedView]) -> list[_Node]:
    own_ids = {b.procedure_id for b in own} | {p.procedure_id for p in planned}
    seen = {b.booking_id for b in own}
    merged = list(own) + [h for h in history if h.booking_id not in seen]
    nodes: dict[str, _Node] = {}
    for index, occ in enumerate(occurrences_from_bookings(merged)):
        nodes[occ.procedure_id] = _Node(
            occ.procedure_id, occ.procedure_type, occ.patient_id, occ.lesion_id, occ.purpose,
            occ.prepares_id, True, occ.start, occ.procedure_id in own_ids, index)
    for index, p in enumerate(planned):
        if p.procedure_id not in nodes:
            nodes[p.procedure_id] = _Node(
                p.procedure_id, p.procedure_type, p.patient_id, p.lesion_id, p.purpose,
                p.prepares_id, False, None, True, len(nodes) + index)
    # Booked procedures in time order (the earlier one plays "from"), then those not booked.
    booked = sorted((n for n in nodes.values() if n.start is not None),
                    key=lambda n: (n.start, n.order))
    return booked + sorted((n for n in nodes.values() if n.start is None), key=lambda n: n.order)


def _type_from(rule: TimingRuleSpec, node: _Node) -> bool:
    return node.procedure_type in rule.from_procedures


def _candidate_pairs(rule: TimingRuleSpec, nodes: Sequence[_Node]) -> list[tuple[_Node, _Node]]:
    """(from, to) pairs by procedure type alone, each unordered pair once, at least one own."""
    out = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            if not (a.own or b.own):
                continue
            forward = _type_from(rule, a) and _is_to(rule, b.procedure_type)
            backward = _type_from(rule, b) and _is_to(rule, a.procedure_type)
            if rule.symmetric and (forward or backward):
                out.append((a, b))  # the earlier one plays "from" (nodes are in time order)
            elif forward:
                out.append((a, b))
            elif backward:
                out.append((b, a))
    return out


def _purpose_reason(rule: TimingRuleSpec, node: _Node) -> str:
    wanted = " or ".join(sorted(p.replace("_", "-") for p in rule.from_purposes))
    has = f"is {node.purpose.replace('_', '-')}" if node.purpose else "has no purpose recorded"
    return f"{rule.rule_id} binds a {wanted} {_label(node.procedure_type)}; this one {has}"


def _lag_verdicts(rule: TimingRuleSpec, nodes: Sequence[_Node],
                  violations: Sequence[Violation]) -> list[RuleVerdict]:
    out = []
    broken = {frozenset(v.procedure_ids) for v in violations if v.rule_code == rule.code}
    for f, t in _candidate_pairs(rule, nodes):
        ids = (f.procedure_id, t.procedure_id)
        base = _base(rule, ids)
        if not _is_from(rule, f.procedure_type, f.purpose) and not (
                rule.symmetric and _is_from(rule, t.procedure_type, t.purpose)):
            out.append(replace(base, reason=_purpose_reason(rule, f)))
            continue
        scope = pair_scope(rule, f, t)
        if not scope.applies:
            out.append(replace(base, reason=scope.reason))
            continue
        base = replace(base, scope_note=scope.note, basis=scope.basis)
        if not (f.booked and t.booked):
            waiting = [n for n in (f, t) if not n.booked]
            reason = " and ".join(f"the {_label(n.procedure_type)}" for n in waiting)
            out.append(replace(base, status=VerdictStatus.PENDING,
                               reason=f"waiting for {reason} to be booked"))
            continue
        status = VerdictStatus.VIOLATED if frozenset(ids) in broken else VerdictStatus.SATISFIED
        out.append(replace(base, status=status))
    if not out:
        out.append(replace(_base(rule, ()), reason=(
            f"no {_types(rule.from_procedures)} with a {_types(rule.to_procedures)} in this "
            "plan")))
    return out


def _per_procedure_verdicts(rule: TimingRuleSpec, nodes: Sequence[_Node],
                            violations: Sequence[Violation]) -> list[RuleVerdict]:
    """Follow-up templates (R8), fractionation (R17) and kinds judged elsewhere (the case
    clocks R9-R11: pass their violations to ``assess``): one verdict per procedure of the plan
    the rule concerns (for a follow-up template, the procedure it starts from)."""
    out = []
    mine = [v for v in violations if v.rule_code == rule.code]
    kinds = (rule.from_procedures if rule.kind == RuleKind.FOLLOW_UP
             else rule.from_procedures | rule.to_procedures)
    sources = [n for n in nodes if n.own and n.procedure_type in kinds]
    for node in sources:
        base = _base(rule, (node.procedure_id,))
        if any(node.procedure_id in v.procedure_ids for v in mine):
            out.append(replace(base, status=VerdictStatus.VIOLATED))
        elif not node.booked:
            out.append(replace(base, status=VerdictStatus.PENDING, reason=(
                f"waiting for the {_label(node.procedure_type)} to be booked")))
        elif rule.kind == RuleKind.FOLLOW_UP and not any(
                n.booked and _is_to(rule, n.procedure_type) and pair_scope(rule, node, n).applies
                for n in nodes):
            out.append(replace(base, status=VerdictStatus.PENDING, reason=(
                f"the {_types(rule.to_procedures)} examinations are proposed once the "
                f"{_label(node.procedure_type)} is done")))
        else:
            out.append(replace(base, status=VerdictStatus.SATISFIED))
    if not out:
        involved = sorted({*rule.from_procedures, *rule.to_procedures}) or ["procedure"]
        if mine:
            out.append(replace(_base(rule, ()), status=VerdictStatus.VIOLATED))
        else:
            out.append(replace(_base(rule, ()), reason=f"no {_types(involved)} in this plan"))
    return out


def _session_verdicts(own: Sequence[BookingView], history: Sequence[BookingView],
                      planned: Sequence[PlannedView]) -> list[RuleVerdict]:
    everything = list(own) + [h for h in history
                              if h.booking_id not in {b.booking_id for b in own}]
    booked = {b.procedure_id for b in everything if b.active}
    broken = {frozenset(p.procedure_ids): p for p in same_session_problems(everything)}
    types = {p.procedure_id: p.procedure_type for p in planned}
    types.update({b.procedure_id: b.procedure_type for b in everything})
    pairs = {tuple(sorted((p.procedure_id, p.same_session_with)))
             for p in planned if p.same_session_with}
    pairs |= {tuple(sorted((b.procedure_id, b.same_session_with)))
              for b in own if b.same_session_with}
    out = []
    for first, second in sorted(pairs):
        base = RuleVerdict(rule_id=SAME_SESSION, rule_code=SAME_SESSION_CODE,
                           severity=Severity.HARD.value, status=VerdictStatus.SATISFIED,
                           procedure_ids=(first, second), basis="same_session")
        waiting = [pid for pid in (first, second) if pid not in booked]
        if waiting:
            reason = " and ".join(f"the {_label(types.get(pid, 'procedure'))}" for pid in waiting)
            out.append(replace(base, status=VerdictStatus.PENDING,
                               reason=f"waiting for {reason} to be booked"))
        elif frozenset((first, second)) in broken:
            out.append(replace(base, status=VerdictStatus.VIOLATED,
                               reason=broken[frozenset((first, second))].message))
        else:
            out.append(base)
    return out


def assess(
    *,
    bookings: Iterable[BookingView],
    rules: Iterable[TimingRuleSpec],
    history: Iterable[BookingView] = (),
    planned: Iterable[PlannedView] = (),
    tz: str = DEFAULT_TZ,
    violations: Sequence[Violation],
) -> Assessment:
    """A verdict for every active rule over ``bookings`` (one plan) read against the patient's
    ``history``: per pair it could bind, or one not_applicable verdict saying why it binds
    nothing here. ``planned`` lists the plan's procedures (booked or not) so that a rule waiting
    for a procedure still to book is ``pending``, not absent.

    ``violations`` is required: the engine's (domain/engine.py, with the case clocks and the
    linacs' closed days). The bookings alone cannot judge R17 across a holiday; the booking
    page and the timeline once did, and called a correct course violated."""
    own = list(bookings)
    past = list(history)
    plan = list(planned)
    specs = [r for r in rules if r.active]
    nodes = _nodes(own, past, plan)
    verdicts: list[RuleVerdict] = []
    for rule in specs:
        if rule.kind == RuleKind.LAG:
            verdicts.extend(_lag_verdicts(rule, nodes, violations))
        else:
            verdicts.extend(_per_procedure_verdicts(rule, nodes, violations))
    verdicts.sort(key=lambda v: (_rule_order(v.rule_id), v.rule_code, v.procedure_ids))
    verdicts.extend(_session_verdicts(own, past, plan))
    return Assessment(violations=tuple(violations), verdicts=tuple(verdicts))
