"""Transactions whose row locks are waited for a bounded time.

When many requests want the same row at once (the opening minute of a popular open-day
session), each waits for the lock in turn. Without a limit, a request queued behind a
slow one waits until the client or gunicorn gives up: a hang, then a dropped connection.
``bounded_transaction`` sets a lock timeout for the transaction (PostgreSQL's
``lock_timeout``; pretix's ``lock_objects`` does the same) and turns the timeout into an
error the caller chooses, which views answer with "busy, try again in a moment"
(429 with ``Retry-After``: the server is well, just too busy at this moment).

On SQLite the transaction takes the database's write lock when it begins (IMMEDIATE), and
waits for it as long as the connection's ``timeout`` option says; "database is locked"
after that is the same kind of timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for an expired lock_timeout
# Two transactions waiting for each other: PostgreSQL rolls one back after deadlock_timeout.
# Trying again a moment later succeeds, so it is answered like a lock not granted in time.
DEADLOCK_DETECTED = "40P01"


def is_lock_timeout(error: BaseException) -> bool:
    """Whether ``error`` says a lock was not granted in time, or a deadlock was broken by
    rolling this transaction back (not, say, a lost server): trying again will do."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
        return True
    return "database is locked" in str(error)  # SQLite's busy timeout ran out


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        milliseconds = max(1, round(settings.LOCK_TIMEOUT_SECONDS * 1000))
        with connection.cursor() as cursor:
            # SET LOCAL: until the end of this transaction only, so a connection reused by
            # the next request (CONN_MAX_AGE) starts without it.
            cursor.execute(f"SET LOCAL lock_timeout = {milliseconds}")


@contextmanager
def bounded_transaction(*, on_timeout: Callable[[], Exception]) -> Iterator[None]:
    """``transaction.atomic()`` in which waiting for a row lock gives up after
    ``LOCK_TIMEOUT_SECONDS``; the timeout rolls the block back and raises ``on_timeout()``.

    Inside an outer transaction the limit holds until that one ends.
    """
    try:
        with transaction.atomic():
            _set_lock_timeout()
            yield
    except OperationalError as error:
        if is_lock_timeout(error):
            raise on_timeout() from error
        raise
