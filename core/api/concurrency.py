"""Optimistic concurrency with ETags (docs/security.md, O1, FHIR R4 "Managing Resource Contention").

Every readable resource carries a ``version``; responses send ``ETag: W/"<version>"``. PUT, PATCH
and DELETE must send ``If-Match``: missing → 428, malformed or stale → 412. The service compares
and bumps the version in one conditional UPDATE, so two writers can never both win.
"""

from __future__ import annotations

import re
from typing import Any

from core.api.exceptions import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def etag_for(version: int) -> str:
    return f'W/"{version}"'


def expected_version(request: Any) -> int:
    """The version the client last saw, from If-Match; raises 428/412 as the spec says."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "":
        raise PreconditionRequired()
    match = _ETAG.match(header)
    if match is None:
        raise PreconditionFailed(f"If-Match {header!r} is not an ETag of the form W/\"<n>\".")
    return int(match.group(1))
