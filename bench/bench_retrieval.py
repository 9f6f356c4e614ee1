"""Retrieval benchmark: quality and latency per mode, and cold indexing throughput.

The bundled lesson is indexed into a fresh Chroma directory in a temp dir by
``open_index`` (cold: empty store, every chunk embedded; the model is loaded first and
timed separately), re-ingested unchanged (nothing may be embedded), then
the question set ``knowledge/eval/questions.jsonl`` is run through ``tutor eval
retrieval``'s code path for hybrid, dense and BM25: recall@1/3/5, MRR, and p50/p95
latency per query in process after a warm-up, with the query-embedding cache cleared
before each mode so every query pays for its embedding. Targets (DESIGN.md): hybrid
recall@3 >= 0.90, hybrid p50 <= 15 ms.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

BENCH = "retrieval"


def _row(metric: str, value: float, unit: str = "", target: str = "") -> dict:
    return {"benchmark": BENCH, "metric": metric, "value": value, "unit": unit, "target": target}


def run() -> list[dict]:
    from core.settings import Settings
    from knowledge.embeddings import make_embedder
    from knowledge.evaluation import evaluate
    from knowledge.index import open_index
    from knowledge.ingest import bundled_lesson_paths, ingest

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))
        started = time.perf_counter()
        embedder = make_embedder(settings)
        rows.append(_row("embedding model load", time.perf_counter() - started, "s"))
        started = time.perf_counter()
        opened = open_index(settings, embedder)  # the store is empty: a cold build
        seconds = time.perf_counter() - started
        report = opened.report
        assert report is not None
        rows.append(_row("index chunks (cold)", report.chunks, "chunks"))
        rows.append(_row("indexing throughput (cold)", report.chunks / seconds, "chunks/s"))
        started = time.perf_counter()
        again = ingest(bundled_lesson_paths(), opened.store, embedder)
        rows.append(_row("re-index unchanged", (time.perf_counter() - started) * 1000, "ms"))
        rows.append(_row("re-index embedded", again.embedded, "chunks", "0"))

        for result in evaluate(opened.retriever):
            hybrid = result.mode == "hybrid"
            prefix = f"{result.mode} "
            rows += [
                _row(prefix + "recall@1", result.recall_at_1),
                _row(prefix + "recall@3", result.recall_at_3, "", ">= 0.90" if hybrid else ""),
                _row(prefix + "recall@5", result.recall_at_5),
                _row(prefix + "MRR", result.mrr),
                _row(prefix + "p50 latency", result.p50_ms, "ms", "<= 15" if hybrid else ""),
                _row(prefix + "p95 latency", result.p95_ms, "ms"),
            ]
        rows.append(_row("questions", result.questions, ""))
    return rows
