"""Which database failures mean "the tutor cannot save right now" (a 503 that heals),
and which are ordinary errors."""

from __future__ import annotations

import errno
import sqlite3

import pytest
import sqlalchemy as sa

from assistant.store.engine import is_storage_failure


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _wrapped(orig: BaseException) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("INSERT ...", {}, orig)


@pytest.mark.parametrize(
    "orig",
    [
        sqlite3.OperationalError("database or disk is full"),
        sqlite3.OperationalError("disk I/O error"),
        sqlite3.OperationalError("attempt to write a readonly database"),
        PgError("53100"),  # disk_full
        PgError("58030"),  # io_error
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_storage_failures_are_recognised(orig):
    assert is_storage_failure(_wrapped(orig))


@pytest.mark.parametrize(
    "orig",
    [
        sqlite3.OperationalError("database is locked"),
        sqlite3.IntegrityError("UNIQUE constraint failed"),
        PgError("53300"),  # too_many_connections: not a full disk
        PgError("53200"),  # out_of_memory
        PgError("23505"),  # unique_violation
        OSError(errno.ECONNREFUSED, "Connection refused"),
    ],
)
def test_other_failures_are_not_called_a_full_disk(orig):
    assert not is_storage_failure(_wrapped(orig))
