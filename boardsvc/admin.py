"""Admin for boards. Boards, members, holidays and meetings are configuration, edited here.
Agenda items, decisions, revisions and placement records are clinical history: read-only here
and every view audited (core.admin.AuditedReadOnlyAdmin), changed only through services (which
keep versions, revisions and audit rows)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import AuditedReadOnlyAdmin, ReadOnlyInlineMixin

from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DecisionRevision,
    Holiday,
    Meeting,
    PlacementRecord,
)


class BoardMemberInline(admin.TabularInline):
    model = BoardMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "recurrence_weekday", "recurrence_time",
                    "capacity_minutes", "cutoff_hours", "active")
    search_fields = ("name", "slug")
    inlines = [BoardMemberInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "board")
    list_filter = ("board",)


class AgendaItemInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = AgendaItem
    fk_name = "meeting"  # not carried_from
    fields = ("position", "case", "allotted_minutes", "priority", "purpose", "standard_of_care",
              "outcome", "late_addition", "carry_count")
    readonly_fields = fields
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("board", "kind", "starts_at", "cutoff_at", "status", "capacity_minutes")
    list_filter = ("board", "kind", "status")
    date_hierarchy = "starts_at"
    readonly_fields = ("public_id", "frozen_at", "circulated_at", "started_at", "closed_at",
                       "rolled_forward_at", "version")
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "agenda_item"
    audit_patient_path = "case__patient"
    list_display = ("public_id", "meeting", "position", "priority", "outcome", "late_addition")
    list_filter = ("outcome", "priority", "purpose")
    raw_id_fields = ("meeting", "case", "rolled_from", "carried_from", "added_by")
    readonly_fields = ("public_id", "placement_explanation", "version")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("meeting", "user", "specialty", "stand_in", "arrived_at", "left_at")
    raw_id_fields = ("meeting", "user", "recorded_by")


class DecisionRevisionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = DecisionRevision
    readonly_fields = ("version", "at", "reason", "by_user", "by_client", "snapshot")


@admin.register(Decision)
class DecisionAdmin(AuditedReadOnlyAdmin):
    audit_object_type = "decision"
    audit_patient_path = "case__patient"
    list_display = ("public_id", "meeting", "quorum_met", "followed_suggestions", "version",
                    "recorded_at")
    list_filter = ("quorum_met", "followed_suggestions", "ratification_required")
    inlines = [DecisionRevisionInline]


@admin.register(PlacementRecord)
class PlacementRecordAdmin(AuditedReadOnlyAdmin):
    # A placement record has no public id of its own: it is audited as a view of its case.
    audit_object_type = "case"
    audit_id_path = "case__public_id"
    audit_patient_path = "case__patient"
    list_display = ("case", "outcome", "board", "meeting", "at")
    list_filter = ("outcome", "board")
