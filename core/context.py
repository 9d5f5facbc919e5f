"""Per-request context (request id, principal) carried in contextvars for logs and audit."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
