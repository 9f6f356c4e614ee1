"""Prometheus metrics of one app instance, in its own ``CollectorRegistry``.

A registry per app (not the global default) lets tests build several apps in one
process. Counted: requests and latency by route template, chat turns by the intent
the tutor recognised, and errors by their API error code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "tutor_http_requests", "HTTP requests served", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "tutor_http_request_duration_seconds",
            "Time to the first response byte, by route",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.turns = Counter(
            "tutor_turns", "Chat turns answered, by intent", ["intent"], registry=r
        )
        self.errors = Counter(
            "tutor_errors", "Error responses, by API error code", ["code"], registry=r
        )
        self.ready = Gauge("tutor_ready", "1 when the index and stores are ready", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def count_turn(self, intent: str | None) -> None:
        self.turns.labels(intent=intent or "unknown").inc()
