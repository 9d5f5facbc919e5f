"""cases.services.parameters: site_parameter_set (database, no HTTP)."""

from __future__ import annotations

import pytest

from cases.models import SiteParameter
from cases.selectors import site_thresholds_effective
from cases.services import CaseDataError, site_parameter_set
from core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_site_parameter_set_validates_and_feeds_the_thresholds():
    with pytest.raises(CaseDataError) as caught:
        site_parameter_set(principal=None, key="small_lesion_mm", value=80, reason="x")
    assert caught.value.errors[0]["message"] == "small_lesion_mm must be between 10 and 60 mm."
    assert caught.value.status == 400
    site_parameter_set(principal=None, key="small_lesion_mm", value=25, reason="local audit")
    assert site_thresholds_effective()["small_lesion_mm"] == 25
    site_parameter_set(principal=None, key="small_lesion_mm", value=None, reason="back")
    assert not SiteParameter.objects.exists()


def test_an_unknown_parameter_is_not_found():
    with pytest.raises(NotFound) as caught:
        site_parameter_set(principal=None, key="no_such_key", value=3, reason="x")
    assert caught.value.status == 404
    assert caught.value.errors[0]["rule"] == "unknown_parameter"
