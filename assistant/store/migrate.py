"""Bringing the session database to this tutor's schema with Alembic (``upgrade``).

``upgrade(engine)`` runs the revisions in ``migrations/versions/`` up to head, with
Alembic driven from here (no ``alembic.ini``); it runs at store start-up and from
``tutor db upgrade``. Several instances may start at once against one PostgreSQL
database, so the whole upgrade is one transaction that first takes an advisory lock;
on SQLite the transaction's ``BEGIN IMMEDIATE`` serialises upgraders the same way. A
database made before Alembic (a ``schema_version`` table at version 1) is adopted in
that transaction: the table goes and the baseline revision ``0001``, which is that
schema, is recorded in ``alembic_version``, every row kept.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from assistant.store.engine import is_postgres, normalise_url
from core.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LEGACY_TABLE = "schema_version"  # the hand-written bookkeeping before Alembic
LEGACY_VERSION = 1  # its last version; revision 0001 creates that schema
_UPGRADE_LOCK_KEY = 0x7475746F72_6462  # "tutordb": any fixed 63-bit number
# Alembic's ``op`` and ``context`` are process-wide proxies: one migration run at a time
_ALEMBIC_RUN = threading.Lock()
_LOCKED_RETRIES = 5


@dataclass(frozen=True)
class UpgradeResult:
    """What ``upgrade`` did: the revision before (None: no Alembic bookkeeping yet), the
    revision after, and whether a pre-Alembic database was adopted."""

    before: str | None
    after: str
    adopted: bool = False


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic ``Config`` for the store's migrations, running on ``connection`` (or on
    a database of its own at ``url``, e.g. to autogenerate a revision)."""
    config = Config()
    # ConfigParser interpolates '%': a URL's %3D must reach Alembic as %%3D
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this tutor knows (what ``upgrade`` brings a database to)."""
    head = _scripts().get_current_head()
    if head is None:
        raise ConfigError(f"No Alembic revisions found in {MIGRATIONS_DIR}.")
    return head


def current_revision(conn: Connection) -> str | None:
    """The database's Alembic revision, or None if Alembic never ran on it."""
    return MigrationContext.configure(conn).get_current_revision()


def legacy_version(conn: Connection) -> int | None:
    """The pre-Alembic ``schema_version`` of a database that still has that table."""
    if not sa.inspect(conn).has_table(LEGACY_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version FROM {LEGACY_TABLE} WHERE id = 1")).scalar()


def upgrade(engine: Engine) -> UpgradeResult:
    """Create, adopt or migrate the schema up to head; a no-op when it is there. On SQLite,
    instances starting together on a new file can meet "database is locked" while one of
    them switches it to WAL; the upgrade is retried then (it is idempotent)."""
    for attempt in range(_LOCKED_RETRIES):
        try:
            return _upgrade(engine)
        except sa.exc.OperationalError as exc:
            if is_postgres(engine) or "locked" not in str(exc) or attempt == _LOCKED_RETRIES - 1:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")  # the loop returns or raises


def _upgrade(engine: Engine) -> UpgradeResult:
    head = head_revision()
    with engine.begin() as conn:
        if is_postgres(engine):
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _UPGRADE_LOCK_KEY})
        before = current_revision(conn)
        _check_known(before, head)
        adopted = before is None and _adopt_legacy(conn)
        if before != head:
            with _ALEMBIC_RUN:
                command.upgrade(alembic_config(conn), "head")
        after = current_revision(conn)
    if after is None:  # cannot happen: Alembic records the revision it upgraded to
        raise ConfigError("Alembic recorded no revision after upgrading the database.")
    return UpgradeResult(before, after, adopted)


def _check_known(revision: str | None, head: str) -> None:
    if revision is None:
        return
    try:
        _scripts().get_revision(revision)
    except CommandError:
        raise ConfigError(
            f"The database schema is at revision {revision!r}, which this tutor does not "
            f"know (its newest is {head!r}): it was made by a newer tutor. Upgrade the tutor "
            "package or point TUTOR_DATABASE_URL elsewhere."
        ) from None


def _adopt_legacy(conn: Connection) -> bool:
    """Drop the ``schema_version`` table of a database made before Alembic, so that the
    baseline revision takes it over; False if there is none."""
    if not sa.inspect(conn).has_table(LEGACY_TABLE):
        return False
    version = legacy_version(conn)
    if version not in (None, LEGACY_VERSION):
        raise ConfigError(
            f"The database's {LEGACY_TABLE} is {version}; this tutor can adopt only version "
            f"{LEGACY_VERSION}, the last before Alembic. Point TUTOR_DATABASE_URL elsewhere."
        )
    conn.execute(sa.text(f"DROP TABLE {LEGACY_TABLE}"))
    return True
