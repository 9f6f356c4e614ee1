"""Stopping a server that is still starting: SIGTERM or Ctrl-C during the index build.

uvicorn notes a signal received during start-up but acts on it only once the app's
lifespan start-up has finished, and on a fresh machine that start-up embeds the whole
lesson (tens of seconds on two cores). ``stop_on_signals`` chains a handler in front of
uvicorn's own for the duration of the build: it sets an event that the build checks
between steps and between embedding batches (``checkpoint``), so the build ends at the
next safe point, without a half-written index (each step writes atomically), and
uvicorn then shuts down as usual. The export of the embedding model to ONNX, done once
per machine, is the one step that cannot be interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator


class StartupStopped(Exception):
    """The start-up build was asked to stop (a signal arrived before the tutor was ready)."""


def checkpoint(should_stop: Callable[[], bool] | None) -> None:
    """Raise ``StartupStopped`` when a stop was requested; a safe point of the build."""
    if should_stop is not None and should_stop():
        raise StartupStopped


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT also set ``stop`` (then reach the previous
    handler, uvicorn's). Only the main thread may set handlers; elsewhere (a test's
    portal thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: object) -> None:
        chained = previous[signal.Signals(signum)]
        if chained == signal.SIG_IGN:
            return  # the process ignores it: so does the build
        stop.set()
        if callable(chained):
            chained(signum, frame)
        elif signum == signal.SIGINT:  # Python's default: KeyboardInterrupt
            raise KeyboardInterrupt
        else:  # the default action (terminate), once the handler is the default again
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
