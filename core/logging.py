"""Log filters: request ids on every line, and no patient data (reliability-bar S9).

The service stores no names or MRNs, but database errors echo the values that broke a
constraint ("Key (system, value)=(mrn, 123456) already exists"). Those fragments are redacted
before a record reaches any handler.
"""

from __future__ import annotations

import logging
import re

from .context import request_id_var

_DETAIL_KEY = re.compile(r"(Key \([^)]*\)=\()([^)]*)(\))")
_FAILING_ROW = re.compile(r"(Failing row contains \()([^)]*)(\))")


def scrub(text: str) -> str:
    text = _DETAIL_KEY.sub(r"\1[redacted]\3", text)
    return _FAILING_ROW.sub(r"\1[redacted]\3", text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class PhiScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            # Keep the traceback's shape, drop the values the exception carries.
            record.exc_text = f"{type(exc).__name__}: {scrub(str(exc))}"
            record.exc_info = None
        return True
