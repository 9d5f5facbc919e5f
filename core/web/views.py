"""Sign-in, sign-out and TOTP enrolment/verification for people (reliability-bar S3, S5)."""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice


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
            return redirect(request.GET.get("next") or "home")
        messages.error(request, _("That code is not valid. Check your authenticator's clock."))
    context = {"device": device, "enrolling": not device.confirmed}
    if not device.confirmed:
        context["qr"] = _qr_svg(device.config_url)
    return render(request, "core/two_factor.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: "my next meetings" (boardsvc's dashboard, reached by URL name so that core
    imports no other app)."""
    return redirect("boards_web:dashboard")
