"""The calculators of ``assistant.compute``: each reads only its own computation from a
learner's message (None for anything else), and its answer leads with the exact number.

Parameter counts are checked against ``torch.nn``; the gradient sums against plain float
arithmetic done here. No tutor, no embedder: these are the parsers and the renderers.
"""

from __future__ import annotations

import math

import pytest
import torch
from pydantic import ValidationError

from assistant.compute import (
    bias_request,
    calculator_call,
    chain_request,
    derivative_request,
    difference_request,
    mlp_request,
    parameter_request,
    power_request,
    render_bias,
    render_chain,
    render_derivative,
    render_difference,
    render_mlp,
    render_power,
)
from core.errors import InvalidInput
from tools.params import mlp_first_layer, parameter_count

TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def torch_count(cell, d, H, layers=1, bidirectional=False, only=""):
    module = TORCH[cell](d, H, num_layers=layers, bidirectional=bidirectional)
    return sum(p.numel() for name, p in module.named_parameters() if only in name)


def lead(text: str) -> str:
    """The first sentence of a reply (up to the first ". ")."""
    return text.split(". ")[0]


def call(name: str, **args):
    from assistant.tools import make_tools

    tool = {t.name: t for t in make_tools(retriever=None)}[name]
    return tool.invoke({"type": "tool_call", "id": "1", "name": name, "args": args})


# --- 1. one step's local derivative ---------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "w", "h"),
    [
        ("1d case: h_j = 0.5 and w = 0.8, whats dh_j/dh_(j-1)", 0.8, 0.5),
        ("local derivative when h is 0.6 and w_h 0.9", 0.9, 0.6),
        ("derivative of one step with w=1.2 and h=0.3", 1.2, 0.3),
        ("what is dh_t/dh_{t-1} if w = -0.5 and h_t = -0.2", -0.5, -0.2),
        ("∂h_j/∂h_{j-1} with W_hh = 0.8, h_j = -0.5?", 0.8, -0.5),
        ("local gradient for recurrent weight 0.7 and hidden state 0.4", 0.7, 0.4),
        ("compute the jacobian in 1-d: w_hh=1.5, h=.9", 1.5, 0.9),
    ],
)
def test_a_local_derivative_is_read(text, w, h):
    assert derivative_request(text) == {"w": w, "h": h}
    assert chain_request(text) is None  # one step is not a product over steps


@pytest.mark.parametrize(
    "text",
    [
        "what is a derivative",
        "derivative of tanh at 0.5",  # no w
        "what is the derivative of w with respect to h",
        "h_{j-1} = 0.4 and w = 0.8, whats dh_j/dh_(j-1)",  # needs h_j, not h_{j-1}
        "derivative with w = 0.8 and h = 1.5",  # no tanh output is 1.5
        "run an rnn with w=0.8 and h0=0.5",  # no derivative asked
        "how many params does an lstm have with 10 inputs and 20 hidden",
        "vanilla rnn w/ 1,000 inputs and 2,048 hidden units, derivative?",
        "gradient through 3 steps, w=0.9, h=0.6 at each step, product of the local derivatives",
    ],
)
def test_other_messages_are_not_a_local_derivative(text):
    assert derivative_request(text) is None


def test_the_local_derivative_leads_with_the_worked_number():
    reply = render_derivative(0.8, 0.5)
    assert lead(reply) == "dh_j/dh_{j−1} = w(1 − h_j²) = 0.8 × (1 − 0.5²) = **0.6**"
    assert "at most 1" in reply and "|w| = 0.8" in reply
    assert len(reply.split()) < 80
    negative = render_derivative(-0.5, -0.2)
    assert "−0.5 × (1 − (−0.2)²) = **−0.48**" in lead(negative)
    assert "1 − h_j² = 0.96" in negative


# --- 2. the product of local derivatives over several steps --------------------------------
@pytest.mark.parametrize(
    ("text", "w", "h", "steps"),
    [
        (
            "gradient through 3 steps, w=0.9, h=0.6 at each step, whats the product of the "
            "local derivatives",
            0.9, 0.6, 3,
        ),
        ("1-d case with w = 1.1, how big can the gradient factor get after 30 steps", 1.1, None, 30),
        ("backprop through ten steps with w = 0.95 and h = 0.2 every step", 0.95, 0.2, 10),
        ("product of derivatives, w_h=-1.2, h=0.1, 5 steps", -1.2, 0.1, 5),
        ("w=0.8 over 20 steps, how much does the gradient shrink at most", 0.8, None, 20),
    ],
)  # fmt: skip
def test_a_gradient_product_is_read(text, w, h, steps):
    assert chain_request(text) == {"w": w, "h": h, "steps": steps}
    assert derivative_request(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "gradient through 3 steps",  # no w
        "what happens to the gradient over 50 steps",
        "run an rnn with w=0.8 for 3 steps",  # no gradient asked
        "derivative of one step with w=1.2 and h=0.3",  # one step: a local derivative
        "how many params does an lstm have with 10 inputs and 20 hidden",
        "gradient over 20 steps with w = 0.9 and h = 2",  # no tanh output is 2
        "whats 0.9^50",
    ],
)
def test_other_messages_are_not_a_gradient_product(text):
    assert chain_request(text) is None


def test_the_product_is_worked_out_and_says_it_vanishes():
    reply = render_chain(0.9, 3, 0.6)
    factor = 0.9 * (1 - 0.6**2)
    assert f"{factor**3:.4g}" == "0.1911"
    assert "(0.9 × (1 − 0.6²))^3 = 0.576^3 = **0.1911**" in lead(reply)
    assert "**vanishes**" in reply and "19 %" in reply
    assert len(reply.split()) < 80


def test_the_product_explodes_and_flips_sign_with_a_negative_w():
    reply = render_chain(-1.2, 5, 0.1)
    assert f"{(-1.2 * 0.99) ** 5:.4g}" == "-2.366"
    assert "(−1.188)^5 = **−2.366**" in lead(reply)
    assert "**explodes**" in reply and "sign flips" in reply


@pytest.mark.parametrize(
    ("w", "steps", "shown", "fate"),
    [(1.1, 30, "1.1^30 = **17.45**", "**can explode**"), (0.8, 20, "0.8^20 = **0.01153**", "**vanishes**")],
)  # fmt: skip
def test_without_h_the_answer_is_the_bound(w, steps, shown, fate):
    reply = render_chain(w, steps)
    assert lead(reply).startswith(f"After {steps} steps the gradient factor is at most {shown}")
    assert "only when h_j = 0" in reply and fate in reply
    assert len(reply.split()) < 80


# --- 3. the difference between two parameter counts ----------------------------------------
@pytest.mark.parametrize(
    ("text", "first", "second", "d", "H", "layers", "bidirectional", "ratio"),
    [
        ("for d=50 H=128 how many more params does an lstm have than a gru (pytorch)",
         "lstm", "gru", 50, 128, 1, False, False),
        ("how many fewer params does a gru have than an lstm, 100 inputs 200 hidden",
         "gru", "lstm", 100, 200, 1, False, False),
        ("difference in parameter count between gru and lstm with input size 32 and hidden 64",
         "lstm", "gru", 32, 64, 1, False, False),
        ("how many more weights does a 2 layer bidirectional lstm have than a gru, d=100 H=200",
         "lstm", "gru", 100, 200, 2, True, False),
        ("how many times more params does an lstm have than an rnn (d=10, H=20)",
         "lstm", "rnn", 10, 20, 1, False, True),
        ("lstm vs gru param count for nn.LSTM(10, 20)", "lstm", "gru", 10, 20, 1, False, False),
        ("how much bigger is an lstm than a gru with 50 inputs and 128 hidden",
         "lstm", "gru", 50, 128, 1, False, False),
    ],
)  # fmt: skip
def test_a_difference_of_counts_is_read(text, first, second, d, H, layers, bidirectional, ratio):
    asked = difference_request(text)
    assert asked is not None
    assert (asked["first"], asked["second"]) == (first, second)
    assert (asked["input_size"], asked["hidden_size"]) == (d, H)
    assert (asked["num_layers"], asked["bidirectional"], asked["ratio"]) == (
        layers, bidirectional, ratio,
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "how many params does an lstm have with 10 inputs and 20 hidden",  # one cell
        "how many params does an lstm with 10 inputs and 20 hidden units have?",
        "why does an lstm have more params than a gru",  # an explanation
        "why does an lstm have 4x the params of an rnn",
        "lstm vs gru, which is better?",  # nothing counted
        "gru or lstm, which one trains quicker and has less params",  # more than a count
        "is an lstm bigger than a gru",  # no count and no sizes
        "how many more params does a 2 layer lstm have than a 1 layer lstm",  # one cell
    ],
)
def test_other_messages_are_not_a_difference(text):
    assert difference_request(text) is None


def test_the_difference_leads_with_the_gap_in_both_conventions():
    lstm, gru = parameter_count("lstm", 50, 128), parameter_count("gru", 50, 128)
    assert (lstm.pytorch, gru.pytorch) == (
        torch_count("lstm", 50, 128),
        torch_count("gru", 50, 128),
    )
    reply = render_difference(lstm, gru)
    assert lead(reply).startswith(
        "An LSTM with input size 50 and hidden size 128 has **23,040 more parameters** than a GRU"
    )
    assert "92,160 − 69,120" in lead(reply)
    assert "91,648 − 68,736 = 22,912" in reply  # the lesson's one-bias figure
    assert len(reply.split()) < 80
    one_bias = render_difference(lstm, gru, one_bias=True)
    assert "**22,912 more parameters**" in lead(one_bias) and "= 23,040" in one_bias


def test_fewer_and_how_many_times():
    gru, lstm = parameter_count("gru", 100, 200), parameter_count("lstm", 100, 200)
    fewer = render_difference(gru, lstm)
    gap = torch_count("lstm", 100, 200) - torch_count("gru", 100, 200)
    assert f"**{gap:,} fewer parameters** than an LSTM" in lead(fewer)
    ratio = render_difference(parameter_count("lstm", 50, 128), parameter_count("gru", 50, 128),
                              ratio=True)  # fmt: skip
    assert "**1.333 times** as many parameters as a GRU" in lead(ratio)
    assert "92,160 / 69,120" in ratio and "23,040 more" in ratio


def test_a_stacked_bidirectional_difference_matches_torch():
    args = {"first": "lstm", "second": "gru", "input_size": 100, "hidden_size": 200,
            "num_layers": 2, "bidirectional": True}  # fmt: skip
    result = call("parameter_difference", **args)
    gap = torch_count("lstm", 100, 200, 2, True) - torch_count("gru", 100, 200, 2, True)
    assert f"**{gap:,} more parameters**" in lead(result.content)
    assert result.artifact["difference"] == gap
    assert call("parameter_difference", first="gru", second="gru").artifact["kind"] == "error"


# --- 4. an MLP's first layer over a window ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "window", "E", "units", "rnn_cell", "rnn_hidden"),
    [
        ("mlp first layer, 20 words x 100 dims in, 64 units, how many params",
         20, 100, 64, None, None),
        ("mlp first layer over a 20 word window of 300-d embeddings with 256 units, how many "
         "weights? and vs a plain rnn (one bias) with 256 hidden?", 20, 300, 256, "rnn", 256),
        ("a feedforward net on a window of 5 words with 50-dim embeddings and 100 hidden units, "
         "how many parameters in the first layer", 5, 50, 100, None, None),
        ("how many weights in a dense layer with 64 units on a 10x300 input window",
         10, 300, 64, None, None),
        ("mlp over 100 words of 50-d vectors with 128 units, how many params, compared to an "
         "lstm with 64 hidden", 100, 50, 128, "lstm", 64),
        ("fully connected layer of 32 neurons over 1,000 tokens of 16 dims: number of weights?",
         1000, 16, 32, None, None),
    ],
)  # fmt: skip
def test_an_mlp_first_layer_is_read(text, window, E, units, rnn_cell, rnn_hidden):
    asked = mlp_request(text)
    assert asked is not None
    assert (asked["window"], asked["embedding_size"], asked["units"]) == (window, E, units)
    assert (asked["rnn_cell"], asked["rnn_hidden"]) == (rnn_cell, rnn_hidden)


@pytest.mark.parametrize(
    "text",
    [
        "what is an mlp",
        "why can't an mlp handle sequences",
        "how many params does an mlp have",  # no sizes
        "how many params does an lstm have with 10 inputs and 20 hidden",  # no MLP
        "an mlp over a window of 20 words",  # nothing counted
    ],
)
def test_other_messages_are_not_an_mlp_count(text):
    assert mlp_request(text) is None


def test_the_mlp_count_leads_and_gives_the_weights_alone():
    dense = mlp_first_layer(20, 100, 64)
    assert dense.total == torch.nn.Linear(20 * 100, 64).weight.numel() + 64 == 128_064
    reply = render_mlp(dense)
    assert lead(reply).startswith("The MLP's first layer has **128,064 parameters**")
    assert "128,000 weights" in reply and "64 biases" in reply
    assert len(reply.split()) < 80


def test_the_mlp_against_a_plain_rnn_answers_both_mlp_first():
    reply = call("mlp_parameters", window=20, embedding_size=300, units=256, rnn_cell="rnn",
                 rnn_hidden=256, one_bias=True).content  # fmt: skip
    mlp, rnn = reply.split("\n\n")
    assert "**1,536,256 parameters**" in lead(mlp) and "1,536,000 weights" in mlp
    one_bias = torch_count("rnn", 300, 256) - 256  # one bias vector instead of two
    assert one_bias == 142_592
    assert "**142,592** with one bias (256 × 300 + 256 × 256 + 256" in rnn
    assert f"{torch_count('rnn', 300, 256):,} with PyTorch's two biases" in rnn
    assert len(reply.split()) < 90


def test_the_mlp_count_refuses_a_window_of_nothing():
    with pytest.raises(InvalidInput):
        mlp_first_layer(0, 100, 64)


# --- 5. the biases alone ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "cell", "H", "layers", "bidirectional", "extra"),
    [
        ("how many extra numbers do pytorch's two biases add to a gru with hidden size 128",
         "gru", 128, 1, False, True),
        ("how many bias params does an lstm with 20 hidden units have in pytorch",
         "lstm", 20, 1, False, False),
        ("how many bias terms does nn.GRU(10, 32) have", "gru", 32, 1, False, False),
        ("how many biases does a 2 layer lstm with hidden 20 have", "lstm", 20, 2, False, False),
        ("how many extra params does bias_hh add to an rnn with 128 hidden",
         "rnn", 128, 1, False, True),
        ("how many biases does a bidirectional gru with 64 hidden units have",
         "gru", 64, 1, True, False),
    ],
)  # fmt: skip
def test_a_bias_count_is_read(text, cell, H, layers, bidirectional, extra):
    asked = bias_request(text)
    assert asked is not None
    assert (asked["cell"], asked["hidden_size"], asked["num_layers"]) == (cell, H, layers)
    assert (asked["bidirectional"], asked["extra"]) == (bidirectional, extra)


@pytest.mark.parametrize(
    "text",
    [
        "why does pytorch have two biases",
        "what does the bias do",
        "how many params does a simple rnn with 50 inputs and 128 hidden have, one bias like "
        "the equations",  # counts everything, in the one-bias convention
        "how many params does an lstm have with 10 inputs and 20 hidden",
        "how many biases are there",  # no layer named
    ],
)
def test_other_messages_are_not_a_bias_count(text):
    assert bias_request(text) is None


@pytest.mark.parametrize(
    ("cell", "H", "layers", "bidirectional"),
    [("gru", 128, 1, False), ("lstm", 20, 1, False), ("lstm", 20, 2, True), ("rnn", 7, 3, False)],
)
def test_bias_counts_match_torch(cell, H, layers, bidirectional):
    count = parameter_count(cell, 1, H, layers, bidirectional)
    both = torch_count(cell, 5, H, layers, bidirectional, only="bias")
    total = render_bias(count)
    assert f"**{both:,} bias parameters** in PyTorch" in lead(total)
    assert f"it has {both // 2:,}" in total
    extra = render_bias(count, extra=True)
    assert lead(extra).startswith(f"PyTorch's second bias vector adds **{both // 2:,} parameters**")
    assert len(total.split()) < 80 and len(extra.split()) < 80


def test_the_lesson_examples_of_bias_counts():
    extra = call("bias_count", cell="gru", hidden_size=128, extra=True).content
    assert "**384 parameters**" in lead(extra) and "3 gate blocks × 128 = 384" in extra
    total = call("bias_count", cell="lstm", hidden_size=20).content
    assert "**160 bias parameters**" in lead(total) and "4 gate blocks × 20 = 80 each" in total


# --- 6. a factor at every step ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if the forget gate is like 0.5 every step how much is left after 10 steps",
         {"factor": 0.5, "steps": 10}),
        ("if the keep dial was 0.99 instead of 0.9 for 50 steps?",
         {"factor": 0.99, "steps": 50, "compare": 0.9}),
        ("0.99^50 vs 0.9^50", {"factor": 0.99, "steps": 50, "compare": 0.9}),
        ("50% each step, what is left after 3 steps", {"factor": 0.5, "steps": 3}),
        ("after 20 steps with a keep factor of 0.8 per step, how much remains",
         {"factor": 0.8, "steps": 20}),
        # the phrasings read before keep their reading
        ("whats 0.9^50", {"factor": 0.9, "steps": 50}),
        ("keep dial 0.95 held for 100 steps, how much of the signal is left",
         {"factor": 0.95, "steps": 100}),
        ("just the 0.8 factor per step, ignoring tanh: how many steps until under 1%?",
         {"factor": 0.8, "below": 0.01}),
    ],
)  # fmt: skip
def test_factor_phrasings_are_read(text, expected):
    assert power_request(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the forget gate is like 0.5 every step",  # no number of steps
        "what does the forget gate do every step",
        "use 2 layers instead of 1 for 50 steps",  # not factors
        "gradient through 3 steps, w=0.9, h=0.6 at each step",  # h is a tanh output
        "how many params does an lstm have with 10 inputs and 20 hidden",
    ],
)
def test_other_messages_are_not_a_factor(text):
    assert power_request(text) is None


def test_two_factors_are_compared():
    reply = render_power(0.99, 50, compare=0.9)
    assert f"{0.99**50:.4g}" == "0.605" and f"{0.9**50:.4g}" == "0.005154"
    assert lead(reply).startswith("0.99^50 = **0.605** vs 0.9^50 = **0.005154**")
    assert "61 %" in reply and "0.52 %" in reply and f"{0.99**50 / 0.9**50:.3g}-fold" in reply
    tool = call("repeated_factor", factor=0.99, steps=50, compare=0.9)
    assert tool.content == reply and tool.artifact["compare"] == 0.9
    assert "needs steps" in call("repeated_factor", factor=0.5, below=0.1, compare=0.9).content


def test_one_factor_is_still_one_number():
    assert render_power(0.5, 10).startswith("0.5^10 = **0.0009766**")


# --- 7. a swap of cells and the constructor syntax -----------------------------------------
@pytest.mark.parametrize(
    ("text", "cell", "d", "H"),
    [
        ("im using nn.RNN(50, 128) for a tagger and want to swap to nn.LSTM, how many params "
         "will it have then", "lstm", 50, 128),
        ("how many params in nn.LSTM(50,128)", "lstm", 50, 128),
        ("params of torch.nn.GRU(input_size=32, hidden_size=64)?", "gru", 32, 64),
        ("if i replace the rnn with a gru, 10 inputs and 20 hidden, how many weights", "gru", 10, 20),
        ("switch from nn.LSTM(100, 50) to a gru: how many parameters", "gru", 100, 50),
        ("use a gru instead, how many params with 8 inputs and 16 hidden", "gru", 8, 16),
        ("how many params does an rnn with 50 inputs and 128 hidden have", "rnn", 50, 128),
    ],
)  # fmt: skip
def test_the_cell_swapped_to_is_counted(text, cell, d, H):
    asked = parameter_request(text)
    assert asked is not None
    assert (asked["cell"], asked["input_size"], asked["hidden_size"]) == (cell, d, H)


def test_the_swap_counts_the_target():
    name, args = calculator_call(
        "im using nn.RNN(50, 128) and want to swap to nn.LSTM, how many params will it have then"
    )
    assert name == "parameter_count" and args["cell"] == "lstm"
    assert call(name, **args).artifact["count"]["pytorch"] == torch_count("lstm", 50, 128)


# --- the planner's one entry point --------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("1d case: h_j = 0.5 and w = 0.8, whats dh_j/dh_(j-1)", "local_derivative"),
        ("gradient through 3 steps, w=0.9, h=0.6 at each step", "gradient_product"),
        ("1-d case with w = 1.1, how big can the gradient factor get after 30 steps",
         "gradient_product"),
        ("for d=50 H=128 how many more params does an lstm have than a gru (pytorch)",
         "parameter_difference"),
        ("mlp first layer, 20 words x 100 dims in, 64 units, how many params", "mlp_parameters"),
        ("how many bias params does an lstm with 20 hidden units have in pytorch", "bias_count"),
        ("if the keep dial was 0.99 instead of 0.9 for 50 steps?", "repeated_factor"),
        ("whats 0.9^50", "repeated_factor"),
        ("clip g=(6,8) with max norm 1, result?", "clip_gradient"),
        ("how many params does an lstm have with 10 inputs and 20 hidden", "parameter_count"),
        ("what is a derivative", None),
        ("what is the hidden state", None),
    ],
)  # fmt: skip
def test_calculator_call_picks_the_specific_tool(text, tool):
    found = calculator_call(text)
    assert (found[0] if found else None) == tool
    if found:  # its arguments are exactly what the tool takes
        result = call(*found[:1], **found[1])
        assert result.artifact["kind"] != "error", result.content
        assert "**" in lead(result.content)


def test_the_tools_answer_the_brief_examples_exactly():
    assert "**0.6**" in lead(call("local_derivative", w=0.8, h=0.5).content)
    product = call("gradient_product", w=0.9, h=0.6, steps=3)
    assert "**0.1911**" in lead(product.content)
    assert math.isclose(product.artifact["value"], (0.9 * (1 - 0.36)) ** 3)
    bound = call("gradient_product", w=1.1, steps=30)
    assert "**17.45**" in lead(bound.content) and bound.artifact["bound"] is True
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        call("gradient_product", w=1.1, steps=30, h=1.5)  # no tanh output is 1.5


def test_a_difference_of_lstm_and_gru_says_the_share_and_the_assumed_sizes(tutor):
    from assistant.types import ChatTurn

    reply = tutor.respond(ChatTurn(tutor.new_session("api"), "lstm and gru same param count if same hidden size?", "api"))  # fmt: skip
    assert "23,040 more parameters" in reply.reply
    assert "three quarters of the LSTM's parameters" in reply.reply  # 69,120 / 92,160
    assert "I assumed the lesson's hidden size of 128 and input size of 50" in reply.reply
    assert reply.citations and reply.citations[0].section.endswith("parameter counts")


def test_a_share_that_survives_each_step_is_a_repeated_factor():
    from assistant.compute import power_request

    request = power_request(
        "if 90% of the signal survives each step how much is left after 30 steps"
    )
    assert request == {"factor": 0.9, "steps": 30}
    assert math.isclose(request["factor"] ** request["steps"], 0.04239, rel_tol=1e-3)
