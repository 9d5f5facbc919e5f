"""Issue 10 item 3: the service's own database role cannot wipe or rewrite the audit trail, and
whoever can (the table owner, a superuser, whoever can write the SQLite file) is caught by the
hash chain and its checkpoints kept outside the database.

The runtime-role tests connect to PostgreSQL for real as a role that is not a superuser and owns
nothing: BOARDSVC_TEST_RUNTIME_ROLE when set (.ci/run creates boardsvc_app), else a role made
for the test. The chain tests run on both databases.
"""

from __future__ import annotations

import importlib
import os
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.auditchain import CHECKPOINT_LOGGER, audit_chain_seal, audit_chain_verify
from core.dbroles import INSERT_ONLY_TABLES
from core.models import AuditChainLink, AuditEvent, Notification

pytestmark = pytest.mark.django_db

_APPEND_ONLY_MIGRATIONS = [
    importlib.import_module("core.migrations.0002_audit_append_only"),
    importlib.import_module("core.migrations.0005_audit_chain"),
]


def _audit_rows(count: int) -> list[AuditEvent]:
    return [audit_record(principal=None, action="read", object_type="case", object_id=f"c-{i}",
                         patient_pseudonym=f"P-{i:04d}", path="/api/v1/cases/",
                         detail={"i": i, "note": "è"})
            for i in range(count)]


def _seal():
    return audit_chain_seal(grace_seconds=0)


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        _verify(*args)
    return str(failure.value)


@contextmanager
def as_table_owner():
    """What the table owner, a superuser or the SQLite file's owner can do: lift the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in INSERT_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for migration in _APPEND_ONLY_MIGRATIONS:
                for statement in migration.SQLITE_BACKWARD:
                    cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in INSERT_ONLY_TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for migration in _APPEND_ONLY_MIGRATIONS:
                    for statement in migration.SQLITE_FORWARD:
                        cursor.execute(statement)


# --- the chain: sealing, checkpoints, verification (both databases) -------------------------


def test_an_intact_chain_verifies_against_its_checkpoint():
    _audit_rows(5)
    result = _seal()
    assert result.appended == 5
    assert (result.head.seq, len(result.head.head)) == (5, 64)
    output = _verify("--checkpoint", f"5:{result.head.head}")
    assert "audit chain intact: 5 links" in output
    assert "1 of 1 checkpoints matched" in output


def test_the_sealer_logs_each_new_head_and_sends_it_to_the_administrators(
        administrator, caplog, django_capture_on_commit_callbacks):
    caplog.set_level("INFO", logger=CHECKPOINT_LOGGER)
    _audit_rows(3)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after commit
        result = _seal()
    line = f"audit checkpoint seq=3 head={result.head.head}"
    logged = [r.getMessage() for r in caplog.records if r.name == CHECKPOINT_LOGGER]
    assert len(logged) == 1
    assert logged[0].startswith(line)
    assert result.alerted  # the first head of an interval goes to the administrators
    note = Notification.objects.get(recipient=administrator)
    assert line in note.body
    assert any(line in message.body and administrator.email in message.to
               for message in mail.outbox)

    caplog.clear()
    again = _seal()  # nothing new: no link, no checkpoint line, no second alert
    assert (again.appended, again.head, again.alerted) == (0, result.head, False)
    assert not [r for r in caplog.records if r.name == CHECKPOINT_LOGGER]
    assert Notification.objects.filter(recipient=administrator).count() == 1


def test_the_celery_task_seals_every_minute_and_is_idempotent(settings):
    from core.tasks import audit_chain_seal as audit_chain_seal_task

    entry = settings.CELERY_BEAT_SCHEDULE["audit-chain-seal"]
    assert (entry["task"], entry["schedule"]) == ("core.tasks.audit_chain_seal", 60.0)
    settings.BOARDSVC_AUDIT_SEAL_GRACE_SECONDS = 0
    _audit_rows(2)
    assert audit_chain_seal_task() == 2
    assert audit_chain_seal_task() == 0
    assert AuditChainLink.objects.count() == 2


def test_a_row_below_the_sealed_head_is_sealed_in_a_later_link():
    start = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        late = _audit_rows(1)[0]  # lower id, its transaction "committed" late
    with time_machine.travel(start, tick=False):
        early = _audit_rows(1)[0]
    assert late.id < early.id
    assert audit_chain_seal(now=start + timedelta(minutes=1), grace_seconds=0).appended == 1
    assert audit_chain_seal(now=start + timedelta(minutes=6), grace_seconds=0).appended == 1
    assert list(AuditChainLink.objects.values_list("seq", "audit_event_id")) == [
        (1, early.id), (2, late.id)]
    assert "audit chain intact: 2 links" in _verify()


def test_a_deleted_row_is_found_and_named():
    rows = _audit_rows(5)
    _seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=rows[2].pk).delete()
    message = _verify_fails()
    assert f"first broken row: seq 3, audit event {rows[2].pk}: audit row deleted" in message


def test_an_altered_row_is_found_and_named():
    rows = _audit_rows(5)
    _seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=rows[1].pk).update(patient_pseudonym="P-9999")
    message = _verify_fails()
    assert f"first broken row: seq 2, audit event {rows[1].pk}: audit row altered" in message


def test_a_chain_recomputed_after_a_rewrite_no_longer_matches_the_logged_checkpoints(
        caplog, tmp_path):
    caplog.set_level("INFO", logger=CHECKPOINT_LOGGER)
    rows = _audit_rows(2)
    _seal()
    rows += _audit_rows(3)
    _seal()
    log = tmp_path / "boardsvc.log"
    log.write_text("\n".join(f"2031-01-01 00:00:00 INFO {r.name} [-] {r.getMessage()}"
                             for r in caplog.records))

    # The owner alters row 4 and rebuilds the whole chain so that it is consistent again.
    with as_table_owner():
        AuditEvent.objects.filter(pk=rows[3].pk).update(outcome="denied")
        AuditChainLink.objects.all().delete()
    _seal()
    assert "audit chain intact" in _verify()  # the rows and links alone cannot tell

    message = _verify_fails("--checkpoint-file", str(log))
    assert f"first broken row: seq 5, audit event {rows[4].pk}: chain rewritten" in message
    assert "the change lies in links 3..5" in message  # checkpoint 2 still matches


def test_links_removed_from_the_end_are_caught_by_a_checkpoint():
    rows = _audit_rows(5)
    head = _seal().head
    with as_table_owner():
        AuditChainLink.objects.filter(seq__gt=3).delete()
        AuditEvent.objects.filter(pk__in=[rows[3].pk, rows[4].pk]).delete()
    assert "audit chain intact: 3 links" in _verify()
    message = _verify_fails("--checkpoint", f"{head.seq}:{head.head}")
    assert "first broken row: seq 5, audit event -: checkpoint seq 5 lies beyond" in message


def test_a_removed_link_in_the_middle_is_a_gap():
    rows = _audit_rows(4)
    _seal()
    with as_table_owner():
        AuditChainLink.objects.filter(seq=2).delete()
        AuditEvent.objects.filter(pk=rows[1].pk).delete()
    report = audit_chain_verify()
    assert str(report.first_break) == "seq 2, audit event -: links 2..2 are missing from the chain"
    with_checkpoint = audit_chain_verify(checkpoints=[(2, "a" * 64)])
    assert "checkpoint seq 2 names a link that is missing" in str(with_checkpoint.breaks)


def test_the_chain_table_is_append_only_too():
    _audit_rows(1)
    _seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainLink.objects.update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainLink.objects.all().delete()
    assert AuditChainLink.objects.count() == 1


# --- PostgreSQL: no session switch, and the runtime role's privileges -----------------------


@pytest.mark.parametrize("table", INSERT_ONLY_TABLES)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
def test_no_session_setting_lets_anyone_truncate_the_audit_tables(table):
    _audit_rows(1)
    _seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        # Even this superuser test connection: the 0002 switch is gone (migration 0005).
        cursor.execute("SET LOCAL boardsvc.audit_truncate_allowed = 'on'")
        cursor.execute(f"TRUNCATE {table}")


def test_db_roles_needs_postgresql_and_refuses_a_superuser_runtime_role():
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="superuser"):
            call_command("db_roles", runtime_role=settings.DATABASES["default"]["USER"]
                         or "postgres")
    else:
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("db_roles", runtime_role="boardsvc_app")


@pytest.fixture
def runtime_role():
    """A real login role that is no superuser and owns nothing, granted by `db_roles`."""
    name = os.environ.get("BOARDSVC_TEST_RUNTIME_ROLE", "")
    made = not name
    with connection.cursor() as cursor:
        if made:
            name = f"boardsvc_test_app_{uuid.uuid4().hex[:12]}"
            cursor.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [name])
        assert cursor.fetchone() == (False,)
    call_command("db_roles", runtime_role=name, stdout=StringIO())
    yield name
    with connection.cursor() as cursor:
        if made:  # this test's own role: nothing outside this database refers to it
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')
        else:
            _revoke_db_roles_here(cursor, name)


def _revoke_db_roles_here(cursor, role: str) -> None:
    """Take back what `db_roles` granted ``role``, in this test database only.

    Not DROP OWNED BY: besides this database's grants it revokes the role's privileges on
    shared objects, e.g. CONNECT on every database of the cluster. The role named by
    BOARDSVC_TEST_RUNTIME_ROLE is shared with the other pytest-xdist workers (each granting it
    in its own test database) and may be a deployed role connecting to its real database.
    """
    q = connection.ops.quote_name
    cursor.execute("SELECT current_schema()")
    schema = q(cursor.fetchone()[0])
    cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {q(role)}")
    cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {q(role)}")
    cursor.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {q(role)}")
    cursor.execute(
        "SELECT DISTINCT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype"
        " FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace,"
        " aclexplode(d.defaclacl) a WHERE a.grantee = to_regrole(%s)", [q(role)])
    kinds = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}
    for owner, namespace, kind in cursor.fetchall():
        cursor.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {q(namespace)}"
                       f" REVOKE ALL ON {kinds[kind]} FROM {q(role)}")


def _connect_as(role: str):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None,
                           user=role, password=os.environ.get("BOARDSVC_TEST_RUNTIME_PASSWORD"),
                           connect_timeout=5, autocommit=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
def test_the_runtime_role_may_only_insert_and_select_on_the_audit_tables(runtime_role):
    import psycopg

    _audit_rows(2)
    _seal()
    refused: dict[str, str] = {}
    with _connect_as(runtime_role) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (runtime_role, False)
        cursor.execute(
            "INSERT INTO core_auditevent (at, actor_type, actor_id, action, outcome, object_type,"
            " object_id, patient_pseudonym, request_id, path, detail) VALUES (now(), 'system', '',"
            " 'read', 'success', 'case', 'x', '', '', '', '{}') RETURNING id")
        inserted = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM core_auditevent")
        assert cursor.fetchone()[0] == 3
        cursor.execute("SELECT count(*) FROM core_auditchainlink")
        assert cursor.fetchone()[0] == 2

        cursor.execute("SET boardsvc.audit_truncate_allowed = 'on'")  # anyone may set it ...
        attacks = {  # ... and it switches nothing on
            "truncate": "TRUNCATE core_auditevent",
            "truncate cascade": "TRUNCATE core_auditevent CASCADE",
            "delete": f"DELETE FROM core_auditevent WHERE id = {inserted}",
            "update": "UPDATE core_auditevent SET outcome = 'denied'",
            "disable update trigger":
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update",
            "disable truncate trigger":
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_truncate",
            "disable all triggers": "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
            "drop": "DROP TABLE core_auditevent",
            "rename": "ALTER TABLE core_auditevent RENAME TO core_auditevent_old",
            "replica role": "SET session_replication_role = replica",
            "chain truncate": "TRUNCATE core_auditchainlink",
            "chain delete": "DELETE FROM core_auditchainlink",
            "chain update": "UPDATE core_auditchainlink SET hash = prev_hash",
            "chain disable triggers": "ALTER TABLE core_auditchainlink DISABLE TRIGGER USER",
            "chain drop": "DROP TABLE core_auditchainlink",
            "forge migration history": "DELETE FROM django_migrations",
        }
        for name, statement in attacks.items():
            try:
                cursor.execute(statement)
            except psycopg.errors.InsufficientPrivilege as exc:
                refused[name] = exc.sqlstate
        cursor.execute("SELECT count(*) FROM core_auditevent WHERE outcome = 'success'")
        assert cursor.fetchone()[0] == 3
        cursor.execute("SELECT count(*) FROM core_auditchainlink")
        assert cursor.fetchone()[0] == 2
    assert refused == dict.fromkeys(attacks, "42501")


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
def test_the_service_runs_and_seals_as_the_runtime_role(runtime_role):
    """The application itself, connected as the runtime role: audit, seal, verify; no delete."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=runtime_role,
                                    PASSWORD=os.environ.get("BOARDSVC_TEST_RUNTIME_PASSWORD", ""))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime_role
        _audit_rows(3)
        assert _seal().appended == 3
        assert "audit chain intact: 3 links" in _verify()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.all().delete()
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
def test_a_row_committed_after_a_higher_id_was_sealed_joins_the_chain_later():
    inserted, release = threading.Event(), threading.Event()
    late: list[AuditEvent] = []

    def slow_request():
        try:
            with transaction.atomic():
                late.extend(_audit_rows(1))
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_request)
    thread.start()
    assert inserted.wait(10)
    early = _audit_rows(1)[0]  # a higher id, committed first
    assert _seal().appended == 1
    release.set()
    thread.join(10)
    assert late[0].id < early.id
    assert _seal().appended == 1
    assert list(AuditChainLink.objects.values_list("audit_event_id", flat=True)) == [
        early.id, late[0].id]
    assert "audit chain intact: 2 links" in _verify()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (run by .ci/run)")
def test_concurrent_sealers_never_fork_the_chain():
    _audit_rows(120)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def sealer():
        try:
            barrier.wait(10)
            audit_chain_seal(grace_seconds=0, batch_size=7)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert list(AuditChainLink.objects.values_list("seq", flat=True)) == list(range(1, 121))
    assert "audit chain intact: 120 links" in _verify()
