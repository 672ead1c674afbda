"""One helper for the tests that race callers against each other: N jobs in N threads,
each with its own database connection, released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import close_old_connections, connection

JOIN_TIMEOUT = 120  # seconds: a job still running then is a deadlock, reported as an error


def run_at_once(
    jobs: Sequence[Callable[[], Any]],
    *,
    expected: type[Exception] | tuple[type[Exception], ...] = (),
) -> tuple[list[Any], list[BaseException]]:
    """Runs every job in its own thread, all started together by a barrier.

    Returns ``(outcomes, errors)``: a job's return value, or the ``code`` of an
    ``expected`` domain error it raised, is an outcome (in the order the jobs finished);
    anything else it raised, or a job that has not finished after ``JOIN_TIMEOUT``, is an
    error. Tests assert ``errors == []``: a crash or a deadlock is a failure, not a lost race.
    """
    outcomes: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            result = job()
        except expected as error:
            result = error.code
        except BaseException as error:  # a server error or a deadlock: the test fails
            with lock:
                errors.append(error)
            return
        finally:
            # Each thread opened its own connection; close it, or the test database
            # cannot be flushed or dropped afterwards.
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        errors.append(TimeoutError(f"{hung} of {len(jobs)} jobs still running"))
    return outcomes, errors
