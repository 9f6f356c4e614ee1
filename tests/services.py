"""The PostgreSQL and Redis the suite tests against: the ``TUTOR_TEST_*`` URLs, or the
machine's own services when they answer on their default ports.

CI's ``.ci/run`` sets ``TUTOR_TEST_DATABASE_URL`` and ``TUTOR_TEST_REDIS_URL``. A
newcomer running ``make test`` usually has neither set; when a PostgreSQL with a
database ``test`` answers on 127.0.0.1:5432 (trust auth) and a Redis on 127.0.0.1:6379,
the suite uses them too (and says so in its header), so everyone runs the same tests as
CI instead of skipping the PostgreSQL, Redis and scale-out ones. Set a variable to an
empty string to opt out (``TUTOR_TEST_DATABASE_URL= make test``).
"""

from __future__ import annotations

import contextlib
import os

LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def _postgres_answers(url: str) -> bool:
    import psycopg

    with contextlib.suppress(Exception), psycopg.connect(url, connect_timeout=2) as conn:
        conn.execute("SELECT 1")
        return True
    return False


def _redis_answers(url: str) -> bool:
    import redis

    with contextlib.suppress(Exception):
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    return False


def use_local_services() -> list[str]:
    """Fill in unset ``TUTOR_TEST_*`` URLs with the local services that answer; return
    a line for each one taken, for the test report's header."""
    found = []
    checks = (
        ("TUTOR_TEST_DATABASE_URL", LOCAL_DATABASE, _postgres_answers),
        ("TUTOR_TEST_REDIS_URL", LOCAL_REDIS, _redis_answers),
    )
    for name, url, answers in checks:
        if name not in os.environ and answers(url):
            os.environ[name] = url
            found.append(f"{name}={url} (found on this machine; set it empty to skip)")
    return found
