"""Issue 10 item 12: timing-rule values accepted absurd numbers (-10^12 minutes on hard rule R1).

Every administrator-editable value of scheduling.TimingRule is bounded: the API (PATCH
timing-rules/) and the admin refuse a lag outside the rule id's clinical range
(scheduling.domain.rule_limits, from clinical-rules.md) naming the field and the range; the
database refuses lags beyond a year either way, a preferred lag outside [min, max] and unknown
kinds, scopes and anchors (CheckConstraints, SQLite and PostgreSQL). Site-parameter thresholds
(cases) already had ranges; one check keeps it so.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.test import APIClient

from core.access import GROUP_ADMINISTRATOR
from scheduling.domain import rule_limits
from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.models import TimingRule
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/timing-rules/"
HUGE = -10**12


@pytest.fixture(autouse=True)
def _rules_and_catalogue(db):
    """A transactional test elsewhere may have flushed the seeded rules: re-seed them."""
    from scheduling.demo import seed_rules_and_catalogue

    seed_rules_and_catalogue()


@pytest.fixture
def admin_api(db) -> APIClient:
    user = UserFactory(username="rules-admin")
    user.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATOR)[0])
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin_web(db) -> Client:
    user = UserFactory(username="rules-superuser", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _patch(client, code, body, version=1):
    return client.patch(f"{RULES}{code}/", {**body, "reason": "Local protocol"}, format="json",
                        HTTP_IF_MATCH=f'W/"{version}"')


def _first_error(response) -> dict:
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()["errors"][0]


@pytest.mark.parametrize("field", ["min_lag_minutes", "max_lag_minutes", "preferred_lag_minutes"])
def test_a_lag_of_minus_ten_to_the_twelve_is_400_naming_the_field_and_range(admin_api, field):
    response = _patch(admin_api, "R1-window-hard", {field: HUGE})
    assert response.status_code == 400
    error = _first_error(response)
    assert error["field"] == field
    assert "-527040" in error["message"]
    assert "527040 minutes" in error["message"]
    rule = TimingRule.objects.get(code="R1-window-hard")
    assert (rule.version, rule.max_lag_minutes) == (1, 72 * 60)


def test_a_lag_beyond_the_rules_clinical_range_is_400_lag_range(admin_api):
    # 7 days is a sane number of minutes but not an R1 window (clinical-rules.md: 0-72 h).
    response = _patch(admin_api, "R1-window-hard", {"max_lag_minutes": 7 * 24 * 60})
    assert response.status_code == 400
    error = _first_error(response)
    assert (error["field"], error["rule"]) == ("max_lag_minutes", "lag_range")
    assert "0 to 4320 minutes" in error["message"]
    negative = _patch(admin_api, "R2-order", {"min_lag_minutes": -60})
    assert (_first_error(negative)["field"], _first_error(negative)["rule"]) == (
        "min_lag_minutes", "lag_range")
    r7 = _patch(admin_api, "R7-repeat-embolization", {"min_lag_minutes": 0})
    assert _first_error(r7)["rule"] == "lag_range"


def test_a_preferred_lag_outside_min_and_max_is_400_lag_order(admin_api):
    response = _patch(admin_api, "R1-window-soft", {"preferred_lag_minutes": 60 * 60})
    assert response.status_code == 400
    assert (_first_error(response)["field"], _first_error(response)["rule"]) == (
        "preferred_lag_minutes", "lag_order")


def test_a_value_inside_the_range_is_accepted(admin_api):
    response = _patch(admin_api, "R1-window-hard", {"max_lag_minutes": 48 * 60})
    assert (response.status_code, response.json()["max_lag_minutes"]) == (200, 2880)


def test_every_seeded_default_lies_inside_its_range():
    def minutes(delta):
        return None if delta is None else int(delta.total_seconds() // 60)

    for rule in DEFAULT_RULES:
        assert rule_limits.lag_problems(
            rule_id=rule.rule_id, min_lag=minutes(rule.min_lag), max_lag=minutes(rule.max_lag),
            preferred_lag=minutes(rule.preferred_lag)) == [], rule.code
        assert rule_limits.template_problems(kind=rule.kind.value, template=rule.template) == []


# --- the admin -------------------------------------------------------------------------------


def _admin_form(rule: TimingRule, **changes) -> dict:
    data = model_to_dict(rule, exclude=["id", "public_id", "version", "updated_at", "updated_by"])
    for name in ("from_procedures", "from_purposes", "to_procedures", "template"):
        data[name] = json.dumps(data[name])
    data.update(changes)
    form = {k: ("" if v is None else v) for k, v in data.items()}
    for flag in ("symmetric", "active"):  # unchecked boxes are absent from a form post
        if not form[flag]:
            form.pop(flag)
    return form


def test_the_admin_refuses_r1_lag_of_minus_ten_to_the_twelve(admin_web):
    rule = TimingRule.objects.get(code="R1-window-hard")
    url = f"/admin/scheduling/timingrule/{rule.pk}/change/"
    assert admin_web.get(url).status_code == 200
    response = admin_web.post(url, _admin_form(rule, min_lag_minutes=HUGE))
    assert response.status_code == 200  # the form again, with the errors
    errors = response.context["adminform"].form.errors
    assert "min_lag_minutes" in errors
    assert any("527040" in message for message in errors["min_lag_minutes"])
    rule.refresh_from_db()
    assert rule.min_lag_minutes is None


def test_the_admin_refuses_a_lag_outside_the_clinical_range_and_a_bad_template(admin_web):
    r1 = TimingRule.objects.get(code="R1-window-hard")
    response = admin_web.post(f"/admin/scheduling/timingrule/{r1.pk}/change/",
                              _admin_form(r1, max_lag_minutes=30 * 24 * 60))
    errors = response.context["adminform"].form.errors
    assert any("0 to 4320 minutes" in m for m in errors["max_lag_minutes"])
    r8 = TimingRule.objects.get(code="R8-follow-up-ct")
    response = admin_web.post(f"/admin/scheduling/timingrule/{r8.pk}/change/", _admin_form(
        r8, template=json.dumps({"offsets_months": [3, 6, 10**6], "tolerance_days": -5})))
    errors = response.context["adminform"].form.errors
    assert any("offsets_months" in m and "1 to 24" in m for m in errors["template"])
    r8.refresh_from_db()
    assert r8.template["offsets_months"] == [3, 6, 12]


def test_the_admin_accepts_a_value_inside_the_range(admin_web):
    rule = TimingRule.objects.get(code="R1-window-hard")
    response = admin_web.post(f"/admin/scheduling/timingrule/{rule.pk}/change/",
                              _admin_form(rule, max_lag_minutes=60 * 60))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.max_lag_minutes == 3600


# --- the database ----------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("min_lag_minutes", -10**9), ("max_lag_minutes", 10**9), ("preferred_lag_minutes", -10**9),
    ("from_anchor", "mid"), ("kind", "wish"), ("scope", "hospital"),
])
def test_the_database_refuses_out_of_range_values_written_past_the_checks(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimingRule.objects.filter(code="R1-window-hard").update(**{field: value})


def test_the_database_refuses_a_preferred_lag_outside_min_and_max():
    with pytest.raises(IntegrityError), transaction.atomic():
        TimingRule.objects.filter(code="R1-window-soft").update(preferred_lag_minutes=60 * 60)


def test_site_parameter_thresholds_keep_their_ranges(admin_api):
    response = admin_api.put("/api/v1/site-parameters/oligo_max/",
                             {"value": 10**12, "reason": "x"}, format="json")
    assert response.status_code == 400
    assert _first_error(response)["field"] == "value"
