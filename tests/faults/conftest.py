"""Fault tests: real worker, web server, broker and database processes are killed or cut
off while they work. They only mean something on the production stack, so every test in
this folder carries the ``faults`` marker and is skipped unless the default database is
PostgreSQL and the Celery broker is Redis (CI's second run)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

HERE = Path(__file__).resolve().parent


def fault_stack_missing() -> str:
    """Why the fault tests cannot run here, or "" when they can."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        return "fault tests need PostgreSQL (DATABASE_URL=postgres://...)"
    if not str(settings.CELERY_BROKER_URL).startswith("redis://"):
        return "fault tests need Redis as the Celery broker (CELERY_BROKER_URL=redis://...)"
    return ""


def pytest_collection_modifyitems(config, items):
    reason = fault_stack_missing()
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.faults)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture
def subprocess_env(django_db_setup, tmp_path) -> dict[str, str]:
    """The environment for a child process (worker, beat, web server) of a fault test: the
    same settings as the test run, but the *test* database, and its own var directory so
    mail, text messages and the beat schedule of one test never meet another's."""
    from django.db import connection

    env = os.environ.copy()
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    env.pop("TEST_DATABASE_NAME", None)
    env["CACHE_URL"] = os.environ.get("CACHE_URL", "")
    env["CELERY_BROKER_URL"] = str(settings.CELERY_BROKER_URL)
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env["PORTAL_VAR_DIR"] = str(var_dir)
    env["EMAIL_FILE_PATH"] = str(var_dir / "mail")
    env["SMS_FILE_PATH"] = str(var_dir / "sms")
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env
