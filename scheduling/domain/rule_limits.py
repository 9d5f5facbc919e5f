"""The values an administrator may give a timing rule (issue 10 item 12), pure Python.

Two layers:
- **a sane bound for every lag** (``LAG_LIMIT_MINUTES``, one year either way): no timing rule
  spans more than a year, and the database refuses anything beyond it (CheckConstraints on
  scheduling.TimingRule), so a value like -10^12 minutes can never reach the engine;
- **the clinical range of each rule** (``RULE_LAG_RANGES``), from the "Allowed range" column
  of docs/clinical-rules.md. A site tunes a rule inside its range; going beyond
  it is a clinical decision that belongs in that document first. Rules without an entry (a
  site's own rule ids) get the sane bound only.

Templates of FOLLOW_UP (R8), FRACTIONATION (R17) and CLOCK (R9-R11) rules are bounded too. Every check returns
``(field, message)`` pairs naming the allowed range; callers (the service behind the API, the
model's ``clean`` behind the admin) turn them into 400s / form errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

H = 60  # minutes
D = 24 * H

LAG_LIMIT_MINUTES = 366 * D  # 527 040 minutes: a year (leap or not) either way
LAG_FIELDS = ("min_lag_minutes", "max_lag_minutes", "preferred_lag_minutes")
RULE_LAG_RANGE = "lag_range"
RULE_LAG_ORDER = "lag_order"
RULE_TEMPLATE = "template_range"

FOLLOW_UP_MONTHS = (1, 24)  # R8: CT at 3, 6, 12 months; nothing beyond two years
FOLLOW_UP_TOLERANCE_DAYS = (0, 31)  # R8: ± 2 weeks by default
FRACTIONS = (1, 40)  # R17: 1-10 palliative; 40 is the course limit booking_create applies
DOSE_GY = (1, 100)  # R17 schemes: total dose of a palliative course (8-30 Gy, SBRT 24 Gy)
CLOCK_EVENTS = ("suspicion", "decision_to_treat")  # domain/clocks.py ClockEvent
CLOCK_PATHWAYS = ("mscc", "spinal_without_neurology")  # domain/clocks.py Pathway


@dataclass(frozen=True)
class LagRange:
    """Allowed lag values of one rule id, in minutes, and where the range comes from."""

    low: int
    high: int
    source: str

    def describe(self) -> str:
        return f"{self.low} to {self.high} minutes ({_human(self.low)} to {_human(self.high)})"


def _human(minutes: int) -> str:
    if minutes == 0:
        return "0"
    sign = "-" if minutes < 0 else ""
    value = abs(minutes)
    if value % D == 0 and value >= 7 * D:
        return f"{sign}{value // D} days"
    if value % H == 0:
        return f"{sign}{value // H} h"
    return f"{sign}{value} min"


SANE_RANGE = LagRange(-LAG_LIMIT_MINUTES, LAG_LIMIT_MINUTES, "no timing rule spans over a year")

# clinical-rules.md §1, "Allowed range" column. Every lag field of the rule id must fit.
RULE_LAG_RANGES: dict[str, LagRange] = {
    "R1": LagRange(0, 72 * H, "clinical-rules.md R1: 0-72 h; beyond 72 h re-angiography"),
    "R2": LagRange(0, 72 * H, "clinical-rules.md R2: embolization precedes surgery (R1 window)"),
    "R3": LagRange(0, 48 * H, "clinical-rules.md R3: 0-48 h"),
    "R4": LagRange(0, 28 * D, "clinical-rules.md R4: gap 0-28 days"),
    "R5": LagRange(0, 24 * H, "clinical-rules.md R5: same day"),
    "R6": LagRange(0, 28 * D, "clinical-rules.md R6: 0-28 days"),
    "R7": LagRange(28 * D, 92 * D, "clinical-rules.md R7: 1-3 months"),
    # Clocks from a case event (kind "clock", domain/clocks.py).
    "R9": LagRange(0, 24 * H, "clinical-rules.md R9: whole-spine MRI 0-24 h from suspicion"),
    "R10": LagRange(0, 24 * H, "clinical-rules.md R10: RT 0-24 h from the decision to treat"),
    "R11": LagRange(0, 7 * D, "clinical-rules.md R11: MRI within 1 week"),
    "R18": LagRange(28 * D, 366 * D, "clinical-rules.md R18: at least 4 weeks"),
}


def lag_range(rule_id: str) -> LagRange:
    return RULE_LAG_RANGES.get(rule_id, SANE_RANGE)


def lag_problems(*, rule_id: str, min_lag: int | None, max_lag: int | None,
                 preferred_lag: int | None) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each lag outside its range, then for an order problem
    (min ≤ preferred ≤ max). Empty when the lags are allowed."""
    allowed = lag_range(rule_id)
    out: list[tuple[str, str, str]] = []
    values = dict(zip(LAG_FIELDS, (min_lag, max_lag, preferred_lag), strict=True))
    for name, value in values.items():
        if value is None:
            continue
        if not allowed.low <= value <= allowed.high:
            out.append((name, RULE_LAG_RANGE,
                        f"{value} is outside the allowed range for {rule_id or 'this rule'}: "
                        f"{allowed.describe()}; {allowed.source}."))
    if out:
        return out
    if min_lag is not None and max_lag is not None and min_lag > max_lag:
        out.append(("min_lag_minutes", RULE_LAG_ORDER,
                    "the minimum lag must not exceed the maximum lag"))
    elif preferred_lag is not None and min_lag is not None and preferred_lag < min_lag:
        out.append(("preferred_lag_minutes", RULE_LAG_ORDER,
                    "the preferred lag must not be below the minimum"))
    elif preferred_lag is not None and max_lag is not None and preferred_lag > max_lag:
        out.append(("preferred_lag_minutes", RULE_LAG_ORDER,
                    "the preferred lag must not exceed the maximum"))
    return out


def _whole(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _whole_numbers_in(values: object, low: int, high: int) -> bool:
    """A non-empty list of whole numbers, each in [low, high]."""
    if not isinstance(values, list) or not values:
        return False
    for value in values:
        number = _whole(value)
        if number is None or not low <= number <= high:
            return False
    return True


def _schemes_valid(value: object) -> bool:
    """A list of [dose, fractions] pairs within DOSE_GY and FRACTIONS (empty: no dose check)."""
    if not isinstance(value, list):
        return False
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            return False
        dose, count = item
        if isinstance(dose, bool) or not isinstance(dose, (int, float)):
            return False
        if not DOSE_GY[0] <= dose <= DOSE_GY[1]:
            return False
        number = _whole(count)
        if number is None or not FRACTIONS[0] <= number <= FRACTIONS[1]:
            return False
    return True


def template_problems(*, kind: str, template: Mapping[str, object]) -> list[tuple[str, str, str]]:
    """(field, rule, message) for a FOLLOW_UP, FRACTIONATION or CLOCK template out of its
    ranges."""
    if not isinstance(template, Mapping):
        return [("template", RULE_TEMPLATE, "The template must be a JSON object.")]
    problems: list[str] = []
    if kind == "follow_up":
        low, high = FOLLOW_UP_MONTHS
        if not _whole_numbers_in(template.get("offsets_months", []), low, high):
            problems.append(f"offsets_months must be a non-empty list of whole months from "
                            f"{low} to {high}")
        low, high = FOLLOW_UP_TOLERANCE_DAYS
        tolerance = _whole(template.get("tolerance_days", 14))
        if tolerance is None or not low <= tolerance <= high:
            problems.append(f"tolerance_days must be a whole number of days from {low} to {high}")
    elif kind == "fractionation":
        low, high = FRACTIONS
        if not _whole_numbers_in(template.get("fraction_options", []), low, high):
            problems.append(f"fraction_options must be a non-empty list of fraction counts from "
                            f"{low} to {high}")
        if "schemes" in template and not _schemes_valid(template["schemes"]):
            problems.append(f"schemes must be a list of [total dose in Gy ({DOSE_GY[0]}-"
                            f"{DOSE_GY[1]}), fractions ({low}-{high})] pairs")
    elif kind == "clock":
        if template.get("event") not in CLOCK_EVENTS:
            problems.append(f"event must be one of {', '.join(CLOCK_EVENTS)}")
        if template.get("pathway") not in CLOCK_PATHWAYS:
            problems.append(f"pathway must be one of {', '.join(CLOCK_PATHWAYS)}")
        unless = template.get("unless_plan_has", [])
        if not isinstance(unless, list) or not all(isinstance(v, str) for v in unless):
            problems.append("unless_plan_has must be a list of procedure types")
    return [("template", RULE_TEMPLATE, "; ".join(problems) + ".")] if problems else []
