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


def test_an_unmatched_api_path_answers_problem_json(rf):
    from core.views import not_found

    response = not_found(rf.get("/api/v1/cases/not-a-uuid/"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_pages_keep_the_html_404(rf):
    from core.views import not_found

    response = not_found(rf.get("/meetings/nope/"), Exception("nope"))
    assert response["Content-Type"].startswith("text/html")
