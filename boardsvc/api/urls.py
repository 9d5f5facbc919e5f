"""Board endpoints, included under /api/v1/ by config/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "boardsvc_api"

urlpatterns = [
    path("boards/", views.BoardListApi.as_view(), name="board-list"),
    path("boards/<uuid:public_id>/", views.BoardDetailApi.as_view(), name="board-detail"),
    path("meetings/", views.MeetingListApi.as_view(), name="meeting-list"),
    path("meetings/<uuid:public_id>/", views.MeetingDetailApi.as_view(), name="meeting-detail"),
    path("meetings/<uuid:public_id>/agenda/", views.MeetingAgendaApi.as_view(),
         name="meeting-agenda"),
    path("meetings/<uuid:public_id>/agenda/reorder/", views.AgendaReorderApi.as_view(),
         name="agenda-reorder"),
    path("meetings/<uuid:public_id>/agenda/late-additions/", views.AgendaLateAddApi.as_view(),
         name="agenda-late-add"),
    path("meetings/<uuid:public_id>/attendance/", views.AttendanceListApi.as_view(),
         name="attendance-list"),
    path("meetings/<uuid:public_id>/attendance/record/", views.AttendanceRecordApi.as_view(),
         name="attendance-record"),
    path("meetings/<uuid:public_id>/start/", views.MeetingStartApi.as_view(),
         name="meeting-start"),
    path("meetings/<uuid:public_id>/close/", views.MeetingCloseApi.as_view(),
         name="meeting-close"),
    path("agenda-items/<uuid:public_id>/defer/", views.AgendaItemDeferApi.as_view(),
         name="agenda-item-defer"),
    path("agenda-items/<uuid:public_id>/standard-of-care/",
         views.AgendaItemStandardOfCareApi.as_view(), name="agenda-item-standard-of-care"),
    path("agenda-items/<uuid:public_id>/decision/", views.DecisionCreateApi.as_view(),
         name="decision-create"),
    path("agenda-items/<uuid:public_id>/ratify/", views.DecisionRatifyApi.as_view(),
         name="decision-ratify"),
    path("decisions/<uuid:public_id>/", views.DecisionDetailApi.as_view(),
         name="decision-detail"),
    path("decisions/<uuid:public_id>/amend/", views.DecisionAmendApi.as_view(),
         name="decision-amend"),
    path("cases/<uuid:public_id>/placement/", views.CasePlacementExplanationApi.as_view(),
         name="case-placement"),
]
