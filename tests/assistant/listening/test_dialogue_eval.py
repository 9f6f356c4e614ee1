"""The dialogue eval: learners answering conceptual questions over several turns, half
written from the lesson and TEACHING.md by a helper who never saw the code."""

from __future__ import annotations

import pytest

from assistant.eval.dialogues import MOVES, load_dialogues, move_of, run_dialogues


def test_the_dialogue_sets_are_well_formed():
    dialogues = load_dialogues()
    assert len({d["id"] for d in dialogues}) == len(dialogues) >= 60
    assert sum(d["author"] == "outside" for d in dialogues) >= 40
    for d in dialogues:
        assert d["turns"][0]["expect"]["move"] == "open"
        assert all(t["expect"]["move"] in MOVES for t in d["turns"])


def test_moves_are_read_from_the_replies_first_words():
    assert move_of("**Right:** it reads one word per step.") == "confirm"
    assert move_of("**Not quite:** Order carries meaning.") == "correct_misconception"
    assert move_of('Fill in the gap: "more steps, not more ___"') == "hint"
    assert move_of("**Not yet.** Here is the rest of it: x.") == "assert"
    assert move_of("A GRU is a gated cell.") == "question"


@pytest.mark.timeout(900)  # 867 answers / 257 turns through the real model
def test_the_offline_tutor_makes_the_expected_moves(tutor):
    report = run_dialogues(tutor)
    wrong = [
        (r["dialogue"], r["say"], r["want"], r["got"]) for r in report["results"] if not r["passed"]
    ]
    assert report["accuracy"] >= 0.70, wrong
    assert report["per_author"]["outside"]["accuracy"] >= 0.70, wrong
    for move in ("open", "hint", "tell", "question"):
        assert report["per_move"][move]["accuracy"] >= 0.8, (move, wrong)
