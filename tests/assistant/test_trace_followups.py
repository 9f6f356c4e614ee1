"""Traces that teach: follow-ups keep the learner's settings, the LSTM and GRU teaching
weights make the gates do their job, and the outro is computed from the numbers.

Real lab, real tutor (embedder, Chroma, SQLite) where a conversation is needed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.offline.planner import plan
from assistant.offline.replies import trend_sentence
from assistant.parsing import (
    looks_like_trace_followup,
    resolved_trace_args,
    trace_args,
    trace_request,
)
from assistant.tools import trace_body
from assistant.types import ChatTurn
from tools.lab_requests import run_trace_request
from tools.memory_trend import memory_trend

FIRST = "trace inputs 2, 0, 1 with input weight 0.3 and recurrent weight 0.7"


def ask(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def xs(reply):
    return [s["x"][0] for s in reply.trace["steps"]]


def candidate(reply, block):
    """(input weight, recurrent weight, bias) of one gate block of a 1-unit trace."""
    w = reply.trace["weights"]
    return w["weight_ih"][block][0], w["weight_hh"][block][0], w["bias_ih"][block]


def lab(args):
    return run_trace_request(trace_body(resolved_trace_args(args)))


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


# --- follow-ups ---------------------------------------------------------------------------


def test_an_lstm_follow_up_keeps_the_learners_inputs_and_weights(tutor):
    session = tutor.new_session("api")
    first = ask(tutor, session, FIRST)
    assert first.trace["cell"] == "rnn" and xs(first) == [2.0, 0.0, 1.0]
    assert tutor.sessions.get_state(session)["trace"]["inputs"] == [2.0, 0.0, 1.0]

    lstm = ask(tutor, session, "show me an lstm trace")
    assert lstm.intent == "trace"
    assert lstm.trace["cell"] == "lstm" and xs(lstm) == [2.0, 0.0, 1.0]
    assert candidate(lstm, 2) == (0.3, 0.7, 0.0)  # the candidate g uses the learner's weights
    assert lstm.reply.startswith("Same inputs 2, 0, 1 and weights as before, now with an LSTM.")

    bigger = ask(tutor, session, "what about recurrent weight 1.2")
    assert bigger.trace["cell"] == "lstm" and xs(bigger) == [2.0, 0.0, 1.0]
    assert candidate(bigger, 2) == (0.3, 1.2, 0.0)  # only the recurrent weight changed
    assert bigger.reply.startswith(
        "Same inputs 2, 0, 1 and input weight 0.3 as before, now with recurrent weight 1.2 "
        "(still an LSTM)."
    )

    gru = ask(tutor, session, "and a GRU trace?")
    assert gru.trace["cell"] == "gru" and xs(gru) == [2.0, 0.0, 1.0]
    assert candidate(gru, 2) == (0.3, 1.2, 0.0)  # the candidate n

    again = ask(tutor, session, "same trace with 0.9")  # a bare number: the recurrent weight
    assert again.trace["cell"] == "gru" and candidate(again, 2) == (0.3, 0.9, 0.0)


def test_a_new_trace_with_its_own_inputs_replaces_them(tutor):
    session = tutor.new_session("api")
    ask(tutor, session, FIRST)
    fresh = ask(tutor, session, "trace inputs 1, 1, 0")
    assert xs(fresh) == [1.0, 1.0, 0.0]
    assert candidate(fresh, 0) == (0.5, 0.8, 0.0)  # a new request: the teaching weights
    assert not fresh.reply.startswith("Same")
    kept = ask(tutor, session, "same weights as before but an lstm on inputs 0.5, 0, 0")
    assert kept.trace["cell"] == "lstm" and xs(kept) == [0.5, 0.0, 0.0]
    assert kept.reply.startswith("Same weights as before, now with an LSTM and inputs 0.5, 0, 0.")


def test_a_what_if_on_the_recurrent_weight_runs_the_lab_and_says_what_it_does(tutor):
    session = tutor.new_session("api")
    base = ask(tutor, session, "walk me through a trace")
    assert "h keeps about 78 % of itself per step" in base.reply and "fades" in base.reply
    grows = ask(tutor, session, "what if the recurrent weight were 1.5?")
    assert grows.intent == "trace" and candidate(grows, 0) == (0.5, 1.5, 0.0)
    assert xs(grows) == [1.0, 0.0, 0.0, 0.0]
    assert "h grows at each step" in grows.reply and "level off near 0.86" in grows.reply
    assert "Notice how the memory" not in grows.reply and "shrinks" not in grows.reply
    flips = ask(tutor, session, "trace it again with recurrent weight -0.8")
    assert candidate(flips, 0) == (0.5, -0.8, 0.0)
    assert "flips sign at every step" in flips.reply
    assert "0.4621 → -0.3537 → 0.2757 → -0.2170" in flips.reply


def test_follow_ups_without_the_word_trace_are_parsed_against_the_last_trace():
    """What plan() calls once the recogniser routes these messages to "trace"."""
    last = resolved_trace_args(trace_args(FIRST))
    state = {"trace": last}
    cases = {
        "now an lstm": {"cell": "lstm", "recurrent_weight": 0.7},
        "same with 0.9": {"cell": "rnn", "recurrent_weight": 0.9},
        "and a GRU?": {"cell": "gru", "recurrent_weight": 0.7},
        "what about recurrent weight 1.2": {"recurrent_weight": 1.2},
        "what if W_hh were negative?": {"recurrent_weight": -0.7},
        "same but 0.9 for the input weight": {"input_weight": 0.9, "recurrent_weight": 0.7},
    }
    for text, expected in cases.items():
        assert looks_like_trace_followup(text, last), text
        (call,) = plan("trace", text, state)
        args = call["args"]
        assert args["inputs"] == [2.0, 0.0, 1.0], text
        assert args["input_weight"] == expected.get("input_weight", 0.3), text
        for key, value in expected.items():
            assert args[key] == value, (text, key)
    for text in ("why does an lstm forget slower?", "quiz me on lstm gates", "what is a GRU?"):
        assert not looks_like_trace_followup(text, last), text
    assert not looks_like_trace_followup("now an lstm", None)
    # a fresh request, the defaults, or nothing named: not a follow-up
    for text in ("walk me through a trace", "trace it with the defaults", "trace inputs 1, 0"):
        assert not trace_request(text, last).followup, text


def test_another_cells_gate_biases_are_dropped_on_a_cell_change():
    last = resolved_trace_args({"cell": "lstm", "inputs": [1, 0], "gate_bias": {"f": 0.0}})
    request = trace_request("and a GRU?", last)
    assert request.args["cell"] == "gru" and request.args["gate_bias"] == {}
    run_trace_request(trace_body(resolved_trace_args(request.args)))  # runs: no forget gate asked


# --- teaching gates -------------------------------------------------------------------------


def half_life(hs):
    """First 1-based step where |h| falls below half of |h_1| (None: never)."""
    first = abs(hs[0])
    return next((t + 1 for t, h in enumerate(hs) if abs(h) < first / 2), None)


@pytest.mark.parametrize("inputs", [[1, 0, 0, 0, 0], [1] + [0] * 9, [1] + [0] * 29])
def test_default_lstm_and_gru_keep_the_first_input_longer_than_the_default_rnn(inputs):
    hs = {cell: lab({"cell": cell, "inputs": inputs}).hs[:, 0] for cell in ("rnn", "lstm", "gru")}
    for cell in ("lstm", "gru"):
        # |h| at step 5 is larger in absolute terms, and relative to step 1
        assert abs(hs[cell][4]) > abs(hs["rnn"][4]), cell
        assert abs(hs[cell][4] / hs[cell][0]) > abs(hs["rnn"][4] / hs["rnn"][0]), cell
        rnn_half, gated_half = half_life(hs["rnn"]), half_life(hs[cell])
        assert rnn_half is not None and rnn_half <= 5
        assert gated_half is None or gated_half > rnn_half, cell
        trend, plain = (memory_trend(lab({"cell": c, "inputs": inputs})) for c in (cell, "rnn"))
        assert trend.keep > plain.keep, cell


def test_default_lstm_gates_differ_and_do_their_job(tutor):
    reply = ask(tutor, tutor.new_session("api"), "walk me through an lstm trace")
    assert reply.trace["cell"] == "lstm" and xs(reply) == [1.0, 0.0, 0.0, 0.0]
    for step in reply.trace["steps"]:
        i, f, o = (step["gates"][g][0] for g in ("i", "f", "o"))
        assert len({round(i, 4), round(f, 4), round(o, 4)}) == 3, step  # no i = f = o
    gates = [s["gates"] for s in reply.trace["steps"]]
    assert gates[0]["i"][0] == pytest.approx(sigmoid(3))  # the input opens the input gate...
    assert gates[1]["i"][0] == pytest.approx(sigmoid(-2))  # ...and it closes without input
    assert all(g["f"][0] == pytest.approx(sigmoid(2)) for g in gates)  # f ≈ 0.88 keeps
    assert "f = σ(2) ≈ 0.88" in reply.reply
    assert "Why this LSTM forgets faster" not in reply.reply


def test_default_gru_update_gate_copies_the_old_state_forward():
    trace = lab({"cell": "gru", "inputs": [1, 0, 0, 0]})
    z = trace.gate("z")[:, 0]
    assert z[0] == pytest.approx(sigmoid(-3))  # the input is written in
    assert np.allclose(z[1:], sigmoid(2))  # then z ≈ 0.88 copies the old state forward
    r = trace.gate("r")[:, 0]
    assert np.allclose(r, sigmoid(1))


def test_learners_gate_weights_that_forget_faster_are_explained(tutor):
    session = tutor.new_session("api")
    reply = ask(tutor, session, "lstm trace with forget bias 0")
    assert reply.trace["cell"] == "lstm"
    assert all(s["gates"]["f"][0] == pytest.approx(0.5) for s in reply.trace["steps"])
    assert "Why this LSTM forgets faster than a plain RNN" in reply.reply
    assert "the forget gate sits near 0.50" in reply.reply
    shared = ask(tutor, session, "lstm trace with the same weights for every gate")
    w = shared.trace["weights"]
    assert w["weight_ih"] == [[0.5]] * 4 and w["weight_hh"] == [[0.8]] * 4
    assert "Why this LSTM forgets faster than a plain RNN" in shared.reply


# --- the computed outro -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wh", "words", "not_words"),
    [
        (1.5, ["h grows at each step", "tanh caps it"], ["fades", "flips"]),
        (-0.8, ["h flips sign at every step", "keeps about 78 % of its size"], ["grows"]),
        (
            0.8,
            ["h keeps about 78 % of itself per step", "the memory shrinks and fades"],
            ["grows", "flips"],
        ),
    ],
)
def test_the_outro_is_computed_from_the_numbers(wh, words, not_words):
    trace = lab({"inputs": [1, 0, 0, 0], "recurrent_weight": wh})
    sentence = trend_sentence(memory_trend(trace).to_dict())
    for word in words:
        assert word in sentence, sentence
    for word in not_words:
        assert word not in sentence, sentence
    for h in trace.hs[:, 0]:  # the values that show it are the trace's own
        assert f"{h:.4f}" in sentence


def test_short_follow_ups_reach_the_lab_through_the_recogniser(tutor):
    """ "now an lstm", "and a GRU?", "same with 0.9", "what if W_hh were negative?" after a
    trace are traces (the recogniser used to read them as concept questions or answers)."""
    session = tutor.new_session("api")
    first = ask(
        tutor, session, "trace inputs 2, 0, 1 with input weight 0.3 and recurrent weight 0.7"
    )
    assert first.intent == "trace" and xs(first) == [2.0, 0.0, 1.0]
    for text, cell in (("now an lstm", "lstm"), ("and a GRU?", "gru"), ("same with 0.9", "gru")):
        reply = ask(tutor, session, text)
        assert reply.intent == "trace" and reply.trace["cell"] == cell, text
        assert xs(reply) == [2.0, 0.0, 1.0] and reply.reply.startswith("Same inputs 2, 0, 1"), text
    flipped = ask(tutor, session, "what if W_hh were negative?")
    assert flipped.intent == "trace" and "recurrent weight -0.9" in flipped.reply
    assert ask(tutor, session, "what is the hidden state?").intent == "concept"
    fresh = tutor.new_session("api")  # without a trace before, "now an lstm" is no trace
    assert ask(tutor, fresh, "now an lstm").intent != "trace"


@pytest.mark.parametrize(
    ("question", "word", "first_h"),
    [
        ("what if W_hh were negative?", "flips sign", 0.4621),
        ("what happens if the recurrent weight is 1.5", "grows", 0.4621),
        (
            "suppose the recurrent weight goes up to 2, w_x 0.5, input 1 then nothing",
            "grows",
            0.4621,
        ),
        ("what if h0 starts at 0.5 instead of zero, w_h .8, w_x .5, all inputs 0", "fades", 0.3799),
    ],
)
def test_a_what_if_in_a_fresh_session_runs_the_lab_and_answers_first(
    tutor, question, word, first_h
):
    """No trace before: a what-if that names a weight, h0 or inputs runs the lab on the
    lesson's worked-trace defaults with that change, and the reply leads with what the
    numbers do (computed from them), then shows the trace."""
    reply = ask(tutor, tutor.new_session("api"), question)
    assert reply.intent == "trace"
    lead = reply.reply.split("\n\n")[0]
    assert word in lead, lead
    assert round(reply.trace["steps"][0]["h"][0], 4) == first_h
    assert len(reply.trace["steps"]) >= 4  # one input is an impulse followed by zeros


def test_a_single_step_trace_says_why_it_cannot_show_the_memory():
    trend = {"kind": "driven", "steps": 1, "first": 0.4621, "last": 0.4621, "cell": "rnn"}
    assert trend_sentence(trend).startswith("With a single input")


@pytest.mark.parametrize(
    ("question", "inputs", "lead"),
    [
        ("w_x=1, w_h=0.9, b=0.1, x = 0.5, -1, 0.2 and h0=0. whats h3", [0.5, -1.0, 0.2], "h_3 = **-0.0546**"),
        ("w_x=1, w_h=-0.5, b=0, inputs 1,0,0. give me h1 h2 h3", [1.0, 0.0, 0.0], "h_3 = **0.1797**"),
        ("trace it: w_x=1 w_h=0.5 b=-0.2, x=[1,0,1], h0 zero", [1.0, 0.0, 1.0], "h_3 = **0.6991**"),
    ],
)  # fmt: skip
def test_the_learners_inputs_survive_w_x_and_the_value_asked_leads(tutor, question, inputs, lead):
    """ "w_x=1" used to be read as the input list "x=1" (then padded to 1, 0, 0, 0), so the
    learner's own inputs were dropped without a word."""
    reply = ask(tutor, tutor.new_session("api"), question)
    assert reply.intent == "trace" and xs(reply) == inputs
    if lead:
        assert reply.reply.startswith("h_") and lead in reply.reply.split("\n\n")[0]


def test_a_zero_recurrent_weight_erases_the_memory_at_once(tutor):
    reply = ask(tutor, tutor.new_session("api"), "what if recurrent weight is 0")
    lead = reply.reply.split("\n\n")[0]
    assert "back to 0 at once" in lead and "tanh trims" not in lead


def test_constant_inputs_run_for_the_steps_asked_and_lead_with_that_step(tutor):
    from assistant.parsing import constant_inputs

    assert constant_inputs("the input is always 1") == [1.0] * 4
    assert constant_inputs("all-zero inputs for 5 steps") == [0.0] * 5
    assert constant_inputs("inputs 1, 0, 0") is None
    assert constant_inputs("b=0.5 and only zeros as input, does it stay empty?") == [0.0] * 4
    session = tutor.new_session("api")
    reply = ask(
        tutor,
        session,
        "inputs are all zero but bias is 0.1, w_h 1, w_x 1, starting from zero. h after 3 steps?",
    )
    h, expected = 0.0, []
    for _ in range(3):
        h = math.tanh(1.0 * 0.0 + 1.0 * h + 0.1)
        expected.append(h)
    assert xs(reply) == [0.0, 0.0, 0.0]
    assert reply.reply.startswith(f"h_3 = **{expected[-1]:.4f}**")
