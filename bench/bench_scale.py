"""Scale-out load test: two tutor instances on a Chroma server, PostgreSQL and Redis.

Boots the same deployment as ``tests/scale`` (``tests.scale.cluster``: ``chroma run``,
a fresh PostgreSQL database, an empty Redis database, ``tutor index``, then ``tutor
serve`` processes) and drives ``POST /v1/chat`` with the offline brain from async
httpx "learners", with the same turn mix and turn counts as ``bench_http`` (concept
questions, forgetting demos, traces, quizzes, hints): each learner owns a session and
sends its turns one after another, turn ``j`` of learner ``i`` going to instance
``(i + j) % n`` (round-robin, so sessions hop between instances on every turn).
Rows: turns/s, p50 and p95 latency at 1, 16 and 64 concurrent learners on two
instances, plus one instance on the same engines at 16 for comparison. Each level is bounded in
turns and in seconds. Without ``TUTOR_TEST_DATABASE_URL`` / ``TUTOR_TEST_REDIS_URL``
it returns one row saying how to run it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_http import MIX  # the same turn mix as the one-instance HTTP benchmark

BENCH = "scale-out"
LEVEL_SECONDS = 90.0  # per level; learners stop starting turns after this


def _row(metric: str, value: float | str, unit: str = "", target: str = "") -> dict:
    return {"benchmark": BENCH, "metric": metric, "value": value, "unit": unit, "target": target}


async def _learner(
    client: httpx.AsyncClient,
    urls: list[str],
    index: int,
    budget: list[int],
    deadline: float,
    latencies: list[float],
) -> int:
    session_id, errors, turn = None, 0, 0
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        url = urls[(index + turn) % len(urls)]
        body = {"message": MIX[(index + turn) % len(MIX)], "session_id": session_id}
        turn += 1
        started = time.perf_counter()
        response = await client.post(f"{url}/v1/chat", json=body)
        if response.status_code != 200:
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
        session_id = response.json()["session_id"]
    return errors


async def _load(urls: list[str], learners: int, turns: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    budget = [turns]
    limits = httpx.Limits(max_connections=learners, max_keepalive_connections=learners)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        deadline = time.monotonic() + LEVEL_SECONDS
        errors = await asyncio.gather(
            *(_learner(client, urls, i, budget, deadline, latencies) for i in range(learners))
        )
        wall = time.perf_counter() - started
    return latencies, wall, sum(errors)


def _level_rows(label: str, urls: list[str], learners: int, turns: int) -> list[dict]:
    latencies, wall, errors = asyncio.run(_load(urls, learners, turns))
    if not latencies:
        return [_row(f"{label}: failed", "every turn failed", "", "")]
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return [
        _row(f"{label} turns/s", len(ms) / wall, "turns/s", ">= 50 (2 instances)"),
        _row(f"{label} p50", statistics.median(ms), "ms", "<= 60 at 16"),
        _row(f"{label} p95", p95, "ms", "<= 200 at 16"),
        _row(f"{label} turns (errors)", f"{len(ms)} ({errors})", "", "0 errors"),
    ]


def run() -> list[dict]:
    from tests.scale.cluster import HOW_TO_RUN, Cluster, backing_services, scale_urls

    urls = scale_urls()
    if urls is None:
        return [_row("skipped", HOW_TO_RUN)]
    # the machine is shared with the load generator (and anything else running): say how busy
    rows: list[dict] = [_row("load average (1 min) at start", os.getloadavg()[0], "", "")]
    with tempfile.TemporaryDirectory(prefix="tutor-bench-scale-") as tmp:
        workdir = Path(tmp)
        with backing_services(workdir, *urls) as backing:
            backing.tutor(["index"], workdir / "indexer")
            cluster = Cluster(backing)
            try:
                booted = time.perf_counter()
                a, b = cluster.pair(rate_limit="1000000/minute", log_level="warning")
                rows.append(_row("2 instances start to ready", time.perf_counter() - booted, "s"))
                for url in (a.url, b.url):  # warm-up: each kind of answer once per instance
                    asyncio.run(_load([url], 1, len(MIX)))
                rows += _level_rows("2 instances x 1 learner", [a.url, b.url], 1, 40)
                rows += _level_rows("1 instance x 16 learners", [a.url], 16, 320)
                rows += _level_rows("2 instances x 16 learners", [a.url, b.url], 16, 320)
                rows += _level_rows("2 instances x 64 learners", [a.url, b.url], 64, 640)
            finally:
                cluster.stop_all()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
