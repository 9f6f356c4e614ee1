# ruff: noqa: F811
"""Turns on one session are serialised: across threads, store objects and processes.

Each "turn" appends a user and an assistant message and does a read-modify-write of a
counter in the session state, with a short pause inside the lock to widen any race
window. If turns interleaved, pairs would be split or counter updates lost.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from assistant.store import SessionStore, make_session_store_from_url
from assistant.store.engine import make_engine
from tests.assistant.store_turns import one_turn

# the SQLite/PostgreSQL fixtures are shared with test_store.py (imported, not redefined)
from tests.assistant.test_store import pg_url, store, store_url  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def assert_complete_history(s: SessionStore, sid: str, turns: int) -> None:
    records = s.message_records(sid)
    assert [r.seq for r in records] == list(range(2 * turns))
    for user, reply in zip(records[::2], records[1::2], strict=True):
        assert user.role == "user" and reply.role == "assistant"
        assert user.content[2:] == reply.content[2:]  # the pair belongs to one turn
    assert len({r.content for r in records}) == 2 * turns
    assert s.get_state(sid) == {"n": turns}


def run_threads(target, n: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_eight_threads_on_one_session_give_a_gap_free_ordered_history(store):
    sid = store.create_session("web")
    run_threads(lambda i: [one_turn(store, sid, f"{i}-{k}") for k in range(10)], 8)
    assert_complete_history(store, sid, 80)


def test_two_store_objects_are_serialised(store_url):  # two engines, like two instances
    stores = [make_session_store_from_url(store_url) for _ in range(2)]
    sid = stores[0].create_session("api")
    try:
        run_threads(lambda i: [one_turn(stores[i % 2], sid, f"{i}-{k}") for k in range(8)], 6)
        assert_complete_history(stores[1], sid, 48)
    finally:
        for s in stores:
            s.close()


def test_lock_is_reentrant_and_released_after_an_error(store):
    sid = store.create_session("web")
    with pytest.raises(RuntimeError), store.locked(sid), store.locked(sid):
        raise RuntimeError("turn failed")
    done = threading.Event()
    worker = threading.Thread(target=lambda: (one_turn(store, sid, "after"), done.set()))
    worker.start()
    worker.join(60)
    assert done.is_set()
    assert_complete_history(store, sid, 1)


def test_other_sessions_are_not_blocked_by_a_held_lock(store):
    a, b = store.create_session("web"), store.create_session("web")
    with store.locked(a):
        worker = threading.Thread(target=one_turn, args=(store, b, "b"))
        worker.start()
        worker.join(60)
        assert not worker.is_alive()
    assert_complete_history(store, b, 1)


WORKER = textwrap.dedent(
    """
    import sys
    from assistant.store import make_session_store_from_url
    from tests.assistant.store_turns import one_turn
    url, sid, tag, turns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = make_session_store_from_url(url)
    for k in range(turns):
        one_turn(s, sid, f"{tag}-{k}", pause=0.005)
    s.close()
    """
)


@pytest.mark.slow
def test_processes_are_serialised_and_a_fresh_process_sees_everything(store):
    sid = store.create_session("api")
    url = str(store.engine.url.render_as_string(hide_password=False))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, sid, f"p{i}", "12"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    assert_complete_history(store, sid, 36)


def test_a_postgresql_turn_needs_one_pooled_connection(pg_url):
    # Two turns hold their locks at the same time, then write, on a pool of two
    # connections: only possible if each turn's writes reuse its lock connection.
    store = SessionStore(make_engine(pg_url, pool_size=2, max_overflow=0, pool_timeout=10))
    try:
        sids = [store.create_session("web") for _ in range(2)]
        inside = threading.Barrier(2, timeout=60)
        errors: list[BaseException] = []

        def turn(i: int) -> None:
            try:
                with store.locked(sids[i]):
                    inside.wait()
                    one_turn(store, sids[i], f"{i}")
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        run_threads(turn, 2)
        assert errors == []
        for sid in sids:
            assert_complete_history(store, sid, 1)
    finally:
        store.close()


def test_sqlite_lock_file_is_shared_and_closed_with_the_last_store(tmp_path):
    from assistant.store import locks

    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    first, second = make_session_store_from_url(url), make_session_store_from_url(url)
    path = str(tmp_path / "tutor.db") + ".turn-locks"
    assert locks._SQLITE_FILES[path][2] == 2
    sid = first.create_session("cli")
    first.close()
    one_turn(second, sid, "after first closed")
    assert_complete_history(second, sid, 1)
    second.close()
    assert path not in locks._SQLITE_FILES
