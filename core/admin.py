"""Admin views of the kernel's tables: audit trail (read-only), outbox, dead letters."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import AuditEvent, DeadLetter, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_type", "actor_id", "action", "outcome", "object_type",
                    "object_id", "patient_pseudonym", "request_id")
    list_filter = ("action", "outcome", "actor_type", "object_type")
    search_fields = ("actor_id", "object_id", "patient_pseudonym", "request_id")
    date_hierarchy = "at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "task_name", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "task_name")


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("at", "task_name", "exception_type", "retries", "kwargs", "resolved_at")
    list_filter = ("task_name", "exception_type")
    readonly_fields = ("task_name", "task_id", "kwargs", "exception_type", "retries", "at")
    fields = (*readonly_fields, "resolved_at")

    def has_add_permission(self, request: Any) -> bool:
        return False
