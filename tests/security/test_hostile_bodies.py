"""Issue 10, item 4: strangers cannot make 500s with bodies.

Reproduces the attack: an anonymous 100 KB nested JSON body (``[[[[...``) and any body over
2.5 MB gave 500, even on a FHIR GET, because authentication parsed the body first. Every
hostile body is now 400 or 413 problem+json, refused before authentication, with no ERROR log.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NESTED = "[" * 50_000 + "]" * 50_000  # 100 KB
HUGE = b'{"clinical_question": "' + b"x" * (2_600_000) + b'"}'

TARGETS = [("post", "/api/v1/cases/"), ("get", "/fhir/R4/Appointment"),
           ("post", "/o/token/"), ("get", "/api/v1/me/"), ("post", "/accounts/login/")]


def _send(client: Client, method: str, path: str, body: bytes | str, content_type: str,
          **headers):
    return client.generic(method.upper(), path, data=body, content_type=content_type,
                          **headers)


@pytest.mark.parametrize(("method", "path"), TARGETS)
def test_a_deeply_nested_json_body_is_400_before_anyone_parses_it(method, path, caplog):
    with caplog.at_level(logging.ERROR):
        response = _send(Client(), method, path, NESTED, "application/json")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"] == [{"field": "body", "rule": "max_depth",
                               "message": body["detail"]}]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("method", "path"), TARGETS)
@pytest.mark.parametrize("content_type", ["application/json",
                                          "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_413(method, path, content_type, caplog, settings):
    with caplog.at_level(logging.ERROR):
        response = _send(Client(), method, path, HUGE, content_type)
    assert response.status_code == 413
    body = response.json()
    assert body["errors"][0]["field"] == "body"
    assert body["errors"][0]["rule"] == "max_bytes"
    assert body["limit"] == settings.BOARDSVC_MAX_BODY_BYTES
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_deep_body_with_a_bearer_token_is_refused_the_same_way(oauth_client_factory):
    his = oauth_client_factory("cases:write")
    response = his.generic("POST", "/api/v1/cases/", NESTED, content_type="application/json")
    assert response.status_code == 400


def test_a_malformed_content_length_is_400():
    response = Client().generic("POST", "/api/v1/cases/", b"{}",
                                content_type="application/json", CONTENT_LENGTH="-5")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Content-Length"


def test_nesting_past_the_decoder_is_still_a_400_if_the_limit_is_raised(settings,
                                                                        oauth_client_factory):
    settings.BOARDSVC_MAX_JSON_DEPTH = 10**9
    his = oauth_client_factory("cases:write")
    response = his.generic("POST", "/api/v1/cases/", NESTED, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="0b6f3c1e-5d8a-4a3e-9c51-2f7e7d4f9b10")
    assert response.status_code == 400


def test_ordinary_bodies_with_brackets_inside_strings_pass():
    text = '{"clinical_question": "' + "[" * 100 + '"}'
    response = Client().post("/api/v1/cases/", text, content_type="application/json")
    assert response.status_code == 401  # reached authentication: the body was not refused
