"""The answer eval scores the lead of a reply, not just its words, and reports by type."""

from __future__ import annotations

import json

from assistant.eval.answers import TYPES, check, lead_of, load_questions, run_answers


def test_the_lead_is_the_first_two_sentences_without_markdown():
    reply = "An LSTM has **2,560 parameters** in PyTorch. With one bias, 2,480.\n\n| a | b |\n\nMore text here."
    assert lead_of(reply) == "an lstm has 2,560 parameters in pytorch. with one bias, 2,480."
    row = {
        "q": "?",
        "type": "compute",
        "lead": ["2,560"],
        "must": ["2,480"],
        "must_not": ["eraser"],
    }
    assert check(row, reply) == []
    late = {"q": "?", "type": "compute", "lead": ["more text"]}
    assert check(late, reply) == ["the first two sentences lack all of ['more text']"]
    assert check({"q": "?", "type": "why", "must_not": ["pytorch"]}, reply) == ["says 'pytorch'"]
    assert check({"q": "?", "type": "why", "lead": ["-0.3537"]}, "h is −0.3537 here.") == []


def test_the_shipped_questions_load_with_known_types():
    rows = load_questions()
    assert len(rows) >= 150 and {r["type"] for r in rows} <= set(TYPES)


def test_a_run_reports_per_type_and_author(tutor, tmp_path):
    rows = [
        {"q": "how many params does an lstm w/ 10 inputs and 20 hidden units have", "type": "compute",
         "concepts": ["parameter_count"], "lead": ["2,560"], "by": "team"},
        {"q": "what is the hidden state", "type": "definition", "concepts": ["hidden_state"],
         "lead": ["no such phrase in any reply"], "by": "helper"},
    ]  # fmt: skip
    path = tmp_path / "answers_x.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    report = run_answers(tutor, load_questions([path]))
    assert report["questions"] == 2 and report["passed"] == 1
    assert report["per_type"]["compute"]["accuracy"] == 1.0
    assert report["per_author"]["helper"]["passed"] == 0
    failed = [r for r in report["results"] if not r["passed"]]
    assert failed[0]["type"] == "definition" and failed[0]["reply"]
