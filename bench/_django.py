"""Django set-up shared by the benchmarks that run the service in-process: a throw-away SQLite
file (or the database in DATABASE_URL), the test settings, logging below warnings silenced,
migrations applied."""

from __future__ import annotations

import logging
import os
import tempfile


def django_bench_setup() -> str:
    """Configure and start Django for a benchmark; returns the scratch folder it uses."""
    tmp = tempfile.mkdtemp(prefix="boardsvc-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["BOARDSVC_VAR_DIR"] = tmp
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp
