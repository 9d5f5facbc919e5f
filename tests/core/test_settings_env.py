"""Settings read from the environment fail loudly on malformed values (issue: foundation)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings._env import env_bool, env_int, env_list, env_secret, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for raw, expected in [("true", True), ("0", False), ("YES", True), ("off", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", default=not expected) is expected


def test_env_bool_rejects_a_typo_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_DEBUG='ture' is not a boolean"):
        env_bool("DJANGO_DEBUG", default=False)


def test_env_int_rejects_non_numbers_and_out_of_range(monkeypatch):
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_INT='twelve' is not a whole number"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env_int("X_INT", 1, minimum=1)


def test_env_secret_prefers_the_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("MY_SECRET", "from-env")
    monkeypatch.setenv("MY_SECRET_FILE", str(secret))
    assert env_secret("MY_SECRET") == "from-file"
    monkeypatch.setenv("MY_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("MY_SECRET")


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_database_url_parses_postgres_and_rejects_others():
    db = parse_database_url("postgres://u:p%40ss@db.internal:5433/boards?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "boards", "u", "p@ss", "db.internal", "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
    assert parse_database_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql' is not supported"):
        parse_database_url("mysql://u@h/db")


def test_a_process_with_a_malformed_setting_refuses_to_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "BOARDSVC_MEETING_HORIZON_WEEKS": "lots"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    assert "BOARDSVC_MEETING_HORIZON_WEEKS='lots' is not a whole number" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SECRET_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x"})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
