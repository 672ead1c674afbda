"""Row locks (portal/locking.py): which database errors are a lock not granted in time,
and ``lock_rows``: only in a transaction, in primary-key order, ``Busy`` after the timeout."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import OperationalError, close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from portal import errors as portal_errors
from portal.locking import bounded_transaction, is_lock_timeout, lock_rows
from portal.views import server_error


class _PostgresError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _operational_error(cause: BaseException | None, message: str = "") -> OperationalError:
    error = OperationalError(message)
    error.__cause__ = cause
    return error


def test_postgresql_lock_timeout_is_recognised_and_other_errors_are_not():
    assert is_lock_timeout(_operational_error(_PostgresError("55P03")))
    assert is_lock_timeout(_operational_error(_PostgresError("40P01")))  # deadlock, rolled back
    assert not is_lock_timeout(_operational_error(_PostgresError("57P01")))  # admin shutdown
    assert not is_lock_timeout(ValueError("database is locked"))


def test_sqlite_database_is_locked_is_a_lock_timeout():
    assert is_lock_timeout(_operational_error(None, "database is locked"))
    assert not is_lock_timeout(_operational_error(None, "unable to open database file"))


class Busy(Exception):
    """The error a caller of ``bounded_transaction`` chooses for a lock timeout."""


def test_bounded_transaction_turns_a_lock_timeout_into_the_callers_error(db):
    with pytest.raises(Busy) as raised, bounded_transaction(on_timeout=Busy):
        raise _operational_error(_PostgresError("55P03"))
    assert isinstance(raised.value.__cause__, OperationalError)

    with pytest.raises(OperationalError), bounded_transaction(on_timeout=Busy):
        raise _operational_error(_PostgresError("08006"))  # connection failure: not busy


def test_bounded_transaction_turns_a_busy_lock_inside_into_the_callers_error(db):
    with pytest.raises(Busy) as raised, bounded_transaction(on_timeout=Busy):
        raise portal_errors.Busy()
    assert isinstance(raised.value.__cause__, portal_errors.Busy)


# --- lock_rows ---------------------------------------------------------------------------


def test_lock_rows_refuses_to_run_outside_a_transaction():
    """A row lock outside ``transaction.atomic()`` would end with its statement."""
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        lock_rows(Group, [1])


def test_lock_rows_locks_in_ascending_primary_key_order(db):
    groups = [Group.objects.create(name=f"lock order {n}") for n in range(3)]
    wanted = [groups[2].pk, groups[0].pk, groups[2].pk, groups[1].pk, 10**9]  # 10**9: no row
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock_rows(Group.objects.filter(name__startswith="lock order"), wanted)
    assert [g.pk for g in locked] == sorted(g.pk for g in groups)  # once each, no ghost
    pattern = re.compile(r'FROM "auth_group" WHERE .*"auth_group"\."id" = (\d+)')
    statements = [q["sql"] for q in queries if pattern.search(q["sql"])]
    assert [int(pattern.search(sql).group(1)) for sql in statements] == sorted(set(wanted))
    if connection.vendor == "postgresql":
        assert all("FOR UPDATE" in sql and "NO KEY" not in sql for sql in statements)
        assert any("SET LOCAL lock_timeout" in q["sql"] for q in queries)


@pytest.mark.postgres
def test_lock_rows_no_key_and_of_reach_the_statement(db):
    permission = Permission.objects.first()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        lock_rows(Group, [1], no_key=True)
        lock_rows(Permission.objects.select_related("content_type"), [permission.pk], of=("self",))
    statements = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert "FOR NO KEY UPDATE" in statements[0]
    assert 'FOR UPDATE OF "auth_permission"' in statements[1]  # not the joined content type


@pytest.mark.postgres
def test_a_lock_held_by_another_connection_makes_lock_rows_busy(
    transactional_db, django_db_serialized_rollback, settings
):
    """Another transaction holds the row: ``lock_rows`` gives up after
    LOCK_TIMEOUT_SECONDS with ``Busy`` instead of waiting for ever, then succeeds once
    the row is free."""
    settings.LOCK_TIMEOUT_SECONDS = 0.5
    group = Group.objects.create(name="held")
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                Group.objects.select_for_update().get(pk=group.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            close_old_connections()
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        started = time.monotonic()
        with pytest.raises(portal_errors.Busy) as raised, transaction.atomic():
            lock_rows(Group, [group.pk])
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)
    assert raised.value.code == "busy"
    assert is_lock_timeout(raised.value.__cause__)
    assert 0.4 <= waited < 5
    with transaction.atomic():
        assert lock_rows(Group, [group.pk]) == [group]


def test_a_request_that_gave_up_on_a_lock_is_answered_503_with_retry_after(rf):
    """Views that do not answer ``busy`` themselves: the 500 handler sees the lock timeout
    behind ``Busy`` and answers "try again shortly"."""
    try:
        try:
            raise _operational_error(None, "database is locked")
        except OperationalError as error:
            raise portal_errors.Busy() from error
    except portal_errors.Busy:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"]
