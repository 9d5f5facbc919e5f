"""Admin for scheduling. Bookings are read-only here: every booking write goes through the
services (locks, rules, audit); rooms, hours and catalogues are edited by administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from scheduling.models import (
    Booking,
    OpeningHours,
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


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(_ReadOnlyAdmin):
    list_display = ("public_id", "resource", "start", "end", "status", "fraction_number")
    list_filter = ("status", "resource")
    list_select_related = ("resource",)
    date_hierarchy = "start"


@admin.register(Violation)
class ViolationAdmin(_ReadOnlyAdmin):
    list_display = ("rule_code", "severity", "status", "off_by_minutes", "last_seen_at")
    list_filter = ("severity", "status", "rule_id")
