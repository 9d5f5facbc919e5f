"""No patient data in logs (docs/security.md, S9): database error details are redacted."""

from __future__ import annotations

import logging

from core.logging import PhiScrubFilter, scrub


def test_constraint_details_are_redacted():
    text = 'duplicate key value violates unique constraint\nDETAIL:  Key (system, value)=(mrn, 99123456) already exists.'
    assert "99123456" not in scrub(text)
    assert "Key (system, value)=([redacted])" in scrub(text)


def test_the_filter_scrubs_messages_and_exception_text():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (
        "Failing row contains (1, Rossi Mario, 1950)",), None)
    try:
        raise ValueError("Key (value)=(MRN-CANARY-1) already exists")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert PhiScrubFilter().filter(record) is True
    assert "Rossi" not in record.getMessage()
    assert "MRN-CANARY-1" not in (record.exc_text or "")


def _logged(exc: BaseException, message: str = "consumer failed: %r") -> str:
    """What a handler sees for ``logger.exception(message, exc)`` under the project's record
    factory (installed at start-up: core.logging.install_phi_safe_record_factory)."""
    import io

    stream = io.StringIO()
    logger = logging.getLogger("tests.phi.messaging")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        try:
            raise exc
        except BaseException:
            logger.exception(message, exc)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_messaging_stack_s_own_errors_stay_readable():
    """Issue 15, item 1: the worker's broker errors were withheld as 'may contain patient data',
    which hid why it died. Messages carry ids only, so kombu/redis errors keep their text."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    text = _logged(KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection "
                                         "refused."))
    assert "Error 111 connecting to 127.0.0.1:6379" in text
    assert "withheld" not in text


def test_an_application_error_is_still_withheld():
    text = _logged(ValueError("Key (value)=(MRN-CANARY-2) already exists"))
    assert "MRN-CANARY-2" not in text
    assert "withheld" in text


def test_a_builtin_error_is_readable_only_when_raised_inside_the_messaging_stack():
    import pytest

    from core.logging import is_messaging_failure

    with pytest.raises(AttributeError) as raised:
        raise AttributeError("'NoneType' object has no attribute 'connection_errors'")
    assert not is_messaging_failure(raised.value, raised.tb)  # raised here, in our code
    from celery.exceptions import Retry

    assert not is_messaging_failure(Retry("Retry in 5s", exc=ValueError("MRN-CANARY-3")))
