"""The MSCC deadlines (R9-R12) the on-call people are sent (issue 11, item 6). No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from boardsvc.domain.emergency import deadline_lines, mscc_deadlines

SUSPECTED = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 03:30 in Rome


def test_the_deadlines_run_from_the_suspicion_and_the_meeting():
    meeting = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    deadlines = {(d.rule_id, d.action): d.due for d in mscc_deadlines(
        suspected_at=SUSPECTED, meeting_at=meeting)}
    assert deadlines[("R12", "Contact the MSCC coordinator")] == SUSPECTED
    assert deadlines[("R9", "Whole-spine MRI")] == SUSPECTED + timedelta(hours=24)
    assert deadlines[("R12", "Expert advice (spinal surgery / clinical oncology)")] == \
        SUSPECTED + timedelta(hours=24)
    assert deadlines[("R10", "Radiotherapy if not for surgery")] == meeting + timedelta(hours=24)
    assert not any(rule == "R11" for rule, _ in deadlines)


def test_site_hours_and_the_r11_fallback_without_neurology():
    deadlines = mscc_deadlines(suspected_at=SUSPECTED, mri_hours=12, neurological=False)
    by_rule = {d.rule_id: d for d in deadlines}
    assert by_rule["R9"].due == SUSPECTED + timedelta(hours=12)
    assert by_rule["R10"].due is None  # no decision to treat yet
    assert by_rule["R11"].due == SUSPECTED + timedelta(days=7)


def test_the_lines_read_in_the_board_zone_with_utc_beside():
    lines = deadline_lines(mscc_deadlines(suspected_at=SUSPECTED), "Europe/Rome")
    assert lines[0] == ("- R12 Contact the MSCC coordinator: by Tue 24 Nov 03:30 Europe/Rome "
                        "(02:30 UTC), immediately")
    assert lines[1].startswith("- R9 Whole-spine MRI: by Wed 25 Nov 03:30 Europe/Rome")
    assert lines[3] == ("- R10 Radiotherapy if not for surgery: within 24 h of the decision to "
                        "treat")
