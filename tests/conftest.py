"""Shared fixtures. Per-app fixtures live in tests/<app>/conftest.py; factories in tests/factories/."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from core.access import GROUP_ADMINISTRATOR, GROUP_COORDINATOR
from tests.factories.core import UserFactory

# The Playwright harness (one Chromium per session) serves tests/browser and tests/security.
pytest_plugins = ["tests.browser.harness"]

#: Test directories whose tests never reach the configured database: the pure domain packages
#: (no Django; tests/test_architecture.py keeps them so).
ENGINE_FREE_DIRS = ("tests/boardsvc/domain/", "tests/cases/domain/", "tests/scheduling/domain/")


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``engine_free`` what gives the same result whatever DATABASE_URL names: the pure
    domain tests, and tests marked so by hand (they make their own SQLite database). .ci/run's
    PostgreSQL step leaves them to the README's run, which runs everything."""
    marker = pytest.mark.engine_free
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(ENGINE_FREE_DIRS):
            item.add_marker(marker)


@pytest.fixture
def no_notice(db):
    """The site proposes routine bookings from now (``notice_routine_hours`` 0, SCH-NOTICE),
    for tests of something else that expect a proposal's first free time; the notice itself is
    tested in tests/scheduling/api/test_proposal_notice.py."""
    from cases.models import SiteParameter

    SiteParameter.objects.update_or_create(key="notice_routine_hours",
                                           defaults={"value": 0, "reason": "tests"})


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
def axes_on(settings):
    """Lockouts switched on (they are off in tests), three failures to a lockout."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.implementation = None  # rebuild the handler with the new settings
    yield
    AxesProxyHandler.implementation = None


@pytest.fixture
def oauth_client_factory(db):
    """Make an APIClient authenticated as a hospital system with the given scopes."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from core.models import SystemClient

    def make(*scopes: str, expired: bool = False, name: str = "his",
             boards: list[str] | None = None) -> APIClient:
        app = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        # What an administrator allowed this client (core.SystemClient): exactly these scopes.
        SystemClient.objects.create(application=app, allowed_scopes=" ".join(scopes),
                                    all_boards=boards is None, allowed_boards=boards or [])
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


_AUDIT_MIGRATIONS = [
    importlib.import_module("core.migrations.0002_audit_append_only"),
    importlib.import_module("core.migrations.0005_audit_chain"),
]


@pytest.fixture(autouse=True, scope="session")
def _postgres_flush_past_the_audit_truncate_triggers():
    """Let Django's flush empty the append-only tables on PostgreSQL, and nothing else.

    A transactional test ends with one TRUNCATE of every table, which the audit tables' triggers
    refuse (issue 10 item 3: no setting switches them off). The flush's own transaction disables
    their triggers first and enables them again after, as the table owner may; the service's
    runtime role owns nothing and can do neither (tests/security/test_audit_tamper.py).
    """
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg: SQLite only
        yield
        return
    from core.dbroles import INSERT_ONLY_TABLES

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = original(self, style, tables, reset_sequences=reset_sequences,
                       allow_cascade=allow_cascade)
        guarded = [self.quote_name(t) for t in INSERT_ONLY_TABLES if t in tables]
        if not sql or not guarded:
            return sql
        return [*(f"ALTER TABLE {t} DISABLE TRIGGER USER;" for t in guarded), *sql,
                *(f"ALTER TABLE {t} ENABLE TRIGGER USER;" for t in guarded)]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _sqlite_audit_triggers_vs_flush(request):
    """Keep the append-only audit triggers in place, except while Django empties the tables.

    A transactional test on SQLite ends with Django's flush, a DELETE on every table, which the
    audit table's trigger rightly refuses. The triggers are dropped just before that flush (this
    fixture tears down before pytest-django's) and created again when the next test starts, with
    the migrations' own SQL. PostgreSQL flushes with TRUNCATE: see the fixture above.
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
        for migration in _AUDIT_MIGRATIONS:
            for statement in migration.SQLITE_FORWARD:
                cursor.execute(statement)
    yield
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    )
    if transactional:
        with connection.cursor() as cursor:
            for migration in _AUDIT_MIGRATIONS:
                for statement in migration.SQLITE_BACKWARD:
                    cursor.execute(statement)
