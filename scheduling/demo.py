"""Demo seed for scheduling: the site's rooms and people (operators, anaesthesia) with opening
hours, and the catalogue defaults.

Idempotent: rooms are found by their stable ``code``; opening hours, rules and catalogue entries
are created only when missing, so a site's edits survive a re-run.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.db import transaction

from core.timezones import site_timezone
from scheduling.domain.catalogue import DEFAULT_PROCEDURES, TIMING_RULES
from scheduling.models import OpeningHours, ProcedureCatalogueEntry, Resource, TimingRule

WEEKDAYS = range(5)
ROOMS: tuple[dict[str, Any], ...] = (
    {"code": "angio-1", "name": "Angiography suite", "name_it": "Sala angiografica",
     "kind": "angio_suite", "hours": (time(8), time(18))},
    {"code": "hybrid-ct-angio-1", "name": "Hybrid CT-angio room",
     "name_it": "Sala ibrida TC-angiografica", "kind": "hybrid_ct_angio",
     "hours": (time(8), time(18))},
    {"code": "ct-1", "name": "CT room", "name_it": "Sala TC", "kind": "ct_room",
     "hours": (time(7, 30), time(19, 30))},
    {"code": "or-1", "name": "Operating room 1", "name_it": "Sala operatoria 1",
     "kind": "operating_room", "hours": (time(7, 30), time(20))},
    {"code": "or-2", "name": "Operating room 2", "name_it": "Sala operatoria 2",
     "kind": "operating_room", "hours": (time(7, 30), time(20))},
    {"code": "linac-1", "name": "Linear accelerator 1", "name_it": "Acceleratore lineare 1",
     "kind": "linac", "hours": (time(7), time(19))},
    {"code": "mri-1", "name": "MRI 1.5 T", "name_it": "RM 1,5 T", "kind": "mri",
     "hours": (time(7), time(21))},
    # People with their own calendars (booked with the room a procedure needs them in).
    {"code": "ir-a", "name": "Interventional radiologist A",
     "name_it": "Radiologo interventista A", "kind": "interventional_radiologist",
     "hours": (time(8), time(18))},
    {"code": "ir-b", "name": "Interventional radiologist B",
     "name_it": "Radiologo interventista B", "kind": "interventional_radiologist",
     "hours": (time(8), time(18))},
    {"code": "spine-surgeon-a", "name": "Spine surgeon A", "name_it": "Chirurgo vertebrale A",
     "kind": "surgeon", "hours": (time(7, 30), time(20))},
    {"code": "anaesthesia-1", "name": "Anaesthesia team 1",
     "name_it": "Équipe anestesiologica 1", "kind": "anaesthetist",
     "hours": (time(7, 30), time(20))},
    {"code": "anaesthesia-2", "name": "Anaesthesia team 2",
     "name_it": "Équipe anestesiologica 2", "kind": "anaesthetist",
     "hours": (time(7, 30), time(20))},
)


def _minutes(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds() // 60)


@transaction.atomic
def seed_demo(*, rng_seed: int = 42) -> dict[str, int]:
    """Create the demo rooms, their Monday-to-Friday hours, the rules and the catalogue.

    ``rng_seed`` is accepted for the seeder contract; this seed involves no randomness.
    Returns counts of rows created in this run (0 everywhere on a re-run).
    """
    created = {"resources": 0, "opening_hours": 0}
    for room in ROOMS:
        resource, made = Resource.objects.get_or_create(
            code=room["code"],
            defaults={"name": room["name"], "name_it": room["name_it"], "kind": room["kind"],
                      "timezone": site_timezone()},
        )
        created["resources"] += int(made)
        opens, closes = room["hours"]
        for weekday in WEEKDAYS:
            _, made = OpeningHours.objects.get_or_create(
                resource=resource, weekday=weekday, opens=opens, defaults={"closes": closes}
            )
            created["opening_hours"] += int(made)
    created.update(seed_rules_and_catalogue())
    return created


def seed_rules_and_catalogue() -> dict[str, int]:
    """Create the default timing rules and catalogue entries that are missing (a site's edits
    are kept). Migrations 0003 and 0009 do the same at install; tests call this after a flush."""
    created = {"timing_rules": 0, "catalogue": 0}
    for rule in TIMING_RULES:
        _, made = TimingRule.objects.get_or_create(code=rule.code, defaults={
            "rule_id": rule.rule_id, "kind": rule.kind.value,
            "from_procedures": sorted(rule.from_procedures),
            "from_purposes": sorted(rule.from_purposes),
            "to_procedures": sorted(rule.to_procedures),
            "from_anchor": rule.from_anchor.value, "to_anchor": rule.to_anchor.value,
            "min_lag_minutes": _minutes(rule.min_lag), "max_lag_minutes": _minutes(rule.max_lag),
            "preferred_lag_minutes": _minutes(rule.preferred_lag), "symmetric": rule.symmetric,
            "severity": rule.severity.value, "scope": rule.scope.value,
            "template": dict(rule.template), "rationale": rule.rationale, "source": rule.source,
        })
        created["timing_rules"] += int(made)
    for entry in DEFAULT_PROCEDURES:
        _, made = ProcedureCatalogueEntry.objects.get_or_create(
            procedure_type=entry.procedure_type,
            defaults={"duration_minutes": _minutes(entry.duration),
                      "resource_kinds": sorted(entry.resource_kinds),
                      "fraction_options": list(entry.fraction_options),
                      "staff_kinds": list(entry.staff_kinds)},
        )
        created["catalogue"] += int(made)
    return created
