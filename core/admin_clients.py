"""System clients in the admin: an OAuth2 application plus its allow-list (issue 10, item 1).

Registered through django-oauth-toolkit's ``APPLICATION_ADMIN_CLASS`` setting. Only
administrators (core.access) see or change clients; every save is audited and tokens already
issued follow the new allow-list at once (core.clients).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from oauth2_provider.admin import ApplicationAdmin

from .access import principal_for_user
from .clients import (
    clean_boards,
    clean_scopes,
    known_scopes,
    system_client_audit_admin_change,
    system_client_snapshot,
)
from .models import SystemClient


class SystemClientForm(forms.ModelForm):
    allowed_scopes = forms.MultipleChoiceField(
        choices=lambda: sorted(known_scopes().items()), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The only scopes this client can obtain; removing one takes it from tokens "
                  "already issued.")
    allowed_boards = forms.CharField(
        required=False, help_text="Board slugs, comma-separated (used when 'all boards' is off).")

    class Meta:
        model = SystemClient
        fields = ("enabled", "allowed_scopes", "all_boards", "allowed_boards")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_scopes"] = sorted(self.instance.scope_set)
            self.initial["allowed_boards"] = ", ".join(self.instance.allowed_boards)

    def clean_allowed_scopes(self) -> str:
        try:
            return clean_scopes(self.cleaned_data.get("allowed_scopes") or [])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["allowed_scopes"]) from None

    def clean_allowed_boards(self) -> list[str]:
        raw = self.cleaned_data.get("allowed_boards") or ""
        try:
            return clean_boards(raw.split(","))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["allowed_boards"]) from None


class SystemClientInline(admin.StackedInline):
    model = SystemClient
    form = SystemClientForm
    can_delete = False
    min_num = 1
    max_num = 1
    verbose_name = "allow-list"

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


def _is_admin(request: Any) -> bool:
    """Administrators of boardsvc (superusers or the "administrator" group), not any staff."""
    return principal_for_user(request.user).is_admin


class SystemClientApplicationAdmin(ApplicationAdmin):
    inlines = [SystemClientInline]
    list_display = ("name", "client_id", "authorization_grant_type", "enabled", "scopes")

    @admin.display(boolean=True)
    def enabled(self, obj: Any) -> bool:
        client = getattr(obj, "system_client", None)
        return bool(client and client.enabled)

    @admin.display(description="allowed scopes")
    def scopes(self, obj: Any) -> str:
        client = getattr(obj, "system_client", None)
        return client.allowed_scopes if client else "(none: no token can be issued)"

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("system_client")

    def has_module_permission(self, request: Any) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: Any) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_admin(request)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        existing = SystemClient.objects.select_related("application").filter(
            application_id=obj.pk).first() if obj.pk else None
        request._boardsvc_client_before = system_client_snapshot(existing) if existing else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        client = SystemClient.objects.select_related("application").filter(
            application=form.instance).first()
        if client is not None:
            system_client_audit_admin_change(
                client=client, before=getattr(request, "_boardsvc_client_before", None),
                principal=principal_for_user(request.user))
