"""tests.support.queries: a wrong query count fails with the numbered SQL of every query."""

from __future__ import annotations

import pytest

from core.models import Notification
from tests.support.queries import assert_num_queries, count_queries, query_count_message

pytestmark = pytest.mark.django_db


def _two_queries() -> None:
    Notification.objects.count()
    list(Notification.objects.filter(subject="x"))


def test_a_right_count_passes_and_keeps_the_queries():
    with assert_num_queries(2) as captured:
        _two_queries()
    assert len(captured) == 2
    assert "COUNT(*)" in captured.sql[0]


def test_a_wrong_count_fails_listing_every_query():
    messages: list[str] = []
    with assert_num_queries(1, fail=messages.append):
        _two_queries()
    [message] = messages
    lines = message.splitlines()
    assert lines[0] == "Expected 1 queries, 2 were executed:"
    assert lines[1].startswith("1. SELECT COUNT(*)")
    assert lines[2].startswith("2. SELECT ")
    assert '"subject" = ' in lines[2]


def test_by_default_a_wrong_count_fails_the_test():
    with pytest.raises(pytest.fail.Exception, match=r"Expected 3 queries, 2 were executed"), \
            assert_num_queries(3):
        _two_queries()


def test_count_queries_and_the_message_without_queries():
    assert count_queries(_two_queries) == 2
    assert query_count_message(1, []) == "Expected 1 queries, 0 were executed:\n(none)"
