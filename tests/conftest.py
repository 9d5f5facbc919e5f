"""Shared fixtures. Per-app fixtures live in tests/<app>/conftest.py; factories in tests/factories/."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from core.access import GROUP_ADMINISTRATOR, GROUP_COORDINATOR
from tests.factories.core import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def coordinator(db):
    user = UserFactory(username="coord")
    user.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    return user


@pytest.fixture
def administrator(db):
    user = UserFactory(username="admin1")
    user.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATOR)[0])
    return user


@pytest.fixture
def plain_user(db):
    return UserFactory(username="nobody")


@pytest.fixture
def coordinator_client(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


@pytest.fixture
def oauth_client_factory(db):
    """Make an APIClient authenticated as a hospital system with the given scopes."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    def make(*scopes: str, expired: bool = False, name: str = "his") -> APIClient:
        app = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        token = AccessToken.objects.create(
            application=app,
            user=None,
            token=f"tok-{app.client_id[:12]}-{len(scopes)}-{int(expired)}",
            scope=" ".join(scopes),
            expires=timezone.now() + (timedelta(hours=-1) if expired else timedelta(hours=1)),
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        client.application = app  # type: ignore[attr-defined]
        client.access_token = token  # type: ignore[attr-defined]
        return client

    return make


_AUDIT_MIGRATION = importlib.import_module("core.migrations.0002_audit_append_only")


@pytest.fixture(autouse=True)
def _sqlite_audit_triggers_vs_flush(request):
    """Keep the append-only audit triggers in place, except while Django empties the tables.

    A transactional test on SQLite ends with Django's flush, a DELETE on every table, which the
    audit table's trigger rightly refuses. The triggers are dropped just before that flush (this
    fixture tears down before pytest-django's) and created again when the next test starts, with
    the migration's own SQL. PostgreSQL needs none of this: test connections may TRUNCATE.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for statement in _AUDIT_MIGRATION.SQLITE_FORWARD:
            cursor.execute(statement)
    yield
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    )
    if transactional:
        with connection.cursor() as cursor:
            for statement in _AUDIT_MIGRATION.SQLITE_BACKWARD:
                cursor.execute(statement)
