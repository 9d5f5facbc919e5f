"""Board endpoints, included under /api/v1/ by config/urls.py.

One module per endpoint group; the URL names its module:

- ``boards/...``                                    → boardsvc/api/boards.py
- ``meetings/``, ``meetings/<id>/``, ``.../start/``, ``.../close/`` → boardsvc/api/meetings.py
- ``meetings/<id>/agenda/...``, ``agenda-items/<id>/defer/``, ``.../standard-of-care/``
                                                    → boardsvc/api/agenda.py
- ``meetings/<id>/attendance/...``                  → boardsvc/api/attendance.py
- ``meetings/<id>/items/<item_id>/opinions/``       → boardsvc/api/opinions.py
- ``agenda-items/<id>/decision/``, ``.../ratify/``, ``decisions/...`` → boardsvc/api/decisions.py
- ``meetings/<id>/documents/``, ``documents/...``   → boardsvc/api/documents.py
- ``cases/<id>/placement/``                         → boardsvc/api/placement.py
- ``boards/<id>/kpi/<section>/``                    → boardsvc/api/kpi.py
"""

from __future__ import annotations

from django.urls import path

from core.api.base import method_router

from . import agenda, attendance, boards, decisions, documents, kpi, meetings, opinions, placement

app_name = "boardsvc_api"

urlpatterns = [
    path("boards/", boards.BoardListApi.as_view(), name="board-list"),
    path("boards/<uuid:public_id>/", boards.BoardDetailApi.as_view(), name="board-detail"),
    *[path(f"boards/<uuid:public_id>/kpi/{section}/", view.as_view(), name=f"board-kpi-{section}")
      for section, view in kpi.KPI_VIEWS.items()],
    path("meetings/", meetings.MeetingListApi.as_view(), name="meeting-list"),
    path("meetings/<uuid:public_id>/", meetings.MeetingDetailApi.as_view(),
         name="meeting-detail"),
    path("meetings/<uuid:public_id>/agenda/", agenda.MeetingAgendaApi.as_view(),
         name="meeting-agenda"),
    path("meetings/<uuid:public_id>/agenda/reorder/", agenda.AgendaReorderApi.as_view(),
         name="agenda-reorder"),
    path("meetings/<uuid:public_id>/agenda/late-additions/", agenda.AgendaLateAddApi.as_view(),
         name="agenda-late-add"),
    path("meetings/<uuid:public_id>/attendance/", attendance.AttendanceListApi.as_view(),
         name="attendance-list"),
    path("meetings/<uuid:public_id>/attendance/record/",
         attendance.AttendanceRecordApi.as_view(), name="attendance-record"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/opinions/",
         method_router(get=opinions.OpinionListApi, put=opinions.OpinionPutApi),
         name="item-opinions"),
    path("meetings/<uuid:public_id>/start/", meetings.MeetingStartApi.as_view(),
         name="meeting-start"),
    path("meetings/<uuid:public_id>/close/", meetings.MeetingCloseApi.as_view(),
         name="meeting-close"),
    path("agenda-items/<uuid:public_id>/defer/", agenda.AgendaItemDeferApi.as_view(),
         name="agenda-item-defer"),
    path("agenda-items/<uuid:public_id>/standard-of-care/",
         agenda.AgendaItemStandardOfCareApi.as_view(), name="agenda-item-standard-of-care"),
    path("agenda-items/<uuid:public_id>/decision/", decisions.DecisionCreateApi.as_view(),
         name="decision-create"),
    path("agenda-items/<uuid:public_id>/ratify/", decisions.DecisionRatifyApi.as_view(),
         name="decision-ratify"),
    path("decisions/<uuid:public_id>/", decisions.DecisionDetailApi.as_view(),
         name="decision-detail"),
    path("decisions/<uuid:public_id>/amend/", decisions.DecisionAmendApi.as_view(),
         name="decision-amend"),
    path("meetings/<uuid:public_id>/documents/",
         method_router(get=documents.MeetingDocumentListApi,
                       post=documents.MeetingDocumentGenerateApi), name="meeting-documents"),
    path("documents/<uuid:public_id>/", documents.DocumentDetailApi.as_view(),
         name="document-detail"),
    path("documents/<uuid:public_id>/content", documents.DocumentContentApi.as_view(),
         name="document-content"),
    path("documents/<uuid:public_id>/deliveries/", documents.DocumentDeliveryCreateApi.as_view(),
         name="document-deliveries"),
    path("cases/<uuid:public_id>/placement/", placement.CasePlacementExplanationApi.as_view(),
         name="case-placement"),
]
