"""Scheduling API routes under /api/v1/ (config/urls.py includes this module).

Each URL's first segment names the module that serves it: ``resources/`` → resources.py
(``resources/<id>/closures/`` → closures.py),
``bookings/`` → bookings.py, ``plans/`` → plans.py, ``violations/`` → violations.py,
``timing-rules/`` → timing_rules.py, ``procedure-catalogue/`` → procedure_catalogue.py,
``cases/<id>/clocks/``, ``clocks/`` and ``clock-targets/`` → clocks.py.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from scheduling.api import (
    board,
    bookings,
    clocks,
    closures,
    plans,
    procedure_catalogue,
    resources,
    solver_runs,
    timing_rules,
    violations,
)
from scheduling.api.base import method_router

app_name = "scheduling_api"

urlpatterns: list[URLPattern] = [
    path("resources/", resources.ResourceListApi.as_view(), name="resource-list"),
    path("resources/<uuid:public_id>/", resources.ResourceDetailApi.as_view(),
         name="resource-detail"),
    path("resources/<uuid:public_id>/slots/", resources.ResourceSlotsApi.as_view(),
         name="resource-slots"),
    path("resources/<uuid:public_id>/closures/", closures.ResourceClosuresApi.as_view(),
         name="resource-closures"),
    path("resources/<uuid:public_id>/closures/<uuid:closure_id>/",
         closures.ResourceClosureDetailApi.as_view(), name="resource-closure-detail"),
    path("bookings/", method_router(get=bookings.BookingListApi, post=bookings.BookingCreateApi),
         name="booking-collection"),
    path("bookings/<uuid:public_id>/", bookings.BookingDetailApi.as_view(),
         name="booking-detail"),
    path("bookings/<uuid:public_id>/history/", bookings.BookingHistoryApi.as_view(),
         name="booking-history"),
    path("bookings/<uuid:public_id>/move/", bookings.BookingMoveApi.as_view(),
         name="booking-move"),
    path("bookings/<uuid:public_id>/cancel/", bookings.BookingCancelApi.as_view(),
         name="booking-cancel"),
    path("bookings/<uuid:public_id>/done/", bookings.BookingDoneApi.as_view(),
         name="booking-done"),
    path("plans/<uuid:public_id>/validation/", plans.PlanValidationApi.as_view(),
         name="plan-validation"),
    path("plans/<uuid:public_id>/board/", board.PlanBoardApi.as_view(), name="plan-board"),
    path("plans/<uuid:public_id>/proposals/", plans.PlanProposalCreateApi.as_view(),
         name="plan-proposals"),
    path("plans/<uuid:public_id>/solver-runs/", solver_runs.SolverRunCreateApi.as_view(),
         name="plan-solver-runs"),
    path("solver-runs/", method_router(get=solver_runs.SolverRunListApi,
                                       post=solver_runs.WaitlistRunCreateApi),
         name="solver-run-list"),
    path("solver-runs/<uuid:public_id>/", solver_runs.SolverRunDetailApi.as_view(),
         name="solver-run-detail"),
    path("solver-runs/<uuid:public_id>/apply/", solver_runs.SolverRunApplyApi.as_view(),
         name="solver-run-apply"),
    path("violations/<uuid:public_id>/acknowledge/", violations.ViolationAcknowledgeApi.as_view(),
         name="violation-acknowledge"),
    path("timing-rules/", timing_rules.TimingRuleListApi.as_view(), name="timing-rule-list"),
    path("timing-rules/<slug:code>/", timing_rules.TimingRuleUpdateApi.as_view(),
         name="timing-rule-update"),
    path("cases/<uuid:public_id>/clocks/", clocks.CaseClocksApi.as_view(), name="case-clocks"),
    path("clocks/", clocks.ClockListApi.as_view(), name="clock-list"),
    path("clock-targets/", clocks.ClockTargetListApi.as_view(), name="clock-target-list"),
    path("clock-targets/<slug:code>/", clocks.ClockTargetUpdateApi.as_view(),
         name="clock-target-update"),
    path("procedure-catalogue/", procedure_catalogue.ProcedureCatalogueListApi.as_view(),
         name="procedure-catalogue-list"),
    path("procedure-catalogue/<slug:procedure_type>/",
         procedure_catalogue.ProcedureCatalogueUpdateApi.as_view(),
         name="procedure-catalogue-update"),
]
