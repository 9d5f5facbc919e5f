"""FHIR R4 read facade, mounted at /fhir/R4/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import careplan, views

urlpatterns = [
    path("Appointment", views.AppointmentSearchApi.as_view(), name="fhir-appointment-search"),
    path("Appointment/<uuid:booking_id>", views.AppointmentReadApi.as_view(),
         name="fhir-appointment-read"),
    path("ServiceRequest", views.ServiceRequestSearchApi.as_view(),
         name="fhir-service-request-search"),
    path("ServiceRequest/<uuid:case_id>", views.ServiceRequestReadApi.as_view(),
         name="fhir-service-request-read"),
    path("Schedule", views.ScheduleSearchApi.as_view(), name="fhir-schedule-search"),
    path("Schedule/<uuid:resource_id>", views.ScheduleReadApi.as_view(),
         name="fhir-schedule-read"),
    path("Slot", views.SlotSearchApi.as_view(), name="fhir-slot-search"),
    path("CarePlan", careplan.CarePlanSearchApi.as_view(), name="fhir-care-plan-search"),
    path("CarePlan/<uuid:plan_id>", careplan.CarePlanReadApi.as_view(),
         name="fhir-care-plan-read"),
]
