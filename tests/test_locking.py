"""Which database errors are a lock that was not granted in time (portal/locking.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from portal.locking import bounded_transaction, is_lock_timeout


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
