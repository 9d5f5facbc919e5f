"""Local/demo settings: the embedded default (SQLite, filesystem broker).

DEBUG is off by default so the demo shows the site's own 403/404/500 pages
(core/web/error_pages.py), never Django's technical pages; ``DJANGO_DEBUG=true`` turns it on for
development. Static files are served by WhiteNoise straight from the apps' static folders, so
no collectstatic is needed either way."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env_bool, env_secret

DEBUG = env_bool("DJANGO_DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "local-dev-only-not-for-production-7f3a9c")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
