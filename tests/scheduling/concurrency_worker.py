"""Helpers run inside separate processes by the concurrency tests (multiprocessing, spawn).

Not a test module: each process points DATABASE_URL at the shared database, calls
django.setup() with config.settings.test, then races booking_create from several threads.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime


def init(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()


def seed(contenders: int) -> dict[str, object]:
    """A room and one plan (one embolization) per contender; returns their primary keys."""
    from tests.factories.scheduling import ResourceFactory, plan_with

    room = ResourceFactory(kind="angio_suite")
    procedures = [plan_with("embolization")[1][0].pk for _ in range(contenders)]
    return {"resource": room.pk, "procedures": procedures}


def book_one(procedure_id: int, resource_id: int, start_iso: str, go_at: float) -> str:
    from django.db import connection

    from cases.models import PlannedProcedure
    from scheduling import services
    from scheduling.domain.errors import SlotTaken
    from scheduling.models import Resource

    try:
        procedure = PlannedProcedure.objects.get(pk=procedure_id)
        resource = Resource.objects.get(pk=resource_id)
        time.sleep(max(0.0, go_at - time.time()))  # everyone starts together
        services.booking_create(procedure=procedure, resource=resource,
                                start=datetime.fromisoformat(start_iso), principal=None)
        return "ok"
    except SlotTaken:
        return "taken"
    except Exception as exc:  # reported to the test, which fails on any of these
        return f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


def contend(procedure_ids: list[int], resource_id: int, start_iso: str, go_at: float) -> list[str]:
    """Race one booking per procedure from as many threads as procedures."""
    with ThreadPoolExecutor(max_workers=len(procedure_ids)) as pool:
        return list(pool.map(lambda pid: book_one(pid, resource_id, start_iso, go_at),
                             procedure_ids))
