"""``boards/<id>/kpi/<section>/``: the KPI dashboard's figures, one endpoint per section, each
figure named in the body (boardsvc/kpi/sections.py).

Query parameters: ``from`` and ``to``, ISO dates in the board's time zone, both inclusive, at
most 366 days apart (400 naming the field and the rule: required, invalid, date_window, order,
max_range).

Access: group coordinators, administrators, and the board's chair and board coordinators
(service leads). A plain member of the board gets 403 (audited); a board the caller cannot see
is 404. System clients need ``agenda:read`` and, when limited to some boards, that board.
Bodies hold aggregates only, no patient data; each read writes one ``list`` audit row naming
the board and the period.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from boardsvc import selectors
from boardsvc.kpi.period import MAX_PERIOD_DAYS, kpi_period
from boardsvc.kpi.sections import kpi_section
from core.access import Role
from core.audit import audit_record
from core.models import AuditEvent

from .base import BoardsApi

KPI_READERS = {Role.CHAIR, Role.BOARD_COORDINATOR, Role.COORDINATOR}
KPI_READ = (KPI_READERS, "agenda:read")

PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True,
                     description="First day of the period (board's time zone), inclusive."),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True,
                     description=f"Last day, inclusive; at most {MAX_PERIOD_DAYS} days after "
                                 "the first."),
]


class KpiSectionApi(BoardsApi):
    access = {"GET": KPI_READ}
    object_type = "board"
    section = ""

    def get(self, request: Request, public_id: Any) -> Response:
        board = self.visible_or_404(selectors.board_get_visible, public_id, object_type="board",
                                    label="board")
        self.require_manager(board.pk)
        period = kpi_period(first=request.query_params.get("from"),
                            last=request.query_params.get("to"), zone=board.timezone)
        found = kpi_section(section=self.section, board=board, period=period)
        audit_record(principal=self.principal, action=AuditEvent.Action.LIST,
                     object_type=f"kpi_{self.section}", object_id=str(board.public_id),
                     path=request.path,
                     detail={"from": period.first.isoformat(), "to": period.last.isoformat()})
        return Response({
            "board": str(board.public_id), "section": self.section,
            "from": period.first.isoformat(), "to": period.last.isoformat(),
            "timezone": board.timezone, "figures": found.figures,
            "computed_at": serializers.DateTimeField().to_representation(found.computed_at),
        })


def _view(section: str, summary: str) -> type[KpiSectionApi]:
    def get(self: KpiSectionApi, request: Request, public_id: Any) -> Response:
        return KpiSectionApi.get(self, request, public_id)

    get = extend_schema(summary=summary, parameters=PERIOD_PARAMETERS,
                        responses=OpenApiTypes.OBJECT,
                        operation_id=f"boards_kpi_{section}")(get)
    return type(f"Kpi{section.title()}Api", (KpiSectionApi,), {"section": section, "get": get})


KpiActivityApi = _view("activity", "Cases referred, discussed, standard of care, deferred, "
                                   "rolled forward")
KpiWaitsApi = _view("waits", "Median and 90th percentile waits against target, breaches")
KpiUtilisationApi = _view("utilisation", "Room utilisation: booked over open minutes")
KpiAttendanceApi = _view("attendance", "Attendance per specialty and quorum met")
KpiViolationsApi = _view("violations", "Timing-rule violations by rule")

KPI_VIEWS: dict[str, type[KpiSectionApi]] = {
    "activity": KpiActivityApi,
    "waits": KpiWaitsApi,
    "utilisation": KpiUtilisationApi,
    "attendance": KpiAttendanceApi,
    "violations": KpiViolationsApi,
}
