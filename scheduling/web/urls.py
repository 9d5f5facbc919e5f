"""Scheduling pages; each route's view lives in the scheduling/web/views/ module it names."""

from __future__ import annotations

from django.urls import path

from scheduling.web.views import (
    board,
    booking_changes,
    closures,
    plan_book,
    solver_runs,
    timeline,
    violations,
    worklist,
)

app_name = "scheduling_web"

urlpatterns = [
    path("worklist/", worklist.worklist, name="worklist"),
    path("resources/", closures.resources, name="resources"),
    path("resources/<uuid:public_id>/closures/", closures.resource_closures,
         name="resource_closures"),
    path("resources/<uuid:public_id>/closures/<uuid:closure_id>/", closures.closure,
         name="closure"),
    path("resources/<uuid:public_id>/closures/<uuid:closure_id>/remove/",
         closures.closure_remove, name="closure_remove"),
    path("plans/<uuid:public_id>/book/", plan_book.plan_book, name="plan_book"),
    path("plans/<uuid:public_id>/board/", board.plan_board, name="plan_board"),
    path("plans/<uuid:public_id>/board/propose/", board.plan_board_propose,
         name="plan_board_propose"),
    path("plans/<uuid:public_id>/board/accept/", board.plan_board_accept,
         name="plan_board_accept"),
    path("plans/<uuid:public_id>/solver-runs/", solver_runs.plan_solver_runs,
         name="plan_solver_runs"),
    path("solver-runs/waiting-list/", solver_runs.waitlist_run_start,
         name="waitlist_run_start"),
    path("solver-runs/<uuid:public_id>/", solver_runs.solver_run, name="solver_run"),
    path("solver-runs/<uuid:public_id>/apply/", solver_runs.solver_run_apply,
         name="solver_run_apply"),
    path("plans/<uuid:public_id>/timeline/", timeline.timeline, name="timeline"),
    path("violations/<uuid:public_id>/", violations.violation_acknowledge,
         name="violation_acknowledge"),
    path("bookings/<uuid:public_id>/move/", booking_changes.booking_move, name="booking_move"),
    path("bookings/<uuid:public_id>/cancel/", booking_changes.booking_cancel,
         name="booking_cancel"),
]
