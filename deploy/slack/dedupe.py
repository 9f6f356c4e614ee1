"""Remembering which Slack events were already handled, so retries never reply twice.

Slack resends an event (with ``X-Slack-Retry-Num``) when it did not see a 200 within
three seconds, or after an error. Each event carries a unique ``event_id``; the first
delivery claims it and later deliveries are acknowledged and dropped. One process can
keep the claims in memory (a small set with a TTL); several instances behind a load
balancer must share them, so with ``TUTOR_REDIS_URL`` set claims are Redis keys written
with ``SET NX EX``. If Redis cannot be reached, claims fall back to this instance's
memory (logged), so an outage costs at most a duplicate reply, never a lost one.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.exceptions import RedisError

from core.settings import Settings

log = logging.getLogger("tutor.slack")

DEFAULT_TTL = 15 * 60  # Slack retries three times within about five minutes


class EventDeduper(Protocol):
    async def claim(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen (within the TTL), False for a repeat."""
        ...


class MemoryDeduper:
    """Claims in an insertion-ordered dict with a TTL and a size cap (one process only)."""

    def __init__(self, ttl: float = DEFAULT_TTL, max_size: int = 10_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def claim(self, event_id: str) -> bool:
        now = time.monotonic()
        while self._seen and (
            next(iter(self._seen.values())) < now or len(self._seen) >= self.max_size
        ):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now + self.ttl
        return True


class RedisDeduper:
    """Claims as Redis keys (``SET key 1 NX EX ttl``), shared by every instance."""

    def __init__(
        self, url: str, ttl: int = DEFAULT_TTL, prefix: str = "tutor:slack:event:"
    ) -> None:
        import redis.asyncio as aioredis  # deferred: only with TUTOR_REDIS_URL

        self.ttl = ttl
        self.prefix = prefix
        self._redis = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._local = MemoryDeduper(ttl)  # while Redis is unreachable: one reply per instance

    async def claim(self, event_id: str) -> bool:
        try:
            return bool(await self._redis.set(self.prefix + event_id, b"1", nx=True, ex=self.ttl))
        except (RedisError, OSError) as exc:
            log.warning("slack: Redis unreachable for event de-duplication (%s); using memory", exc)
            return await self._local.claim(event_id)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_deduper(settings: Settings) -> EventDeduper:
    """Redis-backed when ``settings.redis_url`` is set, otherwise in memory."""
    return RedisDeduper(settings.redis_url) if settings.redis_url else MemoryDeduper()
