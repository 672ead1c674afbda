"""Each pytest-xdist worker process gets servers' state of its own.

pytest-django gives every worker its own test database (``test_<name>_gw0``, ...). The
cache and the Celery broker are shared servers, so two workers would clear each other's
rate-limit counters (``cache.clear()`` empties the whole Redis database) and take each
other's tasks (a worker thread started by one test would run a task queued by another
worker's test, against the wrong database). Worker ``gwN`` therefore uses:

- Redis (``CACHE_URL`` / ``CELERY_BROKER_URL``): the configured database number plus
  ``2 * (N + 1)``, so with the usual cache 1 and broker 0, gw0 uses 3 and 2, gw1 5 and 4;
- the file-system broker: a folder of its own under ``var/broker/``.

Redis has 16 databases unless configured otherwise, which allows up to 7 workers.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def worker_index() -> int | None:
    """0 for xdist's ``gw0``, 1 for ``gw1``, ...; None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else None


def redis_url_for_worker(url: str, index: int) -> str:
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + 2 * (index + 1)
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest-xdist worker gw{index} would need Redis database {database}: "
            f"run fewer workers (-n) or point CACHE_URL/CELERY_BROKER_URL at lower databases"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def isolate_worker() -> None:
    """Called from ``pytest_configure``, before the cache or the broker is first used."""
    index = worker_index()
    if index is None:
        return
    from django.conf import settings

    from portal.celery_app import app

    default_cache = settings.CACHES["default"]
    if str(default_cache.get("LOCATION", "")).startswith("redis"):
        default_cache["LOCATION"] = redis_url_for_worker(default_cache["LOCATION"], index)

    broker_url = str(settings.CELERY_BROKER_URL)
    if broker_url.startswith("redis"):
        broker_url = redis_url_for_worker(broker_url, index)
        settings.CELERY_BROKER_URL = broker_url
        # Celery prefers the environment variable to its configuration.
        os.environ["CELERY_BROKER_URL"] = broker_url
        app.conf.broker_url = broker_url
    elif broker_url.startswith("filesystem"):
        folder = settings.BROKER_DIR / f"gw{index}"
        options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
        app.conf.broker_transport_options = options
        for key in ("data_folder_in", "control_folder"):
            os.makedirs(options[key], exist_ok=True)
