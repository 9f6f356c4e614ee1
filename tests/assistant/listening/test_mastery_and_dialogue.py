"""Knowledge tracing and the dialogue moves, as pure functions (no model, no store)."""

from __future__ import annotations

import pytest

from assistant.listening.assessor import Assessment, OpenQuestion
from assistant.listening.dialogue import MAX_MOVES, fill_in, open_state, respond, tell
from assistant.listening.mastery import MASTERED, P_INIT, credit, update

QUESTION = OpenQuestion(
    "variable_length",
    "How can the same RNN read a six-word sentence and a thirty-word sentence?",
    ("it reads one word per step", "it uses the same weights at every step",
     "a longer sentence means more steps, not more weights"),
    ("How much of the sentence does the RNN take in at once?", "Does step twenty use new weights?"),
)  # fmt: skip


def test_right_answers_raise_mastery_wrong_ones_lower_it_and_off_topic_is_no_evidence():
    up, down = update(P_INIT, 1.0), update(P_INIT, 0.0)
    assert down < P_INIT < up
    assert update(P_INIT, 0.5) == pytest.approx((up + down) / 2)  # partial: soft evidence
    p = P_INIT
    for _ in range(6):
        p = update(p, 1.0)
    assert p >= MASTERED  # six right answers in a row reach the usual mastery line
    assert credit("off_topic") is None and credit("partial", 1, 3) == pytest.approx(1 / 3)
    assert credit("misconception") == credit("dont_know") == 0.0


def test_a_fill_in_blanks_the_last_content_word():
    assert fill_in("a longer sentence means more steps, not more weights") == (
        "a longer sentence means more steps, not more ___"
    )


def test_partial_answers_get_credit_then_a_hint_then_a_prompt_then_the_rest():
    st = open_state(QUESTION, "quiz")
    first = respond(QUESTION, st, Assessment("partial", (0,), (1, 2)))
    assert first.text.startswith("**Partly right:** it reads one word per step.")
    assert "Hint: How much of the sentence" in first.text and not first.closed
    second = respond(QUESTION, st, Assessment("wrong", (), (1, 2)))
    assert second.name == "prompt" and "Fill in the gap" in second.text
    third = respond(QUESTION, st, Assessment("wrong", (), (1, 2)))
    assert st["tries"] == MAX_MOVES and third.closed and third.name == "assert"
    assert "it uses the same weights at every step" in third.text
    assert "it reads one word per step" not in third.text.split("**In short:**")[0]


def test_points_said_over_several_turns_add_up_to_a_right_answer():
    st = open_state(QUESTION, "check")
    respond(QUESTION, st, Assessment("partial", (0, 1), (2,)))
    done = respond(QUESTION, st, Assessment("partial", (2,), (0, 1)))
    assert done.name == "confirm" and done.closed and done.text.startswith("**Right:**")
    assert "**In short:**" in done.text


def test_a_misconception_is_corrected_at_once_and_the_question_asked_again():
    st = open_state(QUESTION, "quiz")
    said = Assessment("misconception", misconception="rnn_needs_same_length",
                      correction="Nothing in a recurrent network fixes a length.")  # fmt: skip
    move = respond(QUESTION, st, said)
    assert move.text.startswith("**Not quite:** Nothing in a recurrent network fixes a length.")
    assert QUESTION.ask in move.text and not move.closed


def test_just_tell_me_gives_every_point_and_off_topic_twice_lets_go():
    st = open_state(QUESTION, "quiz")
    told = tell(QUESTION, st)
    assert told.closed and all(p.rstrip(".") in told.text for p in QUESTION.expected)
    st = open_state(QUESTION, "quiz")
    assert not respond(QUESTION, st, Assessment("off_topic")).closed
    assert respond(QUESTION, st, Assessment("off_topic")).closed
    assert st["tries"] == 0  # off-topic messages are no attempt


def test_a_complete_answer_at_once_is_not_summed_up_twice_and_a_verdict_is_said_once():
    st = open_state(QUESTION, "quiz")
    done = respond(QUESTION, st, Assessment("correct", (0, 1, 2)))
    assert done.text.startswith("**Right:**") and "**In short:**" not in done.text
    st = open_state(QUESTION, "quiz")
    said = Assessment("misconception", correction="No: nothing in an RNN fixes a length.")
    assert respond(QUESTION, st, said).text.startswith("**Not quite:** nothing in an RNN fixes")
