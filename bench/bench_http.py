"""HTTP benchmark: the real server under concurrent learners (``python -m bench http``).

Starts ``tutor serve`` as a subprocess on a free loopback port with a fresh temp data
dir and a rate limit high enough not to interfere, and measures: start-to-ready (until
``/readyz`` answers 200) for a cold start (the index is built) and a warm restart,
resident memory (VmRSS / peak VmHWM from /proc), then ``POST /v1/chat`` with the
offline brain at 1, 16 and 64 concurrent learners (async httpx). Each learner has its
own session and sends a mix of turns (concept questions, "why do RNNs forget?", traces,
quizzes and hints) one after another; each level is bounded in turns and seconds.
Targets (issue 5): p50 <= 60 ms and p95 <= 200 ms at 16, >= 50 turns/s, ready <= 6 s,
RSS <= 700 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.deploy.servers import free_port, tutor_env, tutor_serve, wait_ready

BENCH = "http"
# (concurrent learners, turns, offered turns/s or None for back to back). Back to back
# (no think time) measures saturation: latency is then learners / throughput (Little's
# law). Paced learners measure the latency a class sees at a given load.
LEVELS = ((1, 40, None), (16, 500, 50.0), (16, 320, None), (64, 640, None))
LEVEL_SECONDS = 90.0
MIX = [
    "what is the hidden state?",
    "why do RNNs forget?",
    "what does the forget gate do?",
    "walk me through a trace with inputs 1, 0, 0",
    "why can't a normal network handle sequences?",
    "quiz me",
    "hint",
    "how does backpropagation through time work?",
    "what is gradient clipping?",
    "how is a GRU different from an LSTM?",
]


def _proc_kb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    return float("nan")


@contextlib.contextmanager
def _server(data_dir: Path) -> Iterator[tuple[str, subprocess.Popen, float]]:
    port = free_port()
    env = tutor_env(data_dir, TUTOR_RATE_LIMIT="1000000/minute", TUTOR_LOG_LEVEL="warning")
    started = time.perf_counter()
    with tutor_serve(port, env) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout=300, interval=0.05)
        yield base, proc, time.perf_counter() - started


async def _learner(
    client: httpx.AsyncClient,
    offset: int,
    budget: list[int],
    deadline: float,
    lat: list[float],
    errors: list[int],
    first_send: float | None = None,
    interval: float = 0.0,
) -> None:
    """One learner's session. Back to back when ``first_send`` is None; else a message
    every ``interval`` seconds from ``first_send`` (sooner never; later only when the
    previous reply came late)."""
    session = None
    next_send = first_send
    i = offset
    while budget[0] > 0 and time.perf_counter() < deadline:
        if next_send is not None:
            await asyncio.sleep(max(0.0, next_send - time.perf_counter()))
            next_send += interval
            if budget[0] <= 0:
                break
        budget[0] -= 1
        body = {"message": MIX[i % len(MIX)], "session_id": session}
        i += 1
        t0 = time.perf_counter()
        r = await client.post("/v1/chat", json=body)
        lat.append(time.perf_counter() - t0)
        if r.status_code != 200:
            errors.append(r.status_code)
            continue
        session = r.json()["session_id"]


async def _level(
    base: str, learners: int, turns: int, offered: float | None = None
) -> dict[str, float]:
    """``learners`` concurrent sessions; back to back (closed loop, no think time) when
    ``offered`` is None, else paced so that together they send ``offered`` turns/s."""
    limits = httpx.Limits(max_connections=learners, max_keepalive_connections=learners)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        lat: list[float] = []
        errors: list[int] = []
        budget = [turns]
        started = time.perf_counter()
        deadline = started + LEVEL_SECONDS
        interval = learners / offered if offered else 0.0
        await asyncio.gather(
            *(
                _learner(
                    client,
                    k,
                    budget,
                    deadline,
                    lat,
                    errors,
                    # paced learners are staggered evenly over one interval
                    first_send=started + k * interval / learners if offered else None,
                    interval=interval,
                )
                for k in range(learners)
            )
        )
        wall = time.perf_counter() - started
    q = statistics.quantiles(lat, n=100)
    return {
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "tps": len(lat) / wall,
        "n": len(lat),
        "errors": len(errors),
    }


def _largest_trace(base: str, repeats: int = 5) -> list[tuple[str, float, str]]:
    """The biggest answer ``/v1/trace`` gives (the response budget): size and time."""
    from tools.lab_requests import MAX_RESPONSE_NUMBERS, response_numbers

    hidden = max(  # the widest lstm over 2,000 steps the budget allows
        h for h in range(1, 257) if response_numbers("lstm", 2000, 1, h) <= MAX_RESPONSE_NUMBERS
    )
    body = {"cell": "lstm", "inputs": [0.5] * 2000, "hidden_size": hidden}
    times, size = [], 0
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            r = client.post("/v1/trace", json=body)
            times.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            size = len(r.content)
    label = f"largest /v1/trace (lstm, 2000 steps, hidden {hidden})"
    return [
        (f"{label}: body", size / 1e6, "MB"),
        (f"{label}: p50", statistics.median(times), "ms"),
    ]


def _stateless_dialogue(base: str, turns: int = 20) -> list[tuple[str, float, str]]:
    """An OpenAI client that resends its whole dialogue each turn (no ``user``): each
    turn resumes the session by the dialogue's fingerprint and marks the next point."""
    messages: list[dict] = []
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(turns):
            messages.append({"role": "user", "content": MIX[i % len(MIX)]})
            started = time.perf_counter()
            r = client.post("/v1/chat/completions", json={"messages": messages})
            times.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            messages.append(r.json()["choices"][0]["message"])
    return [(f"/v1/chat/completions p50, stateless client ({turns} turns)",
             statistics.median(times), "ms")]  # fmt: skip


def run() -> list[dict]:
    rows: list[dict] = []

    def row(metric: str, value: float, unit: str, target: str = "") -> None:
        rows.append(
            {"benchmark": BENCH, "metric": metric, "value": value, "unit": unit, "target": target}
        )

    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        data = Path(tmp)
        with _server(data) as (_, _, cold):
            row("start to ready, cold (builds the index)", cold, "s")
        with _server(data) as (base, proc, warm):
            row("start to ready, warm restart", warm, "s", "<= 6")
            row("RSS when ready", _proc_kb(proc.pid, "VmRSS") / 1024, "MB", "<= 700")
            asyncio.run(_level(base, 4, 40))  # warm-up: caches, thread pool, connections
            for learners, turns, offered in LEVELS:
                res = asyncio.run(_level(base, learners, turns, offered))
                paced = offered is not None
                label = (
                    f"{learners} learners sending {offered:g} turns/s in all"
                    if paced
                    else f"{learners} learners back to back"
                )
                row(f"/v1/chat p50, {label}", res["p50"], "ms", "<= 60" if paced else "")
                row(f"/v1/chat p95, {label}", res["p95"], "ms", "<= 200" if paced else "")
                row(
                    f"turns/s, {label} ({res['n']} turns)",
                    res["tps"],
                    "turns/s",
                    ">= 50" if learners == 16 and not paced else "",
                )
                if res["errors"]:
                    row(f"non-200 answers, {label}", res["errors"], "count", "0")
            for metric, value, unit in _largest_trace(base) + _stateless_dialogue(base):
                row(metric, value, unit)
            row("peak RSS under load (VmHWM)", _proc_kb(proc.pid, "VmHWM") / 1024, "MB", "<= 700")
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['metric']:<48} {r['value']:>10.4g} {r['unit']:<8} {r['target']}")
