"""Start-up work in a daemon thread that stops between steps when asked.

A daemon thread still inside torch when the interpreter finalises aborts the process
("terminate called without an active exception"), so every such thread is stopped and
joined at exit (and by a server's shutdown): the work checks ``stopping`` between its
embedding batches.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable


class Background:
    """One named daemon thread, started once, stopped between steps when asked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self, work: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=work, name=self.name, daemon=True)
        thread.start()
        self.thread = thread
        atexit.register(self.stop)
        return thread

    def stop(self, timeout: float = 30) -> None:
        """Ask the work to stop at its next step and wait for it."""
        self._stop.set()
        self.wait(timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the work (if started) has finished."""
        if self.thread is not None:
            self.thread.join(timeout)
