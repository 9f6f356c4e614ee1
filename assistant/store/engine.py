"""Building the SQLAlchemy engine for the session store from a database URL.

Every write goes through ``write_tx``, which turns "the disk is full" (SQLite's
``SQLITE_FULL`` or an I/O error, PostgreSQL's ``disk_full`` class, ``ENOSPC``) into
``StorageUnavailable``, a 503 that says the tutor cannot save right now, and notes the
time in ``STORAGE``, so readiness reports it until a write succeeds again.

SQLite (the one-machine default) gets WAL journaling, a busy timeout, foreign keys and
``BEGIN IMMEDIATE`` for write transactions, so a read-then-write (the next message
``seq``) can never fail half-way with "database is locked". PostgreSQL URLs are
accepted as ``postgresql://`` or ``postgres://`` and rewritten to the psycopg 3 driver.
"""

from __future__ import annotations

import contextlib
import errno
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from core.errors import ConfigError, StorageUnavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000
READONLY = "tutor_readonly"  # execution option: start a plain (deferred) SQLite transaction


def normalise_url(url: str) -> str:
    """Return ``url`` with a supported driver, or raise ``ConfigError`` saying which are."""
    if not url or not url.strip():
        raise ConfigError(
            "The database URL is empty. Set TUTOR_DATABASE_URL or leave it unset for SQLite."
        )
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return url
    raise ConfigError(
        f"Unsupported database URL scheme {url.split('://')[0]!r}: use sqlite:///path/to/tutor.db "
        "or postgresql://user@host:5432/dbname in TUTOR_DATABASE_URL."
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, **pool_options: int) -> Engine:
    """An engine for ``url`` (SQLite file or PostgreSQL), configured for the store.

    ``pool_options`` (``pool_size``, ``max_overflow``, ``pool_timeout``) override the
    PostgreSQL pool defaults.
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"TUTOR_DATABASE_URL is not a valid URL ({exc}).") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    pool = {"pool_size": 10, "max_overflow": 30} | pool_options
    return sa.create_engine(parsed, pool_pre_ping=True, **pool)


def _sqlite_engine(parsed: sa.URL) -> Engine:
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise ConfigError(
            "An in-memory SQLite database cannot be shared between connections; "
            "use a file, e.g. sqlite:///data/tutor.db."
        )
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


_bound = threading.local()  # engine -> the connection holding this thread's turn lock


@contextlib.contextmanager
def bound_connection(engine: Engine, conn: Connection) -> Iterator[None]:
    """Inside a locked turn, let this thread's transactions reuse ``conn``.

    A PostgreSQL turn then needs one pooled connection (the one holding the advisory
    lock) instead of two, so many concurrent turns cannot exhaust the pool.
    """
    conns: dict[int, Connection] = _bound.__dict__.setdefault("conns", {})
    previous = conns.get(id(engine))
    conns[id(engine)] = conn
    try:
        yield
    finally:
        if previous is None:
            del conns[id(engine)]
        else:
            conns[id(engine)] = previous


def _reusable(engine: Engine) -> Connection | None:
    conn = _bound.__dict__.get("conns", {}).get(id(engine))
    if conn is None or conn.closed or conn.in_transaction():
        return None  # e.g. a generator still reading on it: use a pooled connection
    return conn


class StorageHealth:
    """When a write last failed for lack of storage (per engine); None when healthy."""

    def __init__(self) -> None:
        self._failed: dict[int, float] = {}

    def failed(self, engine: Engine) -> None:
        self._failed[id(engine)] = time.time()

    def recovered(self, engine: Engine) -> None:
        self._failed.pop(id(engine), None)

    def failed_at(self, engine: Engine) -> float | None:
        return self._failed.get(id(engine))


STORAGE = StorageHealth()

# SQLite's words for SQLITE_FULL / SQLITE_IOERR / a read-only file; PostgreSQL's SQLSTATE
# 53100 (disk_full) and 58030 (io_error). Not the rest of class 53: too many connections
# or out of memory are not "cannot save".
_SQLITE_STORAGE = ("database or disk is full", "disk i/o error", "readonly database")
_PG_STORAGE = ("53100", "58030")


def is_storage_failure(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot store anything right now."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        return state in _PG_STORAGE
    return any(words in str(orig).lower() for words in _SQLITE_STORAGE)


def storage_error() -> StorageUnavailable:
    return StorageUnavailable(
        "The tutor cannot save right now (its storage is full or failing), so this message "
        "was not recorded; nothing saved before is lost. Please try again in a few minutes."
    )


@contextlib.contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success; a
    storage failure becomes ``StorageUnavailable`` (and marks ``STORAGE``)."""
    try:
        conn = _reusable(engine)
        if conn is not None:
            with conn.begin():
                yield conn
            return
        with engine.begin() as conn:
            yield conn
    except (sa.exc.DBAPIError, OSError) as exc:
        if not is_storage_failure(exc):
            raise
        STORAGE.failed(engine)
        raise storage_error() from exc


@contextlib.contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction (plain deferred ``BEGIN`` on SQLite)."""
    conn = _reusable(engine)
    if conn is not None:
        with conn.begin():
            yield conn
        return
    with engine.connect().execution_options(**{READONLY: True}) as conn, conn.begin():
        yield conn
