"""The API's JSON parser: a body too deep for Python's recursive decoder is a 400, never a 500.

core.middleware.RequestLimitsMiddleware refuses deep bodies before any parser runs; this is the
backstop should a limit be raised past what the decoder can recurse through.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
