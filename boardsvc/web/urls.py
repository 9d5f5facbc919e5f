from __future__ import annotations

from django.urls import path

from . import views

app_name = "boardsvc_web"

urlpatterns = [
    path("boards/", views.dashboard, name="dashboard"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/calendar/", views.meeting_calendar, name="meeting_calendar"),
    path("meetings/<uuid:public_id>/", views.agenda, name="agenda"),
    path("meetings/<uuid:public_id>/print/", views.agenda_print, name="agenda_print"),
    path("meetings/<uuid:public_id>/live/", views.live, name="live"),
    path("meetings/<uuid:public_id>/state/", views.meeting_state, name="meeting_state"),
    path("meetings/<uuid:public_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:public_id>/reorder/", views.agenda_reorder, name="agenda_reorder"),
    path("meetings/<uuid:public_id>/add/", views.agenda_add_late, name="agenda_add"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/outcome/", views.item_outcome,
         name="item_outcome"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/decision/", views.decision_save,
         name="decision_save"),
    path("decisions/<uuid:public_id>/", views.decision_summary, name="decision_summary"),
]
