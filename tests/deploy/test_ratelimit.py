"""Rate limits: rate parsing, fixed windows, 429 + Retry-After per client and per session,
and the Redis backend shared by two limiters (real Redis when TUTOR_TEST_REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from fastapi.testclient import TestClient
from limits.aio.storage import MemoryStorage, RedisStorage

from core.errors import ConfigError, RateLimited
from core.settings import Settings
from deploy.ratelimit import Rate, RateLimiter, check, make_rate_limiter, parse_rate


def test_parse_rate():
    assert parse_rate("30/minute") == Rate(30, 60)
    assert parse_rate("500 per hour") == Rate(500, 3600)
    assert parse_rate("5/10 seconds") == Rate(5, 10)
    for bad in ("", "lots", "0/minute", "10/fortnight", "30/minute; 5/second"):
        with pytest.raises(ConfigError, match="COUNT/UNIT"):
            parse_rate(bad)


def test_memory_window_resets():
    limiter = RateLimiter(Rate(2, 1), MemoryStorage())

    async def run():
        results = [await limiter.hit("ip:a") for _ in range(3)]
        other = await limiter.hit("ip:b")
        await asyncio.sleep(1.05)  # the window has ended
        after = [await limiter.hit("ip:a") for _ in range(3)]
        return results, other, after

    results, other, after = asyncio.run(run())
    assert [v.allowed for v in results] == [True, True, False]
    assert results[2].retry_after == 1 and other.allowed
    assert [v.allowed for v in after] == [True, True, False]  # a fresh count


def test_retry_after_is_the_rest_of_the_window():
    limiter = RateLimiter(Rate(1, 60), MemoryStorage())

    async def run():
        return [await limiter.hit("ip:a") for _ in range(2)]

    first, second = asyncio.run(run())
    assert first.allowed and not second.allowed and 59 <= second.retry_after <= 60


def test_a_negative_cost_gives_hits_back():
    """The admin sign-in throttle gives a right token's attempt back (admin_auth.py)."""
    limiter = RateLimiter(Rate(2, 60), MemoryStorage())

    async def run():
        verdicts = [await limiter.hit("ip:a") for _ in range(2)]
        await limiter.hit("ip:a", -1)
        return verdicts + [await limiter.hit("ip:a") for _ in range(2)]

    assert [v.allowed for v in asyncio.run(run())] == [True, True, True, False]


def test_check_raises_rate_limited_with_retry_after():
    limiter = RateLimiter(Rate(1, 60), MemoryStorage())

    async def run():
        await check(limiter, "session:s1")
        await check(limiter, "session:s1")

    with pytest.raises(RateLimited) as info:
        asyncio.run(run())
    assert info.value.retry_after >= 1 and "this session" in info.value.message


def test_http_429_per_client(fake_app_factory):
    with TestClient(fake_app_factory(rate_limit="3/minute")) as client:
        codes = [client.post("/v1/chat", json={"message": "hi"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.post("/v1/chat", json={"message": "hi"})
        assert r.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert client.get("/healthz").status_code == 200  # operations are never limited


def test_http_429_per_session(fake_app_factory, fake_tutor):
    app = fake_app_factory(rate_limit="3/minute")
    sid = fake_tutor.new_session()
    with TestClient(app) as client:
        # each request comes from a different address, all on one session
        codes = []
        for i in range(4):
            client.portal.call(app.state.services.limiter.clear, "ip:testclient")
            r = client.post(
                "/v1/chat",
                json={"message": f"turn {i}", "session_id": sid},
                headers={"X-Test": str(i)},
            )
            codes.append(r.status_code)
        assert codes == [200, 200, 200, 429]
        assert "this session" in r.json()["error"]["message"]


def test_make_rate_limiter_picks_backend(tmp_path):
    limiter = make_rate_limiter(Settings(_env_file=None, data_dir=tmp_path))
    assert isinstance(limiter.storage, MemoryStorage)
    s = Settings(_env_file=None, data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    limiter = make_rate_limiter(s)
    assert isinstance(limiter.storage, RedisStorage)
    # an unreachable Redis lets requests through rather than taking the tutor down
    assert asyncio.run(limiter.hit("ip:x")).allowed
    asyncio.run(limiter.close())
    s = Settings(_env_file=None, data_dir=tmp_path, redis_url="http://127.0.0.1/")
    with pytest.raises(ConfigError, match="TUTOR_REDIS_URL"):
        make_rate_limiter(s)


REDIS_URL = os.environ.get("TUTOR_TEST_REDIS_URL", "")


@pytest.mark.skipif(
    not REDIS_URL,
    reason="set TUTOR_TEST_REDIS_URL=redis://127.0.0.1:6379/0 to test the Redis rate limiter",
)
def test_redis_limit_is_shared_between_instances(tmp_path):
    settings = Settings(
        _env_file=None, data_dir=tmp_path, redis_url=REDIS_URL, rate_limit="4/minute"
    )
    key = f"ip:test-{uuid.uuid4().hex}"

    async def run():
        a, b = make_rate_limiter(settings), make_rate_limiter(settings)
        try:
            verdicts = []
            for limiter in (a, b, a, b, a, b):
                verdicts.append(await limiter.hit(key))
            return verdicts
        finally:
            await a.close()
            await b.close()

    verdicts = asyncio.run(run())
    assert [v.allowed for v in verdicts] == [True] * 4 + [False] * 2
    assert all(59 <= v.retry_after <= 60 for v in verdicts[4:])


@pytest.mark.skipif(
    not REDIS_URL, reason="set TUTOR_TEST_REDIS_URL to test Redis-backed HTTP limits"
)
def test_redis_http_429_across_two_apps(tmp_path, fake_tutor):
    from deploy.app import create_app
    from tests.deploy.http_fakes import FakeRetriever

    prefix = uuid.uuid4().hex
    settings = Settings(
        _env_file=None, data_dir=tmp_path, redis_url=REDIS_URL, rate_limit="3/minute"
    )
    apps = [
        create_app(settings, tutor=fake_tutor, retriever=FakeRetriever(), sessions=object())
        for _ in range(2)
    ]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        # a fresh key space, so earlier runs do not count
        for app, client in zip(apps, (one, two), strict=True):
            services = app.state.services
            client.portal.call(services.limiter.close)
            services.limiter = make_rate_limiter(settings, namespace=f"test-{prefix}")
        codes = [
            c.post("/v1/chat", json={"message": "hi"}).status_code for c in (one, two, one, two)
        ]
        assert codes == [200, 200, 200, 429]
        r = one.post("/v1/chat", json={"message": "hi"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
