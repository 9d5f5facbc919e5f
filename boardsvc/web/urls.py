"""MDT member pages; each URL's view lives in the boardsvc/web/views/ module it names."""

from __future__ import annotations

from django.urls import path

from .views import (
    agenda,
    attendance,
    decisions,
    documents,
    kpi,
    live,
    meetings,
    preparation,
    presenter,
)

app_name = "boardsvc_web"

urlpatterns = [
    path("boards/", meetings.dashboard, name="dashboard"),
    path("kpi/", kpi.kpi_dashboard, name="kpi"),
    path("kpi/<slug:section>.csv", kpi.kpi_export, name="kpi_export"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/calendar/", meetings.meeting_calendar, name="meeting_calendar"),
    path("meetings/<uuid:public_id>/", agenda.agenda, name="agenda"),
    path("meetings/<uuid:public_id>/print/", agenda.agenda_print, name="agenda_print"),
    path("meetings/<uuid:public_id>/live/", live.live, name="live"),
    path("meetings/<uuid:public_id>/state/", live.meeting_state, name="meeting_state"),
    path("meetings/<uuid:public_id>/attendance/", attendance.attendance, name="attendance"),
    path("meetings/<uuid:public_id>/attendance/all/", attendance.attendance_all,
         name="attendance_all"),
    path("meetings/<uuid:public_id>/check-in/", attendance.check_in, name="check_in"),
    path("meetings/<uuid:public_id>/apologies/", attendance.apology, name="apology"),
    path("meetings/<uuid:public_id>/present/", presenter.present, name="present"),
    path("meetings/<uuid:public_id>/present/fragment/", presenter.present_fragment,
         name="present_fragment"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/opinion/", agenda.opinion_save,
         name="opinion_save"),
    path("meetings/<uuid:public_id>/reorder/", agenda.agenda_reorder, name="agenda_reorder"),
    path("meetings/<uuid:public_id>/add/", agenda.agenda_add_late, name="agenda_add"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/outcome/", live.item_outcome,
         name="item_outcome"),
    path("meetings/<uuid:public_id>/items/<uuid:item_id>/decision/", live.decision_save,
         name="decision_save"),
    path("meetings/<uuid:public_id>/preparation/", preparation.preparation, name="preparation"),
    path("meetings/<uuid:public_id>/preparation/build/", preparation.preparation_build,
         name="preparation_build"),
    path("meetings/<uuid:public_id>/preparation/<uuid:task_id>/done/",
         preparation.preparation_done, name="preparation_done"),
    path("meetings/<uuid:public_id>/preparation/<uuid:task_id>/assign/",
         preparation.preparation_assign, name="preparation_assign"),
    path("decisions/<uuid:public_id>/", decisions.decision_summary, name="decision_summary"),
    path("meetings/<uuid:public_id>/print.pdf", documents.agenda_pdf, name="agenda_pdf"),
    path("meetings/<uuid:public_id>/documents/", documents.meeting_documents,
         name="meeting_documents"),
    path("meetings/<uuid:public_id>/documents/generate/", documents.document_generate,
         name="document_generate"),
    path("decisions/<uuid:public_id>/documents/", documents.decision_documents,
         name="decision_documents"),
    path("documents/<uuid:public_id>/download/", documents.document_download,
         name="document_download"),
    path("documents/<uuid:public_id>/send/", documents.document_send, name="document_send"),
]
