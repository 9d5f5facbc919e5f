"""Idempotency-Key for creating POSTs (docs/security.md, O3; IETF
draft-ietf-httpapi-idempotency-key).

Policy (published in the OpenAPI description): the key is a UUID, scoped to the calling client
or user, kept for BOARDSVC_IDEMPOTENCY_TTL_HOURS (≥ 24 h). A replay with the same body returns the
stored status and body with ``Idempotent-Replayed: true``; the same key with another body → 422;
the same key while the first request is still running waits for it and replays its result; a
missing key on an endpoint that requires it → 400. Requests that fail validation or crash are
not stored (as Stripe does), so a corrected retry may reuse the key. The key is taken inside the
request's own transaction, so the key and the work commit together or not at all: a request
killed by a database outage leaves neither a saved result the client cannot learn nor a key
stuck "in progress" (issue 15, item 4). A key left "in progress" by an older, dead request is
taken over after BOARDSVC_IDEMPOTENCY_LEASE_SECONDS.

A replay hands out the stored body again (a case, a booking, a decision), so it is an access to
patient data and leaves an audit row (docs/security.md, S8; issue 10, item 7): action ``read``,
``detail.replay = true``, with the object and the patient pseudonym the endpoint's
``replay_audit`` reads from the stored body.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from core.access import principal_from_request
from core.api.exceptions import Conflict, UnprocessableEntity
from core.audit import audit_record
from core.dbretry import retry_on_conflict
from core.models import AuditEvent, IdempotencyRecord

HEADER = "Idempotency-Key"
_REPLAYED_HEADERS = ("Location", "ETag")


class IdempotencyKeyMissing(exceptions.ValidationError):
    pass


# From a stored response body to what the replay discloses: (object type, public id, patient
# pseudonym). Supplied by each endpoint, which knows its body's shape.
ReplayAudit = Callable[[Mapping[str, Any]], tuple[str, object, object]]


def _fingerprint(endpoint: str, data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{endpoint}\n{canonical}".encode()).hexdigest()


def idempotent(request: Any, *, endpoint: str, handler: Callable[[], Response],
               required: bool | None = None, replay_audit: ReplayAudit | None = None
               ) -> Response:
    """Run ``handler`` at most once per (client, key). ``required`` defaults to: system clients.

    A replay is audited with what ``replay_audit`` reads from the stored body; without it the
    row still says a replay happened, on which endpoint."""
    principal = principal_from_request(request)
    key = request.headers.get(HEADER)
    if required is None:
        required = principal.is_client
    if not key:
        if required:
            raise IdempotencyKeyMissing(
                {HEADER: ["This endpoint requires an Idempotency-Key header (a UUID)."]},
                code="required",
            )
        return handler()
    try:
        key = str(uuid.UUID(key))
    except ValueError:
        raise exceptions.ValidationError(
            {HEADER: ["The Idempotency-Key must be a UUID."]}, code="invalid"
        ) from None

    fingerprint = _fingerprint(endpoint, request.data)
    return _run_once(request, scope=principal.idempotency_scope, key=key, endpoint=endpoint,
                     fingerprint=fingerprint, handler=handler, replay_audit=replay_audit)


@retry_on_conflict
@transaction.atomic
def _run_once(request: Any, *, scope: str, key: str, endpoint: str, fingerprint: str,
              handler: Callable[[], Response], replay_audit: ReplayAudit | None) -> Response:
    """The key and the request's writes in ONE transaction (issue 15, item 4): either both
    commit (a retry gets the stored result) or neither does (a retry runs once). A database
    lost mid-request therefore never leaves a key "in progress" for a day while the work was
    saved. A concurrent request with the same key waits on the key's unique index until the
    first commits, then replays its result (or runs, if the first rolled back)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                client=scope, key=key, endpoint=endpoint, fingerprint=fingerprint,
                expires_at=now + timedelta(hours=settings.BOARDSVC_IDEMPOTENCY_TTL_HOURS),
            )
    except IntegrityError:
        existing = (IdempotencyRecord.objects.select_for_update(of=("self",))
                    .filter(client=scope, key=key).first())
        if existing is None:  # expired and pruned between the insert and the read
            raise Conflict("The request with this Idempotency-Key is being processed; retry.") from None
        if existing.fingerprint != fingerprint:
            raise UnprocessableEntity(
                "This Idempotency-Key was used with a different request body or endpoint."
            ) from None
        if existing.state == IdempotencyRecord.State.IN_PROGRESS:
            lease = timedelta(seconds=settings.BOARDSVC_IDEMPOTENCY_LEASE_SECONDS)
            if existing.created_at + lease > now:
                raise Conflict(
                    "A request with this Idempotency-Key is still in progress; retry later.",
                    code="in_progress",
                ) from None
            # Recorded by a request that died without an outcome (nothing of it committed with
            # the key): this request takes the key over and runs.
            record = existing
        else:
            _audit_replay(request, existing, replay_audit)
            response = Response(existing.response_body, status=existing.response_status)
            for name, value in (existing.response_headers or {}).items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            return response

    response = handler()
    if response.status_code >= 400:
        # Not stored: errors are not side effects, and a corrected retry may reuse the key.
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response
    headers = {h: response[h] for h in _REPLAYED_HEADERS if h in response}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.COMPLETED,
        response_status=response.status_code,
        response_body=json.loads(json.dumps(response.data, default=str)),
        response_headers=headers,
    )
    return response


def _audit_replay(request: Any, record: IdempotencyRecord,
                  replay_audit: ReplayAudit | None) -> None:
    object_type, object_id, pseudonym = "", "", ""
    if replay_audit is not None and isinstance(record.response_body, Mapping):
        object_type, object_id, pseudonym = replay_audit(record.response_body)
    audit_record(principal=principal_from_request(request), action=AuditEvent.Action.READ,
                 object_type=object_type, object_id=object_id, patient_pseudonym=pseudonym,
                 path=request.path,
                 detail={"replay": True, "endpoint": record.endpoint,
                         "status": record.response_status})
