"""Pathway clocks, pure (scheduling.domain.pathway): known answers for each state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling.domain.pathway import DEFAULT_TARGETS, ClockState, read_clock, whole_days

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _read(now: datetime, stopped: datetime | None = None, *, started: datetime | None = START):
    return read_clock(clock_id="CWT-28", code="referral-to-mdt", started_at=started,
                      target_days=28, alert_lead_days=5, stopped_at=stopped, now=now)


def test_the_defaults_are_englands_28_31_62_days_each_with_an_id_rationale_and_source():
    assert [(t.clock_id, t.target_days) for t in DEFAULT_TARGETS] == [
        ("CWT-28", 28), ("CWT-31", 31), ("CWT-62", 62)]
    assert all(t.rationale and "NHS England" in t.source for t in DEFAULT_TARGETS)
    assert len({t.code for t in DEFAULT_TARGETS}) == 3


def test_a_running_clock_counts_down_to_its_due_time():
    reading = _read(START + timedelta(days=10))
    assert reading.due_at == START + timedelta(days=28)
    assert reading.state == ClockState.RUNNING
    assert reading.time_left == timedelta(days=18)
    assert not reading.breached


def test_inside_the_lead_time_it_is_due_soon_and_past_the_due_time_breached():
    assert _read(START + timedelta(days=23)).state == ClockState.DUE_SOON
    assert _read(START + timedelta(days=22, hours=23)).state == ClockState.RUNNING
    late = _read(START + timedelta(days=30))
    assert late.state == ClockState.BREACHED
    assert late.breached
    assert whole_days(late.time_left) == -2


def test_a_stopped_clock_is_met_or_missed_and_a_future_stop_does_not_stop_it():
    met = _read(START + timedelta(days=40), START + timedelta(days=20))
    assert (met.state, met.stopped_at, met.time_left) == (
        ClockState.MET, START + timedelta(days=20), timedelta(days=8))
    missed = _read(START + timedelta(days=40), START + timedelta(days=31))
    assert (missed.state, whole_days(missed.time_left)) == (ClockState.MISSED, -3)
    ahead = _read(START + timedelta(days=10), START + timedelta(days=20))
    assert (ahead.state, ahead.stopped_at) == (ClockState.RUNNING, None)


def test_no_start_event_means_not_started():
    reading = _read(START, started=None)
    assert (reading.state, reading.due_at, reading.time_left) == (ClockState.NOT_STARTED, None,
                                                                   None)


def test_whole_days_round_towards_zero():
    assert whole_days(timedelta(days=3, hours=20)) == 3
    assert whole_days(timedelta(hours=-5)) == 0
    assert whole_days(timedelta(days=-2, hours=-1)) == -2
