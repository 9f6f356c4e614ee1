"""Which database failures mean "the tutor cannot save right now" (a 503 that heals),
and which are ordinary errors; and the signal handling of a server still starting."""

from __future__ import annotations

import errno
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.store.engine import is_storage_failure
from deploy.startup import stop_on_signals


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


def test_a_chained_handler_runs_and_the_build_is_told_to_stop():
    seen, stop = [], threading.Event()
    try:
        signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
        with stop_on_signals(stop):
            signal.raise_signal(signal.SIGTERM)
        assert stop.is_set() and seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_with_no_handler_before_sigterm_still_terminates():
    """Review: with SIG_DFL before, the handler only set the event and the process
    kept running; it must still end as SIGTERM ends it."""
    done = _run(
        """
        import signal, threading
        from deploy.startup import stop_on_signals
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with stop_on_signals(threading.Event()):
            signal.raise_signal(signal.SIGTERM)
        print("still running")
        """
    )
    assert done.returncode == -signal.SIGTERM and "still running" not in done.stdout


def test_an_ignored_signal_stays_ignored():
    done = _run(
        """
        import signal, threading
        from deploy.startup import stop_on_signals
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop = threading.Event()
        with stop_on_signals(stop):
            signal.raise_signal(signal.SIGTERM)
        print("stop", stop.is_set())
        """
    )
    assert done.returncode == 0 and "stop False" in done.stdout
