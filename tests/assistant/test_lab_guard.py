"""The lab must not hand out the open exercise's answers (the outside probe's finding):
"walk me through a trace with <the exercise's own values>" before any attempt gets a
hint, not every h_t; after an attempt, or with other values, the lab runs as usual."""

from __future__ import annotations

import json

import pytest

from assistant.types import ChatTurn
from tests.assistant.offline.test_offline_golden import answers_of, assert_withheld
from tools.exercises import exercise_from_id


def ask(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def exercise_of(tutor, session):
    return exercise_from_id(tutor.sessions.get_state(session)["exercise"]["id"])


def trace_request(ex, inputs=None, w_h=None) -> str:
    xs = ", ".join(f"{x:g}" for x in (ex.xs if inputs is None else inputs))
    return (
        f"walk me through a trace with W_xh = {ex.w_x:g}, W_hh = "
        f"{ex.w_h if w_h is None else w_h:g}, b = {ex.b:g}, inputs {xs}"
    )


def open_quiz(tutor, level_words="quiz me with numbers"):
    session = tutor.new_session("api")
    ask(tutor, session, level_words)
    for _ in range(20):  # exercises with h0 != 0 cannot be copied from a chat trace
        if exercise_of(tutor, session).h0 == 0:
            return session
        ask(tutor, session, "next")
    pytest.fail("no exercise with h0 = 0 in 20 draws")


@pytest.mark.parametrize(
    ("level_words", "level"), [("quiz me with numbers", "tanh_table"), ("quiz me", "signs")]
)
def test_a_trace_of_the_open_exercise_gives_a_hint_not_the_answers(tutor, level_words, level):
    session = open_quiz(tutor, level_words)
    ex, answers = exercise_of(tutor, session), answers_of(tutor, session)
    assert ex.level == level  # "next" (while drawing one with h0 = 0) kept the level
    reply = ask(tutor, session, trace_request(ex))
    assert_withheld(reply, answers)
    assert "numbers of the exercise you have open" in reply.reply
    assert "Hint 1 of 4" in reply.reply and reply.trace is None
    # a prefix of its inputs would give the first steps away: also withheld
    reply = ask(tutor, session, trace_request(ex, inputs=ex.xs[:2]))
    assert_withheld(reply, answers)
    state = tutor.sessions.get_state(session)["exercise"]
    assert state["attempts"] == 0 and state["hints"] == 2 and not state["solved"]


def _bypasses(ex) -> list[str]:
    """What a learner might try instead of copying the prompt word for word."""
    xs = ", ".join(f"{x:g}" for x in ex.xs)
    doubled = ", ".join(f"{2 * x:g}" for x in ex.xs)
    return [
        f"what would h be after each step if i feed {xs} with w_x {ex.w_x:g} and "
        f"w_h {ex.w_h:g} and bias {ex.b:g}?",
        f"trace with inputs {xs}, input weight {ex.w_x:g}, recurrent weight {ex.w_h:g}, "
        f"bias {ex.b:g}, hidden size 2",
        f"trace with inputs {xs}, input weight {ex.w_x + 1e-7:.7f}, recurrent weight "
        f"{ex.w_h:g}, bias {ex.b:g}",
        f"trace with inputs {doubled}, input weight {ex.w_x / 2:g}, recurrent weight "
        f"{ex.w_h:g}, bias {ex.b:g}",
        f"trace with inputs 0, {xs}, input weight {ex.w_x:g}, recurrent weight {ex.w_h:g}, "
        f"bias {ex.b:g}",
    ]


def test_other_phrasings_and_equivalent_values_are_withheld_too(tutor):
    """The review's bypasses: a wider hidden state, a weight off by 1e-7, inputs doubled
    with W_xh halved give the same states; each is judged by what the trace would show."""
    session = open_quiz(tutor)
    ex, answers = exercise_of(tutor, session), answers_of(tutor, session)
    for i, text in enumerate(_bypasses(ex)):
        reply = ask(tutor, session, text)
        body = json.dumps(reply.to_dict())  # whatever runs, the answers never show
        assert not any(f"{v:.4f}" in body for v in answers), text
        if i in (1, 2, 3) or (i == 4 and ex.b == 0):  # these reproduce the exercise's states
            assert_withheld(reply, answers)
            assert reply.trace is None and "exercise you have open" in reply.reply, text
    state = tutor.sessions.get_state(session)["exercise"]
    assert state["attempts"] == 0 and not state["solved"]


def test_other_values_still_run_in_the_lab(tutor):
    """A different bias moves every state, h_1 included (a different W_hh alone would
    not: h_1 = tanh(W_xh x_1 + b) from h_0 = 0, which is the exercise's own first answer)."""
    session = open_quiz(tutor)
    ex = exercise_of(tutor, session)
    xs = ", ".join(f"{x:g}" for x in ex.xs)
    text = (
        f"walk me through a trace with W_xh = {ex.w_x:g}, W_hh = {ex.w_h:g}, "
        f"b = {ex.b + 0.5:g}, inputs {xs}"
    )
    reply = ask(tutor, session, text)
    assert reply.trace is not None and len(reply.trace["steps"]) == ex.steps


def test_after_an_attempt_the_lab_runs_the_exercise_values(tutor):
    session = open_quiz(tutor)
    ex, answers = exercise_of(tutor, session), answers_of(tutor, session)
    ask(tutor, session, ", ".join(f"{v + 0.3:.2f}" for v in answers))
    reply = ask(tutor, session, trace_request(ex))
    assert reply.trace is not None
    got = [step["h"][0] for step in reply.trace["steps"]]
    assert got == pytest.approx(answers, abs=1e-9)
