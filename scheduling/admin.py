"""Admin for scheduling. Bookings and violations are read-only here and every view of them is
audited (core.admin.AuditedReadOnlyAdmin): every booking write goes through the services (locks,
rules, versions, audit). Rooms, hours, timing rules, pathway clock targets and catalogues are edited by
administrators; pathway clock alerts are read-only."""

from __future__ import annotations

from django.contrib import admin

from core.admin import AuditedReadOnlyAdmin
from scheduling.models import (
    Booking,
    OpeningHours,
    PathwayClockAlert,
    PathwayClockTarget,
    ProcedureCatalogueEntry,
    Resource,
    ResourceException,
    TimingRule,
    Violation,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ResourceExceptionInline(admin.TabularInline):
    model = ResourceException
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "timezone", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    inlines = [OpeningHoursInline, ResourceExceptionInline]


@admin.register(ProcedureCatalogueEntry)
class ProcedureCatalogueEntryAdmin(admin.ModelAdmin):
    list_display = ("procedure_type", "duration_minutes", "resource_kinds", "version")


@admin.register(TimingRule)
class TimingRuleAdmin(admin.ModelAdmin):
    list_display = ("rule_id", "code", "kind", "severity", "min_lag_minutes", "max_lag_minutes",
                    "preferred_lag_minutes", "active")
    list_filter = ("rule_id", "severity", "active")
    readonly_fields = ("version", "updated_at", "updated_by")


@admin.register(PathwayClockTarget)
class PathwayClockTargetAdmin(admin.ModelAdmin):
    list_display = ("clock_id", "code", "name", "target_days", "alert_lead_days", "active")
    list_filter = ("active",)
    readonly_fields = ("code", "clock_id", "start_event", "stop_event", "version", "updated_at",
                       "updated_by")


@admin.register(PathwayClockAlert)
class PathwayClockAlertAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "clock_alert"
    audit_id_path = "pk"
    audit_patient_path = "case__patient"
    list_display = ("target", "kind", "due_at", "recorded_at", "notified")
    list_filter = ("kind", "target")
    list_select_related = ("target",)


@admin.register(Booking)
class BookingAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "booking"
    list_display = ("public_id", "resource", "start", "end", "status", "fraction_number")
    list_filter = ("status", "resource")
    list_select_related = ("resource",)
    date_hierarchy = "start"


@admin.register(Violation)
class ViolationAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "violation"
    audit_patient_path = "plan__case__patient"
    list_display = ("rule_code", "severity", "status", "off_by_minutes", "last_seen_at")
    list_filter = ("severity", "status", "rule_id")
