"""The dashboard's sections: for each, its named figures (the API body), its table (the page
and the CSV export) and its chart. One function per section, each calling one selector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from boardsvc.models import Board, Specialty
from core.cache import kept

from . import selectors
from .charts import Bar, Chart, Mark
from .period import Period


@dataclass
class Section:
    id: str
    title: str
    figures: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    charts: list[Chart] = field(default_factory=list)
    # When the figures were computed: they are kept for BOARDSVC_KPI_CACHE_SECONDS.
    computed_at: datetime | None = None


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def activity(board: Board, period: Period, now: datetime | None = None) -> Section:
    figures = selectors.kpi_activity(board=board, period=period)
    labels = [
        ("referred", _("Cases referred")),
        ("listed", _("Agenda items")),
        ("discussed", _("Discussed")),
        ("standard_of_care", _("Standard of care")),
        ("deferred", _("Deferred")),
        ("rolled_forward", _("Rolled forward")),
        ("withdrawn", _("Withdrawn")),
        ("pending", _("Pending")),
    ]
    rows: list[list[Any]] = [[key, label, figures[key]] for key, label in labels]
    chart = Chart(_("Cases by outcome"),
                  [Bar(label, figures[key], str(figures[key]), f"bar bar-{key}")
                   for key, label in labels])
    return Section("activity", _("Referrals and outcomes"), figures,
                   [_("Figure"), _("Label"), _("Count")], rows, [chart])




def waits(board: Board, period: Period, now: datetime | None = None) -> Section:
    found = selectors.kpi_waits(board=board, period=period, now=now)
    labels = {
        "referral_to_mdt": _("Referral → MDT"),
        "mdt_to_treatment": _("MDT → first treatment"),
        "decision_to_treatment": _("Decision → first treatment"),
        "referral_to_treatment": _("Referral → first treatment"),
    }
    figures = {
        w.id: {"target_days": w.target_days, "target_source": w.target_source,
               "cohort": w.cohort, "measured": w.measured, "median_days": w.median_days,
               "p90_days": w.p90_days, "breaches": w.breaches, "within_target": w.within_target}
        for w in found
    }
    rows = [[w.id, labels[w.id], w.target_days, w.cohort, w.measured, w.median_days,
             w.p90_days, w.breaches] for w in found]
    bars: list[Bar] = []
    marks: list[Mark] = []
    for w in found:
        marks.append(Mark(len(bars), w.target_days, _("target %(days)s d") % {"days": w.target_days}))
        bars.append(Bar(_("%(wait)s median") % {"wait": labels[w.id]}, w.median_days or 0,
                        _fmt(w.median_days), "bar bar-median"))
        marks.append(Mark(len(bars), w.target_days, ""))
        bars.append(Bar(_("%(wait)s 90th pct") % {"wait": labels[w.id]}, w.p90_days or 0,
                        _fmt(w.p90_days),
                        "bar bar-p90 bar-over" if (w.p90_days or 0) > w.target_days
                        else "bar bar-p90"))
    chart = Chart(_("Days, against target"), bars, marks)
    return Section("waits", _("Waiting times against target"), figures,
                   [_("Figure"), _("Interval"), _("Target (days)"), _("Cases"),
                    _("Measured"), _("Median (days)"), _("90th percentile (days)"),
                    _("Breaches")], rows, [chart])


def utilisation(board: Board, period: Period, now: datetime | None = None) -> Section:
    found = selectors.kpi_utilisation(period=period)
    figures = {"resources": [
        {"code": u.resource_code, "name": u.resource_name, "kind": u.kind,
         "open_minutes": u.open_minutes, "booked_minutes": u.booked_minutes,
         "percent": u.percent} for u in found]}
    rows = [[u.resource_code, u.resource_name, u.open_minutes, u.booked_minutes, u.percent]
            for u in found]
    chart = Chart(_("Booked share of open time (%)"),
                  [Bar(u.resource_name, u.percent or 0, _fmt(u.percent),
                       "bar bar-over" if (u.percent or 0) > 100 else "bar") for u in found],
                  scale_max=max([100.0] + [u.percent or 0 for u in found]))
    return Section("utilisation", _("Room utilisation (all boards)"), figures,
                   [_("Resource"), _("Name"), _("Open minutes"), _("Booked minutes"),
                    _("Utilisation (%)")], rows, [chart])


def attendance(board: Board, period: Period, now: datetime | None = None) -> Section:
    found = selectors.kpi_attendance(board=board, period=period)
    names = dict(Specialty.choices)
    specialties = found["specialties"]
    figures = {
        "meetings_held": found["meetings_held"],
        "decisions": found["decisions"],
        "decisions_quorum_met": found["decisions_quorum_met"],
        "specialties": [
            {"specialty": s.specialty, "required_for_quorum": s.required,
             "meetings_attended": s.meetings_attended, "people": s.people,
             "percent": s.percent} for s in specialties],
    }
    rows = [[s.specialty, str(names.get(s.specialty, s.specialty)), s.required,
             s.meetings_attended, found["meetings_held"], s.percent] for s in specialties]
    chart = Chart(_("Meetings attended (%)"),
                  [Bar(str(names.get(s.specialty, s.specialty)), s.percent or 0,
                       _fmt(s.percent),
                       "bar bar-required" if s.required else "bar") for s in specialties],
                  scale_max=100.0)
    return Section("attendance", _("Attendance and quorum"), figures,
                   [_("Specialty"), _("Name"), _("Required for quorum"),
                    _("Meetings attended"), _("Meetings held"), _("Attendance (%)")],
                   rows, [chart])


def violations(board: Board, period: Period, now: datetime | None = None) -> Section:
    found = selectors.kpi_violations(board=board, period=period)
    figures = {"rules": found}
    rows = [[f'{r["rule_id"]}-{r["severity"]}', r["rule_id"], r["severity"], r["total"],
             r["open"], r["acknowledged"], r["resolved"]] for r in found]
    chart = Chart(_("Violations by rule"),
                  [Bar(f'{r["rule_id"]} ({r["severity"]})', r["total"], str(r["total"]),
                       "bar bar-hard" if r["severity"] == "hard" else "bar")
                   for r in found])
    return Section("violations", _("Timing-rule violations"), figures,
                   [_("Key"), _("Rule"), _("Severity"), _("Total"), _("Open"), _("Acknowledged"),
                    _("Resolved")], rows, [chart])


SECTIONS: dict[str, Callable[[Board, Period, datetime | None], Section]] = {
    "activity": activity,
    "waits": waits,
    "utilisation": utilisation,
    "attendance": attendance,
    "violations": violations,
}


def kpi_section(*, section: str, board: Board, period: Period,
                now: datetime | None = None) -> Section:
    """One section's figures, table and charts (KeyError for an unknown section).

    Kept for ``BOARDSVC_KPI_CACHE_SECONDS`` (core.cache) per section, board, period, time zone
    and language: the dashboards aggregate months of bookings, and a figure a few minutes old
    is what a service review needs. ``now`` (a fixed clock) computes afresh."""
    compute = SECTIONS[section]
    if now is not None:
        return replace(compute(board, period, now), computed_at=now)
    key = (f"kpi:v1:{section}:{board.pk}:{board.timezone}:{period.first.isoformat()}:"
           f"{period.last.isoformat()}:{get_language() or ''}")
    found = kept(key, settings.BOARDSVC_KPI_CACHE_SECONDS,
                 lambda: compute(board, period, None))
    return replace(found.value, computed_at=found.computed_at)
