"""Case API routes under /api/v1/ (config/urls.py includes this module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from cases.api.base import method_router
from cases.api.documents import (
    CaseDocumentContentApi,
    CaseDocumentListApi,
    CaseDocumentUploadApi,
)
from cases.api.imaging import ImagingStudyCreateApi, ImagingStudyListApi
from cases.api.views import (
    CaseCreateApi,
    CaseDetailApi,
    CaseHistoryApi,
    CaseListApi,
    CaseTransitionApi,
    CaseUpdateApi,
    SiteParameterListApi,
    SiteParameterUpdateApi,
)

app_name = "cases_api"

urlpatterns: list[URLPattern] = [
    path("cases/", method_router(get=CaseListApi, post=CaseCreateApi), name="case-collection"),
    path(
        "cases/<uuid:public_id>/",
        method_router(get=CaseDetailApi, patch=CaseUpdateApi),
        name="case-detail",
    ),
    path("cases/<uuid:public_id>/transition/", CaseTransitionApi.as_view(),
         name="case-transition"),
    path("cases/<uuid:public_id>/history/", CaseHistoryApi.as_view(), name="case-history"),
    path("cases/<uuid:public_id>/imaging-studies/",
         method_router(get=ImagingStudyListApi, post=ImagingStudyCreateApi),
         name="case-imaging-studies"),
    path("cases/<uuid:public_id>/documents/",
         method_router(get=CaseDocumentListApi, post=CaseDocumentUploadApi),
         name="case-documents"),
    path("case-documents/<uuid:document_id>/content", CaseDocumentContentApi.as_view(),
         name="document-content"),
    path("site-parameters/", SiteParameterListApi.as_view(), name="site-parameter-list"),
    path("site-parameters/<slug:key>/", SiteParameterUpdateApi.as_view(),
         name="site-parameter-update"),
]
