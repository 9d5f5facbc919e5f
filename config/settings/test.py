"""Test settings: fast hasher, locmem, eager Celery (HackSoft-Example config/django/test.py)."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env_bool, env_str

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
