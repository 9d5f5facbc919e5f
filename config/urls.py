from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core import views as core_views

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
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("fhir/R4/", include("scheduling.fhir.urls")),
    path("ical/", include("boardsvc.ical_urls")),
    path("ical/", include("scheduling.ical_urls")),
    path("admin/", admin.site.urls),
    path("", include("core.web.urls")),
    path("", include("boardsvc.web.urls")),
    path("", include("cases.web.urls")),
    path("", include("scheduling.web.urls")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
