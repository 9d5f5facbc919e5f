from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from oauth2_provider import views as oauth2_views

from core import views as core_views
from core.api.docs import redoc_docs, swagger_docs
from core.oauth import ClientTokenView

oauth_urls = [
    path("token/", ClientTokenView.as_view(), name="token"),
    path("revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth2_views.IntrospectTokenView.as_view(), name="introspect"),
]

api_v1 = [
    path("", include("cases.api.urls")),
    path("", include("boardsvc.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("core.api.urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", swagger_docs("api-schema"), name="api-docs"),
    path("api/redoc/", redoc_docs("api-schema"), name="api-redoc"),
    # Only what hospital systems need: no application-management, registration or authorise
    # pages for people (issue 10, item 1). System clients are made by administrators.
    path("o/", include((oauth_urls, "oauth2_provider"), namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("fhir/R4/", include("scheduling.fhir.urls")),
    path("fhir/R4/", include("boardsvc.fhir.urls")),
    path("ical/", include("boardsvc.ical_urls")),
    path("ical/", include("scheduling.ical_urls")),
    path("admin/", admin.site.urls),
    path("", include("core.web.urls")),
    path("", include("boardsvc.web.urls")),
    path("", include("cases.web.urls")),
    path("", include("scheduling.web.urls")),
]

handler403 = "core.web.error_pages.permission_denied"
handler404 = "core.web.error_pages.page_not_found"
handler500 = "core.web.error_pages.server_error"
