"""Grant the service's runtime role its privileges (PostgreSQL; README "Database roles").

    DATABASE_URL=postgres://boardsvc_owner:...@db/boardsvc manage.py migrate
    DATABASE_URL=postgres://boardsvc_owner:...@db/boardsvc manage.py db_roles --runtime-role boardsvc_app

Run as the owner role after every migrate: it is idempotent, and it narrows the privileges on
tables created since to what the runtime role needs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.dbroles import INSERT_ONLY_TABLES, RoleSetupError, db_roles_grant


class Command(BaseCommand):
    help = ("Give the runtime database role DML on every table but INSERT/SELECT only on the "
            "audit tables (run as the owner role after migrate).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runtime-role", required=True,
                            help="the role web, worker and beat connect as (e.g. boardsvc_app)")
        parser.add_argument("--owner-role",
                            help="the role migrations run as (default: the connected role)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            statements = db_roles_grant(runtime_role=options["runtime_role"],
                                        owner_role=options["owner_role"])
        except RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 1:
            for statement in statements:
                self.stdout.write(f"{statement};")
        self.stdout.write(
            f"{options['runtime_role']}: DML on the application's tables, INSERT and SELECT only "
            f"on {', '.join(INSERT_ONLY_TABLES)}.")
