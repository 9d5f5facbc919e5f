"""Imaging studies of a case: GET (paginated, one audit row per study shown) and POST.

``/api/v1/cases/<id>/imaging-studies/``. Readers of the case (coordinators, its boards'
members, ``cases:read`` clients) list; coordinators and ``cases:write`` clients add. A case
outside the caller's scope is a 404, audited with the pseudonym. Each study carries
``viewer_url``: its link into the hospital's PACS viewer (BOARDSVC_PACS_VIEWER_URL), or null.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import CasesApiView, validated
from cases.models import ImagingStudy
from cases.selectors import (
    imaging_studies_for_case,
    imaging_viewer_url,
)
from cases.services import imaging_study_add
from core.access import ROLE_COORDINATOR, ROLE_MEMBER
from core.api.base import PageAudit
from core.api.fields import WindowDateField
from core.models import AuditEvent

READ = ({ROLE_COORDINATOR, ROLE_MEMBER}, "cases:read")
WRITE = ({ROLE_COORDINATOR}, "cases:write")


@extend_schema_serializer(component_name="ImagingStudy")
class ImagingStudyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    case = serializers.UUIDField(source="case.public_id")
    lesion = serializers.UUIDField(source="lesion.public_id", allow_null=True, default=None)
    accession_number = serializers.CharField()
    study_instance_uid = serializers.CharField()
    modality = serializers.CharField()
    study_date = serializers.DateField()
    description = serializers.CharField()
    report = serializers.CharField()
    viewer_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_viewer_url(self, study: ImagingStudy) -> str | None:
        return imaging_viewer_url(accession=study.accession_number,
                                  study_uid=study.study_instance_uid) or None


class ImagingStudyListApi(CasesApiView):
    """GET /api/v1/cases/<id>/imaging-studies/ — the case's studies, newest first."""

    access = {"GET": READ}
    audit_action = AuditEvent.Action.LIST

    @extend_schema(operation_id="imaging_study_list",
                   responses=ImagingStudyOutputSerializer(many=True))
    def get(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        pseudonym = case.patient.public_id
        return self.paginated(
            imaging_studies_for_case(case=case), ImagingStudyOutputSerializer,
            audit=PageAudit(AuditEvent.Action.LIST, "imaging_study",
                            lambda study: (study.public_id, pseudonym)))


class ImagingStudyCreateApi(CasesApiView):
    """POST /api/v1/cases/<id>/imaging-studies/ — attach a study (201).

    400 names each field and rule: ``study_instance_uid``/``dicom_uid`` (dot-separated numbers,
    ≤ 64 characters), ``accession_number``/``identifier_required`` (neither identifier given),
    ``study_date``/``date_window`` or ``not_in_future``, ``modality``/``invalid_choice``,
    ``lesion``/``not_of_case``."""

    access = {"POST": WRITE}
    audit_action = AuditEvent.Action.CREATE

    @extend_schema_serializer(component_name="ImagingStudyCreateInput")
    class InputSerializer(serializers.Serializer):
        modality = serializers.ChoiceField(choices=ImagingStudy.Modality.choices)
        study_date = WindowDateField()
        accession_number = serializers.CharField(max_length=64, required=False,
                                                 allow_blank=True)
        study_instance_uid = serializers.CharField(max_length=64, required=False,
                                                   allow_blank=True)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        report = serializers.CharField(max_length=20000, required=False, allow_blank=True)
        lesion = serializers.UUIDField(required=False, allow_null=True)

    @extend_schema(operation_id="imaging_study_create", request=InputSerializer,
                   responses={201: ImagingStudyOutputSerializer})
    def post(self, request: Request, public_id: object) -> Response:
        case = self.get_case(public_id)
        data: dict[str, Any] = validated(self.InputSerializer(data=request.data))
        study = imaging_study_add(principal=self.principal, case=case, data=data,
                                  path=request.path)
        return Response(ImagingStudyOutputSerializer(study).data,
                        status=status.HTTP_201_CREATED)
