"""Shared-kernel tables: the audit trail, idempotency keys, the task outbox, notifications.

core depends on no other project app; every app may depend on core.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only row per access to patient data, and per denied access (docs/security.md, S8).

    Shaped after IHE BALP / FHIR AuditEvent: who (user or system client), what (object type and
    public id, patient pseudonym), action, outcome, when (UTC), and the request id. The database
    refuses UPDATE and DELETE on this table (triggers in migration 0002), so even the
    application's own role cannot rewrite history.

    A list, an agenda or an export is one row per request that names every object it disclosed
    in ``entities`` (``[[object public id, patient pseudonym], ...]``, in the order shown), as a
    FHIR AuditEvent carries several entities; ``object_id`` and ``patient_pseudonym`` name the
    one object of a single read or change (``entities`` is null then). "Who saw this patient" searches both
    (core.selectors.audit_event_list; on PostgreSQL through the GIN index of migration 0009).
    """

    class Action(models.TextChoices):
        READ = "read", "read"
        LIST = "list", "list"
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"
        EXPORT = "export", "export"
        LOGIN = "login", "login"
        LOGIN_FAILED = "login_failed", "login failed"
        LOCKOUT = "lockout", "lockout"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "success"
        DENIED = "denied", "denied"
        FAILED = "failed", "failed"

    class ActorType(models.TextChoices):
        USER = "user", "user"
        CLIENT = "client", "system client"
        ANONYMOUS = "anonymous", "anonymous"
        SYSTEM = "system", "boardsvc (background)"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_pseudonym = models.CharField(max_length=64, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    entities = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "outcome", "at"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_type}:{self.actor_id} {self.action} {self.object_type} {self.outcome}"

    @property
    def subjects(self) -> list[tuple[str, str]]:
        """(public id, pseudonym) of every object this row is about: a list row's entities, or
        the one object of a single read or change (none for a row about no object)."""
        if self.entities is not None:
            return [(object_id, pseudonym) for object_id, pseudonym in self.entities]
        return [(self.object_id, self.patient_pseudonym)] if self.object_id else []


class AuditChainLink(models.Model):
    """One link of the hash chain over audit rows: tamper evidence that survives the table owner.

    ``hash`` is SHA-256 over ``seq``, ``prev_hash`` and the audit row's canonical content
    (core.auditchain). Links are appended by the periodic sealer in ``seq`` order, which is not
    always id order: a row whose transaction committed late is sealed in a later link. Append-only
    in the database like the audit table (migration 0005); the head is checkpointed outside the
    database, so a rewritten chain no longer matches a checkpoint.
    """

    seq = models.BigIntegerField(primary_key=True)
    audit_event_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"link {self.seq} → audit {self.audit_event_id}"


class IdempotencyRecord(models.Model):
    """The stored outcome of a POST made with an ``Idempotency-Key`` (docs/security.md, O3).

    Unique per (client, key): a concurrent duplicate fails on insert and gets 409.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"

    client = models.CharField(max_length=150)
    key = models.CharField(max_length=64)
    endpoint = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.client}:{self.key} {self.state}"


class OutboxMessage(models.Model):
    """A task to publish, written in the same transaction as the change that needs it.

    The transactional outbox (docs/security.md, Q1/Q4): the request never waits on the broker,
    a broker outage delays side effects instead of losing them, and a rolled-back transaction
    sends nothing. A message the broker accepted but whose task never ran (Redis restarted
    empty, or lost the message it was handing over) is published again (core.outbox,
    G-QUEUE-10). ``kwargs`` hold ids only, never patient data.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        # The task ran: its receipt (TaskReceipt, same id) was seen after the message was sent.
        DONE = "done", "done"
        DEAD = "dead", "dead"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_pending_idx"),
                   # The relay's look for sent messages that never ran (core.outbox).
                   models.Index(fields=["status", "sent_at"], name="outbox_sent_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.status}"


class Notification(models.Model):
    """An in-app (and optionally e-mailed) message to a user, deduplicated by ``dedup_key``.

    The unique key is how tasks stay idempotent: inserting the same notification twice is an
    IntegrityError, read as "already notified", so a task run twice notifies once.
    """

    class Kind(models.TextChoices):
        AGENDA_CIRCULATED = "agenda_circulated", "agenda circulated"
        PLACEMENT_BLOCKED = "placement_blocked", "case could not be placed"
        RULE_VIOLATION = "rule_violation", "timing rule violation"
        FOLLOW_UP_PROPOSED = "follow_up_proposed", "follow-up proposed"
        RATIFICATION = "ratification", "emergency decision awaits ratification"
        GENERAL = "general", "general"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    dedup_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class Revision(models.Model):
    """Point-in-time history: a JSON snapshot of a case, decision or booking after each change.

    Written by the services that change those objects; read by the history API and the admin.
    Snapshots hold codes and pseudonymous ids, never names.
    """

    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    at = models.DateTimeField(auto_now_add=True)
    actor_type = models.CharField(max_length=16, blank=True)
    actor_id = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["object_type", "object_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "version"], name="revision_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} v{self.version}"


class FeedToken(models.Model):
    """A revocable secret that unlocks one iCalendar feed (a board's, a member's, a resource's).

    Calendar programs cannot send Authorization headers, so the secret travels in the feed URL.
    Only its SHA-256 is stored: a database leak reveals no working feed URL. Revoking sets
    ``revoked_at``; a revoked token answers 404 like an unknown one, so a probe learns nothing.
    """

    class Kind(models.TextChoices):
        BOARD = "board", "board meetings"
        MEMBER = "member", "my boards' meetings"
        RESOURCE = "resource", "resource bookings"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The public id of the board or resource; for member feeds, the owner's own feed.
    target_id = models.CharField(max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["board", "member", "resource"]),
                name="feed_token_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["owner", "revoked_at"], name="feed_token_owner_idx")]

    def __str__(self) -> str:
        return f"{self.kind} feed {str(self.public_id)[:8]}"


class DeadLetter(models.Model):
    """A background task that failed for the last time (docs/security.md, Q7: never a silent drop).

    Written from Celery's task_failure signal once retries are exhausted; administrators are
    notified and can re-run the work from its ids. Keyword arguments are ids only (the outbox
    enforces that); the exception's message is not stored, because library and database errors
    echo the values that failed.
    """

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, unique=True)
    kwargs = models.JSONField(default=dict, blank=True)
    exception_type = models.CharField(max_length=200)
    retries = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.exception_type}"


class SystemClient(models.Model):
    """What an administrator allows one hospital system (an OAuth2 client) to do.

    Tokens are granted only the scopes on ``allowed_scopes``; a request is judged by the token's
    scopes *intersected with the allow-list as it is now*, so removing a scope takes it from
    tokens already issued, and disabling the client stops every token it holds at once. With
    ``all_boards`` off, the client sees only the cases of the boards named in ``allowed_boards``.
    Created and changed by administrators only (admin or ``manage.py system_client``), through
    core.clients, which audits every change.
    """

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
        related_name="system_client",
    )
    allowed_scopes = models.CharField(max_length=500, blank=True,
                                      help_text="Space-separated OAuth2 scopes the client may hold.")
    all_boards = models.BooleanField(default=True,
                                     help_text="Off: only the cases of the boards listed below.")
    allowed_boards = models.JSONField(default=list, blank=True,
                                      help_text="Board slugs, used when 'all boards' is off.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "system client"

    def __str__(self) -> str:
        return f"system client {self.application_id} ({'enabled' if self.enabled else 'disabled'})"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.allowed_scopes.split())

    @property
    def board_set(self) -> frozenset[str] | None:
        """The board slugs the client may see; None means every board."""
        return None if self.all_boards else frozenset(str(s) for s in self.allowed_boards)


class PeriodicRun(models.Model):
    """One run of a periodic job in one period (core.periodic): the unique (job, period_start)
    lets exactly one of several beat processes' messages run a period's job; the others only
    count themselves in ``skipped``. Pruned after a few days (core.tasks.idempotency_prune)."""

    job = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    # The Celery task id that claimed the period: its own retry or redelivery may run again.
    run_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period_start:%Y-%m-%d %H:%M:%S}"


class TaskReceipt(models.Model):
    """A Celery message already handled (core.taskonce): written in the same transaction as the
    task's own writes, so a redelivered or twice-published message (same task id) finds it and
    does nothing. Pruned after a week (core.tasks.idempotency_prune)."""

    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    done_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
