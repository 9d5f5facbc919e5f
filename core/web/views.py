"""Sign-in, sign-out, TOTP enrolment/verification (docs/security.md, S3 and S5) and the
notification inbox, for people."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from core import selectors
from core.notifications import notification_mark_all_read, notification_mark_read
from core.two_factor import totp_device_for, totp_verify
from core.web.inbox import page_link
from core.web.pages import render_page


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


def _qr_svg(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _safe_next(request: HttpRequest) -> str:
    """Where to go after verification: a path on this site only, never another host (issue 10,
    item 9: ``next=https://evil.example/`` is ignored)."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device (first visit) or verify a code for this session."""
    device = totp_device_for(user=request.user)
    if request.method == "POST":
        if totp_verify(device=device, token=request.POST.get("token", "")):
            otp_login(request, device)
            messages.success(request, _("Two-factor verification succeeded."))
            return redirect(_safe_next(request))
        messages.error(request, _("That code is not valid. Check your authenticator's clock."))
    context = {"device": device, "enrolling": not device.confirmed}
    if not device.confirmed:
        context["qr"] = _qr_svg(device.config_url)
    return render(request, "core/two_factor.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: "my next meetings" (boardsvc's dashboard, reached by URL name so that core
    imports no other app)."""
    return redirect("boardsvc_web:dashboard")


# --- notification inbox ---------------------------------------------------------------------------

INBOX_PAGE_SIZE = 25


@login_required
@require_http_methods(["GET"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications (violations, placement problems, agendas), newest
    first, all or unread only, paginated. Only the recipient ever sees a notification."""
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.notification_list(user=request.user, unread_only=unread_only),
                     INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"n": n, "link": page_link(n.link)} for n in page.object_list]
    return render_page(request, "core/notifications.html", {
        "page": page, "rows": rows, "unread_only": unread_only,
    }, section="inbox")


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    target = reverse("notifications")
    if request.POST.get("show") == "unread":
        target += "?show=unread"
    return redirect(target)


@login_required
@require_POST
def notification_read(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Mark one notification read (someone else's, or an unknown id, is a 404)."""
    if not notification_mark_read(user=request.user, public_id=public_id):
        raise Http404
    return _back_to_inbox(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(user=request.user)
    messages.success(request, ngettext("%(n)d notification marked as read.",
                                       "%(n)d notifications marked as read.", count)
                     % {"n": count})
    return _back_to_inbox(request)
