"""Schemathesis against the whole published API (reliability-bar §2.5, issue: OpenAPI row).

The schema is the one served at /api/schema/; the app is called in-process through WSGI, inside
the test's transaction, authenticated as a hospital system holding every scope. Every response is
checked: no 5xx, and the status code, content type, headers and body match what the schema
documents. max_examples stays small so the run takes well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck, settings

from tests.integration.conftest import ALL_SCOPES

SCHEMA_CLASS = "core.api.schema.ProblemAutoSchema"


def _load_schema() -> schemathesis.schemas.BaseSchema:
    # Until config/settings/base.py names ProblemAutoSchema (checked by the test below), load
    # the schema the way production will serve it.
    rest = {**django_settings.REST_FRAMEWORK, "DEFAULT_SCHEMA_CLASS": SCHEMA_CLASS}
    with override_settings(REST_FRAMEWORK=rest):
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = _load_schema()


def test_the_project_publishes_the_problem_aware_schema():
    assert django_settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] == SCHEMA_CLASS


@pytest.fixture
def bearer(world, oauth_client_factory) -> str:
    return oauth_client_factory(*ALL_SCOPES, name="schemathesis").access_token.token


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, bearer):
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"})
