"""boardsvc's FHIR R4 resources, mounted at /fhir/R4/ beside scheduling.fhir.urls."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("DocumentReference", views.DocumentReferenceSearchApi.as_view(),
         name="fhir-document-reference-search"),
    path("DocumentReference/<uuid:document_id>", views.DocumentReferenceReadApi.as_view(),
         name="fhir-document-reference-read"),
]
