"""gunicorn settings of ``make run``: the embedded default (SQLite, file-system broker,
per-process memory cache) served by a real server.

One worker process with threads: the memory cache holds the attempt limits and the page
cache's purge generation, so every request must see the same one (several processes would
each count and cache on their own; production shares Redis instead, see the README's
deployment section). Threads answer many visitors at once; SQLite lets one writer in at a
time anyway. gunicorn queues connections in its listen backlog instead of dropping them,
as Django's development server did under a burst of visitors.

Used as ``gunicorn portal.wsgi --config portal/gunicorn_run.py --bind HOST:PORT``.
"""

worker_class = "gthread"
workers = 1
threads = 8
backlog = 2048
# A request still running after this long is stuck: gunicorn replaces the worker.
timeout = 60
graceful_timeout = 5
accesslog = "-"


def post_worker_init(worker):
    """Each worker does Django's and Celery's lazy set-up before its first visitor."""
    from portal.warmup import warm_up

    warm_up()
