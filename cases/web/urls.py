from __future__ import annotations

from django.urls import path

from . import attachments, views

app_name = "cases_web"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/imaging/", attachments.imaging_add, name="imaging_add"),
    path("cases/<uuid:public_id>/imaging/<uuid:study_id>/remove/", attachments.imaging_remove,
         name="imaging_remove"),
    path("cases/<uuid:public_id>/documents/", attachments.document_upload,
         name="document_upload"),
    path("cases/<uuid:public_id>/documents/<uuid:document_id>/", attachments.document_download,
         name="document_download"),
]
