"""Sign-in, sign-out and TOTP enrolment/verification for people (reliability-bar S3, S5)."""

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
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.web import inbox
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
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        if token.isdigit() and device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
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
    page = Paginator(inbox.notification_list(user=request.user, unread_only=unread_only),
                     INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"n": n, "link": inbox.page_link(n.link)} for n in page.object_list]
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
    if not inbox.notification_mark_read(user=request.user, public_id=public_id) and not \
            inbox.notification_list(user=request.user).filter(pk=public_id).exists():
        raise Http404
    return _back_to_inbox(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = inbox.notification_mark_all_read(user=request.user)
    messages.success(request, ngettext("%(n)d notification marked as read.",
                                       "%(n)d notifications marked as read.", count)
                     % {"n": count})
    return _back_to_inbox(request)
