"""The 403, 404 and 500 pages: styled like the site, the right status, a way back, and never a
stack trace or Django's technical page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.web import login

STYLESHEET = "/static/boardsvc/app.css"


def _looks_like_the_site(body: str) -> None:
    assert STYLESHEET in body
    assert 'class="card narrow error-page"' in body
    assert "Traceback" not in body
    assert "technical_500" not in body
    assert "Django tried these URL patterns" not in body


@pytest.mark.django_db
def test_an_unknown_address_gets_the_styled_404_with_a_way_home(world):
    response = login(world.chair_a).get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    _looks_like_the_site(body)
    assert "Page not found" in body
    assert 'href="/"' in body


@pytest.mark.django_db
def test_a_case_of_another_board_is_the_same_styled_404(world):
    response = login(world.member_b).get(f"/cases/{world.case_a.public_id}/")
    body = response.content.decode()
    assert response.status_code == 404
    _looks_like_the_site(body)
    assert "Page not found" in body
    assert str(world.case_a.public_id) not in body.split("<main", 1)[1]


@pytest.mark.django_db
def test_the_404_page_offers_the_referring_page_as_the_way_back(world):
    response = login(world.chair_a).get("/no/such/page/",
                                        HTTP_REFERER="http://testserver/meetings/")
    assert 'href="http://testserver/meetings/"' in response.content.decode()


@pytest.mark.django_db
def test_a_referrer_on_another_site_is_not_offered_as_the_way_back(world):
    response = login(world.chair_a).get("/no/such/page/", HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
def test_a_member_opening_a_coordinators_page_gets_the_styled_403(world):
    response = login(world.member_a).get("/cases/new/")
    body = response.content.decode()
    assert response.status_code == 403
    _looks_like_the_site(body)
    assert "You may not open this page" in body
    assert 'href="/"' in body


@pytest.mark.django_db
def test_an_api_path_still_answers_problem_json_for_404(world):
    response = Client().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
@pytest.mark.urls("tests.web.error_urls")
def test_a_failing_page_gets_the_standalone_styled_500_without_a_stack_trace(world):
    client = login(world.chair_a)
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    _looks_like_the_site(body)
    assert "Something went wrong" in body
    assert "synthetic failure" not in body
    assert 'href="/"' in body


@pytest.mark.django_db
def test_the_500_page_renders_without_touching_the_database(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        body = loader.get_template("500.html").render({"request_id": "abc123"})
    assert "abc123" in body


@pytest.mark.django_db
def test_the_error_pages_are_translated(world):
    client = login(world.chair_a)
    client.cookies["django_language"] = "it"
    body = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Pagina non trovata" in body
