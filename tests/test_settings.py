"""Settings read from the environment, checked in a fresh interpreter each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROBE = """
import json
from portal import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "options": db.get("OPTIONS", {}),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "broker": s.CELERY_BROKER_URL,
    "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "debug": s.DEBUG,
}))
"""
PORTAL_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ALLOWED_HOSTS",
    "PORTAL_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    clean["PORTAL_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key(tmp_path):
    values = loaded(load_settings(tmp_path, DEBUG="0", SECRET_KEY="x" * 50))

    assert values["debug"] is False


def test_postgresql_connections_are_kept_and_checked_before_reuse(tmp_path):
    values = loaded(
        load_settings(tmp_path, DATABASE_URL="postgres://portal@db.internal:5432/portal")
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["conn_max_age"] == 60
    assert values["conn_health_checks"] is True


def test_embedded_default_uses_sqlite_with_wal_and_immediate_transactions(tmp_path):
    values = loaded(load_settings(tmp_path))

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["options"]["init_command"]
    assert values["options"]["timeout"] > 0


def test_embedded_default_uses_the_file_system_broker(tmp_path):
    values = loaded(load_settings(tmp_path))

    assert values["broker"].startswith("filesystem://")
    assert values["broker_options"]["data_folder_in"].startswith(str(tmp_path))


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_switches_to_postgresql(tmp_path, scheme):
    values = loaded(
        load_settings(tmp_path, DATABASE_URL=f"{scheme}://portal:secret@db.internal:5432/portal")
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "portal"
    assert "transaction_mode" not in values["options"]


def test_redis_broker_url_replaces_the_file_system_broker(tmp_path):
    values = loaded(load_settings(tmp_path, CELERY_BROKER_URL="redis://cache.internal:6379/1"))

    assert values["broker"] == "redis://cache.internal:6379/1"
    assert "data_folder_in" not in values["broker_options"]
