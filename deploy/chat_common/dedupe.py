"""Remembering which platform requests were already handled, across instances.

Slack resends an event (same ``event_id``) when it did not see a 200 in time; anyone
who captured a signed Discord interaction could send it again (same interaction
``id``). Both adapters therefore *claim* an id before acting on it: the first claim
wins, later ones are refused (Slack: acknowledged and dropped; Discord: 409). One
process can keep the claims in memory (an ordered dict with a TTL and a size cap);
several instances behind a load balancer must share them, so with ``TUTOR_REDIS_URL``
set claims are Redis keys written with ``SET NX EX``. If Redis cannot be reached,
claims fall back to this instance's memory (logged): an outage then only lets a
repeat through on another instance, and never loses a first delivery.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from cachetools import TTLCache
from redis.exceptions import RedisError

from core.settings import Settings

log = logging.getLogger("tutor.dedupe")

DEFAULT_TTL = 15 * 60  # longer than Slack's retries and Discord's 5-minute signatures


class Deduper(Protocol):
    async def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen (within the TTL), False for a repeat."""
        ...


class MemoryDeduper:
    """Claims in a ``cachetools.TTLCache`` (one process only): a key is claimed once per
    ``ttl`` seconds; past ``max_size`` live keys the oldest go first."""

    def __init__(self, ttl: float = DEFAULT_TTL, max_size: int = 10_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=max_size, ttl=ttl, timer=time.monotonic)

    async def claim(self, key: str) -> bool:
        if key in self._seen:  # expired keys are not "in" a TTLCache
            return False
        self._seen[key] = True
        return True


class RedisDeduper:
    """Claims as Redis keys (``SET prefix+key 1 NX EX ttl``), shared by every instance."""

    def __init__(self, url: str, prefix: str, ttl: int = DEFAULT_TTL) -> None:
        import redis.asyncio as aioredis  # deferred: only with TUTOR_REDIS_URL

        self.ttl = ttl
        self.prefix = prefix
        self._redis = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._local = MemoryDeduper(ttl)  # while Redis is unreachable: once per instance

    async def claim(self, key: str) -> bool:
        try:
            return bool(await self._redis.set(self.prefix + key, b"1", nx=True, ex=self.ttl))
        except (RedisError, OSError) as exc:
            log.warning(
                "Redis unreachable for de-duplication of %s* (%s); using memory", self.prefix, exc
            )
            return await self._local.claim(key)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_deduper(settings: Settings, prefix: str, ttl: int = DEFAULT_TTL) -> Deduper:
    """Redis-backed (keys ``prefix + id``) when ``settings.redis_url`` is set, else in memory."""
    if settings.redis_url:
        return RedisDeduper(settings.redis_url, prefix, ttl)
    return MemoryDeduper(ttl)
