"""``/healthz`` knows whether beat and a worker of each queue are alive: heartbeats written
in the database by the worker that runs ``portal.tasks.heartbeat_task`` and by the beat
process, reported as ages with ``ok`` / ``stale`` / ``unknown``."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import timezone

from portal.heartbeat import (
    BeatTicks,
    background_status,
    heartbeat_ages,
    heartbeat_record,
)
from portal.models import Heartbeat
from portal.tasks import heartbeat_task
from tests import children
from tests.faults.celery_support import Processes, wait_until

QUEUES = ("default", "mail", "reports")
ALL = ("beat", "worker:default", "worker:mail", "worker:reports")


def seen_seconds_ago(name: str, seconds: float) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": timezone.now() - datetime.timedelta(seconds=seconds)}
    )


# --- The service ---------------------------------------------------------------------------


def test_heartbeat_record_keeps_one_row_per_name_and_moves_it_forward(db):
    seen_seconds_ago("worker:mail", 500)

    heartbeat_record(name="worker:mail")
    heartbeat_record(name="worker:mail")

    (row,) = Heartbeat.objects.filter(name="worker:mail")
    assert timezone.now() - row.at < datetime.timedelta(seconds=5)
    assert heartbeat_ages(names=["worker:mail"])["worker:mail"] < 5


def test_heartbeat_ages_leave_out_names_never_recorded(db):
    seen_seconds_ago("beat", 42)

    ages = heartbeat_ages(names=ALL)

    assert set(ages) == {"beat"}
    assert 41 <= ages["beat"] <= 47


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (0.4, {"state": "ok", "age": 0}),
        (180.0, {"state": "ok", "age": 180}),
        (180.6, {"state": "stale", "age": 181}),
        (None, {"state": "unknown", "age": None}),
    ],
)
def test_background_status_states(age, expected):
    ages = {} if age is None else {"beat": age, "worker:mail": age}

    status = background_status(ages=ages, queues=QUEUES, stale_after=180)

    assert status["beat"] == expected
    assert status["workers"]["mail"] == expected
    assert status["workers"]["default"] == {"state": "unknown", "age": None}


def test_heartbeat_task_records_the_queue_it_was_sent_to(db):
    heartbeat_task.apply_async(kwargs={"queue": "reports"}, queue="reports")

    assert set(heartbeat_ages(names=ALL)) == {"worker:reports"}


def test_beat_schedule_sends_a_heartbeat_to_each_queue(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "portal.tasks.heartbeat_task"
    ]

    assert sorted(e["kwargs"]["queue"] for e in entries) == sorted(QUEUES)
    for entry in entries:
        assert entry["options"]["queue"] == entry["kwargs"]["queue"]
        assert entry["schedule"] == settings.HEARTBEAT_SECONDS
        # A heartbeat nobody ran in time is dropped, not piled up behind a stopped worker.
        assert entry["options"]["expires"] == settings.HEARTBEAT_STALE_SECONDS


# --- The beat process's ticks --------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_beat_ticks_write_at_most_once_per_interval(db, monkeypatch):
    writes = []
    monkeypatch.setattr("portal.heartbeat.heartbeat_record", lambda *, name: writes.append(name))
    clock = Clock()
    ticks = BeatTicks(interval=30, clock=clock)

    for offset in (0, 0.1, 0.2, 10, 29.9):  # one tick sends several tasks, then the next
        clock.now = 1000 + offset
        ticks(sender="some.task")
    assert writes == ["beat"]

    clock.now = 1030
    ticks(sender="some.task")
    assert writes == ["beat", "beat"]


def test_beat_tick_with_the_database_down_is_a_warning_not_a_failure(db, monkeypatch, caplog):
    def refused(*, name):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("portal.heartbeat.heartbeat_record", refused)

    BeatTicks(interval=30)(sender="some.task")

    (record,) = [r for r in caplog.records if r.name == "portal.heartbeat"]
    assert record.getMessage() == "heartbeat: beat tick not recorded: OperationalError"


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_reports_each_worker_queue_and_beat_with_their_ages(client, db):
    seen_seconds_ago("beat", 20)
    heartbeat_task(queue="default")
    seen_seconds_ago("worker:mail", 100)

    body = client.get("/healthz").json()

    assert body["beat"]["state"] == "ok"
    assert 19 <= body["beat"]["age"] <= 25
    assert body["workers"]["default"]["state"] == "ok"
    assert body["workers"]["mail"]["state"] == "ok"
    assert body["workers"]["reports"] == {"state": "unknown", "age": None}
    assert body["status"] == "degraded"


def test_stale_worker_leaves_healthz_200_but_strict_check_answers_503(client, db, settings):
    settings.HEARTBEAT_STALE_SECONDS = 180
    for name in ("beat", "worker:default", "worker:reports"):
        heartbeat_record(name=name)
    seen_seconds_ago("worker:mail", 400)

    response = client.get("/healthz")

    # A load balancer keeps this web node: only the mail worker (anywhere) is behind.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["workers"]["mail"]["state"] == "stale"
    assert 399 <= body["workers"]["mail"]["age"] <= 405
    assert client.get("/healthz?strict=1").status_code == 503

    settings.HEARTBEAT_STALE_SECONDS = 600
    assert client.get("/healthz?strict=1").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


# --- Real processes ------------------------------------------------------------------------

CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.mark.timeout(90)
def test_worker_and_beat_processes_write_the_heartbeats_healthz_reports(
    transactional_db, django_db_serialized_rollback, client, tmp_path
):
    """``celery worker --beat`` on the three queues against the test database, with its own
    file-system broker (so no other test's worker can take its messages) and a heartbeat
    every second: beat's tick and each queue's worker show up as ``ok``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CACHE_URL", "DEBUG", "TEST_DATABASE_NAME")
    }
    env.update(
        DATABASE_URL=children.database_url(),
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="portal.settings",
        HEARTBEAT_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    processes = Processes(tmp_path)
    worker = processes.start(
        "worker",
        [
            CELERY,
            "-A",
            "portal",
            "worker",
            "--beat",
            f"--schedule={tmp_path / 'beat-schedule'}",
            "--queues=default,mail,reports",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        env,
    )
    try:

        def all_alive() -> bool:
            body = client.get("/healthz").json()
            states = [body["beat"]["state"], *(w["state"] for w in body["workers"].values())]
            return states == ["ok"] * 4

        assert wait_until(all_alive, timeout=60, interval=0.5), worker.log_path.read_text()[-3000:]
    finally:
        processes.stop_all()
    assert set(heartbeat_ages(names=ALL)) == set(ALL)
