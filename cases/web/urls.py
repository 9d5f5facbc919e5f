from __future__ import annotations

from django.urls import path

from . import views

app_name = "cases_web"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
]
