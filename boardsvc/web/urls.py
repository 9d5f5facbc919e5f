"""MDT member pages; each URL's view lives in the boardsvc/web/views/ module it names."""

from __future__ import annotations

from django.urls import path

from .views import agenda, decisions, live, meetings

app_name = "boardsvc_web"

urlpatterns = [
    path("boards/", meetings.dashboard, name="dashboard"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/calendar/", meetings.meeting_calendar, name="meeting_calendar"),
    path("meetings/<uuid:public_id>/", agenda.agenda, name="agenda"),
    path("meetings/<uuid:public_id>/print/", agenda.agenda_print, name="agenda_print"),
    path("meetings/<uuid:public_id>/live/", live.live, name="live"),
    path("meetings/<uuid:public_id>/state/", live.meeting_state, name="meeting_state"),
    path("meetings/<uuid:public_id>/attendance/", live.attendance, name="attendance"),
    path("meetings/<uuid:public_id>/reorder/", agenda.agenda_reorder, name="agenda_reorder"),
    path("meetings/<uuid:public_id>/add/", agenda.agenda_add_late, name="agenda_add"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/outcome/", live.item_outcome,
         name="item_outcome"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/decision/", live.decision_save,
         name="decision_save"),
    path("decisions/<uuid:public_id>/", decisions.decision_summary, name="decision_summary"),
]
