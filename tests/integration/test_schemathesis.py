"""Schemathesis against the whole published API (G-API-1, docs/guarantees.md).

The schema is the one served at /api/schema/; the app is called in-process through WSGI, inside
the test's transaction, authenticated as a hospital system holding every scope. Every response
goes through schemathesis's default checks: no 5xx, and the status code, content type, headers
and body match what the schema documents; schema-violating requests are refused (4xx);
schema-valid requests are accepted.

"Accepted" is schemathesis's default set (2xx, 3xx, 401, 403, 404, 409, 429) plus 412: a
well-formed If-Match can be stale, which is a state conflict like 409 (G-CONCURRENCY-1). A
few operations check rules that OpenAPI cannot express (an end after a start, a board slug that
must exist, the clinical rules R1..R18); only for those, listed in ``BUSINESS_RULES`` with the
reason, is a 400 naming the field and rule also an acceptable answer to schema-valid data.

About half of the generated path ids are swapped for real objects of the test world (the
others stay random and must answer 404), so the run reaches business logic rather than only
"not found". max_examples stays small: the run takes well under a minute on either database.
"""

from __future__ import annotations

import copy
import uuid

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.integration.matrix import COLLECTIONS, PARAMS
from tests.support.world import ALL_SCOPES

SCHEMA_CLASS = "core.api.schema.ProblemAutoSchema"
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

# (METHOD, path) → the rule beyond the schema that makes a schema-valid request a 400.
BUSINESS_RULES: dict[tuple[str, str], str] = {
    # "date window": every date and date-time lies in [2000-01-01, now + 5 years] and carries a
    # UTC offset (README "Limits on dates and ranges"); OpenAPI's date-time format cannot say so.
    ("GET", "/api/v1/cases/"): "submitted_to must not be before submitted_from; date window",
    ("POST", "/api/v1/cases/"): "requested_board must exist; clinical data rules (R1..R18)",
    ("PATCH", "/api/v1/cases/{public_id}/"): "clinical data rules (R1..R18); lesion ids exist",
    ("POST", "/api/v1/cases/{public_id}/transition/"): "lifecycle preconditions (reason needed)",
    ("PUT", "/api/v1/site-parameters/{key}/"): "each threshold has its own range",
    ("GET", "/api/v1/meetings/"): "starts_to must be after starts_from; date window",
    ("POST", "/api/v1/meetings/{public_id}/agenda/reorder/"): "items must be this agenda's",
    ("POST", "/api/v1/meetings/{public_id}/agenda/late-additions/"): "the case must exist; R13",
    ("POST", "/api/v1/meetings/{public_id}/attendance/record/"): "the person must exist; "
                                                                  "date window",
    ("POST", "/api/v1/agenda-items/{public_id}/decision/"): "procedures must fit the case",
    ("PATCH", "/api/v1/decisions/{public_id}/amend/"): "procedures must fit the case",
    ("GET", "/api/v1/resources/{public_id}/slots/"): "to after from, at most 31 days; kind; "
                                                      "date window",
    ("GET", "/api/v1/bookings/"): "to after from; date window",
    ("POST", "/api/v1/bookings/"): "end after start; procedure and resource must exist; date "
                                   "window; a past start needs retrospective_reason",
    ("POST", "/api/v1/bookings/{public_id}/move/"): "end after start; resource must exist; "
                                                    "date window; a past start needs a reason",
    ("PATCH", "/api/v1/timing-rules/{code}/"): "min lag <= preferred lag <= max lag; each "
                                               "rule id's clinical range",
    ("GET", "/api/v1/audit-events/"): "date window",
    ("GET", "/fhir/R4/Appointment"): "date window",
    ("GET", "/fhir/R4/Slot"): "the schedule reference must name a resource; date window; at "
                              "most 31 days",
}


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {"include-path": path, "include-method": method,
             "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}}
            for method, path in BUSINESS_RULES
        ],
    })


SCHEMA_PATH = "/api/schema/?format=json"
_APP = get_wsgi_application()
# The schema is generated once (drf-spectacular takes seconds) and loaded twice below, each
# copy with its own auth: the hospital system's bearer token here, people's sessions further on.
_RAW = schemathesis.openapi.from_wsgi(SCHEMA_PATH, _APP, config=_config()).raw_schema


def _load() -> schemathesis.schemas.BaseSchema:
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(_RAW), config=_config())
    loaded.app = _APP
    loaded.location = SCHEMA_PATH
    return loaded


schema = _load()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Run every request on the test's own connection and transaction, as Django's test client
    does: the WSGI handler would otherwise close the connection when a request ends (the
    request_finished signal), which on PostgreSQL drops the test's transaction and its data."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_project_publishes_the_problem_aware_schema():
    assert django_settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] == SCHEMA_CLASS


def test_every_business_rule_exemption_names_a_published_operation():
    published = {(op.method.upper(), op.path) for op in
                 (result.ok() for result in schema.get_all_operations())}
    assert set(BUSINESS_RULES) <= published, sorted(set(BUSINESS_RULES) - published)


@pytest.fixture
def bearer(api_world, oauth_client_factory) -> str:
    token = oauth_client_factory(*ALL_SCOPES, name="schemathesis").access_token.token
    _Workflow.bearer = token
    return token


def _use_real_objects(case, world) -> None:
    """Point about half the generated ids at the world's objects (board A's), so operations run
    their business logic; the rest stay random and must be 404. Only schema-valid values are
    swapped."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return  # negative data stays as generated: it must be refused, not repaired
    path = case.operation.path
    for name, value in list((case.path_parameters or {}).items()):
        if name == "public_id":
            collection = path.split("{public_id}")[0].rstrip("/").rsplit("/", 1)[-1]
            source = COLLECTIONS.get(collection)
            try:
                generated = uuid.UUID(str(value))
            except ValueError:
                continue
            if source is None or generated.int % 2:
                continue
        else:
            source = PARAMS.get(name)
            if source is None or hash(str(value)) % 2:
                continue
        try:
            case.path_parameters[name] = str(source(world))
        except KeyError:  # an object this world does not have (e.g. a foreign feed token)
            continue


def _drops_credentials(case) -> bool:
    """A negative case whose only fault is a missing session cookie means "no credentials":
    the schema offers OAuth2 *or* a session, and the bearer comes from this harness, not from
    schemathesis, so sending it would turn the case back into a valid request."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    names = {getattr(data, "parameter", None)} | {
        m.parameter for m in getattr(data, "mutations", ()) or () if m.parameter}
    return names - {None} == {"sessionid"}


def _as_system_client(case, bearer: str) -> dict[str, str]:
    """Headers of a hospital system: its bearer token, and no session cookie (a system client
    has none; a cookie value schemathesis generated would otherwise count as an auth attempt)."""
    if _drops_credentials(case):
        return {}
    if case.cookies:
        case.cookies.pop("sessionid", None)
    return {"Authorization": f"Bearer {bearer}"}


def _headers(case, bearer: str | None = None) -> dict[str, str]:
    headers: dict[str, str] = {} if bearer is None else _as_system_client(case, bearer)
    if case.method.upper() != "POST":
        return headers
    # The schema publishes Idempotency-Key as optional (people may omit it) and says system
    # clients must send a fresh UUID per request. A well-behaved client does, so the run sends
    # a fresh one whenever schemathesis left the header out or generated a valid UUID (which
    # it repeats across examples with other bodies: a 422 by design, tested under G-IDEMPOTENCY-1). A malformed
    # key is negative data and is kept.
    generated = (case.headers or {}).get("Idempotency-Key")
    try:
        uuid.UUID(str(generated))
    except ValueError:
        if generated is not None:
            return headers
    headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, bearer, api_world):
    _use_real_objects(case, api_world)
    case.call_and_validate(headers=_headers(case, bearer))


class _Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """The stateful phase: chains of calls along the links schemathesis infers from the schema
    (an id returned by one operation fed to the next), with every default check after each
    step, including use_after_free and ensure_resource_availability."""

    bearer = ""

    def get_call_kwargs(self, case) -> dict[str, object]:
        return {"headers": _headers(case, self.bearer)}

    def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
        # Name the headers the call was made with, as call_and_validate does, so the checks
        # know the bearer token was the caller's own credential and not something generated.
        case.validate_response(response, additional_checks=additional_checks,
                               headers=kwargs.get("headers"), transport_kwargs=kwargs)


@pytest.mark.django_db
def test_stateful_call_sequences_honour_the_schema(bearer):
    _Workflow.run(settings=settings(
        max_examples=15, stateful_step_count=6, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))


# --- people, signed in with a session ----------------------------------------------------------
#
# A separate copy of the schema whose auth is the session cookie (the schema's ``cookieAuth``),
# registered with schemathesis: its ignored_auth check then strips or spoils the cookie and
# expects 401/403. Unsafe methods carry the CSRF token as the browser pages do (G-WEB-1).

people_schema = _load()
_SESSION: dict[str, str] = {}


@people_schema.auth(refresh_interval=None)  # a new session every test: never cache it
class _PersonSession:
    def get(self, case, context) -> str:
        return _SESSION.get("sessionid", "")  # "" while collecting, before any test runs

    def set(self, case, data: str, context) -> None:
        if _drops_credentials(case):
            return
        csrf = _SESSION.get("csrftoken", "")
        case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": csrf}
        case.headers = {**(case.headers or {}), "X-CSRFToken": csrf}


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["coordinator", "member_a"])
@people_schema.parametrize()
@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema_for_people(case, person, api_world):
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    browser = Client()
    browser.force_login(api_world.users[person])
    _SESSION.update(sessionid=browser.cookies["sessionid"].value,
                    csrftoken=_get_new_csrf_string())
    _use_real_objects(case, api_world)
    case.call_and_validate(headers=_headers(case))
