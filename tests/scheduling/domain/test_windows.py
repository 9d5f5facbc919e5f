"""Allowed start windows for a procedure still to place (rules.allowed_windows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.rules import PlacementRequest, allowed_windows
from scheduling.domain.types import BookingView

T0 = datetime(2030, 1, 7, 8, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
HORIZON = (T0 - 30 * D, T0 + 60 * D)


def booked(bid, ptype, start, length=2 * H, purpose=""):
    return BookingView(booking_id=bid, procedure_id=f"p-{bid}", procedure_type=ptype,
                       resource_id="R", start=start, end=start + length, patient_id="P",
                       lesion_id="L", purpose=purpose)


def request(ptype, duration=3 * H, purpose=""):
    return PlacementRequest(procedure_id="new", procedure_type=ptype, duration=duration,
                            patient_id="P", lesion_id="L", purpose=purpose)


def test_surgery_after_preoperative_embolization_has_a_72_hour_hard_window_and_24_hour_preference():
    emb = booked("emb", "embolization", T0, purpose="pre_operative")  # ends 10:00
    w = allowed_windows(request=request("surgery"), bookings=[emb], rules=DEFAULT_RULES,
                        horizon=HORIZON)
    assert [(x.earliest, x.latest) for x in w.hard] == [(T0 + 2 * H, T0 + 2 * H + 72 * H)]
    assert [(x.earliest, x.latest) for x in w.preferred] == [(T0 + 2 * H, T0 + 2 * H + 24 * H)]
    assert {"R1-window-hard", "R2-order", "R1-window-soft"} <= set(w.reasons)


def test_embolization_before_a_booked_surgery_is_bounded_from_both_sides():
    surgery = booked("surg", "surgery", T0 + 5 * D, 3 * H)
    w = allowed_windows(request=request("embolization", 2 * H, "pre_operative"),
                        bookings=[surgery], rules=DEFAULT_RULES, horizon=HORIZON)
    # emb.end in [surgery.start - 72 h, surgery.start]  →  start in [.. - 2 h]
    [hard] = w.hard
    assert hard.earliest == T0 + 5 * D - 72 * H - 2 * H
    assert hard.latest == T0 + 5 * D - 2 * H


def test_a_symmetric_rule_allows_either_side():
    rt = booked("rt", "radiotherapy", T0 + 20 * D, 15 * timedelta(minutes=1))
    w = allowed_windows(request=request("vertebroplasty", H), bookings=[rt],
                        rules=DEFAULT_RULES, horizon=HORIZON)
    assert w.hard == (w.hard[0],)
    assert w.hard[0].earliest == HORIZON[0]
    before, after = w.preferred  # within 14 days before or after the RT, never overlapping it
    assert (before.earliest, before.latest) == (T0 + 6 * D - H, T0 + 20 * D - H)
    assert (after.earliest, after.latest) == (rt.end, rt.end + 14 * D)


def test_unrelated_procedures_leave_the_whole_horizon():
    other = booked("x", "mri_whole_spine", T0)
    w = allowed_windows(request=request("surgery"), bookings=[other], rules=DEFAULT_RULES,
                        horizon=HORIZON)
    assert [(x.earliest, x.latest) for x in w.hard] == [HORIZON]
    assert w.reasons == ()
