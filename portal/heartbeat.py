"""Signs of life of the background processes, for ``/healthz``: when the beat scheduler
last ticked, and when a worker of each queue (``WORKER_QUEUES``) last ran a task.

They are rows of ``portal.Heartbeat`` in the database, not cache entries: the embedded
default's cache is per process, and with several machines every web node must see what a
worker on any other machine wrote. Times come from the database's clock, for writing and
for the ages, so machines whose clocks drift apart still agree.

- Beat sends ``portal.tasks.heartbeat_task`` to each queue every ``HEARTBEAT_SECONDS``
  (``CELERY_BEAT_SCHEDULE``); the worker that runs it records ``worker:<queue>``.
- The beat process records ``beat`` when it starts and when it sends tasks, at most once
  per half ``HEARTBEAT_SECONDS`` (``BeatTicks``, connected in ``portal/celery_app.py``).

A heartbeat older than ``HEARTBEAT_STALE_SECONDS`` is ``stale``; one never written is
``unknown``. A queue whose worker is busy for longer than that with a long task (a big
report) shows ``stale`` too: nothing was answered on that queue meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now

from portal.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"


def worker_heartbeat_name(queue: str) -> str:
    return f"worker:{queue}"


def heartbeat_record(*, name: str) -> None:
    """Record that ``name`` is alive now (the database's clock). One upsert: concurrent
    writers of one name (two workers of a queue) never conflict."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=Now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def heartbeat_ages(*, names: Iterable[str]) -> dict[str, float]:
    """Seconds since each of ``names`` was last recorded; names never recorded are absent."""
    age = ExpressionWrapper(Now() - F("at"), output_field=DurationField())
    rows = Heartbeat.objects.filter(name__in=list(names)).annotate(age=age)
    return {
        name: max(elapsed.total_seconds() if isinstance(elapsed, timedelta) else 0.0, 0.0)
        for name, elapsed in rows.values_list("name", "age")
    }


def _state(age: float | None, *, stale_after: float) -> dict[str, object]:
    if age is None:
        return {"state": "unknown", "age": None}
    return {"state": "ok" if age <= stale_after else "stale", "age": round(age)}


def background_status(
    *, ages: dict[str, float], queues: Iterable[str], stale_after: float
) -> dict[str, object]:
    """``{"beat": {"state", "age"}, "workers": {queue: {"state", "age"}}}`` from the
    heartbeat ages: ``state`` is ``ok``, ``stale`` (older than ``stale_after`` seconds) or
    ``unknown`` (never recorded, or the database could not be read); ``age`` in whole
    seconds or ``None``."""
    return {
        "beat": _state(ages.get(BEAT), stale_after=stale_after),
        "workers": {
            queue: _state(ages.get(worker_heartbeat_name(queue)), stale_after=stale_after)
            for queue in queues
        },
    }


def background_status_read(*, database_up: bool = True) -> dict[str, object]:
    """``background_status`` of beat and the ``WORKER_QUEUES`` workers now; every state
    ``unknown`` when the database is down (it is not asked again)."""
    queues = settings.WORKER_QUEUES
    ages: dict[str, float] = {}
    if database_up:
        try:
            ages = heartbeat_ages(names=[BEAT, *map(worker_heartbeat_name, queues)])
        except DatabaseError as exc:
            logger.warning("health check: heartbeats unreadable: %s", type(exc).__name__)
    return background_status(ages=ages, queues=queues, stale_after=settings.HEARTBEAT_STALE_SECONDS)


def background_healthy(status: dict[str, object]) -> bool:
    """Whether beat and every worker queue answered recently."""
    states = [status["beat"]["state"], *(w["state"] for w in status["workers"].values())]
    return all(state == "ok" for state in states)


class BeatTicks:
    """``before_task_publish`` receiver of the beat process: records ``beat``, at most once
    per ``interval`` seconds (one tick sends several tasks; they make one write).

    A database that cannot be reached costs a warning, never the tick: beat goes on
    sending. Beat is a long-running process outside any request, so connections that
    outlived ``CONN_MAX_AGE`` or broke are dropped first, as a request would."""

    def __init__(self, *, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.last: float | None = None

    def __call__(self, **kwargs) -> None:
        now = self.clock()
        if self.last is not None and now - self.last < self.interval:
            return
        self.last = now
        try:
            close_old_connections()
            heartbeat_record(name=BEAT)
        except DatabaseError as exc:
            logger.warning("heartbeat: beat tick not recorded: %s", type(exc).__name__)
