"""Layering rules (STYLE.md §3): domain/ is pure Python; app dependencies point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_DOMAIN = ("django", "rest_framework", "celery", "kombu", "oauth2_provider")
# app → apps it must never import (cases depends on no other app but the core kernel).
FORBIDDEN_APP_IMPORTS = {
    "core": ("cases", "boardsvc", "scheduling"),
    "cases": ("boardsvc", "scheduling"),
}


def imported_modules(source: str) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return modules


def domain_violations(source: str) -> list[str]:
    return [m for m in imported_modules(source) if m.split(".")[0] in FORBIDDEN_IN_DOMAIN]


def domain_files() -> list[Path]:
    return sorted(ROOT.glob("*/domain/**/*.py"))


def test_there_are_domain_modules_to_check():
    assert len(domain_files()) >= 3


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_imports_no_framework(path: Path):
    assert domain_violations(path.read_text()) == []


def test_the_check_catches_a_django_import_in_a_domain_module():
    assert domain_violations("from django.db import models\nimport datetime\n") == ["django.db"]
    assert domain_violations("import rest_framework.serializers") == ["rest_framework.serializers"]
    assert domain_violations("from celery import shared_task") == ["celery"]
    assert domain_violations("from __future__ import annotations\nimport zoneinfo") == []


@pytest.mark.parametrize("app", sorted(FORBIDDEN_APP_IMPORTS))
def test_app_dependencies_point_one_way(app: str):
    forbidden = FORBIDDEN_APP_IMPORTS[app]
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for module in imported_modules(path.read_text()):
            if module.split(".")[0] in forbidden:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []
