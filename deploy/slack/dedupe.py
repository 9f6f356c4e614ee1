"""Slack's retries never produce a second reply: each ``event_id`` is claimed once.

Slack resends an event (with ``X-Slack-Retry-Num``) when it did not see a 200 within
three seconds, or after an error; every delivery carries the same ``event_id``. The
first delivery claims it and later ones are acknowledged and dropped. The claims live
in the de-duplication store shared with the Discord adapter (``deploy/chat_common/dedupe.py``):
in memory, or in Redis under ``tutor:slack:event:`` when ``TUTOR_REDIS_URL`` is set.
"""

from __future__ import annotations

from core.settings import Settings
from deploy.chat_common import dedupe
from deploy.chat_common.dedupe import DEFAULT_TTL, MemoryDeduper, RedisDeduper
from deploy.chat_common.dedupe import Deduper as EventDeduper

PREFIX = "tutor:slack:event:"


def make_deduper(settings: Settings) -> EventDeduper:
    """Slack's event claims: Redis-backed when ``settings.redis_url`` is set, else in memory."""
    return dedupe.make_deduper(settings, PREFIX, DEFAULT_TTL)


__all__ = ["PREFIX", "EventDeduper", "MemoryDeduper", "RedisDeduper", "make_deduper"]
