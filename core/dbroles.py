"""PostgreSQL privileges for the service's runtime role (issue 10 item 3, README "Database roles").

Migrations run as an owner role, which owns every table. The service runs as a runtime role that
owns nothing: normal DML on the application's tables, but only INSERT and SELECT on the
append-only tables, and SELECT on the migration history. Without ownership it cannot ALTER,
DISABLE TRIGGER, DROP or TRUNCATE, and without superuser it cannot bypass triggers either.
"""

from __future__ import annotations

import re

from django.db import connection, transaction

from .models import AuditChainLink, AuditEvent

# Tables the runtime role may only INSERT into and SELECT from. Append a model's table here
# when it joins the audit trail, then re-run `manage.py db_roles`.
INSERT_ONLY_TABLES: tuple[str, ...] = (AuditEvent._meta.db_table, AuditChainLink._meta.db_table)
READ_ONLY_TABLES: tuple[str, ...] = ("django_migrations",)
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class RoleSetupError(Exception):
    """The runtime role is missing, or strong enough to rewrite the audit trail itself."""


def db_roles_statements(*, runtime_role: str, owner_role: str, schema: str) -> list[str]:
    """The GRANT/REVOKE statements, idempotent: privileges are reset, then granted again."""
    for name in (runtime_role, owner_role, schema):
        if not _ROLE_NAME.match(name):
            raise RoleSetupError(f"not a plain SQL identifier: {name!r}")
    q = connection.ops.quote_name
    role, owner, sch = q(runtime_role), q(owner_role), q(schema)
    statements = [
        f"GRANT USAGE ON SCHEMA {sch} TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sch} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {role}",
        # Tables created by later migrations start with normal DML; re-running this command
        # after each migrate narrows the append-only ones again.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    statements += [f"REVOKE UPDATE, DELETE ON {sch}.{q(t)} FROM {role}" for t in INSERT_ONLY_TABLES]
    statements += [f"REVOKE INSERT, UPDATE, DELETE ON {sch}.{q(t)} FROM {role}"
                   for t in READ_ONLY_TABLES]
    return statements


def db_roles_grant(*, runtime_role: str, owner_role: str | None = None) -> list[str]:
    """Give ``runtime_role`` exactly the service's privileges; run as the owner after migrate.

    Raises RoleSetupError unless the database is PostgreSQL and the role exists, is not a
    superuser, and neither owns nor inherits the owner of the audit tables.
    """
    if connection.vendor != "postgresql":
        raise RoleSetupError("database roles exist on PostgreSQL only (docs/security.md, SQLite)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        current_user, schema = cursor.fetchone()
        owner_role = owner_role or current_user
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [runtime_role])
        found = cursor.fetchone()
        if found is None:
            raise RoleSetupError(
                f"role {runtime_role!r} does not exist: CREATE ROLE {runtime_role} LOGIN "
                f"PASSWORD '...' (README, Database roles)")
        if found[0]:
            raise RoleSetupError(f"role {runtime_role!r} is a superuser; the runtime role "
                                 f"must not be")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s) AND pg_has_role(%s, c.relowner, 'USAGE')",
            [schema, list(INSERT_ONLY_TABLES), runtime_role],
        )
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            raise RoleSetupError(f"role {runtime_role!r} owns (or inherits the owner of) "
                                 f"{', '.join(owned)}; run migrations as a separate owner role")
        statements = db_roles_statements(runtime_role=runtime_role, owner_role=owner_role,
                                         schema=schema)
        for statement in statements:
            cursor.execute(statement)
    return statements
