"""Computations are computed: parameter counts come from the lab's exact count, in the
learner's sizes, with the number in the first sentence (real embedder, Chroma, SQLite)."""

from __future__ import annotations

import pytest
import torch

from assistant.compute import parameter_request
from assistant.types import ChatTurn

TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def ask(tutor, text, session=None):
    return tutor.respond(ChatTurn(session or tutor.new_session("api"), text, "api"))


def torch_count(cell, d, H, layers=1, bidirectional=False):
    module = TORCH[cell](d, H, num_layers=layers, bidirectional=bidirectional)
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("question", "cell", "d", "H", "layers", "bidirectional"),
    [
        ("how many weights does an LSTM with 10 inputs and 20 hidden units have?", "lstm", 10, 20, 1, False),
        ("params in nn.GRU(32, 64, num_layers=2)?", "gru", 32, 64, 2, False),
        ("how many parameters in a 2 layer bidirectional lstm, input size 300, hidden 512", "lstm", 300, 512, 2, True),
        ("whats the param count of a vanilla rnn w/ 1,000 inputs and 2,048 hidden units", "rnn", 1000, 2048, 1, False),
        ("no. of params for a gru, d=100 H=200 ?", "gru", 100, 200, 1, False),
        ("im using nn.RNN(50, 128) and want to swap to nn.LSTM, how many params will it have then", "lstm", 50, 128, 1, False),
        ("how many params in nn.LSTM(50,128)", "lstm", 50, 128, 1, False),
    ],
)  # fmt: skip
def test_counts_lead_the_answer_in_the_learners_sizes(
    tutor, question, cell, d, H, layers, bidirectional
):
    reply = ask(tutor, question)
    assert reply.intent == "compute"
    expected = f"{torch_count(cell, d, H, layers, bidirectional):,}"
    first_sentence = reply.reply.split(". ")[0]
    assert expected in first_sentence, reply.reply
    assert f"input size {d:,} and hidden size {H:,}" in first_sentence
    assert reply.citations[0].section.endswith("PyTorch shapes and parameter counts")
    assert "I assumed" not in reply.reply


def test_the_one_bias_convention_when_asked(tutor):
    reply = ask(
        tutor,
        "how many params does a simple rnn with 50 inputs and 128 hidden have, one bias like the equations",
    )
    assert reply.reply.startswith(
        "An RNN with input size 50 and hidden size 128 has **22,912 parameters** with one bias"
    )
    assert "23,040" in reply.reply


def test_missing_sizes_are_the_lessons_and_the_reply_says_so(tutor):
    reply = ask(tutor, "how many params does a gru have")
    assert "**69,120 parameters**" in reply.reply and "68,736" in reply.reply
    assert "I assumed the lesson's" in reply.reply


@pytest.mark.parametrize(
    "question",
    [
        "how many weights are shared across time steps",
        "does the number of parameters grow when the sequence gets longer",
        "why does an lstm have 4x the params of an rnn",
        "what is the hidden state",
    ],
)
def test_questions_about_the_idea_are_not_counts(question):
    assert parameter_request(question) is None


def test_a_count_question_during_an_exercise_is_not_an_attempt(tutor):
    session = tutor.new_session("api")
    ask(tutor, "quiz me with numbers", session)
    reply = ask(
        tutor, "how many weights does an lstm with 10 inputs and 20 hidden units have", session
    )
    assert reply.intent == "compute" and "2,560" in reply.reply
    state = tutor.sessions.get_state(session)
    assert state["exercise"]["attempts"] == 0  # the exercise is untouched


def test_the_llm_brain_has_the_same_tool():
    from assistant.tools import make_tools

    tools = {t.name: t for t in make_tools(retriever=None)}
    result = tools["parameter_count"].invoke(
        {"type": "tool_call", "id": "1", "name": "parameter_count",
         "args": {"cell": "lstm", "input_size": 10, "hidden_size": 20}}
    )  # fmt: skip
    assert "2,560" in result.content and result.artifact["count"]["pytorch"] == 2560


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("whats 0.9^50", "0.9^50 = **0.005154**"),
        ("1.1^30 how big does the gradient get", "1.1^30 = **17.45**"),
        ("keep dial 0.95 held for 100 steps, how much of the signal is left", "0.95^100 = **0.005921**"),
        ("just the 0.8 factor per step, ignoring tanh: how many steps until under 1%?", "**21 steps**"),
        ("if the forget gate is like 0.5 every step how much is left after 10 steps", "0.5^10 = **0.0009766**"),
        ("if the keep dial was 0.99 instead of 0.9 for 50 steps?", "0.99^50 = **0.605** vs 0.9^50 = **0.005154**"),
    ],
)  # fmt: skip
def test_a_factor_per_step_is_computed_not_guessed(tutor, question, lead):
    """These were read as exercise answers ("There's no exercise open") or off-topic."""
    reply = ask(tutor, question)
    assert reply.intent == "compute" and lead in reply.reply.split("\n\n")[0], reply.reply
    assert pytest.approx(0.005154, abs=5e-7) == 0.9**50 and 0.8**21 < 0.01 < 0.8**20


def test_the_factor_tool_refuses_what_it_cannot_answer():
    from assistant.tools import make_tools

    tool = {t.name: t for t in make_tools(retriever=None)}["repeated_factor"]
    call = {
        "type": "tool_call",
        "id": "1",
        "name": "repeated_factor",
        "args": {"factor": 1.5, "below": 0.01},
    }
    assert "only a factor below 1" in tool.invoke(call).content


@pytest.mark.parametrize(
    ("text", "gradient", "threshold"),
    [
        ("clip g=(6,8) with max norm 1, result?", [6.0, 8.0], 1.0),
        ("gradient is (3,4), threshold 5, does clipping change it", [3.0, 4.0], 5.0),
        ("clip the gradient [30, 40] to 5", [30.0, 40.0], 5.0),
    ],
)
def test_clipping_sums_are_read(text, gradient, threshold):
    from assistant.compute import clip_request

    assert clip_request(text) == {"gradient": gradient, "threshold": threshold}


def test_no_clipping_sum_without_a_vector_or_the_word():
    from assistant.compute import clip_request

    assert clip_request("should i clip my gradients") is None
    assert clip_request("the norm of (3, 4) is 5") is None


def test_clipping_is_worked_out_exactly(tutor):
    from assistant.types import ChatTurn

    reply = tutor.respond(ChatTurn(tutor.new_session("api"), "clip g=(6,8) with max norm 2", "api"))
    assert reply.reply.startswith("Clipped to norm 2, the gradient (6, 8) becomes **(1.2, 1.6)**")
    assert "norm is 10" in reply.reply and "2/10 = 0.2" in reply.reply
    assert any(c.section.endswith("Gradient clipping") for c in reply.citations)
    kept = tutor.respond(ChatTurn(tutor.new_session("api"), "clip (3, 4) at threshold 5", "api"))
    assert "stays **unchanged**" in kept.reply and "norm is 5" in kept.reply
