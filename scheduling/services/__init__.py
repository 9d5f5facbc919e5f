"""Every write of scheduling, by concern (callers import this package: ``services.booking_create``):

- ``bookings``: create, move, cancel, mark done (the booking recipe in ``booking_checks``);
- ``courses``: a radiotherapy course moved and cancelled as one (R17);
- ``follow_ups``: the follow-up CTs proposed after a done embolization (R8);
- ``rechecks``: the plan re-checks that store violations, and their acknowledgement;
- ``catalogue``: administrators' edits of the timing rules and the procedure catalogue;
- ``proposals``: a solver proposal for a plan, and booking it;
- ``pathway``: the pathway clock targets' edits and the sweep that alerts before a breach;
- ``closures``: closures, absences and extra sessions of rooms and people, added and removed.

Services raise scheduling.domain.errors (core.errors rule errors) and never answer HTTP.
"""

from scheduling.services.booking_checks import BookingOutcome, is_one_active_error, is_overlap_error
from scheduling.services.bookings import (
    booking_cancel,
    booking_create,
    booking_mark_done,
    booking_move,
)
from scheduling.services.catalogue import (
    RULE_EDITABLE,
    RuleValueError,
    catalogue_entry_update,
    timing_rule_update,
)
from scheduling.services.closures import closure_add, closure_remove
from scheduling.services.courses import course_cancel, course_move
from scheduling.services.follow_ups import follow_up_propose
from scheduling.services.pathway import (
    ClockTargetValueError,
    clock_target_update,
    clock_targets_seed,
    pathway_clock_sweep,
)
from scheduling.services.proposals import plan_proposal_apply, plan_proposal_make
from scheduling.services.rechecks import (
    PLAN_RECHECK_TASK,
    SWEEP_TASK,
    booking_sweep_recheck,
    plan_recheck,
    plan_rechecks_enqueue,
    violation_acknowledge,
    violations_store,
)
from scheduling.services.solver_runs import (
    solver_run_apply,
    solver_run_execute,
    solver_run_first_start,
    solver_run_passed_start,
    solver_run_start,
    solver_run_start_waitlist,
)

__all__ = [
    "PLAN_RECHECK_TASK",
    "RULE_EDITABLE",
    "SWEEP_TASK",
    "BookingOutcome",
    "ClockTargetValueError",
    "RuleValueError",
    "booking_cancel",
    "booking_create",
    "booking_mark_done",
    "booking_move",
    "booking_sweep_recheck",
    "catalogue_entry_update",
    "clock_target_update",
    "clock_targets_seed",
    "closure_add",
    "closure_remove",
    "course_cancel",
    "course_move",
    "follow_up_propose",
    "is_one_active_error",
    "is_overlap_error",
    "pathway_clock_sweep",
    "plan_proposal_apply",
    "plan_proposal_make",
    "plan_recheck",
    "plan_rechecks_enqueue",
    "solver_run_apply",
    "solver_run_execute",
    "solver_run_first_start",
    "solver_run_passed_start",
    "solver_run_start",
    "solver_run_start_waitlist",
    "timing_rule_update",
    "violation_acknowledge",
    "violations_store",
]
