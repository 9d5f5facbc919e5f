"""Scheduling API routes under /api/v1/ (config/urls.py includes this module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from scheduling.api.base import method_router
from scheduling.api.views import (
    BookingCancelApi,
    BookingCreateApi,
    BookingDetailApi,
    BookingDoneApi,
    BookingHistoryApi,
    BookingListApi,
    BookingMoveApi,
    PlanProposalCreateApi,
    PlanValidationApi,
    ProcedureCatalogueListApi,
    ProcedureCatalogueUpdateApi,
    ResourceDetailApi,
    ResourceListApi,
    ResourceSlotsApi,
    TimingRuleListApi,
    TimingRuleUpdateApi,
    ViolationAcknowledgeApi,
)

app_name = "scheduling_api"

urlpatterns: list[URLPattern] = [
    path("resources/", ResourceListApi.as_view(), name="resource-list"),
    path("resources/<uuid:public_id>/", ResourceDetailApi.as_view(), name="resource-detail"),
    path("resources/<uuid:public_id>/slots/", ResourceSlotsApi.as_view(), name="resource-slots"),
    path("bookings/", method_router(get=BookingListApi, post=BookingCreateApi),
         name="booking-collection"),
    path("bookings/<uuid:public_id>/", BookingDetailApi.as_view(), name="booking-detail"),
    path("bookings/<uuid:public_id>/history/", BookingHistoryApi.as_view(),
         name="booking-history"),
    path("bookings/<uuid:public_id>/move/", BookingMoveApi.as_view(), name="booking-move"),
    path("bookings/<uuid:public_id>/cancel/", BookingCancelApi.as_view(), name="booking-cancel"),
    path("bookings/<uuid:public_id>/done/", BookingDoneApi.as_view(), name="booking-done"),
    path("plans/<uuid:public_id>/validation/", PlanValidationApi.as_view(),
         name="plan-validation"),
    path("plans/<uuid:public_id>/proposals/", PlanProposalCreateApi.as_view(),
         name="plan-proposals"),
    path("violations/<uuid:public_id>/acknowledge/", ViolationAcknowledgeApi.as_view(),
         name="violation-acknowledge"),
    path("timing-rules/", TimingRuleListApi.as_view(), name="timing-rule-list"),
    path("timing-rules/<slug:code>/", TimingRuleUpdateApi.as_view(), name="timing-rule-update"),
    path("procedure-catalogue/", ProcedureCatalogueListApi.as_view(),
         name="procedure-catalogue-list"),
    path("procedure-catalogue/<slug:procedure_type>/", ProcedureCatalogueUpdateApi.as_view(),
         name="procedure-catalogue-update"),
]
