"""Authorisation matrix and IDOR (G-ACCESS-1, docs/guarantees.md): every endpoint × every kind of caller.

The operations come from the URL resolver, not from a hand-kept list: an endpoint without a row
in tests/integration/matrix.py fails ``test_every_api_operation_has_a_row``.
"""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from core.feeds import feed_token_create
from tests.factories.core import UserFactory
from tests.integration.matrix import COLLECTIONS, MATRIX, PARAMS, PRINCIPALS, api_operations
from tests.support.world import ALL_SCOPES

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def test_every_api_operation_has_a_row():
    served = api_operations()
    missing = sorted(served - set(MATRIX))
    stale = sorted(set(MATRIX) - served)
    assert not missing, f"add these operations to tests/integration/matrix.py MATRIX: {missing}"
    assert not stale, f"these MATRIX rows name no served operation: {stale}"


def _value(route: str, match: re.Match[str], world) -> str:
    name = match.group("name")
    if name == "public_id":
        collection = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return str(COLLECTIONS[collection](world))
    return str(PARAMS[name](world))


def test_every_path_parameter_has_a_value():
    missing = set()
    for route, _ in MATRIX:
        for m in _PARAM.finditer(route):
            if m.group("name") == "public_id":
                collection = route[: m.start()].rstrip("/").rsplit("/", 1)[-1]
                if collection not in COLLECTIONS:
                    missing.add(f"COLLECTIONS[{collection!r}]")
            elif m.group("name") not in PARAMS:
                missing.add(f"PARAMS[{m.group('name')!r}]")
    assert not missing, f"add to tests/integration/matrix.py: {sorted(missing)}"


def _client_for(principal: str, world, oauth_client_factory) -> APIClient:
    if principal == "anonymous":
        return APIClient()
    if principal == "client_scoped":
        return oauth_client_factory(*ALL_SCOPES, name="his-all")
    if principal == "client_unscoped":
        # A real client with a token, just not the scopes these operations need.
        return oauth_client_factory("unrelated:scope", name="his-none")
    client = APIClient()
    client.force_authenticate(world.users[principal])
    return client


def _url(route: str, world) -> str:
    return "/" + _PARAM.sub(lambda m: _value(route, m, world), route)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("route", "method"), sorted(MATRIX),
                         ids=[f"{m} /{r}" for r, m in sorted(MATRIX)])
def test_each_caller_gets_the_expected_status(route, method, principal, api_world,
                                              oauth_client_factory):
    world = api_world
    world.extra["foreign_token"], _ = feed_token_create(
        kind="member", target_id="", owner=UserFactory(username="w-outsider"))
    row = MATRIX[(route, method)]
    client = _client_for(principal, world, oauth_client_factory)
    headers = {}
    if method in ("PUT", "PATCH", "DELETE"):
        headers["HTTP_IF_MATCH"] = 'W/"1"'
    response = client.generic(method, _url(route, world),
                              data=json.dumps(row.body) if method != "GET" else "",
                              content_type="application/json", **headers)
    assert response.status_code == row.expected(principal), (
        f"{principal} {method} /{route}: {response.status_code} {response.content[:300]!r}")
