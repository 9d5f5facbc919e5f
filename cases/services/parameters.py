"""A site's overrides of the decision-support thresholds (cases/domain/thresholds.py)."""

from __future__ import annotations

from django.db import transaction

from cases.domain.errors import CaseDataError
from cases.domain.thresholds import PARAMETERS
from cases.models import SiteParameter
from core.access import Principal
from core.audit import audit_record
from core.errors import NotFound


@transaction.atomic
def site_parameter_set(*, principal: Principal | None, key: str, value: float | None,
                       reason: str) -> SiteParameter | None:
    """Override (or, with value None, reset to its default) one decision-support threshold.

    Raises NotFound (404) for an unknown key and CaseDataError (400) for a value outside the
    parameter's range (the message names the key and the range) or a missing reason. Records
    who changed it and why, and writes an audit row with the old and new values.
    """
    parameter = PARAMETERS.get(key)
    if parameter is None:
        raise NotFound(f"There is no parameter named {key!r}.", field="key",
                       rule="unknown_parameter")
    if not reason.strip():
        raise CaseDataError([{"field": "reason", "rule": "required",
                              "message": "Say why the parameter is changed."}])
    if value is not None:
        problem = parameter.validate(float(value))
        if problem is not None:
            raise CaseDataError([{"field": "value", "rule": "out_of_range", "message": problem}])
    current = SiteParameter.objects.select_for_update(of=("self",)).filter(key=key).first()
    old = current.value if current is not None else float(parameter.default)
    user = principal.user if principal is not None and principal.is_user else None
    if value is None:
        if current is not None:
            current.delete()
        result = None
    elif current is None:
        result = SiteParameter.objects.create(key=key, value=float(value), reason=reason[:300],
                                              updated_by=user)
    else:
        current.value = float(value)
        current.reason = reason[:300]
        current.updated_by = user
        current.save(update_fields=["value", "reason", "updated_by", "updated_at"])
        result = current
    audit_record(
        principal=principal, action="update", object_type="site_parameter", object_id=key,
        detail={"old": old, "new": float(value) if value is not None else float(
            parameter.default), "reason": reason[:300], "reset": value is None},
    )
    return result
