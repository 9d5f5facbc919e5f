from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core (roles, audit, outbox)"

    def ready(self) -> None:
        # Authentication events belong in the audit trail (ASVS 7.2.1): sign-ins, failures and
        # lockouts. These are framework signals, not model signals carrying business logic.
        from core.logging import install_phi_safe_record_factory

        # No patient data in any log line, whichever handler receives it (docs/security.md, S9).
        install_phi_safe_record_factory()

        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_audit_login, dispatch_uid="core-audit-login")
        user_login_failed.connect(_audit_login_failed, dispatch_uid="core-audit-login-failed")
        user_locked_out.connect(_audit_lockout, dispatch_uid="core-audit-lockout")

        # A task that fails for the last time leaves a dead letter and an alert (Q7).
        from celery.signals import task_failure

        from core.deadletters import on_task_failure

        task_failure.connect(on_task_failure, dispatch_uid="core-dead-letter", weak=False)


def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from core.access import principal_for_user
    from core.audit import audit_record

    audit_record(principal=principal_for_user(user), action="login", object_type="session",
                 path=getattr(request, "path", "") if request is not None else "")


def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                        **kwargs: Any) -> None:
    from core.audit import audit_record

    audit_record(principal=None, action="login_failed", outcome="failed", object_type="session",
                 path=getattr(request, "path", "") if request is not None else "",
                 detail={"username": str(credentials.get("username", ""))[:150]})


def _audit_lockout(sender: Any, request: Any, username: str = "", ip_address: str = "",
                   **kwargs: Any) -> None:
    from core.audit import audit_record

    audit_record(principal=None, action="lockout", outcome="denied", object_type="session",
                 detail={"username": str(username)[:150]})
