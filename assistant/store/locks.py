"""Serialising the turns of one session, within a process and across processes.

Every backend first takes a per-session re-entrant lock inside this process, so threads
queue up without each holding a database connection. Then:

- PostgreSQL: ``pg_advisory_lock(<64-bit hash of the session id>)`` on a dedicated
  autocommit connection for the whole turn; it serialises turns from any number of
  instances and is released in ``finally`` (or by the server if the process dies).
  The turn's own reads and writes reuse that connection (one pooled connection a turn).
- SQLite: a POSIX record lock (``fcntl.lockf``) on one byte, at a 62-bit hash of the
  session id, of a ``<database>.turn-locks`` file next to the database. That serialises
  processes on one machine (several workers); the OS drops it if a process dies. SQLite
  is still a one-machine store: use PostgreSQL for several hosts.

POSIX record locks belong to the process, not the thread or file descriptor, so the
SQLite lock file is opened once per process and never closed, and all stores of a
process on the same file share one in-process registry.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.store.engine import bound_connection


def advisory_key(session_id: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` derived from the session id."""
    digest = hashlib.blake2b(session_id.encode("utf-8"), digest_size=8, person=b"tutor-lk").digest()
    return int.from_bytes(digest, "big", signed=True)


class _Registry:
    """Per-session re-entrant locks, created on demand and dropped when unused."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[str, list] = {}  # id -> [RLock, users, depth by thread id]

    @contextlib.contextmanager
    def hold(self, session_id: str) -> Iterator[bool]:
        """Yield True for the outermost hold of this thread, False when re-entered."""
        with self._mutex:
            entry = self._locks.setdefault(session_id, [threading.RLock(), 0, {}])
            entry[1] += 1
        try:
            with entry[0]:
                depth: dict[int, int] = entry[2]
                me = threading.get_ident()
                depth[me] = depth.get(me, 0) + 1
                try:
                    yield depth[me] == 1
                finally:
                    depth[me] -= 1
                    if not depth[me]:
                        del depth[me]
        finally:
            with self._mutex:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[session_id]

    def busy(self) -> bool:
        with self._mutex:
            return bool(self._locks)


_FILES_MUTEX = threading.Lock()
_SQLITE_FILES: dict[str, list] = {}  # lock-file path -> [fd, registry, stores using it]


def _open_lock_file(path: str) -> tuple[_Registry, int]:
    with _FILES_MUTEX:
        entry = _SQLITE_FILES.get(path)
        if entry is None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            entry = _SQLITE_FILES[path] = [fd, _Registry(), 0]
        entry[2] += 1
        return entry[1], entry[0]


def _release_lock_file(path: str) -> None:
    with _FILES_MUTEX:
        entry = _SQLITE_FILES.get(path)
        if entry is None:
            return
        entry[2] -= 1
        # closing any descriptor drops all of the process's locks on the file, so only
        # close when no store of this process uses it and no turn holds a lock
        if entry[2] <= 0 and not entry[1].busy():
            os.close(entry[0])
            del _SQLITE_FILES[path]


class SessionLocks:
    """Hands out ``hold(session_id)`` context managers; one instance per store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._fd: int | None = None
        self._path: str | None = None
        if engine.dialect.name == "sqlite":
            self._path = os.path.abspath(engine.url.database or "tutor.db") + ".turn-locks"
            self._registry, self._fd = _open_lock_file(self._path)
        else:
            self._registry = _Registry()

    def close(self) -> None:
        """Let go of the SQLite lock file (closed when no store of the process uses it)."""
        if self._path is not None:
            path, self._path = self._path, None
            _release_lock_file(path)

    @contextlib.contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        with self._registry.hold(session_id) as outermost:
            if not outermost:
                yield
            elif self._fd is not None:
                with self._file_lock(session_id):
                    yield
            else:
                with self._advisory(session_id):
                    yield

    @contextlib.contextmanager
    def _file_lock(self, session_id: str) -> Iterator[None]:
        assert self._fd is not None
        offset = advisory_key(session_id) & ((1 << 62) - 1)
        fcntl.lockf(self._fd, fcntl.LOCK_EX, 1, offset, os.SEEK_SET)
        try:
            yield
        finally:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)

    @contextlib.contextmanager
    def _advisory(self, session_id: str) -> Iterator[None]:
        key = advisory_key(session_id)
        conn = self._engine.connect()
        try:
            # a session-level advisory lock outlives the commits of the turn's writes
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                with bound_connection(self._engine, conn):
                    yield
            finally:
                if conn.in_transaction():
                    conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        finally:
            conn.close()
