"""Admin views of the kernel's tables: audit trail (read-only), outbox, dead letters; and the
audited, read-only admin that every app uses for its clinical objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from .access import principal_from_request
from .audit import audit_record, audit_record_many
from .models import AuditEvent, DeadLetter, OutboxMessage
from .selectors import audit_event_list


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AuditedReadOnlyAdmin(ReadOnlyAdmin):
    """Clinical objects (cases, plans, decisions, bookings...): shown, never changed here, and
    every view of them audited (docs/security.md, S8; issue 10, item 7).

    An admin edit would bypass the services: no audit row, no revision and no version bump, so
    a client holding the old ETag could then overwrite it. Clinical writes go through the API
    and the pages; the admin only shows. Its change list writes one ``list`` row per object on
    the page (one INSERT, whatever the page size), its change page one ``read`` row.

    Subclasses name the audited object type and the lookups from a row to its public id and to
    its patient. The ids and pseudonyms of a page are read in one query (values_list over the
    page's primary keys): cheaper than select_related here, which would switch off the
    admin's own list_select_related (ChangeList applies it only to a queryset without one).
    """

    audit_object_type: str = ""
    audit_id_path: str = "public_id"
    audit_patient_path: str = "patient"  # "" when the row is the patient
    actions = None  # no bulk actions (delete_selected) on clinical rows

    def audit_objects(self, objs: Iterable[Model]) -> list[tuple[object, object]]:
        """(public id, patient pseudonym) of each row, in order, as audit_record_many takes
        them; one query whatever the number of rows."""
        pks = [obj.pk for obj in objs]
        if not pks:
            return []
        patient = (f"{self.audit_patient_path}__public_id" if self.audit_patient_path
                   else "public_id")
        found = {pk: (public_id, pseudonym or "") for pk, public_id, pseudonym in
                 self.model._default_manager.filter(pk__in=pks)
                 .values_list("pk", self.audit_id_path, patient)}
        return [found[pk] for pk in pks if pk in found]

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # result_list is the page's queryset; the template then reads the same, cached rows.
            audit_record_many(principal=principal_from_request(request), action="list",
                              object_type=self.audit_object_type, path=request.path,
                              objects=self.audit_objects(changelist.result_list))
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
        except PermissionDenied:
            self._audit_refused(request, "update" if request.method == "POST" else "read",
                                object_id)
            raise
        original = (getattr(response, "context_data", None) or {}).get("original")
        for public_id, pseudonym in self.audit_objects([original] if original else []):
            audit_record(principal=principal_from_request(request), action="read",
                         object_type=self.audit_object_type, object_id=public_id,
                         patient_pseudonym=pseudonym, path=request.path)
        return response

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except PermissionDenied:
            self._audit_refused(request, "create", None)
            raise

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except PermissionDenied:
            self._audit_refused(request, "delete", object_id)
            raise

    def _audit_refused(self, request: HttpRequest, action: str, object_id: str | None) -> None:
        """A refused write in the admin is a refused access (S8): one denied row, naming the
        object and its patient when there is one."""
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        found = self.audit_objects([obj]) if obj is not None else []
        public_id, pseudonym = found[0] if found else ("", "")
        audit_record(principal=principal_from_request(request), action=action,
                     outcome=AuditEvent.Outcome.DENIED, object_type=self.audit_object_type,
                     object_id=public_id, patient_pseudonym=pseudonym, path=request.path)


class ReadOnlyInlineMixin:
    """An inline of clinical rows under an AuditedReadOnlyAdmin (or a meeting): shown only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_type", "actor_id", "action", "outcome", "object_type",
                    "object_id", "patient_pseudonym", "entity_count", "request_id")
    list_filter = ("action", "outcome", "actor_type", "object_type")
    search_fields = ("actor_id", "object_id", "patient_pseudonym", "request_id")
    date_hierarchy = "at"

    def get_search_results(self, request: HttpRequest, queryset: Any,
                           search_term: str) -> tuple[Any, bool]:
        """The columns above, and the list rows that name the term among their entities."""
        found, may_duplicate = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            named = audit_event_list(filters={"patient": term}).values("pk")
            found = found | queryset.filter(pk__in=named)
        return found, may_duplicate

    @admin.display(description="entities")
    def entity_count(self, event: AuditEvent) -> int:
        """How many objects a list row names (their ids and pseudonyms are on its page)."""
        return len(event.entities or ())


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
