"""A test URLconf: the site's pages plus one view that fails, to see the styled 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("synthetic failure for the 500 page test")


urlpatterns = [
    path("boom/", boom),
    path("", include("core.web.urls")),
    path("", include("cases.web.urls")),
    path("", include("boardsvc.web.urls")),
    path("", include("scheduling.web.urls")),
]

handler403 = "core.web.error_pages.permission_denied"
handler404 = "core.web.error_pages.page_not_found"
handler500 = "core.web.error_pages.server_error"
