"""Parameter counts match torch.nn.RNN/LSTM/GRU exactly, and the lesson's one-bias figures."""

from __future__ import annotations

import pytest
import torch

from core.errors import InvalidInput
from tools.params import parameter_count

TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    ("d", "H", "layers", "bidirectional"),
    [
        (50, 128, 1, False),
        (10, 20, 1, False),
        (1, 1, 1, False),
        (7, 3, 3, False),
        (32, 64, 2, True),
    ],
)
def test_counts_match_torch(cell, d, H, layers, bidirectional):
    module = TORCH[cell](d, H, num_layers=layers, bidirectional=bidirectional)
    expected = sum(p.numel() for p in module.parameters())
    count = parameter_count(cell, d, H, layers, bidirectional)
    assert count.pytorch == expected
    no_bias = TORCH[cell](d, H, num_layers=layers, bidirectional=bidirectional, bias=False)
    assert count.no_bias == sum(p.numel() for p in no_bias.parameters())
    assert count.one_bias == (count.pytorch + count.no_bias) // 2


def test_the_lessons_figures():
    assert parameter_count("rnn", 50, 128).one_bias == 22_912
    assert parameter_count("rnn", 50, 128).pytorch == 23_040
    assert parameter_count("gru", 50, 128).one_bias == 68_736
    assert parameter_count("gru", 50, 128).pytorch == 69_120
    assert parameter_count("lstm", 50, 128).one_bias == 91_648
    assert parameter_count("lstm", 50, 128).pytorch == 92_160


@pytest.mark.parametrize(
    "args",
    [
        ("transformer", 1, 1),
        ("rnn", 0, 5),
        ("rnn", 5, -1),
        ("rnn", 2.5, 3),
        ("rnn", 3, 10**9),
        ("rnn", True, 3),
    ],
)
def test_bad_sizes_are_refused_with_a_reason(args):
    with pytest.raises(InvalidInput):
        parameter_count(*args)
