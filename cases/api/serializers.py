"""Serializers shared by several case endpoints (lesion and patient input, case output).

Input serializers are plain ``serializers.Serializer`` (writes go through cases.services);
output serializers are read-only. Responses never contain patient identifier values: only the
patient's public_id (pseudonym), birth year and sex.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cases.domain.codes import (
    VERTEBRAL_LEVELS,
    BilskyGrade,
    Histology,
    LesionPattern,
    MirelsPain,
    MirelsSite,
    MirelsSize,
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
from cases.domain.intake import lesion_inconsistencies
from cases.domain.lifecycle import allowed_transitions
from cases.models import Case, Lesion


def _choice(enum: Any, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=enum.choices(), **kwargs)


def _blank_choice(enum: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=enum.choices(), required=False, allow_blank=True)


class LesionInputSerializer(serializers.Serializer):
    """One lesion as submitted. ``id`` (a lesion public id) is used only by PATCH."""

    id = serializers.UUIDField(required=False)
    site = _choice(SkeletalSite)
    vertebral_level = serializers.ChoiceField(
        choices=[(level, level) for level in VERTEBRAL_LEVELS], required=False, allow_blank=True
    )
    site_detail = serializers.CharField(max_length=100, required=False, allow_blank=True)
    max_diameter_mm = serializers.IntegerField(min_value=1, max_value=500)
    pattern = _choice(LesionPattern)
    vascularity = _choice(Vascularity, required=False)
    vascularity_method = _choice(VascularityMethod, required=False)
    pathological_fracture = serializers.BooleanField(required=False)
    epidural_extension = serializers.BooleanField(required=False)
    bilsky_grade = _blank_choice(BilskyGrade)
    soft_tissue_extension = serializers.BooleanField(required=False)
    distance_neural_mm = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    distance_vascular_mm = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    rapid_growth = serializers.BooleanField(required=False)
    neurological_deficit = serializers.BooleanField(required=False)
    painful = serializers.BooleanField(required=False)
    weight_bearing = serializers.BooleanField(required=False)
    adamkiewicz_in_field = serializers.BooleanField(required=False)
    vertebra_plana = serializers.BooleanField(required=False)
    posterior_wall_involved = serializers.BooleanField(required=False)
    intense_enhancement = serializers.BooleanField(required=False)
    radicular_pain = serializers.BooleanField(required=False)
    sins_location = _blank_choice(SinsLocation)
    sins_pain = _blank_choice(SinsPain)
    sins_alignment = _blank_choice(SinsAlignment)
    sins_collapse = _blank_choice(SinsCollapse)
    sins_posterolateral = _blank_choice(SinsPosterolateral)
    mirels_site = _blank_choice(MirelsSite)
    mirels_pain = _blank_choice(MirelsPain)
    mirels_size = _blank_choice(MirelsSize)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not self.root.partial:
            # A whole lesion (create): every contradiction at once (cases/domain/intake.py).
            # A PATCH is checked by cases.services.case_update against the merged lesion.
            issues = lesion_inconsistencies(attrs)
            if issues:
                detail: dict[str, list[serializers.ErrorDetail]] = {}
                for issue in issues:
                    detail.setdefault(issue.field, []).append(
                        serializers.ErrorDetail(issue.message, code=issue.rule))
                raise serializers.ValidationError(detail)
            return attrs
        # Only checkable here when the site is part of the payload.
        missing_level = not attrs.get("vertebral_level") and "vertebral_level" in attrs
        if attrs.get("site") == SkeletalSite.VERTEBRA and missing_level:
            raise serializers.ValidationError(
                {"vertebral_level": ["A vertebral lesion needs its vertebral level (C1-S5)."]},
                code="required",
            )
        return attrs


class CaseFieldsSerializer(serializers.Serializer):
    """The clinical summary fields of a case (shared by create and PATCH)."""

    requested_board = serializers.SlugField(max_length=60, required=False, allow_blank=True)
    referring_clinician = serializers.CharField(max_length=200)
    clinical_question = serializers.CharField(max_length=5000)
    urgency = _choice(Urgency, required=False)
    urgency_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    primary_histology = _choice(Histology)
    metastases_count = serializers.IntegerField(min_value=0, max_value=999)
    ecog = serializers.IntegerField(min_value=0, max_value=4)
    pain_vas = serializers.IntegerField(min_value=0, max_value=10)
    systemic_therapy_ongoing = serializers.BooleanField(required=False)
    systemic_therapy = serializers.CharField(max_length=200, required=False, allow_blank=True)
    prior_rt_date = serializers.DateField(required=False, allow_null=True)
    prior_rt_dose_gy = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=200, required=False,
        allow_null=True,
    )
    prior_rt_fractions = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True
    )
    imaging_available = serializers.BooleanField(required=False)
    life_expectancy_months = serializers.IntegerField(
        min_value=0, max_value=600, required=False, allow_null=True
    )
    active_infection = serializers.BooleanField(required=False)
    uncorrectable_coagulopathy = serializers.BooleanField(required=False)
    pmma_allergy = serializers.BooleanField(required=False)

    def validate_requested_board(self, value: str) -> str:
        from core.access import case_access_policy

        if value and not case_access_policy().board_exists(value):
            raise serializers.ValidationError("There is no board with this slug.",
                                              code="unknown_board")
        principal = self.context.get("principal")
        boards = getattr(principal, "client_boards", None)
        if boards is not None and value not in boards:
            # A hospital system limited to some boards refers only to those (issue 10, item 1).
            raise serializers.ValidationError(
                f"This system client may refer cases only to: {', '.join(sorted(boards))}.",
                code="board_not_allowed")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        principal = self.context.get("principal")
        if (getattr(principal, "client_boards", None) is not None and not self.partial
                and not attrs.get("requested_board")):
            raise serializers.ValidationError(
                {"requested_board": serializers.ErrorDetail(
                    "This system client is limited to some boards: name one.",
                    code="required")})
        return attrs


class IdentifierSerializer(serializers.Serializer):
    system = serializers.CharField(max_length=200)
    value = serializers.CharField(max_length=200)


class PatientInputSerializer(serializers.Serializer):
    identifiers = IdentifierSerializer(many=True, allow_empty=False)
    birth_year = serializers.IntegerField(min_value=1900, max_value=2100)
    sex = _choice(Sex, required=False)


class LesionOutputSerializer(serializers.ModelSerializer):
    # Read-only rendering; a ModelSerializer keeps the 30 lesion fields in one list.
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Lesion
        fields = (
            "id", "position", "site", "vertebral_level", "site_detail", "max_diameter_mm",
            "pattern", "vascularity", "vascularity_method", "pathological_fracture",
            "epidural_extension", "bilsky_grade", "soft_tissue_extension", "distance_neural_mm",
            "distance_vascular_mm", "rapid_growth", "neurological_deficit", "painful",
            "weight_bearing", "adamkiewicz_in_field", "vertebra_plana",
            "posterior_wall_involved", "intense_enhancement", "radicular_pain",
            "sins_location", "sins_pain", "sins_alignment", "sins_collapse",
            "sins_posterolateral", "mirels_site", "mirels_pain", "mirels_size",
        )
        read_only_fields = fields


class PatientOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    birth_year = serializers.IntegerField()
    sex = serializers.CharField()


class CaseOutputSerializer(serializers.ModelSerializer):
    """A case with its lesions; decision support and readiness are added by the view."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = PatientOutputSerializer(read_only=True)
    lesions = LesionOutputSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = (
            "id", "patient", "source_system", "external_id", "requested_board",
            "referring_clinician", "clinical_question", "urgency", "urgency_reason",
            "primary_histology", "metastases_count", "ecog", "pain_vas",
            "systemic_therapy_ongoing", "systemic_therapy", "prior_rt_date", "prior_rt_dose_gy",
            "prior_rt_fractions", "imaging_available", "life_expectancy_months",
            "active_infection", "uncorrectable_coagulopathy", "pmma_allergy", "status",
            "allowed_transitions", "version", "submitted_at", "ready_at", "updated_at",
            "lesions",
        )
        read_only_fields = fields

    def get_allowed_transitions(self, case: Case) -> list[str]:
        return allowed_transitions(case.status)
