"""The API's error shape names the field and the rule (core.api.exceptions)."""

from __future__ import annotations

from rest_framework.exceptions import ErrorDetail

from core.api.exceptions import flatten_errors


def test_nested_errors_flatten_to_field_paths_with_rules():
    detail = {
        "urgency": [ErrorDetail("not a valid choice", code="invalid_choice")],
        "lesions": [{}, {"max_diameter_mm": [ErrorDetail("too big", code="max_value")]}],
        "non_field_errors": [ErrorDetail("bad", code="invalid")],
    }
    assert flatten_errors(detail) == [
        {"field": "urgency", "rule": "invalid_choice", "message": "not a valid choice"},
        {"field": "lesions[1].max_diameter_mm", "rule": "max_value", "message": "too big"},
        {"field": "non_field_errors", "rule": "invalid", "message": "bad"},
    ]


def test_list_errors_keyed_by_index_use_brackets():
    detail = {"lesions": {1: {"site": [ErrorDetail("required", code="required")]}}}
    assert flatten_errors(detail) == [
        {"field": "lesions[1].site", "rule": "required", "message": "required"}
    ]
