"""Check the audit trail against its hash chain and against checkpoints kept outside the DB.

    manage.py audit_verify
    manage.py audit_verify --checkpoint 1200:9f2c...e1 --checkpoint 2400:77ab...04
    manage.py audit_verify --checkpoint-file boardsvc.log     # lines "audit checkpoint seq=..."

Exit 0 with a summary when intact; otherwise the first broken row (audit id, seq) and exit 1.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.auditchain import audit_chain_verify, checkpoints_parse


class Command(BaseCommand):
    help = "Recompute the audit hash chain and compare it with the stored links and checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", action="append", default=[], metavar="SEQ:HASH",
                            help="a head the chain must still have (repeatable)")
        parser.add_argument("--checkpoint-file", action="append", default=[], metavar="PATH",
                            help="a log or mail holding 'seq=N head=HASH' lines ('-': stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoints: list[tuple[int, str]] = []
        for raw in options["checkpoint"]:
            seq, _, head = raw.partition(":")
            found = checkpoints_parse(f"seq={seq.strip()} head={head.strip().lower()}")
            if not found:
                raise CommandError(f"--checkpoint must be SEQ:HASH (64 hex digits), not {raw!r}")
            checkpoints += found
        for path in options["checkpoint_file"]:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            found = checkpoints_parse(text)
            if not found:
                raise CommandError(f"no 'seq=N head=HASH' checkpoint in {path}")
            checkpoints += found

        report = audit_chain_verify(checkpoints=checkpoints)
        for problem in report.breaks[:50]:
            self.stdout.write(f"BROKEN {problem}")
        if len(report.breaks) > 50:
            self.stdout.write(f"... and {len(report.breaks) - 50} more")
        if report.unsealed_below_head:
            self.stdout.write(
                f"warning: {len(report.unsealed_below_head)} audit rows below the sealed head are "
                f"not in the chain (committed late, or inserted since): "
                f"{', '.join(map(str, report.unsealed_below_head[:20]))}")
        first = report.first_break
        if first is not None:
            raise CommandError(f"audit trail tampered with; first broken row: {first}")
        self.stdout.write(
            f"audit chain intact: {report.links} links, head seq={report.links} "
            f"head={report.head}; {report.checkpoints_matched} of {len(checkpoints)} checkpoints "
            f"matched; {report.unsealed_pending} newer rows not yet sealed")
