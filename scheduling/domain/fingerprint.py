"""A stable hash of a solver's input: equal inputs, equal fingerprints, in any process.

Used to tell whether a solver run's result still answers the problem as it stands (issue 14,
"an input fingerprint"): the problem is built again and hashed; any booking, closure, opening
hour, rule or procedure that changed changes the hash. Sets are sorted and mappings keyed, so
Python's per-process string hashing cannot make two equal inputs differ.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data in one order (dataclasses by field, sets sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo else f"naive:{value.isoformat()}"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


def fingerprint(value: Any) -> str:
    """The SHA-256 of ``canonical(value)`` (64 hex characters)."""
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
