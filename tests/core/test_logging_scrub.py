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
