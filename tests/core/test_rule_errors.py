"""Rule errors raised in core outside the services: core.dates refusals are RuleErrors too."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.dates import DateLimitError, LocalTimeError, local_to_aware, parse_instant
from core.errors import RuleError


def test_a_date_limit_error_is_a_400_rule_error_and_still_a_value_error():
    with pytest.raises(ValueError, match="UTC offset") as caught:
        parse_instant("2030-01-07T09:00:00")
    error = caught.value
    assert isinstance(error, (DateLimitError, RuleError))
    assert (error.status, error.rule, error.field) == (400, "timezone_required", None)
    assert error.errors == [{"field": None, "rule": "timezone_required",
                             "message": error.message}]


def test_a_local_time_error_keeps_its_rule_and_options():
    with pytest.raises(LocalTimeError) as caught:
        local_to_aware(datetime(2030, 10, 27).date(), datetime(2030, 1, 1, 2, 30).time(),
                       "Europe/Rome")
    assert caught.value.rule == "local_time_ambiguous"
    assert caught.value.status == 400
    assert len(caught.value.options) == 2
