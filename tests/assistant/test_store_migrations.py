# ruff: noqa: F811
"""The Alembic migrations of the session store, on SQLite and PostgreSQL.

A fresh database gets head and exactly the tables of ``schema.py``; a database made by
the hand-written migrations that came before Alembic (its DDL is kept below, as that
code created it) is adopted in place with every row; upgrading is idempotent, safe from
several processes at once, and refuses a database made by a newer tutor.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assistant.store import make_session_store_from_url
from assistant.store.engine import make_engine
from assistant.store.migrate import (
    LEGACY_TABLE,
    UpgradeResult,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from assistant.store.schema import (
    button_tokens,
    cards,
    dialogue_points,
    exercise_results,
    feedback,
    messages,
    metadata,
    sessions,
)
from core.errors import ConfigError

# the SQLite/PostgreSQL fixtures are shared with test_store.py (imported, not redefined)
from tests.assistant.test_store import pg_url, store_url  # noqa: F401

# What ``schema.upgrade`` (schema_version 1, the last hand-written version) created, as
# SQLAlchemy rendered it: {ts} and {serial} are the dialect's words for a timezone-aware
# timestamp and an auto-numbered integer key.
LEGACY_DDL = """
CREATE TABLE schema_version (
    id {serial} NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (id));
CREATE TABLE sessions (
    id VARCHAR(64) NOT NULL, channel VARCHAR(32) NOT NULL, external_key VARCHAR(300),
    created_at {ts} NOT NULL, updated_at {ts} NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (id), CONSTRAINT uq_sessions_channel_key UNIQUE (channel, external_key));
CREATE INDEX ix_sessions_updated_at ON sessions (updated_at);
CREATE TABLE storage_probe (id {serial} NOT NULL, filler TEXT NOT NULL, PRIMARY KEY (id));
CREATE TABLE button_tokens (
    token VARCHAR(64) NOT NULL, channel VARCHAR(32) NOT NULL,
    session_id VARCHAR(64) NOT NULL, owner VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL, expires_at {ts} NOT NULL, PRIMARY KEY (token),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
CREATE INDEX ix_button_tokens_expires_at ON button_tokens (expires_at);
CREATE INDEX ix_button_tokens_session_id ON button_tokens (session_id);
CREATE TABLE cards (
    session_id VARCHAR(64) NOT NULL, card_id VARCHAR(128) NOT NULL, fsrs_card TEXT NOT NULL,
    due {ts} NOT NULL, reviews INTEGER NOT NULL, last_rating VARCHAR(8),
    updated_at {ts} NOT NULL, PRIMARY KEY (session_id, card_id),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
CREATE INDEX ix_cards_session_due ON cards (session_id, due);
CREATE TABLE dialogue_points (
    channel VARCHAR(32) NOT NULL, "key" VARCHAR(64) NOT NULL,
    session_id VARCHAR(64) NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL,
    passed BOOLEAN NOT NULL, created_at {ts} NOT NULL,
    PRIMARY KEY (channel, "key", session_id),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
CREATE INDEX ix_dialogue_points_created_at ON dialogue_points (created_at);
CREATE TABLE exercise_results (
    session_id VARCHAR(64) NOT NULL, exercise_id VARCHAR(128) NOT NULL,
    skill VARCHAR(64) NOT NULL, solved BOOLEAN NOT NULL, attempts INTEGER NOT NULL,
    hints_used INTEGER NOT NULL, created_at {ts} NOT NULL, updated_at {ts} NOT NULL,
    PRIMARY KEY (session_id, exercise_id),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
CREATE TABLE feedback (
    id {serial} NOT NULL, session_id VARCHAR(64) NOT NULL, message_seq INTEGER NOT NULL,
    rating VARCHAR(8) NOT NULL, comment TEXT, created_at {ts} NOT NULL, PRIMARY KEY (id),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
CREATE INDEX ix_feedback_created_at ON feedback (created_at);
CREATE TABLE messages (
    id {serial} NOT NULL, session_id VARCHAR(64) NOT NULL, seq INTEGER NOT NULL,
    role VARCHAR(16) NOT NULL, content TEXT NOT NULL, meta TEXT NOT NULL,
    created_at {ts} NOT NULL, PRIMARY KEY (id),
    CONSTRAINT uq_messages_session_seq UNIQUE (session_id, seq),
    FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE);
INSERT INTO schema_version (id, version) VALUES (1, 1);
"""
DIALECT_WORDS = {
    "sqlite": {"ts": "DATETIME", "serial": "INTEGER"},
    "postgresql": {"ts": "TIMESTAMP WITH TIME ZONE", "serial": "SERIAL"},
}
DATA_TABLES = (sessions, messages, exercise_results, cards, feedback, dialogue_points)
T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def make_legacy_database(engine: sa.Engine, *, skip: tuple[str, ...] = ()) -> None:
    """The schema as the pre-Alembic tutor left it, with a learner's rows in every table;
    ``skip`` leaves out statements naming a table or index (an older build's database)."""
    ddl = LEGACY_DDL.format(**DIALECT_WORDS[engine.dialect.name])
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";")):
            if not any(name in statement for name in skip):
                conn.exec_driver_sql(statement)
        conn.execute(
            sa.insert(sessions),
            [
                {
                    "id": "s1",
                    "channel": "web",
                    "external_key": None,
                    "created_at": T0,
                    "updated_at": T0,
                    "state": '{"hint_rung": 2}',
                },
                {
                    "id": "s2",
                    "channel": "slack",
                    "external_key": "T1:C1:1.2",
                    "created_at": T0,
                    "updated_at": T0,
                    "state": "{}",
                },
            ],
        )
        conn.execute(
            sa.insert(messages),
            [
                {"session_id": sid, "seq": seq, "role": role, "content": text, "meta": "{}"}
                | {"created_at": T0 + timedelta(seconds=seq)}
                for sid in ("s1", "s2")
                for seq, role, text in (
                    (0, "user", "what is the hidden state?"),
                    (1, "assistant", "A running summary, $h_t$."),
                )
            ],
        )
        conn.execute(
            sa.insert(exercise_results).values(
                session_id="s1",
                exercise_id="L1-42",
                skill="bptt",
                solved=True,
                attempts=2,
                hints_used=1,
                created_at=T0,
                updated_at=T0,
            )
        )
        conn.execute(
            sa.insert(cards).values(
                session_id="s1",
                card_id="c-lstm",
                fsrs_card="{}",
                due=T0 + timedelta(days=1),
                reviews=1,
                last_rating="good",
                updated_at=T0,
            )
        )
        conn.execute(
            sa.insert(feedback).values(
                session_id="s1", message_seq=1, rating="up", comment="clear", created_at=T0
            )
        )
        conn.execute(
            sa.insert(dialogue_points).values(
                channel="openai",
                key="k" * 64,
                session_id="s2",
                seq=2,
                state="{}",
                passed=False,
                created_at=T0,
            )
        )
        if "button_tokens" not in skip:
            conn.execute(
                sa.insert(button_tokens).values(
                    token="t" * 43,
                    channel="slack",
                    session_id="s2",
                    owner="U1",
                    created_at=T0,
                    expires_at=T0 + timedelta(days=7),
                )
            )


def dump(engine: sa.Engine, tables: tuple[sa.Table, ...] = (*DATA_TABLES, button_tokens)):
    """Every row of ``tables``, in key order."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(row) for row in conn.execute(sa.select(t).order_by(*t.primary_key))]
            for t in tables
        }


def schema_drift(engine: sa.Engine) -> list:
    """Alembic's differences between the database and ``schema.py`` ([] when equal)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def revision_rows(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


@pytest.fixture
def engine(store_url):
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


def test_a_fresh_database_gets_head_and_exactly_the_models(engine):
    head = head_revision()
    assert upgrade(engine) == UpgradeResult(before=None, after=head)
    assert schema_drift(engine) == []
    assert not sa.inspect(engine).has_table(LEGACY_TABLE)

    assert upgrade(engine) == UpgradeResult(before=head, after=head)  # a no-op
    assert revision_rows(engine) == [head]
    assert schema_drift(engine) == []


def test_the_baseline_downgrades_to_an_empty_database_and_back(engine):
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    assert upgrade(engine).before is None
    assert schema_drift(engine) == []


def test_a_pre_alembic_database_is_adopted_with_every_row(engine, store_url):
    make_legacy_database(engine)
    rows = dump(engine)
    assert all(rows.values()), "the fixture leaves a table empty"

    done = upgrade(engine)
    assert done == UpgradeResult(before=None, after=head_revision(), adopted=True)
    assert dump(engine) == rows
    assert not sa.inspect(engine).has_table(LEGACY_TABLE)
    assert schema_drift(engine) == []
    assert upgrade(engine) == UpgradeResult(before=done.after, after=done.after)
    assert revision_rows(engine) == [done.after]

    store = make_session_store_from_url(store_url)  # start-up on the adopted database
    try:
        assert [m.content for m in store.messages("s1")] == [
            "what is the hidden state?",
            "A running summary, $h_t$.",
        ]
        assert store.get_state("s1") == {"hint_rung": 2}
        assert store.find_session("slack", "T1:C1:1.2") == "s2"
        store.append_message("s1", "user", "and the cell state?")  # ids keep counting
        assert store.messages("s1")[2].content == "and the cell state?"
    finally:
        store.close()


def test_an_older_build_database_gets_the_tables_and_indexes_it_lacks(engine):
    # button_tokens and the dialogue points' index came under version 1, without a bump
    make_legacy_database(engine, skip=("button_tokens", "ix_dialogue_points_created_at"))
    rows = dump(engine, DATA_TABLES)
    assert upgrade(engine).adopted
    assert dump(engine, DATA_TABLES) == rows
    assert schema_drift(engine) == []


def test_a_database_of_a_newer_tutor_is_refused_untouched(engine):
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeed0099'"))
    with pytest.raises(ConfigError, match="made by a newer tutor"):
        upgrade(engine)
    assert revision_rows(engine) == ["f00dfeed0099"]


def test_an_unknown_pre_alembic_version_is_refused_and_rolled_back(engine):
    make_legacy_database(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = 2"))
    with pytest.raises(ConfigError, match="can adopt only version 1"):
        upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) is None
        assert conn.execute(sa.text("SELECT version FROM schema_version")).scalar() == 2


def test_instances_starting_together_upgrade_once(store_url):
    engines = [make_engine(store_url) for _ in range(6)]
    results: list[UpgradeResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def run(engine: sa.Engine) -> None:
        start.wait()
        try:
            results.append(upgrade(engine))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert sorted(r.before is None for r in results) == [False] * 5 + [True]
        assert revision_rows(engines[0]) == [head_revision()]
    finally:
        for e in engines:
            e.dispose()


def test_a_database_at_the_baseline_gains_the_listening_tables_with_every_row(engine, store_url):
    """A database made by yesterday's tutor (revision 0001) upgrades in place to 0002,
    which adds the assessments and mastery tables; its rows stay."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO sessions (id, channel, external_key, created_at, updated_at, state) "
            "VALUES ('s1', 'api', NULL, '2026-12-05 10:00:00+00:00', '2026-12-05 10:00:00+00:00', '{}')"
        ))  # fmt: skip
    assert not sa.inspect(engine).has_table("assessments")
    done = upgrade(engine)
    assert (done.before, done.after) == ("0001", head_revision())
    assert schema_drift(engine) == []
    store = make_session_store_from_url(store_url)
    try:
        assert store.exists("s1")
        p = store.record_assessment("s1", "gradient_clipping", "why?", "correct", None, [0, 1], [])
        assert p is not None and store.mastery("s1")["gradient_clipping"]["assessed"] == 1
    finally:
        store.close()
