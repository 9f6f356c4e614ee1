"""Retrieval evaluation: recall@1/3/5, MRR and latency over the learner question set.

``knowledge/eval/questions.jsonl`` holds one ``{"question": str, "sections": [str]}``
per line. A passage answers a question when its section equals one of the expected
sections or lies below it (``startswith(expected + " > ")``). Latency is measured per
query after a warm-up, with the query-embedding cache cleared before each mode so every
dense and hybrid query pays for a real embedding (the honest, cold-query figure).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InvalidInput
from knowledge.retrieval import MODES, HybridRetriever, Passage

QUESTIONS_PATH = Path(__file__).resolve().parent / "eval" / "questions.jsonl"
WARMUP = ("what is a recurrent network", "gradient clipping threshold", "hello")


@dataclass(frozen=True)
class Question:
    question: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class ModeResult:
    """Scores of one retrieval mode over the question set."""

    mode: str
    questions: int
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr: float
    p50_ms: float
    p95_ms: float

    def to_dict(self) -> dict[str, float | int | str]:
        return dict(self.__dict__)


def load_questions(path: Path | None = None) -> list[Question]:
    """The question set; every line must be JSON with a question and its sections."""
    path = path or QUESTIONS_PATH
    if not path.exists():
        raise InvalidInput(f"{path}: the question set is missing; add questions.jsonl.")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sections = row.get("sections") or [row["section"]]
            if isinstance(sections, str):
                sections = [sections]
            questions.append(Question(str(row["question"]), tuple(str(s) for s in sections)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(
                f'{path}:{number}: expected {{"question": str, "sections": [str]}} ({exc}).'
            ) from exc
    if not questions:
        raise InvalidInput(f"{path}: the question set is empty.")
    return questions


def is_hit(passage: Passage, expected: Sequence[str]) -> bool:
    return any(passage.section == e or passage.section.startswith(e + " > ") for e in expected)


def first_hit_rank(passages: Sequence[Passage], expected: Sequence[str]) -> int | None:
    """1-based rank of the first passage that answers, or None."""
    return next((i for i, p in enumerate(passages, 1) if is_hit(p, expected)), None)


def evaluate_mode(retriever: HybridRetriever, questions: list[Question], mode: str) -> ModeResult:
    """Run every question once in ``mode`` (k=10: MRR looks at the top 10)."""
    retriever.embedder.clear_cache()
    for query in WARMUP:
        retriever.search(query, k=10, mode=mode)
    retriever.embedder.clear_cache()
    ranks: list[int | None] = []
    latencies: list[float] = []
    for q in questions:
        started = time.perf_counter()
        passages = retriever.search(q.question, k=10, mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        ranks.append(first_hit_rank(passages, q.sections))
    n = len(questions)

    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    return ModeResult(
        mode=mode,
        questions=n,
        recall_at_1=recall(1),
        recall_at_3=recall(3),
        recall_at_5=recall(5),
        mrr=sum(1 / r for r in ranks if r is not None) / n,
        p50_ms=float(np.percentile(latencies, 50)),
        p95_ms=float(np.percentile(latencies, 95)),
    )


def evaluate(
    retriever: HybridRetriever,
    questions: list[Question] | None = None,
    modes: Sequence[str] = MODES,
) -> list[ModeResult]:
    """Scores for each mode (default: hybrid, dense, bm25) side by side."""
    questions = questions if questions is not None else load_questions()
    return [evaluate_mode(retriever, questions, mode) for mode in modes]
