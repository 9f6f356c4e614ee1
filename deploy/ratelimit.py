"""Fixed-window rate limits per client IP and per session (``TUTOR_RATE_LIMIT``).

Two backends behind one ``hit(key)`` coroutine: ``MemoryRateLimiter`` (the default,
one process) and ``RedisRateLimiter`` (``TUTOR_REDIS_URL``), which counts in Redis with
one atomic Lua script (INCR, then EXPIRE on the first hit of a window) so every
instance of the tutor shares the same budget. ``check`` raises ``RateLimited`` with the
seconds until the window resets, which the HTTP edge sends as ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

from core.errors import ConfigError, RateLimited
from core.settings import Settings

log = logging.getLogger("tutor.ratelimit")

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.I)


@dataclass(frozen=True)
class Rate:
    """``limit`` hits per ``window`` seconds."""

    limit: int
    window: int

    def __str__(self) -> str:
        return f"{self.limit} requests per {self.window} s"


def parse_rate(text: str) -> Rate:
    """Parse ``"30/minute"``, ``"100/hour"``, ``"5/10 seconds"``; raise ConfigError otherwise."""
    match = _RATE_RE.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ConfigError(
            f"TUTOR_RATE_LIMIT={text!r} is not a rate; use COUNT/UNIT such as '30/minute', "
            "'500/hour' or '5/10 seconds' (units: second, minute, hour, day)."
        )
    count, multiplier, unit = match.groups()
    return Rate(int(count), int(multiplier or 1) * _UNITS[unit.lower()])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the current window ends


class RateLimiter(Protocol):
    rate: Rate

    async def hit(self, key: str, cost: int = 1) -> Verdict: ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Counts in this process's memory; fine for one instance, not shared between them."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.time) -> None:
        self.rate = rate
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._lock = asyncio.Lock()

    async def hit(self, key: str, cost: int = 1) -> Verdict:
        now = self._clock()
        window = int(now // self.rate.window)
        async with self._lock:
            if len(self._counts) > 50_000:  # drop finished windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(key, (window, 0))
            count = count + cost if start == window else cost
            self._counts[key] = (window, count)
        retry = max(1, math.ceil((window + 1) * self.rate.window - now))
        return Verdict(count <= self.rate.limit, count, retry)

    async def close(self) -> None:
        self._counts.clear()


_LUA_HIT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


class RedisRateLimiter:
    """Counts in Redis so all instances share one budget; atomic via a Lua script."""

    def __init__(self, rate: Rate, client: Any, prefix: str = "tutor:rl:") -> None:
        self.rate = rate
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_LUA_HIT)

    async def hit(self, key: str, cost: int = 1) -> Verdict:
        window = int(time.time() // self.rate.window)
        full_key = f"{self._prefix}{self.rate.limit}/{self.rate.window}:{key}:{window}"
        try:
            count, ttl = await self._script(keys=[full_key], args=[self.rate.window, cost])
        except RedisError as exc:  # a limiter outage must not take the tutor down
            log.warning("rate limiter: Redis unavailable (%s); letting the request through", exc)
            return Verdict(True, 0, 1)
        return Verdict(int(count) <= self.rate.limit, int(count), max(1, int(ttl)))

    async def close(self) -> None:
        await self._client.aclose()


# Wrong admin tokens allowed per client address (deploy/admin_auth.py): enough for typos,
# far too few for guessing.
SIGN_IN_FAILURES = Rate(5, 60)


def make_rate_limiter(settings: Settings, rate: Rate | None = None) -> RateLimiter:
    """A limiter of ``rate`` (default ``TUTOR_RATE_LIMIT``): Redis when ``redis_url`` is
    set, so every instance counts alike, else in-memory."""
    rate = rate or parse_rate(settings.rate_limit)
    if settings.redis_url:
        import redis.asyncio as aioredis  # deferred: only the Redis backend needs it

        try:
            client = aioredis.Redis.from_url(settings.redis_url, socket_timeout=2)
        except ValueError as exc:
            raise ConfigError(
                f"TUTOR_REDIS_URL={settings.redis_url!r} is not a Redis URL ({exc}); "
                "use redis://host:6379/0."
            ) from exc
        return RedisRateLimiter(rate, client)
    return MemoryRateLimiter(rate)


async def check(limiter: RateLimiter, *keys: str, cost: int = 1) -> None:
    """Count ``cost`` hits against every key; raise ``RateLimited`` if any is over budget.

    Most requests cost one; a request whose answer is large (a long trace) costs more,
    so a client cannot spend the server's memory at the price of one small request."""
    for key in keys:
        verdict = await limiter.hit(key, cost)
        if not verdict.allowed:
            scope = key.split(":", 1)[0]
            who = "this session" if scope == "session" else "your address"
            raise RateLimited(
                f"Too many requests from {who}: the limit is {limiter.rate}. "
                f"Wait {verdict.retry_after} s and try again.",
                retry_after=verdict.retry_after,
            )
