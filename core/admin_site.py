"""The admin site: staff who hold a verified TOTP device (issue 10, item 2; docs/security.md, S3).

With BOARDSVC_REQUIRE_2FA the two-factor middleware already sends unverified sessions to the
enrolment page; the site checks again itself, so the audit trail and the system clients stay
behind the second factor even if the middleware list is changed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class BoardsvcAdminSite(admin.AdminSite):
    site_header = "boardsvc administration"

    def has_permission(self, request: Any) -> bool:
        if not super().has_permission(request):
            return False
        if settings.BOARDSVC_REQUIRE_2FA:
            return bool(getattr(request.user, "is_verified", lambda: False)())
        return True


class BoardsvcAdminConfig(AdminConfig):
    default_site = "core.admin_site.BoardsvcAdminSite"
