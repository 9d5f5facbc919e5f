"""Tamper evidence for the audit trail: a hash chain over audit rows, checkpointed outside the DB.

Issue 10 item 3. Privileges stop the service's own role from changing audit rows; the chain is
for whoever holds more than that (the table owner, a superuser, anyone who can write the SQLite
file). Each link is SHA-256 over its seq, the previous link's hash and one audit row's canonical
content, so changing or deleting a sealed row breaks the chain at that row. Recomputing the whole
chain after a rewrite is caught by the checkpoints: the head (seq + hash) is written to the
application log at every seal and sent to the administrators at intervals, both out of reach of
a database owner. ``manage.py audit_verify`` checks the rows, the links and given checkpoints.

Requests write audit rows concurrently and never wait for the chain: a periodic sealer
(core.tasks.audit_chain_seal, every minute) appends links afterwards, one sealer at a time
(a PostgreSQL advisory lock; SQLite's write lock). Ids are not commit order: a row whose
transaction commits after a higher id was sealed is sealed in a later link, so links follow
``seq``, not ids, and verification walks them in ``seq`` order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mail_admins
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .access import GROUP_ADMINISTRATOR
from .models import AuditChainLink, AuditEvent, Notification
from .notifications import notification_send

GENESIS = "0" * 64
CHECKPOINT_LOGGER = "boardsvc.audit.checkpoint"
checkpoint_logger = logging.getLogger(CHECKPOINT_LOGGER)
logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key for the sealer: "boardaud" as a bigint.
SEAL_LOCK_KEY = int.from_bytes(b"boardaud", "big") & 0x7FFFFFFFFFFFFFFF
# How far back (by the row's time) the sealer looks for rows below the sealed head that
# committed late. Transactions are bounded well below this by the statement and idle timeouts.
LATE_COMMIT_LOOKBACK = timedelta(hours=1)
CHECKPOINT_PATTERN = re.compile(r"seq=(\d+)\s+head=([0-9a-f]{64})")


def audit_row_canonical(event: AuditEvent) -> bytes:
    """The row's content as hashed: every column, in a fixed order, as compact JSON."""
    content = [
        event.id,
        event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        event.actor_type,
        event.actor_id,
        event.action,
        event.outcome,
        event.object_type,
        event.object_id,
        event.patient_pseudonym,
        event.request_id,
        event.path,
        event.detail,
    ]
    if event.entities is not None:
        # Appended only when present, so rows written before the column existed keep the hash
        # they were sealed with.
        content.append(event.entities)
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def audit_link_hash(*, seq: int, prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(f"{seq}\n{prev_hash}\n".encode() + audit_row_canonical(event)).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a moment: what administrators keep outside the database."""

    seq: int
    head: str
    at: datetime

    def line(self) -> str:
        return (f"audit checkpoint seq={self.seq} head={self.head} "
                f"at={self.at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")


def checkpoints_parse(text: str) -> list[tuple[int, str]]:
    """Every ``seq=N head=HASH`` in ``text``: log lines, alert e-mails, or bare pairs."""
    return [(int(seq), head) for seq, head in CHECKPOINT_PATTERN.findall(text)]


def audit_chain_head() -> Checkpoint | None:
    link = AuditChainLink.objects.order_by("-seq").first()
    return None if link is None else Checkpoint(link.seq, link.hash, link.sealed_at)


@dataclass(frozen=True)
class SealResult:
    appended: int
    head: Checkpoint | None
    alerted: bool


def audit_chain_seal(*, now: datetime | None = None, grace_seconds: int | None = None,
                     batch_size: int = 2000, alert: bool | None = None) -> SealResult:
    """Append one link per committed audit row older than the grace period, lowest id first.

    Safe to run concurrently and repeatedly: sealers take turns on a lock, and a sealed row is
    never sealed again (``audit_event_id`` is unique). When links were appended, the new head is
    logged on ``boardsvc.audit.checkpoint``; administrators are sent it when ``alert`` is true,
    or by default when the previous head was sealed in an earlier alert interval
    (BOARDSVC_AUDIT_CHECKPOINT_ALERT_MINUTES), so they hold at least one checkpoint per interval
    in which the trail grew.
    """
    now = now or timezone.now()
    grace = settings.BOARDSVC_AUDIT_SEAL_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = now - timedelta(seconds=grace)
    appended = 0
    previous_sealed_at: datetime | None = None
    first_batch = True
    while True:
        count, sealed_at_before = _seal_batch(now=now, cutoff=cutoff, batch_size=batch_size)
        if first_batch:
            previous_sealed_at, first_batch = sealed_at_before, False
        appended += count
        if count < batch_size:
            break
    head = audit_chain_head()
    if alert is None:
        alert = appended > 0 and (previous_sealed_at is None
                                  or _alert_bucket(previous_sealed_at) != _alert_bucket(now))
    if head is not None and (appended or alert):
        audit_checkpoint_emit(head, alert=alert)
    return SealResult(appended=appended, head=head, alerted=bool(alert and head))


def _alert_bucket(moment: datetime) -> int:
    return int(moment.timestamp()) // (int(settings.BOARDSVC_AUDIT_CHECKPOINT_ALERT_MINUTES) * 60)


def _seal_batch(*, now: datetime, cutoff: datetime, batch_size: int) -> tuple[int, datetime | None]:
    """Seal up to ``batch_size`` rows in one transaction; returns them and the old head's time."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One sealer at a time, or two would both extend the same head (the unique
            # prev_hash would then refuse the second). SQLite's IMMEDIATE transactions
            # already serialise writers.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        head = AuditChainLink.objects.order_by("-seq").first()
        seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
        max_sealed = AuditChainLink.objects.aggregate(m=Max("audit_event_id"))["m"] or 0
        events = list(
            AuditEvent.objects.filter(at__lte=cutoff)
            .filter(Q(id__gt=max_sealed) | Q(at__gte=now - LATE_COMMIT_LOOKBACK))
            .filter(~Exists(AuditChainLink.objects.filter(audit_event_id=OuterRef("id"))))
            .order_by("id")[:batch_size]
        )
        links = []
        for event in events:
            seq += 1
            link_hash = audit_link_hash(seq=seq, prev_hash=prev_hash, event=event)
            links.append(AuditChainLink(seq=seq, audit_event_id=event.id, prev_hash=prev_hash,
                                        hash=link_hash, sealed_at=now))
            prev_hash = link_hash
        AuditChainLink.objects.bulk_create(links)
    return len(links), head.sealed_at if head else None


def audit_checkpoint_emit(checkpoint: Checkpoint, *, alert: bool) -> None:
    """Write the head outside the database: the application log, and the administrators."""
    line = checkpoint.line()
    checkpoint_logger.info(line)
    if not alert:
        return

    def subject() -> str:
        # Translators: {seq} is the number of the audit trail's last sealed link.
        return _("Audit trail checkpoint {seq}").format(seq=checkpoint.seq)

    def body() -> str:
        # Translators: "this line" is the checkpoint line above the sentence; {command} is a
        # command to run as it is, {seq} the number of the last sealed link.
        advice = _("Keep this line outside boardsvc. {command} proves the audit trail up to "
                   "link {seq} is unchanged since this message.").format(
            seq=checkpoint.seq,
            command=f"`manage.py audit_verify --checkpoint {checkpoint.seq}:{checkpoint.head}`")
        return f"{line}\n\n{advice}"

    try:
        with override(settings.LANGUAGE_CODE):  # the site's administrators (settings.ADMINS)
            mail_admins(subject(), body())
        admins = get_user_model().objects.filter(
            Q(is_superuser=True) | Q(groups__name=GROUP_ADMINISTRATOR), is_active=True
        ).distinct()
        notification_send(recipients=admins, kind=Notification.Kind.GENERAL, subject=subject,
                          body=body, link="/admin/core/auditevent/",
                          dedup_key=f"audit-checkpoint:{checkpoint.seq}", email=True)
    except Exception:  # the log line above is written; a mail outage must not undo the seal
        logger.exception("could not send the audit checkpoint to administrators")


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    audit_event_id: int | None
    reason: str

    def __str__(self) -> str:
        row = "-" if self.audit_event_id is None else str(self.audit_event_id)
        return f"seq {self.seq}, audit event {row}: {self.reason}"


@dataclass
class VerifyReport:
    links: int = 0
    head: str = GENESIS
    checkpoints_matched: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    unsealed_below_head: list[int] = field(default_factory=list)
    unsealed_pending: int = 0

    @property
    def first_break(self) -> ChainBreak | None:
        return min(self.breaks, key=lambda b: b.seq) if self.breaks else None


def audit_chain_verify(*, checkpoints: Iterable[tuple[int, str]] = (),
                       chunk_size: int = 2000) -> VerifyReport:
    """Recompute every link from the audit rows and compare it with the stored chain and with
    checkpoints kept outside the database.

    Finds deleted rows (a link whose row is gone), altered rows (a link whose hash no longer
    matches its row), removed or rewritten links (a gap in ``seq``, a ``prev_hash`` that does
    not follow), and a chain recomputed after tampering (a link's hash differing from a
    checkpoint, or a checkpoint beyond the head). Rows not (yet) sealed are counted, not judged.
    """
    wanted: dict[int, set[str]] = {}
    for seq, head in checkpoints:
        wanted.setdefault(int(seq), set()).add(head.lower())
    report = VerifyReport()
    prev_hash, expected_seq, last_matched = GENESIS, 1, 0
    checked: set[int] = set()
    after = 0
    while True:
        links = list(AuditChainLink.objects.filter(seq__gt=after).order_by("seq")[:chunk_size])
        if not links:
            break
        rows = AuditEvent.objects.in_bulk([link.audit_event_id for link in links])
        for link in links:
            row_id = link.audit_event_id
            if link.seq != expected_seq:
                report.breaks.append(ChainBreak(
                    expected_seq, None,
                    f"links {expected_seq}..{link.seq - 1} are missing from the chain"))
            elif link.prev_hash != prev_hash:
                report.breaks.append(ChainBreak(
                    link.seq, row_id, "link does not follow the previous one (links rewritten)"))
            event = rows.get(row_id)
            if event is None:
                report.breaks.append(ChainBreak(link.seq, row_id, "audit row deleted"))
            elif audit_link_hash(seq=link.seq, prev_hash=link.prev_hash, event=event) != link.hash:
                report.breaks.append(ChainBreak(
                    link.seq, row_id, "audit row altered (its content no longer matches its link)"))
            if link.seq in wanted:
                checked.add(link.seq)
            for head in sorted(wanted.get(link.seq, ())):
                if head == link.hash:
                    report.checkpoints_matched += 1
                    last_matched = link.seq
                else:
                    report.breaks.append(ChainBreak(
                        link.seq, row_id,
                        f"chain rewritten: link hash {link.hash[:16]}… differs from checkpoint "
                        f"{head[:16]}…; the change lies in links {last_matched + 1}..{link.seq}"))
            prev_hash, expected_seq = link.hash, link.seq + 1
            report.links += 1
        after = links[-1].seq
    report.head = prev_hash
    head_seq = expected_seq - 1
    for seq in sorted(set(wanted) - checked):
        where = (f"lies beyond the chain's head {head_seq}" if seq > head_seq
                 else "names a link that is missing")
        report.breaks.append(ChainBreak(seq, None, f"checkpoint seq {seq} {where}: links were "
                                                   f"removed"))
    unsealed = AuditEvent.objects.filter(
        ~Exists(AuditChainLink.objects.filter(audit_event_id=OuterRef("id"))))
    max_sealed = AuditChainLink.objects.aggregate(m=Max("audit_event_id"))["m"] or 0
    report.unsealed_below_head = list(
        unsealed.filter(id__lt=max_sealed).order_by("id").values_list("id", flat=True)[:100])
    report.unsealed_pending = unsealed.filter(id__gt=max_sealed).count()
    report.breaks.sort(key=lambda b: b.seq)
    return report
