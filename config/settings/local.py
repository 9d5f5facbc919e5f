"""Local/demo settings: the embedded default (SQLite, filesystem broker), DEBUG on."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env_bool, env_secret

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "local-dev-only-not-for-production-7f3a9c")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
