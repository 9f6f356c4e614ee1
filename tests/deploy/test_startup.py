"""Stopping a server that is still starting (``deploy/startup.py``): the chained signal
handler tells the build to stop and still does what the previous handler would."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from deploy.startup import stop_on_signals


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
