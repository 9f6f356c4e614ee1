"""Tutor benchmark: in-process latency of one offline chat turn, end to end.

A tutor is built over a fresh temp data dir (bundled lesson indexed, SQLite sessions).
After a warm-up pass over every message, a mix of turns runs in rotating sessions:
concept questions, "why do RNNs forget?", traces with numbers, opening a quiz and
answering it. The embedder's query cache is cleared before every turn, so each turn
pays for embedding the learner's message (intent recognition and retrieval share that
one embedding); the lesson's sentence vectors and the lab's demo results stay cached,
as they do in a running server. A turn is everything ``Tutor.respond`` does: lock,
state, the agent loop with its tool calls, composing, rendering HTML, persisting.
The agent-loop overhead is measured separately with a greeting (no tools, no retrieval).
Target: p50 <= 30 ms per turn (issue 12; DESIGN.md allows 60).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

BENCH = "tutor"
ROUNDS = 6
MIX = {
    "concept": [
        "what is the hidden state?",
        "what does the forget gate do?",
        "why can't a normal network handle sequences?",
        "what is gradient clipping?",
        "how does backpropagation through time work?",
        "how is a GRU different from an LSTM?",
    ],
    "why_forget": ["why do RNNs forget?", "why can't an rnn remember things from long ago"],
    "trace": [
        "walk me through a trace",
        "trace inputs 1, 0.5, 0 with input weight 1.0 and recurrent weight 0.5",
    ],
    "quiz": ["quiz me"],
    "answer": ["{answer}"],
}


def _row(metric: str, value: float, unit: str = "ms", target: str = "") -> dict:
    return {"benchmark": BENCH, "metric": metric, "value": value, "unit": unit, "target": target}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[dict]:
    from assistant.factory import make_tutor, shared_composer
    from assistant.listening.tools import wait_listeners
    from assistant.types import ChatTurn
    from core.settings import Settings
    from knowledge.embeddings import make_embedder
    from tools.exercises import exercise_from_id

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-tutor-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))
        embedder = make_embedder(settings)
        started = time.perf_counter()
        tutor = make_tutor(settings, embedder=embedder)
        rows.append(_row("build tutor (index cold)", time.perf_counter() - started, "s"))
        started = time.perf_counter()
        shared_composer(embedder).wait_warm()
        rows.append(
            _row("lesson sentence warm-up (background)", time.perf_counter() - started, "s")
        )
        started = time.perf_counter()
        wait_listeners(embedder)  # the assessor embeds every misconception once, in the background
        rows.append(
            _row("assessor warm-up (background, after)", time.perf_counter() - started, "s")
        )

        def turn(session: str, kind: str, text: str) -> float:
            if kind == "answer":
                ex = tutor.sessions.get_state(session)["exercise"]
                text = ", ".join(f"{v:.4f}" for v in exercise_from_id(ex["id"]).answers)
            embedder.clear_cache()
            t0 = time.perf_counter()
            tutor.respond(ChatTurn(session, text, "api"))
            return (time.perf_counter() - t0) * 1000

        warm = tutor.new_session("api")
        for kind, texts in MIX.items():  # warm-up: sentence vectors, lab demos, code paths
            for text in texts:
                turn(warm, kind, text)
        times: dict[str, list[float]] = {kind: [] for kind in MIX}
        for _ in range(ROUNDS):
            session = tutor.new_session("api")
            for kind, texts in MIX.items():
                for text in texts:
                    times[kind].append(turn(session, kind, text))
        every = [t for ts in times.values() for t in ts]
        rows.append(_row("turn p50 (mix)", statistics.median(every), "ms", "<= 30"))
        rows.append(_row("turn p95 (mix)", _pct(every, 0.95), "ms", "<= 200"))
        rows.append(_row("turns measured", len(every), "turns"))
        for kind, ts in times.items():
            rows.append(_row(f"{kind} p50", statistics.median(ts)))
        greet = tutor.new_session("api")
        loop = [turn(greet, "greeting", "hello there") for _ in range(20)]
        rows.append(_row("greeting p50 (loop + store, no tools)", statistics.median(loop)))
        cached = []
        for _ in range(20):
            t0 = time.perf_counter()
            tutor.respond(ChatTurn(greet, "hello there", "api"))  # message vector cached
            cached.append((time.perf_counter() - t0) * 1000)
        rows.append(_row("greeting p50, message embedding cached", statistics.median(cached)))
        tutor.sessions.close()
    return rows
