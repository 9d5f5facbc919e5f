"""Point-in-time history snapshots (see core.models.Revision)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .access import Principal
from .models import Revision


def revision_record(*, object_type: str, object_id: object, version: int,
                    snapshot: dict[str, Any], principal: Principal | None = None,
                    reason: str = "") -> Revision:
    """Store the state of an object as of ``version``. Idempotent per (type, id, version)."""
    actor_type, actor_id = ("system", "") if principal is None else principal.audit_actor
    clean = json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))
    revision, _ = Revision.objects.get_or_create(
        object_type=object_type, object_id=str(object_id), version=version,
        defaults={"snapshot": clean, "actor_type": actor_type, "actor_id": actor_id,
                  "reason": reason[:300]},
    )
    return revision


def revision_list(*, object_type: str, object_id: object) -> list[Revision]:
    return list(Revision.objects.filter(object_type=object_type, object_id=str(object_id)))
