"""Admin: cases and plans are shown read-only, with decision support and readiness, and every
view is audited (core.admin.AuditedReadOnlyAdmin); they change only through the API and the
pages, whose services keep the version, the revisions and the audit trail (issue 10, item 7).
Site parameters are changed through the API (range check, reason).

Patients and their identifiers are not registered here (no MRNs on screen); the patient appears
by pseudonym only.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.labels import readiness_localized
from cases.models import (
    Case,
    CaseStatusChange,
    Lesion,
    PlannedProcedure,
    SiteParameter,
    TreatmentPlan,
)
from cases.selectors import case_decision_support, case_readiness
from core.admin import AuditedReadOnlyAdmin, ReadOnlyInlineMixin


class LesionInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = Lesion
    exclude = ("public_id",)


class StatusChangeInline(ReadOnlyInlineMixin, admin.TabularInline):
    # status moves go through case_transition (history stays truthful)
    model = CaseStatusChange
    readonly_fields = ("from_status", "to_status", "reason", "at", "by_user", "by_client")


@admin.register(Case)
class CaseAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "case"
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
        items = readiness_localized(case_readiness(case=obj))
        return "; ".join(item["message"] for item in items) or str(_("Ready for MDT discussion."))

    @admin.display(description=_("Decision support"))
    def decision_support(self, obj: Case) -> str:
        if not obj.pk:
            return ""
        data = case_decision_support(case=obj)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>",
                           json.dumps(data, indent=2, ensure_ascii=False, default=str))


class PlannedProcedureInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = PlannedProcedure
    fk_name = "plan"
    exclude = ("public_id",)


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "plan"
    audit_patient_path = "case__patient"
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
