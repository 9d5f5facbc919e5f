"""The waiting-time targets the KPI dashboards measure against: the site's pathway clock
targets (scheduling's ``PathwayClockTarget``, clinical-rules.md R16), so the worklist's alerts
and the dashboards count against the same figures.

Each dashboard interval maps to the clock with the same start and stop: referral → MDT is
``CWT-28``, decision → first treatment ``CWT-31``, referral → first treatment ``CWT-62``. MDT →
first treatment has no clock of its own: the MDT discussion is where the decision to treat is
taken, so it is measured against the decision clock's target. A clock a site has switched off
(or never had) falls back to the national default below, so a dashboard never loses a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.domain.pathway import StartEvent, StopEvent
from scheduling.selectors.pathway import clock_targets


@dataclass(frozen=True)
class WaitTarget:
    id: str
    days: int
    rationale: str
    source: str


NHS_CWT = "NHS England cancer waiting times standards, October 2023 (clinical-rules.md R16)"

# dashboard interval → (the clock it is measured against, the default when the site has none)
_INTERVALS: dict[str, tuple[tuple[str, str], WaitTarget]] = {
    "referral_to_mdt": ((StartEvent.REFERRAL, StopEvent.MDT_DISCUSSION), WaitTarget(
        "referral_to_mdt", 28, "Faster Diagnosis Standard: referral to diagnosis (the MDT "
        "discussion) in 28 days.", NHS_CWT)),
    "mdt_to_treatment": ((StartEvent.DECISION, StopEvent.FIRST_TREATMENT), WaitTarget(
        "mdt_to_treatment", 31, "The MDT discussion is where the decision to treat is taken, "
        "so the 31-day decision-to-treatment standard applies from the meeting.", NHS_CWT)),
    "decision_to_treatment": ((StartEvent.DECISION, StopEvent.FIRST_TREATMENT), WaitTarget(
        "decision_to_treatment", 31, "31-day standard: decision to treat to first definitive "
        "treatment.", NHS_CWT)),
    "referral_to_treatment": ((StartEvent.REFERRAL, StopEvent.FIRST_TREATMENT), WaitTarget(
        "referral_to_treatment", 62, "62-day standard: referral to first definitive "
        "treatment.", NHS_CWT)),
}


def wait_targets() -> dict[str, WaitTarget]:
    """The target of each dashboard interval, from the site's active pathway clock targets
    (one query), else the national default."""
    by_events = {(t.start_event, t.stop_event): t for t in clock_targets()}
    out: dict[str, WaitTarget] = {}
    for interval, (events, default) in _INTERVALS.items():
        clock = by_events.get(events)
        out[interval] = default if clock is None else WaitTarget(
            interval, clock.target_days, clock.rationale,
            f"{clock.source} (site target {clock.clock_id})")
    return out
