"""gunicorn settings for production (PostgreSQL, Redis): ``gunicorn portal.wsgi --config
portal/gunicorn_production.py --bind 0.0.0.0:8000``.

Chosen by measurement (``bench/rush.py``, ``bench/RESULTS.md``): on 2 cores, 4 sync
workers answered the opening minute of a popular session faster than gthread workers
(5 x 4 threads: a third fewer answers per second; 2 x 8 threads: half as many), because
threads of one process take turns on Python's interpreter lock while processes use both
cores. Every request is short (pages come from the page cache, "full" from the cached view
of the places, a registration is one locked transaction), so a sync worker never waits long
on one visitor; the proxy in front buffers slow clients. ``WEB_CONCURRENCY`` overrides the
number of workers (2 per core by default); every worker holds one database connection.
"""

import multiprocessing
import os
import sys

# gunicorn reads this file before it changes to --chdir: make the project importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from portal.logs import gunicorn_logconfig_dict, log_format  # noqa: E402

worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# Connections wait in the listen queue in arrival order instead of being refused during a
# burst (the kernel caps it at net.core.somaxconn).
backlog = 2048
# A request running this long is stuck: gunicorn replaces the worker.
timeout = 30
graceful_timeout = 10
# Restart workers now and then so no slow leak builds up; spread so they do not restart at once.
max_requests = 10000
max_requests_jitter = 1000
# LOG_FORMAT=json: gunicorn's own lines (start, worker boot, timeouts) are JSON too.
if log_format() == "json":
    logconfig_dict = gunicorn_logconfig_dict()


def post_worker_init(worker):
    """Each worker does Django's and Celery's lazy set-up before its first visitor."""
    from portal.warmup import warm_up

    warm_up()
