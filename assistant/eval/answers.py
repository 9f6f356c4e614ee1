"""The answer eval: single learner questions, each checked for a direct, correct answer.

Each line of ``answers_*.jsonl`` is ``{"q", "type", "concepts", "lead", "must",
"must_not", "by"}``: ``type`` is the question type (definition, why, how, example,
simpler, compare, what-if, compute, recommendation, context, not_covered), ``lead`` lists
phrases or numbers of which one must appear in the first two sentences of the reply (the
direct answer comes first), ``must`` phrases that must appear anywhere, ``must_not``
phrases that must not. Matching is case-insensitive and treats the Unicode minus as "-".
Every question runs in a fresh session. The report gives the accuracy overall and per
type and per author (``by``), and each failure with the reason, so the gap is visible.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.types import ChatTurn

EVAL_DIR = Path(__file__).parent
TYPES = (
    "definition", "why", "how", "example", "simpler", "compare", "what-if", "compute",
    "recommendation", "context", "not_covered",
)  # fmt: skip
_MARKDOWN = re.compile(r"\*\*|__|`|\$|\\\(|\\\)|\*(?=\S)|(?<=\S)\*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")


def load_questions(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    """Every question of the given files (default: every ``answers_*.jsonl`` here)."""
    rows: list[dict[str, Any]] = []
    for path in paths or sorted(EVAL_DIR.glob("answers_*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("type") not in TYPES or not isinstance(row.get("q"), str):
                raise ValueError(f"{path}:{number}: needs a question 'q' and a type in {TYPES}")
            rows.append(row)
    return rows


def plain(text: str) -> str:
    """The reply as words: no Markdown marks, Unicode minus as '-', lower case."""
    return _MARKDOWN.sub("", text).replace("−", "-").lower()


def lead_of(reply: str, sentences: int = 2) -> str:
    """The first ``sentences`` sentences of the reply (where the direct answer belongs)."""
    parts = [p for p in _SENTENCE_END.split(plain(reply).strip()) if p.strip()]
    return " ".join(parts[:sentences])


def says(phrase: str, text: str) -> bool:
    """Whether ``text`` contains ``phrase``; a short word or number ("no", "1") counts only
    as a whole word, so "no" is not found in "not" nor "1" in "128"."""
    if len(phrase) <= 3 and re.fullmatch(r"[\w.]+", phrase):
        return re.search(rf"(?<![\w.]){re.escape(phrase)}(?![\w]|\.\d)", text) is not None
    return phrase in text


def check(row: dict[str, Any], reply: str) -> list[str]:
    """Why the reply fails the question (empty when it passes)."""
    failures = []
    lead, whole = lead_of(reply), plain(reply)
    leads = [plain(x) for x in row.get("lead") or []]
    if leads and not any(says(x, lead) for x in leads):
        failures.append(f"the first two sentences lack all of {row['lead']}")
    failures += [f"lacks {x!r}" for x in row.get("must") or [] if plain(x) not in whole]
    failures += [f"says {x!r}" for x in row.get("must_not") or [] if plain(x) in whole]
    return failures


def run_answers(tutor: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Ask every question in a fresh session; accuracy overall, per type and per author."""
    results = []
    times = []
    for row in rows:
        session = tutor.new_session("api")
        started = time.perf_counter()
        reply = tutor.respond(ChatTurn(session, row["q"], "api"))
        times.append((time.perf_counter() - started) * 1000)
        failures = check(row, reply.reply)
        results.append(
            {
                "q": row["q"],
                "type": row["type"],
                "by": row.get("by", "team"),
                "intent": reply.intent,
                "passed": not failures,
                "failures": failures,
                "reply": reply.reply,
            }
        )

    def rate(group: list[dict[str, Any]]) -> dict[str, Any]:
        passed = sum(r["passed"] for r in group)
        return {"questions": len(group), "passed": passed, "accuracy": passed / len(group)}

    by_type: dict[str, list] = defaultdict(list)
    by_author: dict[str, list] = defaultdict(list)
    for r in results:
        by_type[r["type"]].append(r)
        by_author[r["by"]].append(r)
    times.sort()
    return {
        **rate(results),
        "per_type": {t: rate(by_type[t]) for t in TYPES if by_type[t]},
        "per_author": {a: rate(g) for a, g in sorted(by_author.items())},
        "p50_ms": times[len(times) // 2] if times else 0.0,
        "results": results,
    }
