"""Test settings: fast hasher, locmem, eager Celery (HackSoft-Example config/django/test.py)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env_bool, env_str

# On SQLite the test database is a file (in RAM where the machine has /dev/shm, in a directory of
# this process's own), not Django's in-memory default. In memory, pytest-django hands the test's
# one connection to every thread of the browser tests' live server, so two pages' requests (the
# chair's decision, the room screen's poll) ran their transactions interleaved on it and one
# failed with a 503. On a file each request has its own connection, as the embedded deployment
# has (WAL, IMMEDIATE, busy timeout). pytest-django adds each xdist worker's suffix to the name.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _ram = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp directory
    _test_dir = tempfile.mkdtemp(prefix="boardsvc-test-", dir=_ram if _ram.is_dir() else None)
    atexit.register(shutil.rmtree, _test_dir, True)
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_test_dir) / "test.sqlite3")}

SECRET_KEY = "test-only-secret-key-not-for-production-5b1e2d"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The integration run (.ci/run, PostgreSQL + Redis + a real worker) turns eager off.
CELERY_TASK_ALWAYS_EAGER = env_bool("BOARDSVC_TEST_CELERY_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_TASK_ALWAYS_EAGER and not env_str("CELERY_BROKER_URL"):
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
AXES_ENABLED = env_bool("BOARDSVC_TEST_AXES", False)
# Tests change the data between two views of a dashboard; tests/boardsvc/web/test_kpi_cache.py
# turns the keeping on and tests it.
BOARDSVC_KPI_CACHE_SECONDS = 0

# No switch lets a connection empty the audit tables (issue 10 item 3): on PostgreSQL the test
# flush disables their triggers as the table owner, inside its own transaction (tests/conftest.py).
