"""The rule catalogue (issue 11 item 12): every id used is catalogued and documented, every
source is bibliographic, and every rationale exists in English and Italian. No database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.rulebook import RULES
from cases.domain.support import case_support, support_as_dict
from cases.domain.texts import TEMPLATES, placeholders, render_all
from cases.domain.thresholds import PARAMETERS
from scheduling.domain.catalogue import DEFAULT_RULES

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "clinical-rules.md").read_text(
    encoding="utf-8")
# What a clinician cannot check: references to files outside the project or to section numbers.
UNCHECKABLE = re.compile(r"seed|clinical-rules\.md|\.\./shared|§|\[I\]\s*$", re.IGNORECASE)


def documented(rule_id: str) -> bool:
    return f"`{rule_id}`" in DOCS


def _cases() -> Iterator[CaseFacts]:
    """A spread of cases that reaches every branch, trigger, link and exclusion."""
    spines = [
        LesionFacts(site="vertebra", vertebral_level=level, pattern=pattern, public_id="s",
                    vascularity=vascularity, epidural_extension=bool(grade), bilsky_grade=grade,
                    neurological_deficit=deficit, distance_neural_mm=distance,
                    sins_location=location, sins_pain="mechanical",
                    sins_alignment="de_novo_deformity", sins_collapse=collapse,
                    sins_posterolateral="unilateral", adamkiewicz_in_field=adamkiewicz)
        for level, location in (("T8", "semi_rigid"), ("T12", "junctional"))
        for pattern in ("lytic", "blastic")
        for vascularity in ("hyper", "not_assessed")
        for grade in ("", "1b", "3")
        for deficit in (False, True)
        for distance in (None, 4, 20)
        for collapse in ("none", "under_50")
        for adamkiewicz in (False, True)
    ]
    others = [
        LesionFacts(site=site, pattern=pattern, max_diameter_mm=size, vascularity="hyper",
                    soft_tissue_extension=True, distance_vascular_mm=distance,
                    mirels_site="peritrochanteric", mirels_pain=pain, mirels_size="under_third",
                    painful=painful)
        for site in ("long_bone_lower", "pelvis", "rib")
        for pattern in ("lytic", "mixed")
        for size in (20, 45)
        for distance in (None, 5, 25)
        for pain in ("moderate", "mild")
        for painful in (True, False)
    ]
    for lesion in spines + others:
        for count in (2, 12):
            yield CaseFacts(primary_histology="renal_cell", metastases_count=count, pain_vas=7,
                            urgency="emergency" if lesion.neurological_deficit else "routine",
                            lesions=(lesion,))


def _items() -> Iterator[dict[str, Any]]:
    for case in _cases():
        data = support_as_dict(case_support(case))
        yield from data["case"]
        for lesion in data["lesions"]:
            yield from lesion["findings"]
            yield from lesion["suggestions"]


ITEMS = list(_items())


def test_every_rule_id_used_is_catalogued_and_documented():
    used = {item["rule_id"] for item in ITEMS}
    assert used <= set(RULES), used - set(RULES)
    assert [rule_id for rule_id in sorted(used) if not documented(rule_id)] == []


def test_every_catalogued_rule_is_used_and_documented():
    used = {item["rule_id"] for item in ITEMS}
    assert set(RULES) <= used, set(RULES) - used
    assert [rule_id for rule_id in RULES if not documented(rule_id)] == []


def test_every_timing_rule_and_threshold_is_documented():
    for number in range(1, 19):
        assert documented(f"R{number}"), f"R{number}"
    for spec in DEFAULT_RULES:
        assert documented(spec.rule_id), spec.rule_id
    for key, parameter in PARAMETERS.items():
        assert f"`{key}`" in DOCS, key
        # A decision-support rule, a timing rule, or a scheduling policy (SCH-NOTICE).
        assert parameter.rule_id in RULES or re.fullmatch(r"R\d+|SCH-[A-Z]+",
                                                          parameter.rule_id), key
        assert documented(parameter.rule_id), parameter.rule_id


def test_ids_follow_the_published_scheme():
    for rule_id in RULES:
        assert re.fullmatch(r"DS-[A-Z]+(-[A-Z0-9]+)*", rule_id), rule_id


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_every_rule_has_a_rationale_in_both_languages_and_a_checkable_source(rule):
    assert rule.title
    assert rule.rationale
    assert rule.rationale_it
    assert rule.rationale != rule.rationale_it
    assert rule.evidence in {"[S]", "[G]", "[E]", "[I]"}
    assert rule.source
    assert not UNCHECKABLE.search(rule.source), rule.source
    for key in rule.parameters:
        assert key in PARAMETERS


def test_outputs_cite_no_file_or_section_a_clinician_cannot_open():
    for item in ITEMS:
        assert not UNCHECKABLE.search(item["source"]), item
        assert "§" not in item["rationale"]
        assert "seed" not in item["rationale"].lower()
    for parameter in PARAMETERS.values():
        assert not re.search(r"seed|clinical-rules\.md|§", parameter.source), parameter.key


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_message_has_matching_english_and_italian_templates(key):
    templates = TEMPLATES[key]
    assert set(templates) == {"en", "it"}
    assert placeholders(templates["en"]) == placeholders(templates["it"])
    assert "seed" not in templates["en"].lower()
    assert "§" not in templates["en"]


def _keys(messages: Any) -> Iterator[str]:
    if isinstance(messages, dict):
        if "key" in messages:
            yield messages["key"]
        for value in messages.values():
            yield from _keys(value)
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from _keys(value)


def test_every_rationale_is_its_messages_rendered_and_has_an_italian_version():
    used: set[str] = set()
    for item in ITEMS:
        messages = item["rationale_i18n"]
        assert messages, item["rule_id"]
        assert render_all(messages, "en") == item["rationale"]
        italian = render_all(messages, "it")
        assert italian, item["rationale"]
        assert italian != item["rationale"], item["rationale"]
        used |= set(_keys(messages))
    assert used <= set(TEMPLATES)
