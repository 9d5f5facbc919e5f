"""Resources, opening hours, the procedure catalogue, timing rules, bookings and violations.

Fields, constraints and ``__str__`` only; every write goes through scheduling.services.

No double booking is a database guarantee, not a serializer check: two requests racing for one
slot both pass any check made before writing, so only the database can refuse the second. The
model stays portable; migration 0002 adds, per vendor:
- PostgreSQL: ``EXCLUDE USING gist (resource_id WITH =, tstzrange(start, "end", '[)') WITH &&)
  WHERE (status <> 'cancelled')`` with btree_gist (SQLSTATE 23P01 on conflict);
- SQLite: BEFORE INSERT / UPDATE triggers that ``RAISE(ABORT, 'booking_overlap')``.
Half-open ranges let back-to-back bookings coexist; cancelled bookings free their slot.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.domain.codes import ProcedureType
from cases.models import Patient, PlannedProcedure, TreatmentPlan
from core.timezones import site_timezone
from scheduling.domain import pathway, rule_limits
from scheduling.domain import types as dt
from scheduling.domain.catalogue import RESOURCE_KIND_LABELS, ResourceKind

BOOKING_OVERLAP_CONSTRAINT = "booking_no_overlap_excl"
BOOKING_ONE_ACTIVE_CONSTRAINT = "booking_one_active_per_procedure"
STAFF_OVERLAP_CONSTRAINT = "booking_staff_no_overlap_excl"


_LAG_LIMIT = rule_limits.LAG_LIMIT_MINUTES
_LAG_HELP = _("Minutes (lag = to.anchor - from.anchor). Each rule id has an allowed range "
              "(clinical-rules.md); never more than a year either way.")


def _lag_field() -> models.IntegerField:
    message = f"A lag is at most one year either way: from {-_LAG_LIMIT} to {_LAG_LIMIT} minutes."
    return models.IntegerField(
        null=True, blank=True, help_text=_LAG_HELP,
        validators=[MinValueValidator(-_LAG_LIMIT, message=message),
                    MaxValueValidator(_LAG_LIMIT, message=message)],
    )


def _lag_in_range(name: str) -> Q:
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": -_LAG_LIMIT,
                                                f"{name}__lte": _LAG_LIMIT})


def _text_choices(name: str, enum: type, labels: dict[str, str] | None = None) -> type:
    """Django choices built from a domain StrEnum, so the two can never drift apart."""
    labels = labels or {}
    return models.TextChoices(
        name, [(m.name, (m.value, labels.get(m.value, m.value.replace("_", " ")))) for m in enum]
    )


class Resource(models.Model):
    """A bookable room or machine (angio suite, hybrid CT-angio, CT, OR, linac, MRI).

    ``timezone`` is the zone its opening hours are written in; datetimes are stored in UTC.
    Bookings on one resource never overlap, so ``capacity`` above 1 is informational (e.g. a
    recovery bay count); two scanners are two resources.
    """

    Kind = _text_choices("Kind", ResourceKind, RESOURCE_KIND_LABELS)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    name_it = models.CharField(max_length=120, blank=True)  # the name in Italian (blank: same)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    capacity = models.PositiveSmallIntegerField(default=1)
    timezone = models.CharField(max_length=64, default=site_timezone)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resource_capacity_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ResourceKind]), name="resource_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """Weekly opening hours in the resource's local time (0 = Monday)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["resource_id", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_range"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="opening_hours_order"),
            models.UniqueConstraint(
                fields=["resource", "weekday", "opens"], name="opening_hours_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} d{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class ResourceException(models.Model):
    """A closure or maintenance window (removes time) or an extra session (adds time), UTC.
    For a person (a Resource of a staff kind) a closure is an absence: leave, a course, sick.
    Coordinators add and remove them (scheduling.services.closures); a closure over bookings
    does not move them: it lists them for a repair run."""

    Kind = _text_choices("Kind", dt.ExceptionKind)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    # Who added it ("user:<id>" or "client:<client id>"; blank for rows from before, or the
    # admin's), and when.
    created_by = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        ordering = ["resource_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="resource_exception_order"),
        ]
        indexes = [models.Index(fields=["resource", "end", "start"], name="resource_exc_span_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%Y-%m-%d %H:%M}"


class ProcedureCatalogueEntry(models.Model):
    """A site's default slot length and suitable room kinds for one procedure type (§4)."""

    procedure_type = models.CharField(max_length=20, choices=ProcedureType.choices(), unique=True)
    duration_minutes = models.PositiveSmallIntegerField()
    resource_kinds = models.JSONField(default=list)
    fraction_options = models.JSONField(default=list, blank=True)
    # The people booked with the room, one of each kind (scheduling.services.staffing): a kind
    # applies once the site keeps a calendar for it (an active resource of that kind).
    staff_kinds = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["procedure_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=24 * 60),
                name="catalogue_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_type} ({self.duration_minutes} min)"


class TimingRule(models.Model):
    """A timing rule as data (clinical-rules.md §1), seeded from scheduling.domain.catalogue.

    ``lag = to.anchor - from.anchor``; a LAG rule keeps it within [min_lag, max_lag] (None =
    unbounded); ``preferred_lag`` is the solver's target. Minutes throughout.

    Administrators edit rules (admin, ``PATCH timing-rules/``), so every value is bounded
    (issue 10 item 12): the database refuses lags beyond a year either way, a preferred lag
    outside [min, max], and unknown kinds, anchors, scopes and severities; ``clean`` (run by
    the admin's form) and scheduling.services.timing_rule_update add each rule id's clinical
    range and the template ranges from scheduling.domain.rule_limits.
    """

    Kind = _text_choices("Kind", dt.RuleKind)
    Severity = _text_choices("Severity", dt.Severity)
    Scope = _text_choices("Scope", dt.Scope)
    Anchor = _text_choices("Anchor", dt.Anchor)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=60, unique=True)
    rule_id = models.CharField(max_length=8, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default="lag")
    # Empty only for a clock (R9-R11), which runs from a case event; ``clean`` checks the rest.
    from_procedures = models.JSONField(default=list, blank=True)
    from_purposes = models.JSONField(default=list, blank=True)
    to_procedures = models.JSONField(default=list)
    from_anchor = models.CharField(max_length=5, choices=Anchor.choices, default="end")
    to_anchor = models.CharField(max_length=5, choices=Anchor.choices, default="start")
    min_lag_minutes = _lag_field()
    max_lag_minutes = _lag_field()
    preferred_lag_minutes = _lag_field()
    symmetric = models.BooleanField(default=False)
    severity = models.CharField(max_length=4, choices=Severity.choices)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    template = models.JSONField(default=dict, blank=True)
    rationale = models.TextField()
    source = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rule_id", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_lag_minutes__isnull=True) | Q(max_lag_minutes__isnull=True)
                | Q(min_lag_minutes__lte=F("max_lag_minutes")),
                name="timing_rule_lag_order",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["hard", "soft"]), name="timing_rule_severity_valid"
            ),
            models.CheckConstraint(condition=_lag_in_range("min_lag_minutes"),
                                   name="timing_rule_min_lag_range"),
            models.CheckConstraint(condition=_lag_in_range("max_lag_minutes"),
                                   name="timing_rule_max_lag_range"),
            models.CheckConstraint(condition=_lag_in_range("preferred_lag_minutes"),
                                   name="timing_rule_preferred_lag_range"),
            models.CheckConstraint(
                condition=Q(preferred_lag_minutes__isnull=True)
                | ((Q(min_lag_minutes__isnull=True)
                    | Q(preferred_lag_minutes__gte=F("min_lag_minutes")))
                   & (Q(max_lag_minutes__isnull=True)
                      | Q(preferred_lag_minutes__lte=F("max_lag_minutes")))),
                name="timing_rule_preferred_lag_order",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in dt.RuleKind]), name="timing_rule_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=[k.value for k in dt.Scope]), name="timing_rule_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(from_anchor__in=[a.value for a in dt.Anchor])
                & Q(to_anchor__in=[a.value for a in dt.Anchor]),
                name="timing_rule_anchor_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.code}"

    def clean(self) -> None:
        """The rule id's clinical lag range and the template ranges (rule_limits), for the
        admin's form; the API's service runs the same checks. Validation only: no writes."""
        super().clean()
        errors: dict[str, list[str]] = {}
        problems = rule_limits.lag_problems(
            rule_id=self.rule_id, min_lag=self.min_lag_minutes, max_lag=self.max_lag_minutes,
            preferred_lag=self.preferred_lag_minutes,
        ) + rule_limits.template_problems(kind=self.kind, template=self.template)
        for field, _rule, message in problems:
            errors.setdefault(field, []).append(message)
        known = {p.value for p in ProcedureType}
        for field in ("from_procedures", "to_procedures"):
            value = getattr(self, field)
            if field == "from_procedures" and self.kind == dt.RuleKind.CLOCK and value == []:
                continue  # a clock (R9-R11) runs from a case event, not from a procedure
            if not isinstance(value, list) or not value or any(v not in known for v in value):
                errors.setdefault(field, []).append(
                    str(_("A non-empty list of procedure types: %(known)s.")
                        % {"known": ", ".join(sorted(known))}))
        if errors:
            raise ValidationError(errors)


class Booking(models.Model):
    """A planned procedure (or one RT fraction of it) on a resource, [start, end) in UTC.

    **One active booking per planned procedure** (issue 10 item 6) is a database guarantee:
    the partial unique index ``booking_one_active_per_procedure`` on ``procedure`` covers every
    row that is not cancelled (proposed, booked and done are "active", as in
    scheduling.domain.types.ACTIVE_STATUSES) and has no ``fraction_number``. A radiotherapy
    course is the one procedure booked several times: each fraction (R17) is a booking of the
    same PlannedProcedure, and booking_create numbers every RT booking (``fraction_number`` 1,
    2, ...) and no other. So "no fraction number" is exactly "not an RT fraction", a condition
    the index can express (a procedure-type condition would need a join, which an index cannot).
    A repeat of a done procedure (R7, R8) is a new planned procedure, never a second booking.

    ``retrospective_reason`` is set when the start was already past at booking or move time:
    recording work already done needs a reason (issue 10 item 5).
    """

    Status = _text_choices("Status", dt.BookingStatus)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    procedure = models.ForeignKey(PlannedProcedure, on_delete=models.PROTECT, related_name="bookings")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="bookings")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default="booked")
    fraction_number = models.PositiveSmallIntegerField(null=True, blank=True)
    override_reason = models.CharField(
        max_length=300, blank=True,
        help_text=_("Why this booking is outside the resource's opening hours."),
    )
    retrospective_reason = models.CharField(
        max_length=300, blank=True, default="",
        help_text=_("Why a booking that starts in the past was recorded (work already done)."),
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_client = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="booking_start_before_end"),
            # Range queries bound the start index by it (scheduling.domain.types).
            models.CheckConstraint(condition=Q(end__lte=F("start") + dt.MAX_BOOKING_LENGTH),
                                   name="booking_at_most_one_day"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in dt.BookingStatus]), name="booking_status_valid"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=~Q(status=dt.BookingStatus.CANCELLED.value)
                & Q(fraction_number__isnull=True),
                name=BOOKING_ONE_ACTIVE_CONSTRAINT,
                violation_error_message=_("This planned procedure already has an active booking."),
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "start", "end"], name="booking_resource_time_idx"),
            models.Index(fields=["patient", "start"], name="booking_patient_time_idx"),
            models.Index(fields=["plan", "status"], name="booking_plan_status_idx"),
            models.Index(fields=["start"], name="booking_start_idx"),
            models.Index(fields=["status", "end"], name="booking_status_end_idx"),
        ]

    def __str__(self) -> str:
        return f"Booking {str(self.public_id)[:8]} {self.status} {self.start:%Y-%m-%d %H:%M}"

    @property
    def people(self) -> list[BookingStaff]:
        """The people booked with it, by kind and name, their resources loaded: as the
        selectors prefetched them (scheduling.selectors.BOOKING_STAFF), else read now."""
        loaded = getattr(self, "staff_loaded", None)
        if loaded is not None:
            return list(loaded)
        return list(self.staff.select_related("resource").order_by("resource__kind",
                                                                   "resource__name"))


class BookingStaff(models.Model):
    """A person (operator, anaesthesia team: a Resource of a staff kind) booked with a room
    booking, for the same [start, end) (issue 13). ``active`` mirrors the booking: false once it
    is cancelled. **A person is never booked twice at once**, a database guarantee like the
    rooms' (migration 0016: an exclusion constraint on PostgreSQL, triggers on SQLite)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="staff")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="staff_bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["booking_id", "resource__kind"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")),
                                   name="booking_staff_start_before_end"),
            models.CheckConstraint(condition=Q(end__lte=F("start") + dt.MAX_BOOKING_LENGTH),
                                   name="booking_staff_at_most_one_day"),
            models.UniqueConstraint(fields=["booking", "resource"], name="booking_staff_uniq"),
        ]
        indexes = [
            models.Index(fields=["resource", "start", "end"], name="booking_staff_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} for booking {self.booking_id}"


class Violation(models.Model):
    """A timing rule broken by a plan's bookings, as found by the re-check task.

    Unique per (plan, rule, bookings): a re-run updates the row; when the bookings no longer break
    the rule it is resolved, and if it comes back it is re-opened (``occurrences`` counts that,
    and is part of the notification's dedup key so each re-opening notifies once).
    """

    class Status(models.TextChoices):
        OPEN = "open", "open"
        ACKNOWLEDGED = "acknowledged", "acknowledged"
        RESOLVED = "resolved", "resolved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="violations")
    timing_rule = models.ForeignKey(
        TimingRule, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_code = models.CharField(max_length=60)
    rule_id = models.CharField(max_length=8)
    severity = models.CharField(max_length=4)
    bookings_key = models.CharField(max_length=400)
    booking_public_ids = models.JSONField(default=list)
    off_by_minutes = models.IntegerField(default=0)
    message = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    occurrences = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan_id", "rule_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "rule_code", "bookings_key"], name="violation_plan_rule_bookings_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"], name="violation_plan_status_idx"),
            # The coordinator's worklist lists open violations across every plan.
            models.Index(fields=["status", "severity"], name="violation_status_idx"),
            # KPI dashboards count violations by the period they were first seen in.
            models.Index(fields=["first_seen_at"], name="violation_first_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.status}"


class FollowUpProposal(models.Model):
    """Which follow-up (R8: CT at 3, 6, 12 months) was proposed for a done embolization.

    Unique per (source booking, months) so marking done twice, or a task run twice, proposes once.
    """

    source_booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField()
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_booking", "months"], name="follow_up_once"),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.months} months after {self.source_booking_id}"


class PathwayClockTarget(models.Model):
    """A pathway clock's target as data (clinical-rules.md R16; scheduling.domain.pathway):
    from a start event to a stop event within ``target_days``, alerting ``alert_lead_days``
    before. Seeded with England's 28/31/62-day standards (migration 0014); administrators
    edit the target, the lead time and the text (``PATCH /api/v1/clock-targets/{code}/``)."""

    StartEvent = _text_choices("StartEvent", pathway.StartEvent)
    StopEvent = _text_choices("StopEvent", pathway.StopEvent)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=60, unique=True)
    clock_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    start_event = models.CharField(max_length=16, choices=StartEvent.choices)
    stop_event = models.CharField(max_length=16, choices=StopEvent.choices)
    target_days = models.PositiveSmallIntegerField(validators=[
        MinValueValidator(pathway.TARGET_DAYS_RANGE[0]),
        MaxValueValidator(pathway.TARGET_DAYS_RANGE[1])])
    alert_lead_days = models.PositiveSmallIntegerField(validators=[
        MinValueValidator(pathway.LEAD_DAYS_RANGE[0]),
        MaxValueValidator(pathway.LEAD_DAYS_RANGE[1])])
    rationale = models.TextField()
    source = models.CharField(max_length=300)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["clock_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_days__gte=pathway.TARGET_DAYS_RANGE[0],
                            target_days__lte=pathway.TARGET_DAYS_RANGE[1]),
                name="clock_target_days_range"),
            models.CheckConstraint(
                condition=Q(alert_lead_days__gte=pathway.LEAD_DAYS_RANGE[0],
                            alert_lead_days__lte=pathway.LEAD_DAYS_RANGE[1]),
                name="clock_target_lead_range"),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.name} ({self.target_days} d)"

    def clean(self) -> None:
        """The admin's form: the alert comes before the due time (the API's service checks the
        same, scheduling.services.clock_target_update)."""
        super().clean()
        if (self.alert_lead_days is not None and self.target_days is not None
                and self.alert_lead_days >= self.target_days):
            raise ValidationError({"alert_lead_days": _(
                "The alert lead time must be shorter than the target.")})


class PathwayClockAlert(models.Model):
    """One alert of a pathway clock, recorded once: ``due_soon`` (inside the lead time) or
    ``breached`` (past the due time). The unique key (case, target, kind, due) makes the
    periodic sweep idempotent: a re-run finds the row and sends nothing again. A new due time
    (a target edited, a new decision) is a new clock, alerted afresh."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due soon")
        BREACHED = "breached", _("breached")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    target = models.ForeignKey(PathwayClockTarget, on_delete=models.CASCADE,
                               related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    notified = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "target", "kind", "due_at"],
                                    name="clock_alert_once"),
        ]
        indexes = [models.Index(fields=["kind", "recorded_at"], name="clock_alert_kind_idx")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.kind} due {self.due_at:%Y-%m-%d}"


class SolverRun(models.Model):
    """A proposal computed by a worker on the ``solver`` queue, never inside a request
    (issue 14, "Solver runs"; scheduling.services.solver_runs).

    ``inputs_at`` is the instant the problem is built from (the rooms' free time starts there),
    and ``fingerprint`` the hash of that problem when the run started: a result is kept only if
    the problem built again from the same instant is the same when the solver finishes, and
    applied only if it still is then (a booking, closure or rule changed meanwhile discards it).
    ``progress`` is updated while the solver works (best objective, bound, elapsed seconds).
    A ``repair`` run re-plans only the ``slipped`` bookings (a room closed, a patient unwell),
    everything else fixed; applying it moves them, and the page shows each move first. A
    ``waitlist`` run plans every waiting plan of ``plans`` at once over the shared rooms and
    people (scheduling.domain.waitlist), urgent plans first.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")
        DISCARDED = "discarded", _("discarded")
        APPLIED = "applied", _("applied")

    class Reason(models.TextChoices):
        """Why a run was discarded or failed (the API's ``reason``; the page words it in the
        reader's language)."""

        PROPOSAL_PASSED = "proposal_passed", _("its first booking had already started")
        INPUTS_CHANGED = "inputs_changed", _("the inputs changed")
        SOLVER_FAILED = "solver_failed", _("the solver failed")

    class Kind(models.TextChoices):
        PLAN = "plan", _("plan the unbooked procedures")
        REPAIR = "repair", _("re-plan slipped bookings")
        WAITLIST = "waitlist", _("the whole waiting list")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # None for a waiting-list run, whose plans are ``plans``.
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="solver_runs",
                             null=True, blank=True)
    # A waiting-list run's plans (public ids), chosen when it was asked for.
    plans = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PLAN)
    # A repair's bookings to re-plan: [{"id": public id, "version": version when asked}]; the
    # plan's other bookings, and every other plan's, stay where they are.
    slipped = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.CharField(max_length=80, help_text="user:<id> or client:<client id>")
    created_at = models.DateTimeField(auto_now_add=True)
    inputs_at = models.DateTimeField()
    horizon_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    # The coordinator's earliest start for a plan or a repair (the patient is unwell until
    # then, or asked for a later date): nothing is proposed before it, whatever the urgency.
    not_before = models.DateTimeField(null=True, blank=True)
    time_limit_s = models.FloatField(validators=[MinValueValidator(0.5), MaxValueValidator(60)])
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=12, blank=True,
                               help_text="The solver's status: optimal, feasible, infeasible, "
                                         "unknown.")
    message = models.TextField(blank=True)
    # Why it was discarded or failed ("" otherwise): ``message`` says the same in English.
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    result = models.JSONField(default=dict, blank=True)
    applied_bookings = models.JSONField(default=list, blank=True)
    # The notice before a first booking (SCH-NOTICE) the worker built the problem with:
    # {"routine_hours", "urgent_hours"} and, for a one-plan run or a repair, "not_before" (that
    # plan's earliest new start, ISO; null when it has none). Empty until a worker starts it.
    notice = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["plan", "-created_at"], name="solver_run_plan_idx"),
            models.Index(fields=["status", "created_at"], name="solver_run_status_idx"),
        ]

    def __str__(self) -> str:
        return f"solver run {self.public_id} ({self.status})"
