"""Create and manage hospital systems' OAuth2 clients (administrators only; audited).

    manage.py system_client create --name "HIS" --scopes "cases:read cases:write" [--boards spine]
    manage.py system_client list
    manage.py system_client update CLIENT_ID [--scopes "..."] [--boards a,b | --all-boards]
    manage.py system_client disable CLIENT_ID      # every token dies at once
    manage.py system_client enable CLIENT_ID
    manage.py system_client rotate-secret CLIENT_ID

The secret is printed once; only its hash is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.clients import (
    system_client_create,
    system_client_rotate_secret,
    system_client_update,
)
from core.models import SystemClient


def _boards(raw: str | None) -> list[str] | None:
    return None if raw is None else [b.strip() for b in raw.split(",") if b.strip()]


class Command(BaseCommand):
    help = "Create, list, change, disable and rotate hospital systems' OAuth2 clients."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="space-separated scopes")
        create.add_argument("--boards", help="comma-separated board slugs (default: all boards)")
        sub.add_parser("list")
        update = sub.add_parser("update")
        update.add_argument("client_id")
        update.add_argument("--scopes")
        update.add_argument("--boards")
        update.add_argument("--all-boards", action="store_true")
        for name in ("disable", "enable", "rotate-secret"):
            sub.add_parser(name).add_argument("client_id")

    def _client(self, client_id: str) -> SystemClient:
        client = SystemClient.objects.select_related("application").filter(
            application__client_id=client_id).first()
        if client is None:
            raise CommandError(f"No system client with client id {client_id!r}.")
        return client

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                client, secret = system_client_create(
                    name=options["name"], scopes=options["scopes"],
                    boards=_boards(options["boards"]), principal=None)
                self.stdout.write(f"client_id: {client.application.client_id}")
                self.stdout.write(f"client_secret: {secret}")
                self.stdout.write(f"scopes: {client.allowed_scopes}")
                self.stdout.write("The secret is shown once; store it in the calling system.")
            elif action == "list":
                for client in SystemClient.objects.select_related("application").order_by("pk"):
                    boards = "all" if client.all_boards else ",".join(client.allowed_boards)
                    state = "enabled" if client.enabled else "DISABLED"
                    self.stdout.write(f"{client.application.client_id}\t{client.application.name}"
                                      f"\t{state}\tscopes={client.allowed_scopes}\tboards={boards}")
            elif action == "update":
                client = system_client_update(
                    client=self._client(options["client_id"]), principal=None,
                    scopes=options["scopes"], boards=_boards(options["boards"]),
                    all_boards=True if options["all_boards"] else None)
                self.stdout.write(f"updated: scopes={client.allowed_scopes}")
            elif action in ("disable", "enable"):
                system_client_update(client=self._client(options["client_id"]), principal=None,
                                     enabled=action == "enable")
                self.stdout.write(f"{action}d")
            elif action == "rotate-secret":
                secret = system_client_rotate_secret(client=self._client(options["client_id"]),
                                                     principal=None)
                self.stdout.write(f"client_secret: {secret}")
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}"
                                         for k, v in exc.message_dict.items())) from None
