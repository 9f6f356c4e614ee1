"""Serialising the turns of one session: in-process, and across processes on PostgreSQL.

Every backend first takes a per-session re-entrant lock inside this process, so threads
of one instance queue up without each holding a database connection. On PostgreSQL
the holder then takes ``pg_advisory_lock(<64-bit hash of the session id>)`` on a
dedicated autocommit connection for the whole turn, which serialises turns from any
number of instances; the lock is released in ``finally`` (and by the server if the
process dies). SQLite mode is one-process: its writes use ``BEGIN IMMEDIATE`` so they
never interleave, but whole turns are only serialised within one process.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def advisory_key(session_id: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` derived from the session id."""
    digest = hashlib.blake2b(session_id.encode("utf-8"), digest_size=8, person=b"tutor-lk").digest()
    return int.from_bytes(digest, "big", signed=True)


class SessionLocks:
    """Hands out ``hold(session_id)`` context managers; one instance per store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cross_process = engine.dialect.name == "postgresql"
        self._mutex = threading.Lock()
        self._locks: dict[str, list] = {}  # id -> [RLock, users, depth-by-thread]

    @contextlib.contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        entry = self._acquire_entry(session_id)
        lock: threading.RLock = entry[0]
        try:
            with lock:
                depth: dict[int, int] = entry[2]
                me = threading.get_ident()
                depth[me] = depth.get(me, 0) + 1
                try:
                    if depth[me] == 1 and self._cross_process:
                        with self._advisory(session_id):
                            yield
                    else:
                        yield
                finally:
                    depth[me] -= 1
                    if not depth[me]:
                        del depth[me]
        finally:
            self._release_entry(session_id)

    def _acquire_entry(self, session_id: str) -> list:
        with self._mutex:
            entry = self._locks.get(session_id)
            if entry is None:
                entry = self._locks[session_id] = [threading.RLock(), 0, {}]
            entry[1] += 1
            return entry

    def _release_entry(self, session_id: str) -> None:
        with self._mutex:
            entry = self._locks[session_id]
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[session_id]

    @contextlib.contextmanager
    def _advisory(self, session_id: str) -> Iterator[None]:
        key = advisory_key(session_id)
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        finally:
            conn.close()
