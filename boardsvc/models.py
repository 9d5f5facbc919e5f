"""MDT boards, members, meetings, agendas, attendance, decisions and placement records.

Fields, constraints and simple properties only; every write goes through boardsvc/services/.
Public identifiers are random UUIDs (``public_id``); sequential keys never leave the database.
Every instant is stored in UTC; a board's own zone (``Board.timezone``) is data, applied by
boardsvc/domain/recurrence.py.

Over 500 lines on purpose: the app's tables are declared together (field declarations and named
constraints, no behaviour), in the order a meeting uses them, so one file shows the whole schema
that the migrations record.
"""

from __future__ import annotations

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.domain.codes import Intent, Urgency
from core.timezones import site_timezone

from .domain.codes import ItemOutcome, ItemPurpose, MeetingStatus
from .domain.outcome import OutcomeCategory, outcome_template_default


class Specialty(models.TextChoices):
    SPINE_SURGEON = "spine_surgeon", _("Spine surgeon")
    ORTHOPAEDIC_SURGEON = "orthopaedic_surgeon", _("Orthopaedic surgeon")
    NEUROSURGEON = "neurosurgeon", _("Neurosurgeon")
    RADIATION_ONCOLOGIST = "radiation_oncologist", _("Radiation / clinical oncologist")
    MEDICAL_ONCOLOGIST = "medical_oncologist", _("Medical oncologist")
    RADIOLOGIST = "radiologist", _("Radiologist (MSK / neuro)")
    INTERVENTIONAL_RADIOLOGIST = "interventional_radiologist", _("Interventional radiologist")
    PATHOLOGIST = "pathologist", _("Pathologist")
    PALLIATIVE_CARE = "palliative_care", _("Palliative care")
    MSCC_COORDINATOR = "mscc_coordinator", _("MSCC coordinator / CNS")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    NURSE_SPECIALIST = "nurse_specialist", _("Clinical nurse specialist")
    COORDINATOR = "coordinator", _("MDT coordinator")


class OutcomeCategoryChoice(models.TextChoices):
    """Values: boardsvc.domain.outcome.OutcomeCategory."""

    TREATMENT = OutcomeCategory.TREATMENT.value, _("Treatment")
    INVESTIGATION = OutcomeCategory.INVESTIGATION.value, _("Further investigation")
    SURVEILLANCE = OutcomeCategory.SURVEILLANCE.value, _("Surveillance")
    SUPPORTIVE_CARE = OutcomeCategory.SUPPORTIVE_CARE.value, _("Best supportive care")
    REFER = OutcomeCategory.REFER.value, _("Refer to another team")
    OTHER = OutcomeCategory.OTHER.value, _("Other")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def default_quorum() -> list[list[str]]:
    """R15 core specialties of a bone-metastasis / spine board (one of each group present)."""
    return [
        ["spine_surgeon", "orthopaedic_surgeon", "neurosurgeon"],
        ["radiation_oncologist"],
        ["radiologist"],
        ["interventional_radiologist"],
    ]


class Board(models.Model):
    """A multidisciplinary team with a weekly meeting series in its own time zone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    focus = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, default=site_timezone)
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    # Which referrals fit this board when a case names no board: primary histology codes
    # (cases.domain.codes.Histology). Empty means the board takes any histology.
    histologies = models.JSONField(default=list, blank=True)
    # Weekly recurrence, local wall-clock time in ``timezone`` (DST handled by the domain).
    recurrence_active = models.BooleanField(default=True)
    recurrence_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.TUESDAY
    )
    recurrence_time = models.TimeField(default=time(14, 0))
    default_duration_minutes = models.PositiveSmallIntegerField(default=90)
    capacity_minutes = models.PositiveSmallIntegerField(
        default=90, help_text=_("Minutes of case discussion a meeting can hold (R14).")
    )
    cutoff_hours = models.PositiveSmallIntegerField(
        default=24, help_text=_("Submission cut-off, hours before the start (R13: 24-72).")
    )
    standard_case_minutes = models.PositiveSmallIntegerField(default=5)
    complex_case_minutes = models.PositiveSmallIntegerField(default=10)
    quorum_requirements = models.JSONField(
        default=default_quorum,
        help_text=_("Groups of specialties; one person of each group must be present (R15)."),
    )
    # Ad-hoc (emergency) meetings are held inside this local window; the on-call people are
    # told of an emergency at once whatever the hour (R12). start == end: around the clock.
    oncall_start = models.TimeField(
        default=time(8, 0), help_text=_("On-call window for ad-hoc meetings: from (local).")
    )
    oncall_end = models.TimeField(
        default=time(20, 0), help_text=_("On-call window for ad-hoc meetings: until (local).")
    )
    start_margin_minutes = models.PositiveSmallIntegerField(
        default=60,
        help_text=_("A meeting can be started this many minutes before its scheduled start."),
    )
    # The board's name in Italian (names are data; the pages show it when the user reads
    # Italian). Blank: the name above is shown in every language.
    name_it = models.CharField(max_length=120, blank=True)
    # The per-board outcome template: which structured outcome fields the decision form shows
    # and which are mandatory (boardsvc.domain.outcome; default outcome_template_default).
    outcome_template = models.JSONField(default=outcome_template_default, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cutoff_hours__gte=24) & Q(cutoff_hours__lte=72),
                name="board_cutoff_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(standard_case_minutes__gte=2) & Q(standard_case_minutes__lte=15)
                & Q(complex_case_minutes__gte=2) & Q(complex_case_minutes__lte=15),
                name="board_case_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(recurrence_weekday__lte=6), name="board_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(capacity_minutes__gt=0) & Q(default_duration_minutes__gt=0),
                name="board_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(start_margin_minutes__lte=1440), name="board_start_margin_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        MEMBER = "member", "Member"
        COORDINATOR = "coordinator", "Coordinator"
        # R12 / NICE NG234: contacted at once when a suspected MSCC arrives.
        MSCC_COORDINATOR = "mscc_coordinator", "MSCC coordinator"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_memberships"
    )
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["board", "user"], name="board_member_uniq"),
        ]
        indexes = [models.Index(fields=["user", "active"], name="board_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.board_id} ({self.specialty})"


class Holiday(models.Model):
    """A local date on which no regular meeting is generated: site-wide, or for one board."""

    date = models.DateField()
    name = models.CharField(max_length=120)
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="holidays"
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=Q(board__isnull=True), name="holiday_site_date_uniq"
            ),
            models.UniqueConstraint(
                fields=["board", "date"], condition=Q(board__isnull=False),
                name="holiday_board_date_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Meeting(models.Model):
    """One meeting of a board: regular (from the recurrence) or ad-hoc (emergencies, R9-R12).

    Lifecycle: planned → frozen (agenda frozen at the cut-off) → in session → closed; planned or
    frozen → cancelled. A regular meeting keeps its ``occurrence_date`` when moved or cancelled,
    so the horizon upkeep never recreates it.
    """

    class Status(models.TextChoices):
        """Values: boardsvc.domain.codes.MeetingStatus."""

        PLANNED = MeetingStatus.PLANNED.value, _("Planned")
        FROZEN = MeetingStatus.FROZEN.value, _("Agenda frozen")
        IN_SESSION = MeetingStatus.IN_SESSION.value, _("In session")
        CLOSED = MeetingStatus.CLOSED.value, _("Closed")
        CANCELLED = MeetingStatus.CANCELLED.value, _("Cancelled")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        ADHOC = "adhoc", _("Ad-hoc")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.REGULAR)
    occurrence_date = models.DateField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    capacity_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    virtual = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    circulated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rolled_forward_at = models.DateTimeField(null=True, blank=True)
    # The case on the meeting-room screen: the chair's navigation moves it; the presenter view
    # and members' devices follow it (presenter_at is when it last changed).
    presenter_item = models.ForeignKey(
        "AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    presenter_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "occurrence_date"], condition=Q(kind="regular"),
                name="meeting_one_per_occurrence",
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")),
                                   name="meeting_starts_before_ends"),
            models.CheckConstraint(condition=Q(cutoff_at__lte=F("starts_at")),
                                   name="meeting_cutoff_before_start"),
            models.CheckConstraint(condition=Q(capacity_minutes__gt=0),
                                   name="meeting_capacity_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[status.value for status in MeetingStatus]),
                name="meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="adhoc") | Q(occurrence_date__isnull=False),
                name="meeting_regular_has_occurrence",
            ),
        ]
        indexes = [
            models.Index(fields=["board", "starts_at"], name="meeting_board_start_idx"),
            models.Index(fields=["starts_at"], name="meeting_start_idx"),
            models.Index(fields=["status", "cutoff_at"], name="meeting_freeze_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.board_id} {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"


class AgendaItem(models.Model):
    """A case on a meeting's agenda, with its allotted minutes and what became of it."""

    class Outcome(models.TextChoices):
        """Values: boardsvc.domain.codes.ItemOutcome."""

        PENDING = ItemOutcome.PENDING.value, _("Pending")
        DISCUSSED = ItemOutcome.DISCUSSED.value, _("Discussed")
        STANDARD_OF_CARE = (ItemOutcome.STANDARD_OF_CARE.value,
                            _("Standard of care (listed, not discussed)"))
        DEFERRED = ItemOutcome.DEFERRED.value, _("Deferred")
        ROLLED_FORWARD = ItemOutcome.ROLLED_FORWARD.value, _("Rolled forward")
        WITHDRAWN = ItemOutcome.WITHDRAWN.value, _("Withdrawn")

    class Purpose(models.TextChoices):
        """Values: boardsvc.domain.codes.ItemPurpose."""

        DISCUSSION = ItemPurpose.DISCUSSION.value, _("Discussion")
        RATIFICATION = ItemPurpose.RATIFICATION.value, _("Ratification of an emergency decision")

    class Priority(models.TextChoices):
        """The case's urgency (cases.domain.codes.Urgency)."""

        ROUTINE = Urgency.ROUTINE.value, _("Routine")
        URGENT = Urgency.URGENT.value, _("Urgent")
        EMERGENCY = Urgency.EMERGENCY.value, _("Emergency")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    allotted_minutes = models.PositiveSmallIntegerField()
    complex_case = models.BooleanField(default=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.DISCUSSION)
    standard_of_care = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    late_addition = models.BooleanField(default=False)
    late_reason = models.CharField(max_length=300, blank=True)
    ratification_required = models.BooleanField(default=False)
    defer_reason = models.CharField(max_length=300, blank=True)
    rolled_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_to"
    )
    # Carried over undiscussed (rolled forward) from this meeting, and how many times in a row
    # the case has been carried; carried items go ahead of new ones of the same urgency.
    carried_from = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    carry_count = models.PositiveSmallIntegerField(default=0)
    placement_explanation = models.JSONField(default=list, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["meeting_id", "position", "id"]
        constraints = [
            # A case waits on one agenda at a time: placement twice is a no-op, not a duplicate.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(outcome=ItemOutcome.PENDING.value)
                & Q(purpose=ItemPurpose.DISCUSSION.value),
                name="agenda_item_one_pending_per_case",
            ),
            models.UniqueConstraint(
                fields=["rolled_from"], condition=Q(rolled_from__isnull=False),
                name="agenda_item_rolled_once",
            ),
            models.CheckConstraint(
                condition=Q(allotted_minutes__gte=1) & Q(allotted_minutes__lte=60),
                name="agenda_item_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(late_addition=False) | ~Q(late_reason=""),
                name="agenda_item_late_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "position"], name="agenda_item_meeting_pos_idx"),
            models.Index(fields=["case", "outcome"], name="agenda_item_case_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"Item {str(self.public_id)[:8]} ({self.outcome})"


class Attendance(models.Model):
    """Who was present, covering which specialty, from when to when (R15 per-case quorum).

    A stand-in (someone covering a specialty that is not their own on this board, or a guest)
    counts for the specialty they cover.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mdt_attendance"
    )
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    stand_in = models.BooleanField(default=False)
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["meeting_id", "arrived_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gt=F("arrived_at")),
                name="attendance_leaves_after_arriving",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(left_at__isnull=True),
                name="attendance_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "arrived_at"], name="attendance_meeting_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.specialty} @ {self.meeting_id}"


class Decision(models.Model):
    """The MDT's decision on one agenda item, with what the board saw and who was there.

    Amendments bump ``version`` (clients send If-Match) and keep every earlier state as a
    DecisionRevision, so the original stays visible.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="decision"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="mdt_decisions")
    outcome_text = models.TextField()
    # The structured outcome (the board's outcome template says which are mandatory); blank
    # means "not given", never a silent default.
    outcome_category = models.CharField(max_length=24, blank=True,
                                        choices=OutcomeCategoryChoice.choices)
    intent = models.CharField(max_length=12, blank=True, choices=Intent.choices())
    follow_up = models.TextField(blank=True)
    responsible_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+")
    procedures = models.JSONField(default=list, blank=True)
    plan_public_id = models.UUIDField(null=True, blank=True)
    suggestions_snapshot = models.JSONField(default=dict, blank=True)
    followed_suggestions = models.BooleanField(default=True)
    departures = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    quorum_met = models.BooleanField(default=False)
    quorum_snapshot = models.JSONField(default=dict, blank=True)
    emergency = models.BooleanField(default=False)
    ratification_required = models.BooleanField(default=False)
    ratified_at = models.DateTimeField(null=True, blank=True)
    ratified_in = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratifications"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by_client = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField()
    amended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(followed_suggestions=True) | ~Q(override_reason=""),
                name="decision_override_needs_reason",
            ),
        ]
        indexes = [models.Index(fields=["case", "recorded_at"], name="decision_case_idx")]

    def __str__(self) -> str:
        return f"Decision {str(self.public_id)[:8]} v{self.version}"


class DecisionRevision(models.Model):
    """The full state of a decision as of one version (point-in-time history)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    by_client = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["decision_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "version"],
                                    name="decision_revision_version_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} v{self.version}"


class PlacementRecord(models.Model):
    """One agenda-placement attempt for a case and why it ended as it did (explainability)."""

    class Outcome(models.TextChoices):
        PLACED = "placed", _("Placed")
        BLOCKED = "blocked", _("Blocked: unresolved requirements")
        NO_MEETING = "no_meeting", _("No suitable meeting")
        LATE_ADDED = "late_added", _("Late addition")
        ROLLED_FORWARD = "rolled_forward", _("Rolled forward")
        DEFERRED = "deferred", _("Deferred")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE,
                             related_name="placement_records")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="placement_records")
    explanation = models.JSONField(default=list, blank=True)
    unresolved = models.JSONField(default=list, blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"], name="placement_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class Apology(models.Model):
    """A member who sent apologies for a meeting, optionally naming who stands in for them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="apologies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    stand_in = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="apology_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"Apologies from {self.user_id} @ {self.meeting_id}"


class Opinion(models.Model):
    """A member's pre-meeting opinion or comment on a listed case, shown to the chair in the
    meeting (one per member and agenda item; editing replaces it)."""

    class Kind(models.TextChoices):
        OPINION = "opinion", _("Opinion")
        COMMENT = "comment", _("Comment")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField(max_length=32, choices=Specialty.choices, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OPINION)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "author"],
                                    name="opinion_one_per_member_and_item"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.author_id} on {self.agenda_item_id}"


class PreparationTask(models.Model):
    """What radiology or pathology must review before the meeting, for one agenda item."""

    class Kind(models.TextChoices):
        RADIOLOGY = "radiology", _("Radiology review")
        PATHOLOGY = "pathology", _("Pathology review")

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE,
                                    related_name="preparation_tasks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["agenda_item_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "kind"],
                                    name="preparation_one_per_item_and_kind"),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="preparation_assignee_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.agenda_item_id}: {self.status}"


class OutcomeDocument(models.Model):
    """A generated document that leaves the room: the meeting's minutes, a case's MDT outcome
    record, an outcome letter (to the GP or the referrer), the printed agenda. The PDF is
    stored in the database (access-controlled, read through the services, each read audited);
    a new generation of the same document gets the next ``version``."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Meeting minutes")
        OUTCOME_RECORD = "outcome_record", _("MDT outcome record")
        LETTER_GP = "letter_gp", _("Outcome letter to the GP")
        LETTER_REFERRER = "letter_referrer", _("Outcome letter to the referrer")
        AGENDA = "agenda", _("Agenda")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="documents")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="documents")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="outcome_documents")
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60, default="application/pdf")
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["meeting", "kind"], name="document_meeting_kind_idx"),
            models.Index(fields=["case", "kind"], name="document_case_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.public_id})"


class DocumentDelivery(models.Model):
    """One sending of a document to one recipient over one channel, queued through the outbox
    (at most one row per document, channel and recipient: a retry never sends twice)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(OutcomeDocument, on_delete=models.PROTECT,
                                 related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    recipient_role = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    queued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "channel", "recipient"],
                                    name="delivery_once_per_recipient"),
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} ({self.public_id})"
