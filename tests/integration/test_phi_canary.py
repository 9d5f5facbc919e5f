"""No patient data in logs or task arguments (G-PHI-1, docs/guarantees.md).

Canary identifiers (a fake name, an MRN, a date of birth) go through normal and error paths: a
valid API create, a create with bad data, a 500 forced by a database error that echoes the MRN,
and a Celery task that fails the same way. caplog listens at DEBUG on every logger, and records
are checked as any handler would see them (message and traceback text).
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.db import IntegrityError

from config.celery import app as celery_app
from core.models import OutboxMessage
from core.outbox import outbox_enqueue
from tests.integration.payloads import case_payload

pytestmark = pytest.mark.django_db

CANARY_NAME = "Zebedee Quimbleworth"
CANARY_MRN = "MRN-CANARY-7734291"
CANARY_DOB = "1947-03-29"
CANARIES = (CANARY_NAME, CANARY_MRN, CANARY_DOB)


def _db_error() -> IntegrityError:
    # What PostgreSQL says when a unique identifier collides: it echoes the value.
    return IntegrityError(
        'duplicate key value violates unique constraint "patient_identifier_uniq"\n'
        f"DETAIL:  Key (system, value)=(urn:mrn, {CANARY_MRN}) already exists. "
        f"Patient {CANARY_NAME} born {CANARY_DOB}"
    )


@celery_app.task(name="tests.integration.canary_fail")
def canary_fail(case_id: str) -> None:
    raise _db_error()


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    return "\n".join(handler.format(r) for r in caplog.records)


def _assert_clean(caplog: pytest.LogCaptureFixture) -> None:
    text = _everything_logged(caplog)
    for canary in CANARIES:
        assert canary not in text, f"{canary!r} leaked into the logs"
    for message in OutboxMessage.objects.all():
        for canary in CANARIES:
            assert canary not in str(message.kwargs)


def _canary_case() -> dict:
    body = case_payload(mrn=CANARY_MRN, question=f"{CANARY_NAME}, DOB {CANARY_DOB}: T8 pain")
    body["referring_clinician"] = f"Dr for {CANARY_NAME}"
    body["lesions"][0]["site_detail"] = f"{CANARY_NAME} {CANARY_DOB}"
    return body


def test_normal_and_bad_creates_log_no_patient_data(world, oauth_client_factory, caplog):
    caplog.set_level(logging.DEBUG)
    his = oauth_client_factory("cases:write", "cases:read")
    created = his.post("/api/v1/cases/", _canary_case(), format="json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert created.status_code == 201, created.content
    bad = _canary_case()
    bad["ecog"] = f"{CANARY_NAME}"
    bad["patient"]["birth_year"] = CANARY_DOB
    refused = his.post("/api/v1/cases/", bad, format="json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert refused.status_code == 400
    his.get(f"/api/v1/cases/{created.json()['id']}/")
    _assert_clean(caplog)


def test_a_forced_500_logs_the_request_id_and_no_patient_data(world, oauth_client_factory,
                                                               caplog, monkeypatch):
    import cases.api.views

    def explode(**kwargs):
        raise _db_error()

    monkeypatch.setattr(cases.api.views, "case_create", explode)
    caplog.set_level(logging.DEBUG)
    his = oauth_client_factory("cases:write")
    response = his.post("/api/v1/cases/", _canary_case(), format="json",
                        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 500
    body = response.content.decode()
    assert all(c not in body for c in CANARIES)
    assert response.json()["request_id"] == response["X-Request-ID"]
    assert "IntegrityError" in _everything_logged(caplog)  # the failure is still visible
    _assert_clean(caplog)


def test_a_failing_celery_task_logs_no_patient_data(world, caplog,
                                                   django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IntegrityError), django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(task_name="tests.integration.canary_fail",
                       kwargs={"case_id": str(world.case_a.public_id)})
    # Whatever Celery logged about the failure (celery.app.trace) is in caplog too.
    _assert_clean(caplog)
