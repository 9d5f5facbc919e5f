"""The browser tests' server answers two pages at once as the embedded deployment does, each
request on its own database connection (config/settings/test.py). With SQLite's in-memory test
database, pytest-django gave every server thread the test's one connection: the room screen's
poll and the chair's decision ran their transactions interleaved on it, and the decision failed
with a 503 (tests/browser/test_decision_step.py, one CI run, and 1 run in 6 on a loaded host).
Here six clients read a case page at once; every read is audited, so every request writes."""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_concurrent_requests_that_write_each_get_their_answer(live_server, coordinator):
    from core.models import AuditEvent
    from tests.factories.boardsvc import make_case

    case = make_case()
    client = Client()
    client.force_login(coordinator)
    cookie = client.cookies["sessionid"].value
    url = f"{live_server.url}/cases/{case.public_id}/"

    def fetch(_: int) -> int:
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    before = AuditEvent.objects.filter(object_id=str(case.public_id)).count()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(fetch, range(60)))
    assert statuses == [200] * 60
    assert AuditEvent.objects.filter(object_id=str(case.public_id)).count() - before >= 60
