"""Patients, case referrals, lesions and treatment plans.

Fields, constraints and simple properties only; every write goes through cases/services/.
Public identifiers are random UUIDs (``public_id``); sequential keys never leave the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.domain.codes import (
    PREPARED_BY_PURPOSE,
    PURPOSES_BY_PROCEDURE,
    VERTEBRAL_LEVELS,
    BilskyGrade,
    CaseStatus,
    Histology,
    Intent,
    LesionPattern,
    MirelsPain,
    MirelsSite,
    MirelsSize,
    ProcedurePurpose,
    ProcedureType,
    Sex,
    SinsAlignment,
    SinsCollapse,
    SinsLocation,
    SinsPain,
    SinsPosterolateral,
    SkeletalSite,
    Urgency,
    Vascularity,
    VascularityMethod,
)


class Patient(models.Model):
    """A pseudonymous patient: no name, no MRN in this table; identifiers live beside it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sex = models.CharField(max_length=8, choices=Sex.choices(), default=Sex.UNKNOWN)
    # Identification for the board (synthetic in the demo): shown to board members, each
    # display audited; URLs and system APIs keep ``public_id`` unless a client holds the
    # identification scope. The hospital number is a PatientIdentifier (the site's system).
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="patient_birth_year_range",
            )
        ]

    def __str__(self) -> str:
        return f"Patient {str(self.public_id)[:8]}"


class PatientIdentifier(models.Model):
    """An external identifier (system, value), e.g. a hospital MRN. Unique per system.

    Never shown in URLs or logs; only used to find the same patient again on a new referral.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=200)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "value"], name="patient_identifier_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.system}|***"


class Case(models.Model):
    """A referral of a patient to an MDT, with its clinical summary and status lifecycle."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cases")
    # Idempotent intake: a hospital system retrying a submission never creates a second case.
    source_system = models.CharField(max_length=100, default="boardsvc")
    # NULL (not "") for cases entered here, so the partial unique constraint skips them.
    external_id = models.CharField(max_length=100, blank=True, null=True)  # noqa: DJ001
    # The board the referral asks for (a boardsvc Board slug). Kept as a slug because cases
    # depends on no other app; boardsvc validates it and may place the case elsewhere.
    requested_board = models.SlugField(max_length=60, blank=True)
    referring_clinician = models.CharField(max_length=200)
    clinical_question = models.TextField()
    urgency = models.CharField(max_length=12, choices=Urgency.choices(), default=Urgency.ROUTINE)
    urgency_reason = models.CharField(max_length=300, blank=True)
    primary_histology = models.CharField(max_length=32, choices=Histology.choices())
    metastases_count = models.PositiveSmallIntegerField(validators=[MaxValueValidator(999)])
    ecog = models.PositiveSmallIntegerField(validators=[MaxValueValidator(4)])
    pain_vas = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    systemic_therapy_ongoing = models.BooleanField(default=False)
    systemic_therapy = models.CharField(max_length=200, blank=True)
    prior_rt_date = models.DateField(null=True, blank=True)
    prior_rt_dose_gy = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(200)],
    )
    prior_rt_fractions = models.PositiveSmallIntegerField(null=True, blank=True)
    imaging_available = models.BooleanField(
        default=True, help_text="Relevant imaging is available for review at the meeting."
    )
    life_expectancy_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # Absolute contraindications to vertebroplasty (clinical-rules.md §2.6).
    active_infection = models.BooleanField(default=False)
    uncorrectable_coagulopathy = models.BooleanField(default=False)
    pmma_allergy = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=CaseStatus.choices(), default=CaseStatus.SUBMITTED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where outcome letters go: the referrer's and the GP's address (blank: no letter sent).
    referrer_email = models.EmailField(blank=True)
    gp_name = models.CharField(max_length=200, blank=True)
    gp_email = models.EmailField(blank=True)
    submitted_by_client = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=Q(external_id__isnull=False),
                name="case_source_external_id_uniq",
            ),
            models.CheckConstraint(condition=Q(ecog__lte=4), name="case_ecog_range"),
            models.CheckConstraint(condition=Q(pain_vas__lte=10), name="case_pain_vas_range"),
            models.CheckConstraint(
                condition=Q(urgency__in=[u.value for u in Urgency]), name="case_urgency_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CaseStatus]), name="case_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["urgency", "status"], name="case_urgency_status_idx"),
            models.Index(fields=["requested_board", "status"], name="case_board_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {str(self.public_id)[:8]} ({self.status})"

    def lesions_known(self, lesions: list[Lesion]) -> None:
        """Hold ``lesions`` (all of this case's, in position order) as ``prefetch_related``
        would, so that ``case.lesions.all()`` reads them without a query."""
        for lesion in lesions:
            lesion.case = self
        loaded = self.lesions.all()
        loaded._result_cache = lesions
        loaded._prefetch_done = True
        self._prefetched_objects_cache = {"lesions": loaded}


def _vertebral_level_choices() -> list[tuple[str, str]]:
    return [(level, level) for level in VERTEBRAL_LEVELS]


class Lesion(models.Model):
    """One bone lesion of a case, with the imaging features decision support reads."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lesions")
    position = models.PositiveSmallIntegerField(default=0)
    site = models.CharField(max_length=20, choices=SkeletalSite.choices())
    vertebral_level = models.CharField(
        max_length=3, blank=True, choices=_vertebral_level_choices()
    )
    site_detail = models.CharField(max_length=100, blank=True)
    max_diameter_mm = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    pattern = models.CharField(max_length=8, choices=LesionPattern.choices())
    vascularity = models.CharField(
        max_length=16, choices=Vascularity.choices(), default=Vascularity.NOT_ASSESSED
    )
    vascularity_method = models.CharField(
        max_length=16, choices=VascularityMethod.choices(), default=VascularityMethod.NONE
    )
    pathological_fracture = models.BooleanField(default=False)
    epidural_extension = models.BooleanField(default=False)
    bilsky_grade = models.CharField(max_length=2, blank=True, choices=BilskyGrade.choices())
    soft_tissue_extension = models.BooleanField(default=False)
    distance_neural_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    distance_vascular_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    rapid_growth = models.BooleanField(default=False)
    neurological_deficit = models.BooleanField(default=False)
    painful = models.BooleanField(default=True)
    weight_bearing = models.BooleanField(default=False)
    adamkiewicz_in_field = models.BooleanField(default=False)
    vertebra_plana = models.BooleanField(default=False)
    posterior_wall_involved = models.BooleanField(default=False)
    # Embolization predictor (§2.5) and vertebroplasty relative contraindication (§2.6).
    intense_enhancement = models.BooleanField(default=False)
    radicular_pain = models.BooleanField(default=False)
    # SINS components (spine)
    sins_location = models.CharField(max_length=16, blank=True, choices=SinsLocation.choices())
    sins_pain = models.CharField(max_length=16, blank=True, choices=SinsPain.choices())
    sins_alignment = models.CharField(max_length=20, blank=True, choices=SinsAlignment.choices())
    sins_collapse = models.CharField(max_length=24, blank=True, choices=SinsCollapse.choices())
    sins_posterolateral = models.CharField(
        max_length=12, blank=True, choices=SinsPosterolateral.choices()
    )
    # Mirels components (long bones); the lesion pattern supplies the fourth component
    mirels_site = models.CharField(max_length=20, blank=True, choices=MirelsSite.choices())
    mirels_pain = models.CharField(max_length=12, blank=True, choices=MirelsPain.choices())
    mirels_size = models.CharField(max_length=24, blank=True, choices=MirelsSize.choices())

    class Meta:
        ordering = ["case_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_diameter_mm__gte=1) & Q(max_diameter_mm__lte=500),
                name="lesion_diameter_range",
            ),
            models.CheckConstraint(
                condition=~Q(site="vertebra") | ~Q(vertebral_level=""),
                name="lesion_vertebra_has_level",
            ),
        ]

    def __str__(self) -> str:
        where = self.vertebral_level or self.site
        return f"Lesion {where} ({self.max_diameter_mm} mm)"


class TreatmentPlan(models.Model):
    """The ordered procedures an MDT decided for a case. Created by boardsvc from a decision,
    booked by scheduling. A case may have several plans over time; one is active."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        SUPERSEDED = "superseded", "superseded"
        COMPLETED = "completed", "completed"
        CANCELLED = "cancelled", "cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    decision_public_id = models.UUIDField(
        null=True, blank=True, help_text="The boardsvc decision this plan came from."
    )
    summary = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="plan_one_active_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {str(self.public_id)[:8]} ({self.status})"


def _purpose_allowed_condition() -> Q:
    """A blank purpose, or one PURPOSES_BY_PROCEDURE allows for the procedure type."""
    condition = Q(purpose="")
    for procedure_type, purposes in sorted(PURPOSES_BY_PROCEDURE.items()):
        condition |= Q(procedure_type=procedure_type, purpose__in=sorted(purposes))
    return condition


class PlannedProcedure(models.Model):
    """One procedure of a plan, in order, with its target lesion and intent."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="procedures")
    sequence = models.PositiveSmallIntegerField()
    procedure_type = models.CharField(max_length=20, choices=ProcedureType.choices())
    purpose = models.CharField(
        max_length=20, blank=True, choices=ProcedurePurpose.choices(),
        help_text="Why it is done (cases.domain.codes.PURPOSES_BY_PROCEDURE); it decides the "
                  "timing rules that bind it (R1-R3).",
    )
    prepares = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="prepared_by",
        help_text="The procedure of the same plan this one prepares (a pre-operative "
                  "embolization prepares its surgery, a pre-ablation one its ablation).",
    )
    target_lesion = models.ForeignKey(
        Lesion, null=True, blank=True, on_delete=models.SET_NULL, related_name="procedures"
    )
    intent = models.CharField(max_length=12, choices=Intent.choices())
    fractions = models.PositiveSmallIntegerField(null=True, blank=True)
    dose_gy = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    same_session_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Done in the same session as this other procedure (e.g. ablation + cement).",
    )
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="procedure_plan_seq_uniq"),
            models.CheckConstraint(
                condition=_purpose_allowed_condition(), name="procedure_purpose_allowed",
            ),
            models.CheckConstraint(
                condition=Q(prepares__isnull=True) | Q(purpose__in=sorted(PREPARED_BY_PURPOSE)),
                name="procedure_prepares_needs_purpose",
            ),
            models.CheckConstraint(
                condition=Q(prepares__isnull=True) | ~Q(prepares=F("id")),
                name="procedure_not_prepares_self",
            ),
            models.CheckConstraint(
                condition=Q(same_session_with__isnull=True) | ~Q(same_session_with=F("id")),
                name="procedure_not_same_session_with_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.procedure_type}"

    @property
    def embolization_purpose(self) -> str:
        """Deprecated alias of ``purpose`` for embolizations (kept for integrators and old
        callers; "adjuvant" is now "pre_ablation")."""
        return self.purpose if self.procedure_type == ProcedureType.EMBOLIZATION else ""

    @embolization_purpose.setter
    def embolization_purpose(self, value: str) -> None:
        from cases.domain.purposes import legacy_purpose

        self.purpose = legacy_purpose(value)


class SiteParameter(models.Model):
    """A site's override of a clinical threshold or rule default (clinical-rules.md).

    Defaults, allowed ranges, rationale and source live in the domain (cases/domain/thresholds.py);
    this table only records a site's chosen value and who changed it, and why.
    """

    key = models.CharField(max_length=60, unique=True)
    value = models.FloatField()
    reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class CaseStatusChange(models.Model):
    """Point-in-time history of a case's status (who moved it, from what, why)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices())
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices())
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    by_client = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ImagingStudy(models.Model):
    """An imaging study the board should see for a case (optionally one lesion): opened in the
    hospital's PACS viewer through the site's viewer URL template (BOARDSVC_PACS_VIEWER_URL)."""

    class Modality(models.TextChoices):
        CT = "CT", "CT"
        MR = "MR", "MR"
        PT = "PT", "PET"
        NM = "NM", "NM"
        CR = "CR", "X-ray"
        XA = "XA", "Angiography"
        US = "US", "Ultrasound"
        OT = "OT", "Other"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imaging_studies")
    lesion = models.ForeignKey(Lesion, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="imaging_studies")
    accession_number = models.CharField(max_length=64, blank=True)
    study_instance_uid = models.CharField(max_length=64, blank=True)
    modality = models.CharField(max_length=2, choices=Modality.choices)
    study_date = models.DateField()
    description = models.CharField(max_length=200, blank=True)
    report = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-study_date", "id"]
        indexes = [models.Index(fields=["case", "study_date"], name="imaging_case_date_idx")]

    def __str__(self) -> str:
        return f"{self.modality} {self.study_date} ({self.public_id})"


class CaseDocument(models.Model):
    """A document attached to a case (a PDF report): stored in the database, read only through
    the services (access-controlled, an audit row per read)."""

    class Kind(models.TextChoices):
        RADIOLOGY_REPORT = "radiology_report", _("Radiology report")
        PATHOLOGY_REPORT = "pathology_report", _("Pathology report")
        CLINIC_LETTER = "clinic_letter", _("Clinic letter")
        OTHER = "other", _("Other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    lesion = models.ForeignKey(Lesion, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60, default="application/pdf")
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="casedoc_case_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
