"""Agenda placement rules: cut-off (R13), capacity (R14), urgency, carried-over cases, late
additions, emergencies (R9-R12) and the board's on-call window for ad-hoc meetings
(issue 11, item 6), across DST changes. No database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from boardsvc.domain.placement import (
    CaseInfo,
    MeetingInfo,
    OncallWindow,
    adhoc_start,
    case_minutes,
    oncall_start,
    place_case,
    placement_order,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def meeting(mid: int, days: float, *, used: int = 0, capacity: int = 90, status: str = "planned",
            cutoff_hours: int = 24, adhoc: bool = False) -> MeetingInfo:
    starts = NOW + timedelta(days=days)
    cutoff = starts if adhoc else starts - timedelta(hours=cutoff_hours)
    return MeetingInfo(mid, starts, cutoff, capacity, used, status, adhoc)


def case(cid: int = 1, urgency: str = "routine", *, ready_hours_ago: float = 1, lesions: int = 1,
         ir: bool = False, emergency: bool = False) -> CaseInfo:
    return CaseInfo(cid, urgency, NOW - timedelta(hours=ready_hours_ago), lesions, ir, emergency)


def test_a_case_goes_to_the_earliest_meeting_whose_cut_off_has_not_passed():
    result = place_case(case=case(), meetings=[meeting(2, 8), meeting(1, 1.5)], now=NOW)
    assert result.outcome == "placed"
    assert result.meeting_id == 1
    assert [r.code for r in result.reasons] == ["chosen"]


def test_a_meeting_past_its_cut_off_is_skipped_and_the_reason_recorded():
    result = place_case(case=case(), meetings=[meeting(1, 0.5), meeting(2, 7.5)], now=NOW)
    assert result.meeting_id == 2
    assert [r.code for r in result.reasons] == ["cut_off_passed", "chosen"]
    assert "R13" in result.reasons[0].message


def test_a_frozen_meeting_counts_as_past_its_cut_off():
    result = place_case(case=case(), meetings=[meeting(1, 3, status="frozen"), meeting(2, 10)],
                        now=NOW)
    assert result.meeting_id == 2
    assert result.reasons[0].code == "cut_off_passed"


def test_a_full_meeting_is_skipped_and_the_reason_recorded():
    result = place_case(case=case(), meetings=[meeting(1, 2, used=88), meeting(2, 9)], now=NOW)
    assert result.meeting_id == 2
    assert result.reasons[0].code == "full"
    assert "R14" in result.reasons[0].message


def test_a_case_exactly_filling_the_remaining_time_fits():
    assert place_case(case=case(), meetings=[meeting(1, 2, used=85)], now=NOW).meeting_id == 1


@pytest.mark.parametrize(("lesions", "ir", "emergency", "minutes", "complex_case"), [
    (1, False, False, 5, False),
    (2, False, False, 10, True),
    (1, True, False, 10, True),
    (1, False, True, 10, True),
])
def test_minutes_per_case_are_5_standard_and_10_complex_r14(lesions, ir, emergency, minutes,
                                                            complex_case):
    info = case(lesions=lesions, ir=ir, emergency=emergency)
    assert case_minutes(info) == (minutes, complex_case)


def test_board_specific_minutes_are_used():
    result = place_case(case=case(ir=True), meetings=[meeting(1, 2)], now=NOW,
                        standard_minutes=4, complex_minutes=15)
    assert result.minutes == 15


def test_cancelled_and_started_meetings_are_not_candidates():
    result = place_case(case=case(), meetings=[meeting(1, 2, status="cancelled"),
                                               meeting(2, -0.1), meeting(3, 9)], now=NOW)
    assert result.meeting_id == 3
    assert [r.code for r in result.reasons] == ["not_open", "chosen"]


def test_no_meeting_when_nothing_fits():
    result = place_case(case=case(), meetings=[meeting(1, 2, used=90)], now=NOW)
    assert result.outcome == "no_meeting"
    assert result.meeting_id is None
    assert result.reasons[-1].code == "none"


def test_urgent_cases_first_then_first_come_first_served():
    cases = [case(1, ready_hours_ago=50), case(2, "urgent", ready_hours_ago=1),
             case(3, ready_hours_ago=60), case(4, "urgent", ready_hours_ago=5),
             case(5, emergency=True, ready_hours_ago=0.1)]
    assert [c.case_id for c in placement_order(cases)] == [5, 4, 2, 3, 1]


U, R = "urgent", "routine"


def test_placement_order_is_urgency_then_carried_over_then_first_come():
    def info(cid: int, urgency: str, hours_ago: float, carried: int = 0) -> CaseInfo:
        return CaseInfo(cid, urgency, NOW - timedelta(hours=hours_ago), carry_count=carried)

    cases = [info(1, R, 10), info(2, R, 1, carried=1), info(3, U, 0.5), info(4, R, 5, carried=2),
             info(5, U, 2, carried=1)]
    assert [c.case_id for c in placement_order(cases)] == [5, 3, 4, 2, 1]


def test_urgent_late_addition_needs_a_reason_r13():
    meetings = [meeting(1, 0.5), meeting(2, 7.5)]
    without = place_case(case=case(urgency="urgent"), meetings=meetings, now=NOW)
    assert without.meeting_id == 2
    assert without.late_candidate_meeting_id == 1
    assert "added late" in without.reasons[0].message
    with_reason = place_case(case=case(urgency="urgent"), meetings=meetings, now=NOW,
                             late_reason="Rapid neurological decline expected")
    assert with_reason.meeting_id == 1
    assert with_reason.late_addition


def test_a_routine_case_is_never_a_late_addition_even_with_a_reason():
    result = place_case(case=case(), meetings=[meeting(1, 0.5), meeting(2, 7.5)], now=NOW,
                        late_reason="please")
    assert result.meeting_id == 2
    assert not result.late_addition
    assert result.late_candidate_meeting_id is None


def test_an_emergency_never_waits_for_the_weekly_meeting_and_asks_for_an_adhoc_one():
    result = place_case(case=case(urgency="emergency"), meetings=[meeting(1, 1.5)], now=NOW)
    assert result.outcome == "create_adhoc"
    assert result.ratification_required
    assert result.adhoc is not None
    assert NOW < result.adhoc.starts_at <= NOW + timedelta(hours=24)
    assert [r.code for r in result.reasons] == ["emergency_adhoc", "create_adhoc"]


def test_an_emergency_joins_an_existing_adhoc_meeting_within_24_hours():
    result = place_case(case=case(emergency=True), now=NOW,
                        meetings=[meeting(1, 0.1), meeting(7, 0.2, adhoc=True, capacity=30)])
    assert result.outcome == "placed"
    assert result.meeting_id == 7
    assert result.ratification_required


def test_an_emergency_does_not_join_an_adhoc_meeting_beyond_24_hours_or_full():
    result = place_case(case=case(emergency=True), now=NOW, meetings=[
        meeting(7, 1.5, adhoc=True), meeting(8, 0.2, adhoc=True, capacity=30, used=25)])
    assert result.outcome == "create_adhoc"


def test_a_full_adhoc_meeting_is_followed_by_the_next_one_not_doubled_r9_r12():
    # The 30-minute ad-hoc call 2 h from now is full: the new one starts when it ends, instead
    # of a second call at the same time with the same people.
    full = meeting(8, 2 / 24, adhoc=True, capacity=30, used=30)
    result = place_case(case=case(emergency=True), now=NOW, meetings=[full])
    assert result.outcome == "create_adhoc"
    assert result.adhoc is not None
    assert result.adhoc.starts_at == NOW + timedelta(hours=2, minutes=30)
    assert [r.code for r in result.reasons] == ["emergency_adhoc", "full", "create_adhoc"]


def test_adhoc_start_rounds_up_to_a_quarter_hour():
    assert adhoc_start(datetime(2026, 1, 1, 9, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, 11, 15, tzinfo=UTC)
    assert adhoc_start(datetime(2026, 1, 1, 9, 0, tzinfo=UTC)) == datetime(
        2026, 1, 1, 11, 0, tzinfo=UTC)


def test_the_explanation_is_json_ready():
    result = place_case(case=case(), meetings=[meeting(1, 0.5), meeting(2, 7.5)], now=NOW)
    explanation = result.explanation()
    assert explanation[1]["meeting_id"] == 2
    assert isinstance(explanation[1]["starts_at"], str)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        place_case(case=case(), meetings=[], now=datetime(2026, 1, 1))


# --- the on-call window for ad-hoc meetings (issue 11, item 6) ------------------------------


ROME = ZoneInfo("Europe/Rome")


ROME = ZoneInfo("Europe/Rome")
DAY = OncallWindow("Europe/Rome")  # 08:00-20:00, the default


DAY = OncallWindow("Europe/Rome")  # 08:00-20:00, the default
NIGHT = OncallWindow("Europe/Rome", start=time(20, 0), end=time(8, 0))


NIGHT = OncallWindow("Europe/Rome", start=time(20, 0), end=time(8, 0))
ALWAYS = OncallWindow("Europe/Rome", start=time(0, 0), end=time(0, 0))


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.mark.parametrize(("earliest", "window", "minutes", "expected"), [
    # 03:45 and 04:15 were seen: the meeting waits for the window, the people do not (R12).
    (rome(2026, 11, 24, 3, 45), DAY, 30, rome(2026, 11, 24, 8, 0)),
    (rome(2026, 11, 24, 4, 15), DAY, 30, rome(2026, 11, 24, 8, 0)),
    # inside the window: unchanged
    (rome(2026, 11, 24, 8, 0), DAY, 30, rome(2026, 11, 24, 8, 0)),
    (rome(2026, 11, 24, 13, 15), DAY, 30, rome(2026, 11, 24, 13, 15)),
    (rome(2026, 11, 24, 19, 30), DAY, 30, rome(2026, 11, 24, 19, 30)),
    # would overrun the end of the window: the next morning
    (rome(2026, 11, 24, 19, 45), DAY, 30, rome(2026, 11, 25, 8, 0)),
    (rome(2026, 11, 24, 23, 0), DAY, 30, rome(2026, 11, 25, 8, 0)),
    # spring forward (29 March 2026, 02:00 → 03:00): 08:00 CEST is 06:00 UTC
    (rome(2026, 3, 29, 1, 30), DAY, 30, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    (datetime(2026, 3, 29, 1, 45, tzinfo=UTC), DAY, 30, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    # fall back (25 October 2026, 03:00 → 02:00): 08:00 CET is 07:00 UTC
    (datetime(2026, 10, 25, 1, 45, tzinfo=UTC), DAY, 30, datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), DAY, 30, datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    # a night service across midnight (20:00-08:00)
    (rome(2026, 11, 24, 10, 0), NIGHT, 30, rome(2026, 11, 24, 20, 0)),
    (rome(2026, 11, 24, 2, 0), NIGHT, 30, rome(2026, 11, 24, 2, 0)),
    (rome(2026, 11, 24, 7, 45), NIGHT, 30, rome(2026, 11, 24, 20, 0)),
    # around the clock, or no window: any hour
    (rome(2026, 11, 24, 3, 45), ALWAYS, 30, rome(2026, 11, 24, 3, 45)),
    (rome(2026, 11, 24, 3, 45), None, 30, rome(2026, 11, 24, 3, 45)),
])
def test_an_adhoc_meeting_starts_inside_the_oncall_window(earliest, window, minutes, expected):
    assert oncall_start(earliest, window, minutes) == expected


def test_a_window_shorter_than_the_meeting_falls_back_to_the_next_window_start():
    short = OncallWindow("Europe/Rome", start=time(8, 0), end=time(8, 20))
    assert oncall_start(rome(2026, 11, 24, 9, 0), short, 30) == rome(2026, 11, 25, 8, 0)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        oncall_start(datetime(2026, 11, 24, 3, 45), DAY)


def test_an_mscc_case_arriving_at_0330_is_discussed_at_0800_not_at_0530():
    now = rome(2026, 11, 24, 3, 30)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[], now=now, oncall=DAY)
    assert result.outcome == "create_adhoc"
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 24, 8, 0)
    assert result.ratification_required
    message = result.reasons[-1].message
    assert "on-call window (08:00-20:00 Europe/Rome)" in message
    assert "R12" in message


def test_an_mscc_case_in_the_daytime_keeps_the_two_hour_lead():
    now = rome(2026, 11, 24, 10, 5)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[], now=now, oncall=DAY)
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 24, 12, 15)
    assert "on-call window" not in result.reasons[-1].message


def test_a_full_adhoc_meeting_late_in_the_day_is_followed_the_next_morning():
    now = rome(2026, 11, 24, 17, 0)
    full = MeetingInfo(8, rome(2026, 11, 24, 19, 30), rome(2026, 11, 24, 19, 30), 30, 30,
                       "planned", True)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[full], now=now, oncall=DAY)
    assert result.adhoc is not None
    assert result.adhoc.starts_at == rome(2026, 11, 25, 8, 0)
    assert [r.code for r in result.reasons] == ["emergency_adhoc", "full", "create_adhoc"]


def test_an_existing_adhoc_meeting_within_24_hours_is_joined_whatever_the_window():
    now = rome(2026, 11, 24, 3, 30)
    planned = MeetingInfo(7, rome(2026, 11, 24, 8, 0), rome(2026, 11, 24, 8, 0), 30, 10,
                          "planned", True)
    result = place_case(case=CaseInfo(1, "emergency", now), meetings=[planned], now=now,
                        oncall=DAY)
    assert (result.outcome, result.meeting_id) == ("placed", 7)
