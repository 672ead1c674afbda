"""Fault tests: real worker, web server, broker and database processes are killed or cut
off while they work. They only mean something on the production stack, so every test in
this folder carries the ``faults``, ``postgres`` and ``redis`` markers and is skipped
unless the default database is PostgreSQL and the Celery broker is Redis (CI's second
run). They run alone (``-m faults -n0``), never beside other tests in pytest-xdist
workers: CI runs them after the parallel pass."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test here needs PostgreSQL and Redis (the markers skip it elsewhere, see
    tests/conftest.py) and runs alone."""
    alone = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        for marker in (pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis):
            item.add_marker(marker)
        if alone:
            # They time processes they kill and restart: tests running beside them on the
            # same cores would make those timings, not the portal, decide the outcome.
            item.add_marker(
                pytest.mark.skip(reason="fault tests run alone, not in xdist: pytest -m faults -n0")
            )


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
    # These servers are about faults under load, posting registrations without a code;
    # phone verification has its own tests (tests/verification, the browser flow).
    env["PHONE_VERIFICATION"] = "0"
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def processes(transactional_db, tmp_path):
    """Subprocesses of the test (workers, a private Redis), all killed before the test
    database is flushed."""
    from tests.faults.celery_support import Processes

    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    running = Processes(log_dir)
    yield running
    running.stop_all()
