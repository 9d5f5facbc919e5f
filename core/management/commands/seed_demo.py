"""Seed a realistic synthetic demo: boards, members, meetings, resources and ~40 cases.

Idempotent: every seeder uses stable natural keys (usernames, slugs, external ids), so running
it twice creates nothing new. The seeders are named in settings.BOARDSVC_DEMO_SEEDERS so this
kernel command does not import the apps (core depends on none of them).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from core.access import GROUP_ADMINISTRATOR, GROUP_COORDINATOR

DEMO_PASSWORD = "boardsvc-demo"  # noqa: S105 - synthetic demo logins, printed by the README command


def seed_core_users() -> list[dict[str, str]]:
    """The coordinator and administrator demo logins."""
    User = get_user_model()
    logins = []
    for username, group, first, last, staff in [
        ("coordinator", GROUP_COORDINATOR, "Chiara", "Demo", False),
        ("admin", GROUP_ADMINISTRATOR, "Ada", "Admin", True),
    ]:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org",
                      "is_staff": staff, "is_superuser": staff},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        logins.append({"username": username, "role": group})
    return logins


class Command(BaseCommand):
    help = "Seed the synthetic demo data (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=42, help="random seed for Faker")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        summary: dict[str, Any] = {}
        with transaction.atomic():
            summary["core"] = {"logins": seed_core_users()}
        for dotted in settings.BOARDSVC_DEMO_SEEDERS:
            seeder = import_string(dotted)
            with transaction.atomic():
                summary[dotted] = seeder(rng_seed=options["seed"])
        if options["quiet"]:
            return
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        logins: dict[str, str] = {}
        for result in summary.values():
            for login in (result or {}).get("logins", []):
                logins.setdefault(login["username"], login.get("role", ""))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in logins.items():
            self.stdout.write(f"  {username:<24} {role}")
        for key, result in summary.items():
            counts = {k: v for k, v in (result or {}).items() if isinstance(v, int)}
            if counts:
                self.stdout.write(f"  {key}: {counts}")
