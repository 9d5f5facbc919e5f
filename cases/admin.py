"""Admin: staff edit cases and lesions; decision support and readiness are shown read-only.

Patient identifiers are not listed or searchable here (no MRNs on screen); the patient appears
by pseudonym only.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Case,
    CaseStatusChange,
    Lesion,
    PlannedProcedure,
    SiteParameter,
    TreatmentPlan,
)
from cases.selectors import case_decision_support, case_readiness


class LesionInline(admin.StackedInline):
    model = Lesion
    extra = 0
    exclude = ("public_id",)


class StatusChangeInline(admin.TabularInline):
    model = CaseStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "reason", "at", "by_user", "by_client")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # status moves go through case_transition (history stays truthful)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("short_id", "status", "urgency", "requested_board", "primary_histology",
                    "submitted_at")
    list_filter = ("status", "urgency", "requested_board")
    search_fields = ("public_id", "external_id")
    date_hierarchy = "submitted_at"
    list_select_related = ("patient",)
    inlines = (LesionInline, StatusChangeInline)
    # status and version change only through services (lifecycle + optimistic concurrency)
    readonly_fields = ("public_id", "patient_pseudonym", "status", "version", "submitted_at",
                       "ready_at", "updated_at", "readiness", "decision_support")
    exclude = ("patient",)

    @admin.display(description=_("Case"))
    def short_id(self, obj: Case) -> str:
        return str(obj.public_id)[:8]

    @admin.display(description=_("Patient (pseudonym)"))
    def patient_pseudonym(self, obj: Case) -> str:
        return str(obj.patient.public_id) if obj.pk else ""

    @admin.display(description=_("Readiness"))
    def readiness(self, obj: Case) -> str:
        if not obj.pk:
            return ""
        items = case_readiness(case=obj)
        return "; ".join(item["message"] for item in items) or str(_("Ready for MDT discussion."))

    @admin.display(description=_("Decision support"))
    def decision_support(self, obj: Case) -> str:
        if not obj.pk:
            return ""
        data = case_decision_support(case=obj)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>",
                           json.dumps(data, indent=2, ensure_ascii=False, default=str))

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # cases come in through case_create (patient matching, idempotency)


class PlannedProcedureInline(admin.TabularInline):
    model = PlannedProcedure
    extra = 0
    fk_name = "plan"
    exclude = ("public_id",)


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(admin.ModelAdmin):
    list_display = ("public_id", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("public_id", "case", "created_at", "created_by")
    inlines = (PlannedProcedureInline,)


@admin.register(SiteParameter)
class SiteParameterAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "reason", "updated_by", "updated_at")
    readonly_fields = ("key", "value", "reason", "updated_by", "updated_at")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # changed through the API (range check, audit of who and why)
