"""The retrieval eval scores hits by section prefix and meets the recall target."""

from __future__ import annotations

import json

import pytest

from core.errors import InvalidInput
from knowledge.evaluation import evaluate, first_hit_rank, is_hit, load_questions
from knowledge.lessons import load_lessons
from knowledge.retrieval import Passage


def _p(section: str) -> Passage:
    return Passage("t", "s.md", section, None, 1.0, "id", "a")


def test_hits_match_the_section_or_anything_below_it():
    assert is_hit(_p("L > Where memory fades > Gradient clipping"), ["L > Where memory fades"])
    assert is_hit(_p("L > Where memory fades"), ["L > Where memory fades"])
    assert not is_hit(_p("L > Where memory fades later"), ["L > Where memory fades"])
    assert first_hit_rank([_p("L > A"), _p("L > B"), _p("L > B > C")], ["L > B"]) == 2
    assert first_hit_rank([_p("L > A")], ["L > B"]) is None


def test_question_set_is_large_and_points_at_real_sections():
    questions = load_questions()
    assert len(questions) >= 60
    sections = set(load_lessons()[0].sections())
    for q in questions:
        for expected in q.sections:
            assert any(s == expected or s.startswith(expected + " > ") for s in sections), expected


def test_bad_question_files(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "x"}\n')
    with pytest.raises(InvalidInput, match="q.jsonl:1"):
        load_questions(path)
    with pytest.raises(InvalidInput, match="missing"):
        load_questions(tmp_path / "none.jsonl")


def test_hybrid_meets_the_recall_target_on_the_question_set(bundled_index):
    (hybrid,) = evaluate(bundled_index[2], modes=["hybrid"])
    assert hybrid.recall_at_3 >= 0.90, hybrid
    assert hybrid.recall_at_1 <= hybrid.recall_at_3 <= hybrid.recall_at_5
    assert 0 < hybrid.mrr <= 1 and hybrid.p50_ms > 0


def test_eval_on_a_small_custom_set(tmp_path, bundled_index):
    path = tmp_path / "q.jsonl"
    rows = [
        {"question": "gradient clipping", "sections": ["Why sequences need memory > Going deeper (optional)"]},
        {"question": "zebra stripes", "section": "Why sequences need memory > Glossary"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    results = evaluate(bundled_index[2], load_questions(path), modes=["bm25", "dense"])
    assert [r.mode for r in results] == ["bm25", "dense"]
    assert all(r.questions == 2 and r.recall_at_5 >= 0.5 for r in results)
