"""Row locks that are waited for a bounded time, taken in one order.

When many requests want the same row at once (the opening minute of a popular open-day
session), each waits for the lock in turn. Without a limit, a request queued behind a
slow one waits until the client or gunicorn gives up: a hang, then a dropped connection.
``bounded_transaction`` sets a lock timeout for the transaction (PostgreSQL's
``lock_timeout``; pretix's ``lock_objects`` does the same) and turns the timeout into an
error the caller chooses, which views answer with "busy, try again in a moment"
(429 with ``Retry-After``: the server is well, just too busy at this moment).

``lock_rows`` is the way services lock rows (pretix's ``lock_objects`` is its model): it
insists on running inside ``transaction.atomic()``, locks in ascending primary-key order,
sets the same lock timeout and turns the timeout into ``Busy`` (code ``busy``). A request
that gives up on a lock is answered 503 with ``Retry-After`` by ``portal.views.server_error``
unless its view answers ``busy`` itself (the registration form: 429).

On SQLite the transaction takes the database's write lock when it begins (IMMEDIATE), and
waits for it as long as the connection's ``timeout`` option says; "database is locked"
after that is the same kind of timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, models, transaction

from portal.errors import Busy

M = TypeVar("M", bound=models.Model)

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


def lock_timeout_set(*, using: str | None = None) -> None:
    """Give up waiting for a row lock after ``LOCK_TIMEOUT_SECONDS`` until the current
    transaction ends (PostgreSQL; elsewhere nothing to do)."""
    conn = transaction.get_connection(using)
    if conn.vendor == "postgresql":
        milliseconds = max(1, round(settings.LOCK_TIMEOUT_SECONDS * 1000))
        with conn.cursor() as cursor:
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
            lock_timeout_set()
            yield
    except OperationalError as error:
        if is_lock_timeout(error):
            raise on_timeout() from error
        raise
    except Busy as error:  # a ``lock_rows`` inside gave up: the caller's error all the same
        raise on_timeout() from error


def lock_rows(
    rows: type[M] | models.QuerySet[M],
    pks: Iterable[Any],
    *,
    no_key: bool = False,
    of: tuple[str, ...] = (),
) -> list[M]:
    """Lock the rows of ``rows`` (a model, or a queryset: its ``select_related`` and
    filters apply) whose primary key is in ``pks``, and return them in ascending
    primary-key order; a key without a row is left out.

    Two transactions that each lock a set of rows would deadlock if they took them in
    different orders (a move from session A to B against one from B to A). Here every
    caller takes them in one order: ascending primary key within a model, and, across
    models, the order the caller's module documents (e.g. slot, then visit). ``no_key``
    takes ``FOR NO KEY UPDATE``, which does not block rows being inserted that refer to
    the locked one; ``of`` names the tables to lock when ``rows`` joins others
    (``("self",)``: not the joined rows).

    Must run inside ``transaction.atomic()`` (``RuntimeError`` otherwise: a lock outside
    a transaction ends with its statement and protects nothing). Waiting longer than
    ``LOCK_TIMEOUT_SECONDS`` raises ``Busy``; the transaction is then to be rolled back,
    which leaving the atomic block with the error does.
    """
    queryset = rows if isinstance(rows, models.QuerySet) else rows._default_manager.all()
    locking = queryset.select_for_update(no_key=no_key, of=of)
    if not transaction.get_connection(locking.db).in_atomic_block:
        raise RuntimeError("lock_rows() must run inside transaction.atomic().")
    try:
        lock_timeout_set(using=locking.db)
        # One row per statement, so the order the locks are taken in is plain to see
        # (and to test): the rows usually number one or two.
        found = (locking.filter(pk=pk).first() for pk in sorted(set(pks)))
        return [row for row in found if row is not None]
    except OperationalError as error:
        if is_lock_timeout(error):
            raise Busy() from error
        raise
