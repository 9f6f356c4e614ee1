"""Listening benchmark: how long reading a learner's answer takes.

``assess`` is ``Assessor.assess`` alone on every labelled answer of the team set, with
the embedder's query cache cleared before each (so each answer pays for embedding its
clauses); ``answer turn`` is a whole ``Tutor.respond`` on an answer to an open conceptual
question (assess, record the assessment and mastery in SQLite, compose, render), in fresh
sessions. Assessor start-up (embedding every misconception once) is reported too.
Target: an answer turn within the tutor's p50 budget (DESIGN.md: 60 ms).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

BENCH = "listening"
TURNS = 40
ANSWERS = [
    "it reads one word per step with the same weights",
    "the gradient gets multiplied by a small factor at every step so it shrinks",
    "gradient clipping also fixes vanishing gradients",
    "idk",
    "the hidden state just gets bigger for longer sentences",
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(metric: str, value: float, unit: str = "ms", target: str = "") -> dict:
    return {"benchmark": BENCH, "metric": metric, "value": value, "unit": unit, "target": target}


def run() -> list[dict]:
    from assistant.eval.assess import load_answers
    from assistant.factory import make_tutor
    from assistant.listening.assessor import Assessor
    from assistant.listening.tools import full_models
    from assistant.types import ChatTurn
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    with tempfile.TemporaryDirectory(prefix="bench-listening-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))
        embedder = make_embedder(settings)
        started = time.perf_counter()
        assessor = Assessor(embedder, full_models())
        startup = (time.perf_counter() - started) * 1000
        rows = load_answers([Path(__file__).parent.parent / "assistant/eval/assess_team.jsonl"])
        times = []
        for row in rows:
            question = assessor.question(row["concept"], row["question"])
            assert question is not None
            embedder.clear_cache()
            t0 = time.perf_counter()
            assessor.assess(question, row["answer"])
            times.append((time.perf_counter() - t0) * 1000)

        tutor = make_tutor(settings, embedder=embedder)
        turns = []
        for i in range(TURNS):
            session = tutor.new_session("api")
            tutor.respond(ChatTurn(session, "test my understanding of variable length", "api"))
            embedder.clear_cache()
            t0 = time.perf_counter()
            tutor.respond(ChatTurn(session, ANSWERS[i % len(ANSWERS)], "api"))
            turns.append((time.perf_counter() - t0) * 1000)
        tutor.sessions.close()
    return [
        _row("assessor start-up", startup, target="once per process"),
        _row(f"assess p50 ({len(times)} answers)", _pct(times, 0.5)),
        _row("assess p95", _pct(times, 0.95)),
        _row(f"answer turn p50 ({TURNS} turns)", _pct(turns, 0.5), target="<= 60"),
        _row("answer turn p95", _pct(turns, 0.95)),
    ]
