"""The conversation eval: multi-turn cases from ``conversations.jsonl``, checked turn by turn.

Each line is ``{"id", "turns": [{"say": str, "expect": {...}}]}``; every case runs in a
fresh session. ``say`` may contain ``{solution}`` (the open exercise's correct answers)
or ``{wrong}`` (a wrong attempt), so quiz cases work with randomly drawn exercises; for a
``signs`` exercise (what a plain "quiz me" opens) both are signs, ``{wrong}`` with every
step wrong.
Checks: ``intent`` (a name or a list), ``contains`` / ``contains_any`` / ``not_contains``
(case-insensitive, on the reply), ``cites`` (a citation whose section contains it),
``citations_min``, ``exercise_status``, ``exercise_none``, ``trace_cell``,
``trace_h`` (the last step's first unit, checked to 4 decimals), ``plots_min``, and
``withholds`` (no answer of the open exercise, to 4 decimals, anywhere in the reply
JSON). A case passes when every check of every turn passes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from assistant.types import ChatTurn, TutorReply

CASES_PATH = Path(__file__).with_name("conversations.jsonl")


def load_cases(path: Path | None = None) -> list[dict[str, Any]]:
    lines = (path or CASES_PATH).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("//")]


def open_answers(tutor: Any, session_id: str) -> list[float]:
    """The correct answers of the session's open exercise (empty when none)."""
    from tools.exercises import exercise_from_id

    exercise = (tutor.sessions.get_state(session_id) or {}).get("exercise")
    return exercise_from_id(exercise["id"]).answers if exercise else []


def open_level(tutor: Any, session_id: str) -> str | None:
    """The level of the session's open exercise (None when none)."""
    exercise = (tutor.sessions.get_state(session_id) or {}).get("exercise")
    return exercise.get("level") if exercise else None


def answer_strings(answers: list[float]) -> list[str]:
    return [f"{v:.4f}" for v in answers]


def _fill(text: str, answers: list[float], level: str | None = None) -> str:
    if level == "signs":  # answered with signs, as learners type them ("+ - 0 +")
        from tools.levels.sign_rules import CHAR

        solution = " ".join(CHAR[v] for v in answers)
        wrong = " ".join(CHAR[-v if v else 1.0] for v in answers)  # every step's sign wrong
    else:
        solution = ", ".join(f"{v:.4f}" for v in answers)
        wrong = ", ".join(f"{v + 0.3:.2f}" for v in answers)
    return text.replace("{solution}", solution).replace("{wrong}", wrong)


def check(reply: TutorReply, expect: dict[str, Any], secret: list[str]) -> list[str]:
    """The failed checks of one turn (empty: all passed)."""
    fails: list[str] = []
    low = reply.reply.lower()
    if "intent" in expect:
        allowed = expect["intent"] if isinstance(expect["intent"], list) else [expect["intent"]]
        if reply.intent not in allowed:
            fails.append(f"intent {reply.intent!r} not in {allowed}")
    for s in expect.get("contains", []):
        if s.lower() not in low:
            fails.append(f"reply lacks {s!r}")
    if expect.get("contains_any") and not any(s.lower() in low for s in expect["contains_any"]):
        fails.append(f"reply has none of {expect['contains_any']}")
    for s in expect.get("not_contains", []):
        if s.lower() in low:
            fails.append(f"reply contains {s!r}")
    if "cites" in expect and not any(expect["cites"] in c.section for c in reply.citations):
        fails.append(
            f"no citation of {expect['cites']!r} in {[c.section for c in reply.citations]}"
        )
    if len(reply.citations) < expect.get("citations_min", 0):
        fails.append(f"{len(reply.citations)} citations < {expect['citations_min']}")
    if "exercise_status" in expect:
        status = (reply.exercise or {}).get("status")
        if status != expect["exercise_status"]:
            fails.append(f"exercise status {status!r} != {expect['exercise_status']!r}")
    if expect.get("exercise_none") and reply.exercise is not None:
        fails.append("an exercise came back")
    if "trace_cell" in expect and (reply.trace or {}).get("cell") != expect["trace_cell"]:
        fails.append(f"trace cell != {expect['trace_cell']!r}")
    if "trace_h" in expect:
        h = (reply.trace or {}).get("steps", [{}])[-1].get("h", [None])[0] if reply.trace else None
        if h is None or round(h, 4) != expect["trace_h"]:
            fails.append(f"last h {h} != {expect['trace_h']}")
    if len(reply.plots) < expect.get("plots_min", 0):
        fails.append(f"{len(reply.plots)} plots < {expect['plots_min']}")
    if expect.get("withholds"):
        body = json.dumps(reply.to_dict())
        leaked = [s for s in secret if s in body]
        if leaked:
            fails.append(f"answers leaked: {leaked}")
        if reply.exercise and ({"answers", "solution"} & set(reply.exercise)):
            fails.append("the exercise JSON carries its answers")
    return fails


def run_case(tutor: Any, case: dict[str, Any]) -> dict[str, Any]:
    session_id = tutor.new_session("api")
    failures: list[str] = []
    latencies: list[float] = []
    for i, turn in enumerate(case["turns"], 1):
        answers = open_answers(tutor, session_id)
        text = _fill(turn["say"], answers, open_level(tutor, session_id))
        started = time.perf_counter()
        reply = tutor.respond(ChatTurn(session_id, text, "api"))
        latencies.append((time.perf_counter() - started) * 1000)
        secret = answer_strings(answers or open_answers(tutor, session_id))
        failures += [
            f"turn {i} ({turn['say'][:40]!r}): {f}"
            for f in check(reply, turn.get("expect", {}), secret)
        ]
    return {"id": case["id"], "passed": not failures, "failures": failures, "latency_ms": latencies}


def run_conversations(tutor: Any, cases: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run every case; ``pass_rate`` is the share of cases with all checks passing."""
    results = [run_case(tutor, c) for c in (cases if cases is not None else load_cases())]
    passed = sum(r["passed"] for r in results)
    lat = sorted(x for r in results for x in r["latency_ms"])
    return {
        "cases": len(results),
        "passed": passed,
        "pass_rate": passed / len(results) if results else 0.0,
        "turns": len(lat),
        "p50_ms": lat[len(lat) // 2] if lat else 0.0,
        "p95_ms": lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else 0.0,
        "results": results,
    }
