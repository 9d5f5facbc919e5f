"""Layering rules (docs/architecture.md, "Layers"): each check runs on the real tree and on a
planted violation, so a check that stopped looking would fail here.

- ``domain/`` packages are pure Python (no framework imports);
- apps depend one way: core < cases < scheduling < boardsvc (imports and templates alike);
- only the entry points import ``config`` (settings, Celery app, WSGI/ASGI, manage.py);
- views (API, web pages, FHIR, iCalendar) call selectors and services: no ORM in a view.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_DOMAIN = ("django", "rest_framework", "celery", "kombu", "oauth2_provider")
# app → apps it must never import (cases depends on no other app but the core kernel).
LAYERS = ("core", "cases", "scheduling", "boardsvc")
FORBIDDEN_APP_IMPORTS = {app: (*LAYERS[i + 1:], "config") for i, app in enumerate(LAYERS)}


def imported_modules(source: str) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return modules


def import_offenders(app: str, path: Path, source: str) -> list[str]:
    forbidden = FORBIDDEN_APP_IMPORTS[app]
    return [f"{path.relative_to(ROOT)} imports {module}" for module in imported_modules(source)
            if module.split(".")[0] in forbidden]


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
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        offenders.extend(import_offenders(app, path, path.read_text()))
    assert offenders == []


def test_the_layer_check_catches_an_upward_import():
    planted = "from scheduling.selectors import open_violations_by_case\nfrom core.audit import x\n"
    assert import_offenders("cases", ROOT / "cases" / "x.py", planted) == [
        "cases/x.py imports scheduling.selectors"]
    assert import_offenders("scheduling", ROOT / "scheduling" / "x.py", planted) == []
    assert import_offenders("core", ROOT / "core" / "x.py", "from config.celery import app") == [
        "core/x.py imports config.celery"]


# --- templates -------------------------------------------------------------------------------

TEMPLATE_REF = re.compile(r"{%\s*(?:extends|include)\s+[\"']([^\"']+)[\"']")


def template_offenders(app: str, name: str, source: str) -> list[str]:
    """Templates an app's template extends or includes that belong to a higher layer."""
    allowed = LAYERS[:LAYERS.index(app) + 1]
    return [f"{app}/templates/{name} uses {ref}" for ref in TEMPLATE_REF.findall(source)
            if ref.split("/")[0] not in allowed]


def template_files() -> list[tuple[str, Path]]:
    return [(app, path) for app in LAYERS for path in sorted((ROOT / app / "templates").rglob("*"))
            if path.is_file() and path.suffix in {".html", ".txt", ".ics", ".xml"}]


def test_templates_point_one_way_too():
    offenders = []
    for app, path in template_files():
        name = str(path.relative_to(ROOT / app / "templates"))
        offenders.extend(template_offenders(app, name, path.read_text()))
    assert offenders == []
    assert len(template_files()) > 20


def test_the_template_check_catches_an_upward_extends():
    assert template_offenders("cases", "cases/x.html", '{% extends "boardsvc/base.html" %}') == [
        "cases/templates/cases/x.html uses boardsvc/base.html"]
    assert template_offenders("cases", "cases/x.html",
                              "{% extends 'core/base.html' %}{% include \"cases/_a.html\" %}") == []
    # Every template names its app: an unqualified "base.html" would hide where it lives.
    assert template_offenders("core", "core/x.html", '{% include "base.html" %}') == [
        "core/templates/core/x.html uses base.html"]


# --- config is for entry points only ---------------------------------------------------------

ENTRY_POINTS = {"manage.py"}


def test_only_entry_points_import_config():
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        top = path.relative_to(ROOT).parts[0]
        if top in {"config", "tests", "bench", ".venv", "scripts"} or "migrations" in path.parts:
            continue
        offenders.extend(f"{path.relative_to(ROOT)} imports {m}" for m in
                         imported_modules(path.read_text()) if m.split(".")[0] == "config")
    assert offenders == []


# --- views read and write through selectors and services -------------------------------------


def orm_uses(source: str) -> list[str]:
    """``Model.objects`` and ``select_for_update`` in a module: the ORM, called directly."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "select_for_update"}:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def view_modules() -> list[Path]:
    paths: set[Path] = set()
    for app in LAYERS:
        base = ROOT / app
        paths.update(base.rglob("views.py"))
        paths.update(base.rglob("views/*.py"))
        paths.update(base.glob("api/*.py"))
        paths.update(base.glob("ical.py"))
    skip = {"__init__.py", "serializers.py", "urls.py", "schema.py", "fields.py", "parsers.py",
            "pagination.py", "permissions.py", "authentication.py", "exceptions.py",
            "idempotency.py", "concurrency.py", "base.py", "docs.py"}
    return sorted(p for p in paths if p.name not in skip and "migrations" not in p.parts
                  and not p.name.startswith("serializers"))


def test_there_are_view_modules_to_check():
    assert len(view_modules()) >= 8


@pytest.mark.parametrize("path", view_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_do_not_use_the_orm(path: Path):
    assert orm_uses(path.read_text()) == []


def test_the_orm_check_catches_a_query_in_a_view():
    assert orm_uses("def get(r):\n    return Booking.objects.filter(pk=1)\n") == [
        "line 2: .objects"]
    assert orm_uses("def get(r):\n    return selectors.booking_get(pk=1)\n") == []


def test_the_url_tables_of_the_architecture_doc_match_the_routes():
    """docs/architecture.md's "URL → module" tables are what the URL resolver serves today
    (regenerate with ``manage.py url_table --write``)."""
    from core.management.commands.url_table import document_current, render

    assert "`/api/v1/cases/…` | `cases/api/urls.py`" in render()
    assert document_current(), "docs/architecture.md is stale: run manage.py url_table --write"


# --- row locks name their own table (issue 15, item 3) -----------------------------------------
# ``select_for_update()`` over a ``select_related`` join locks every joined row on PostgreSQL
# (the booking AND its room, plan, patient...), in whatever order the query reaches them: that
# is how cancel/done (booking, then room) deadlocked against move (rooms, then booking). Every
# lock names ``of=`` so a service locks exactly the rows it means, in the order it means.

LOCK = re.compile(r"select_for_update\(([^)]*)\)")


def _unscoped_locks(text: str) -> list[str]:
    return [m.group(0) for m in LOCK.finditer(text) if "of=" not in m.group(1)]


def _lock_sources() -> list[Path]:
    return [p for app in ("core", "cases", "scheduling", "boardsvc", "config")
            for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_every_row_lock_names_the_rows_it_locks():
    offenders = {str(p.relative_to(ROOT)): found for p in _lock_sources()
                 if (found := _unscoped_locks(p.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_the_lock_check_catches_an_unscoped_lock():
    assert _unscoped_locks("Booking.objects.select_for_update().select_related('resource')")
    assert not _unscoped_locks("Booking.objects.select_for_update(of=('self',))")
