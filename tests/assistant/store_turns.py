"""One chat turn against a ``SessionStore``, for the locking tests: run by threads in
the test process and by the worker processes ``test_store_locks.py`` starts."""

from __future__ import annotations

import time

from assistant.store import SessionStore


def one_turn(s: SessionStore, sid: str, tag: str, pause: float = 0.001) -> None:
    """Append a user and an assistant message and bump the state's counter ``n``, under
    the session's lock, pausing ``pause`` seconds inside it to widen any race window."""
    with s.locked(sid):
        state = s.get_state(sid)
        s.append_message(sid, "user", f"q {tag}")
        time.sleep(pause)
        s.append_message(sid, "assistant", f"a {tag}")
        s.set_state(sid, {"n": state.get("n", 0) + 1})
