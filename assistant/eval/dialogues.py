"""The dialogue eval: learners answering the tutor's conceptual questions, turn by turn.

Each line of ``dialogues_*.jsonl`` is one dialogue: it opens a question ("test my
understanding of vanishing gradient") and then says what a learner says, each turn with
the move the tutor should make (TEACHING.md, "Listening"): ``open``, ``confirm``,
``partial``, ``not_yet``, ``correct_misconception``, ``hint``, ``tell``, ``redirect``,
``assert``, or ``question`` (a new question, answered rather than assessed). The move made
is read from the reply's first words, which the prompts fix. ``run_dialogues`` reports the
accuracy per expected move, overall and per author.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant import prompts

HERE = Path(__file__).parent
SETS = ("dialogues_team.jsonl", "dialogues_outside.jsonl")
MOVES = ("open", "confirm", "partial", "not_yet", "correct_misconception", "hint", "tell",
         "redirect", "assert", "question")  # fmt: skip


def _opening(template: str) -> str:
    return template.split("{")[0].strip()


# the reply's opening words, most specific first
_MARKERS = (
    ("open", _opening(prompts.LISTEN_QUIZ)),
    ("confirm", _opening(prompts.LISTEN_RIGHT)),
    ("partial", _opening(prompts.LISTEN_PARTLY)),
    ("not_yet", prompts.LISTEN_NOT_YET),
    ("correct_misconception", _opening(prompts.LISTEN_MISCONCEPTION)),
    ("hint", _opening(prompts.LISTEN_HINT)),
    ("hint", _opening(prompts.LISTEN_PROMPT)),
    ("tell", _opening(prompts.LISTEN_TELL)),
    ("redirect", _opening(prompts.LISTEN_OFF_TOPIC)),
)


def move_of(reply: str) -> str:
    """The move a reply makes, from its first words ("question" for any other reply)."""
    text = reply.strip()
    if _opening(prompts.LISTEN_ASSERT) in text:
        return "assert"
    for move, marker in _MARKERS:
        if text.startswith(marker):
            return move
    return "question"


def load_dialogues(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths or [HERE / name for name in SETS if (HERE / name).exists()]:
        with path.open(encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def run_dialogues(tutor: Any, dialogues: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Play every dialogue in a fresh session; score each turn's move."""
    from assistant.types import ChatTurn

    dialogues = dialogues if dialogues is not None else load_dialogues()
    turns: list[dict[str, Any]] = []
    for d in dialogues:
        session = tutor.new_session("api")
        for turn in d["turns"]:
            reply = tutor.respond(ChatTurn(session, turn["say"], "api")).reply
            got = move_of(reply)
            want = turn["expect"]["move"]
            ok = got == want
            turns.append({"dialogue": d["id"], "author": d.get("author", "team"),
                          "say": turn["say"], "want": want, "got": got, "passed": ok,
                          "reply": reply[:300]})  # fmt: skip
    per_move: dict[str, list[bool]] = defaultdict(list)
    per_author: dict[str, list[bool]] = defaultdict(list)
    for t in turns:
        per_move[t["want"]].append(t["passed"])
        per_author[t["author"]].append(t["passed"])

    def rate(results: list[bool]) -> dict[str, Any]:
        return {"turns": len(results), "passed": sum(results),
                "accuracy": sum(results) / len(results) if results else 0.0}  # fmt: skip

    scored = [t["passed"] for t in turns if t["want"] != "open"]
    return {
        "dialogues": len(dialogues),
        **rate(scored),
        "per_move": {m: rate(per_move[m]) for m in MOVES if per_move[m]},
        "per_author": {a: rate(r) for a, r in sorted(per_author.items())},
        "results": turns,
    }
