"""Every read of scheduling, by concern (callers import this package: ``selectors.booking_get``):

- ``values``: model → domain-value mappings the pure engine reads (rules, bookings, hours);
- ``records``: scoped reads of resources, bookings and courses, plans, violations, timing rules
  and the catalogue, and what other apps read (boards: a case's open violations);
- ``plans``: free slots, a plan's validation report and the solver's input;
- ``pathway``: the pathway clocks (CWT-28/31/62) of many cases at once, in the database
  (callers import the module: ``from scheduling.selectors import pathway``).

Selectors return querysets or values with their joins applied (no N+1), scoped to what the
principal may see (cases.selectors.case_scope_q).
"""

from scheduling.selectors.plans import (
    ValidationReport,
    plan_problem_build,
    plan_tz,
    plan_validation_report,
    resource_free_slots,
)
from scheduling.selectors.records import (
    BOOKING_STAFF,
    booking_get,
    booking_list,
    booking_pseudonym,
    booking_rows,
    booking_rows_people,
    bookings_by_pk,
    catalogue_entry_get,
    catalogue_list,
    coordinators,
    course_fractions,
    course_pending,
    open_violations_by_case,
    plan_get,
    procedure_visible,
    resource_feed_bookings,
    resource_find,
    resource_get,
    resource_list,
    resources_by_public_ids,
    solver_run_get,
    solver_run_list,
    solver_run_pseudonym,
    timing_rule_get,
    timing_rule_list,
    violation_get,
)
from scheduling.selectors.values import (
    PROCEDURE_LINKS,
    booking_view,
    catalogue_entry,
    patient_active_bookings,
    patient_booking_views,
    placement_request,
    plan_procedures,
    planned_view,
    resource_busy,
    resource_exceptions,
    resource_hours,
    rule_spec,
    rule_specs,
    staff_fits,
    staff_free_time,
)

__all__ = [
    "BOOKING_STAFF",
    "PROCEDURE_LINKS",
    "ValidationReport",
    "booking_get",
    "booking_list",
    "booking_pseudonym",
    "booking_rows",
    "booking_rows_people",
    "booking_view",
    "bookings_by_pk",
    "catalogue_entry",
    "catalogue_entry_get",
    "catalogue_list",
    "coordinators",
    "course_fractions",
    "course_pending",
    "open_violations_by_case",
    "patient_active_bookings",
    "patient_booking_views",
    "placement_request",
    "plan_get",
    "plan_problem_build",
    "plan_procedures",
    "plan_tz",
    "plan_validation_report",
    "planned_view",
    "procedure_visible",
    "resource_busy",
    "resource_exceptions",
    "resource_feed_bookings",
    "resource_find",
    "resource_free_slots",
    "resource_get",
    "resource_hours",
    "resource_list",
    "resources_by_public_ids",
    "rule_spec",
    "rule_specs",
    "solver_run_get",
    "solver_run_list",
    "solver_run_pseudonym",
    "staff_fits",
    "staff_free_time",
    "timing_rule_get",
    "timing_rule_list",
    "violation_get",
]
