"""Extend the audit hash chain now (beat does it every minute) and print the checkpoint line.

    manage.py audit_seal            # seal rows older than the grace period
    manage.py audit_seal --alert    # and send the head to the administrators now
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.auditchain import audit_chain_seal


class Command(BaseCommand):
    help = "Append hash-chain links for new audit rows and print the chain's head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grace-seconds", type=int, default=None,
                            help="seal rows at least this old (default: "
                                 "BOARDSVC_AUDIT_SEAL_GRACE_SECONDS)")
        parser.add_argument("--alert", action="store_true",
                            help="send the head to the administrators even if not due")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_seal(grace_seconds=options["grace_seconds"],
                                  alert=True if options["alert"] else None)
        self.stdout.write(f"sealed {result.appended} audit rows")
        if result.head is not None:
            self.stdout.write(result.head.line())
