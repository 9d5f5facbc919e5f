"""The styled 403, 404 and 500 pages (config/urls.py names them as handler403/404/500).

API, FHIR and iCalendar paths keep answering problem+json (core/views.py). People get a page of
the site with a way back: 403 and 404 extend core/base.html with the navigation; 500 is a
standalone template rendered without a request context, so it needs neither the database nor
the session, which may be what failed. None of them shows a stack trace or what was asked for.

The demo serves these pages too: config/settings/local.py runs with DEBUG off by default
(``DJANGO_DEBUG=true`` brings Django's technical pages back for development).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from core import views as core_views
from core.web.pages import page_context

logger = logging.getLogger(__name__)

_API_PREFIXES = ("/api/", "/fhir/", "/ical/")


def _back(request: HttpRequest) -> str:
    """The referring page of this site, if there is one and it is not the failing page."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or referer.endswith(request.path):
        return ""
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return referer
    return ""


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    context = {"back": _back(request), "request_id": getattr(request, "request_id", ""),
               "section": ""}
    try:
        context.update(page_context(request))
    except Exception:  # the navigation's badge is a nicety; the error page must still render
        logger.warning("error page rendered without the navigation context", exc_info=True)
    return render(request, template, context, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    if request.path.startswith(_API_PREFIXES):
        return core_views.not_found(request, exception)
    return _page(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    if request.path.startswith(_API_PREFIXES):
        return JsonResponse({"type": "/problems/403", "title": "Forbidden", "status": 403,
                             "detail": "You may not do this.", "errors": [],
                             "request_id": getattr(request, "request_id", "")},
                            status=403, content_type="application/problem+json")
    return _page(request, "403.html", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the standalone page, rendered without context processors."""
    if request.path.startswith(_API_PREFIXES):
        return core_views.server_error(request)
    body = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "")})
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")
