"""The published OpenAPI schema describes every operation (no view drf-spectacular has to skip
or guess), validates as OpenAPI 3, and states the concurrency and idempotency contract."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator


def test_every_view_is_described_without_errors(capsys):
    call_command("spectacular", "--validate", "--file", os.devnull)
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if "Error [" in line or "Warning [" in line]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def _header(operation: dict, name: str) -> dict | None:
    return next((p for p in operation.get("parameters", [])
                 if p["in"] == "header" and p["name"] == name), None)


@pytest.mark.parametrize(("path", "method", "required"), [
    ("/api/v1/cases/{public_id}/", "patch", True),
    ("/api/v1/decisions/{public_id}/amend/", "patch", True),
    ("/api/v1/bookings/{public_id}/move/", "post", True),
    ("/api/v1/bookings/{public_id}/cancel/", "post", False),
    ("/api/v1/bookings/{public_id}/done/", "post", False),
    ("/api/v1/cases/{public_id}/transition/", "post", False),
])
def test_writes_to_existing_resources_publish_if_match(paths, path, method, required):
    operation = paths[path][method]
    header = _header(operation, "If-Match")
    assert header is not None
    assert header.get("required", False) is required
    assert "412" in operation["responses"]
    assert ("428" in operation["responses"]) is required


@pytest.mark.parametrize("path", [
    "/api/v1/cases/", "/api/v1/bookings/", "/api/v1/agenda-items/{public_id}/decision/"])
def test_creating_posts_publish_the_idempotency_key(paths, path):
    operation = paths[path]["post"]
    header = _header(operation, "Idempotency-Key")
    assert header is not None
    assert header["schema"]["format"] == "uuid"
    assert "system clients" in header["description"]
    assert "422" in operation["responses"]


def test_reads_of_versioned_resources_publish_the_etag(paths):
    for path in ("/api/v1/cases/{public_id}/", "/api/v1/bookings/{public_id}/",
                 "/api/v1/meetings/{public_id}/", "/api/v1/decisions/{public_id}/"):
        assert "ETag" in paths[path]["get"]["responses"]["200"]["headers"], path
