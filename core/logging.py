"""Log filters: request ids on every line, and no patient data (docs/security.md, S9).

The service stores no names or MRNs, but database errors echo the values that broke a
constraint ("Key (system, value)=(mrn, 123456) already exists"). Those fragments are redacted
before a record reaches any handler.
"""

from __future__ import annotations

import logging
import os
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


WITHHELD = "[message withheld: may contain patient data]"


# The messaging stack's own failures (a broker outage, a lost connection) carry no patient
# data: messages hold ids only (docs/security.md, S9). Their text stays in the log so an outage
# can be diagnosed (issue 15, item 1: the withheld text had hidden why the worker died).
_MESSAGING_PACKAGES = ("kombu", "redis", "amqp", "billiard", "vine")
_MESSAGING_PATHS = tuple(f"{os.sep}{name}{os.sep}" for name in (*_MESSAGING_PACKAGES, "celery"))
_BUILTIN_SAFE = (OSError, AttributeError, EOFError, TimeoutError)


def is_messaging_failure(exc: BaseException, tb: object = None) -> bool:
    """Whether ``exc`` was raised by the messaging stack itself: a kombu, redis, amqp, billiard
    or vine exception, or a builtin connection/attribute error raised inside one of those
    packages or celery's (never celery.exceptions.Retry and the like, which wrap a task's own
    exception)."""
    module = type(exc).__module__ or ""
    if module.split(".")[0] in _MESSAGING_PACKAGES:
        return True
    if not isinstance(exc, _BUILTIN_SAFE) or tb is None:
        return False
    last = tb
    while getattr(last, "tb_next", None) is not None:
        last = last.tb_next  # type: ignore[attr-defined]
    filename = getattr(getattr(getattr(last, "tb_frame", None), "f_code", None), "co_filename",
                       "")
    return "site-packages" in filename and any(p in filename for p in _MESSAGING_PATHS)


def _withhold_exception_text(record: logging.LogRecord) -> None:
    """Keep an exception's type and stack, drop its message (it may echo patient data), unless
    the messaging stack raised it (``is_messaging_failure``: its text is kept, scrubbed)."""
    import traceback

    exc = record.exc_info[1] if record.exc_info else None
    if exc is None:
        return
    if is_messaging_failure(exc, record.exc_info[2] if record.exc_info else None):
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        stack = "".join(traceback.format_tb(record.exc_info[2])) if record.exc_info[2] else ""
        record.exc_text = (f"Traceback (most recent call last):\n{stack}"
                           f"{type(exc).__name__}: {scrub(str(exc))}")
        record.exc_info = None
        return
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    for text in {str(exc), repr(exc)}:
        if text:
            message = message.replace(text, WITHHELD)
    record.msg, record.args = scrub(message), None
    stack = "".join(traceback.format_tb(record.exc_info[2])) if record.exc_info[2] else ""
    record.exc_text = f"Traceback (most recent call last):\n{stack}{type(exc).__name__}: {WITHHELD}"
    record.exc_info = None


def install_phi_safe_record_factory() -> None:
    """Scrub every log record where it is made, so no handler (console, Celery's, a test's
    caplog, an error tracker) ever sees patient data: exception messages are withheld and
    database detail fragments redacted. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_boardsvc_phi_safe", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if record.exc_info:
            _withhold_exception_text(record)
            return record
        try:
            message = record.getMessage()
        except Exception:
            return record
        if "Key (" in message or "Failing row" in message:
            record.msg, record.args = scrub(message), None
        return record

    factory._boardsvc_phi_safe = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
