"""What a trace's memory does once the input is 0 (``tools.memory_trend``), on real lab traces.

Every expected number is computed here from the trace itself or by plain iteration of the
cell's rule, never copied from the module under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.lab_requests import run_trace_request
from tools.memory_trend import memory_trend
from tools.trace import forward


def rnn(inputs, wx=0.5, wh=0.8, b=0.0, hidden=1, nonlinearity="tanh"):
    eye = np.eye(hidden)
    weights = {
        "weight_ih": [[wx]] * hidden,
        "weight_hh": (wh * eye).tolist(),
        "bias_ih": [b] * hidden,
    }
    return forward("rnn", np.array(inputs, dtype=float), weights, nonlinearity=nonlinearity)


def fixed_point(wh: float, b: float = 0.0, start: float = 0.5) -> float:
    """h = tanh(wh h + b), by iteration (what tanh caps a growing memory at)."""
    h = start
    for _ in range(10_000):
        h = math.tanh(wh * h + b)
    return h


def test_the_lessons_worked_trace_fades_by_its_own_ratio():
    trace = rnn([1, 0, 0, 0])
    trend = memory_trend(trace)
    hs = trace.hs[:, 0]
    ratios = hs[1:] / hs[:-1]
    assert trend.kind == "fades"
    assert trend.quiet_steps == [2, 3, 4]
    assert trend.ratios == pytest.approx(list(ratios), abs=1e-12)
    assert trend.keep == pytest.approx(float(np.prod(ratios) ** (1 / 3)), abs=1e-12)
    assert round(100 * trend.keep) == 78  # "keeps about 78 % of itself per step"
    assert trend.path == pytest.approx(list(hs), abs=1e-12)
    assert trend.recurrent_weight == 0.8 and trend.bias == 0.0
    assert trend.level == pytest.approx(0.0, abs=1e-3)


def test_a_recurrent_weight_above_one_grows_until_tanh_caps_it():
    short = memory_trend(rnn([1, 0, 0, 0], wh=1.5))
    assert short.kind == "grows"
    assert all(r > 1 for r in short.ratios)
    assert not short.level_reached  # four steps are not enough to reach the cap...
    assert short.level == pytest.approx(fixed_point(1.5), abs=1e-4)  # ...measured further on
    long = memory_trend(rnn([1] + [0] * 14, wh=1.5))
    assert long.kind == "grows" and long.level_reached
    assert long.path[-1] == pytest.approx(fixed_point(1.5), abs=1e-3)


def test_relu_grows_without_a_cap():
    trend = memory_trend(rnn([1, 0, 0, 0], wh=1.5, nonlinearity="relu"))
    assert trend.kind == "grows" and trend.level is None


def test_a_negative_recurrent_weight_flips_the_sign_each_step():
    trace = rnn([1, 0, 0, 0], wh=-0.8)
    trend = memory_trend(trace)
    assert trend.kind == "flips" and trend.size == "fades"
    signs = np.sign(trace.hs[:, 0])
    assert list(signs) == [1, -1, 1, -1]
    assert all(r < 0 for r in trend.ratios)
    # same size as with +0.8: tanh is odd, so only the sign differs
    assert trend.keep == pytest.approx(memory_trend(rnn([1, 0, 0, 0])).keep, abs=1e-12)


def test_a_large_negative_weight_flips_between_saturated_values():
    trend = memory_trend(rnn([1, 0, 0, 0], wx=3, wh=-3))
    assert trend.kind == "flips" and trend.size == "steady"
    assert abs(trend.level) == pytest.approx(fixed_point(3.0, start=0.99), abs=1e-6)


def test_a_saturated_memory_stays_near_one():
    trend = memory_trend(rnn([1, 0, 0, 0], wx=3, wh=3))
    assert trend.kind == "saturates"
    assert min(abs(v) for v in trend.path) > 0.99


def test_a_bias_holds_h_at_a_non_zero_level():
    trend = memory_trend(rnn([1, 0, 0, 0], b=0.3))
    assert trend.kind in ("steady", "settles")
    assert trend.level == pytest.approx(fixed_point(0.8, 0.3), abs=1e-6)
    assert trend.bias == pytest.approx(0.3)


def test_without_quiet_steps_or_without_memory():
    driven = memory_trend(rnn([1, 1, 1]))
    assert driven.kind == "driven" and driven.quiet_steps == [] and driven.steps == 3
    silent = memory_trend(rnn([0, 0, 0]))
    assert silent.kind == "silent"


def test_one_quiet_step_between_inputs():
    trace = rnn([2, 0, 1], wx=0.3, wh=0.7)
    trend = memory_trend(trace)
    assert trend.quiet_steps == [2] and trend.kind == "fades"
    assert trend.keep == pytest.approx(trace.hs[1, 0] / trace.hs[0, 0], abs=1e-12)


def test_equal_units_read_like_one_unit():
    one, two = memory_trend(rnn([1, 0, 0, 0])), memory_trend(rnn([1, 0, 0, 0], hidden=2))
    assert two.kind == one.kind and two.keep == pytest.approx(one.keep, abs=1e-12)
    assert two.path == pytest.approx(one.path, abs=1e-12)


def test_gated_cells_report_their_keep_gate():
    body = {
        "cell": "lstm",
        "inputs": [1, 0, 0, 0],
        "weights": {
            "weight_ih": [[5.0], [0.0], [0.5], [0.0]],
            "weight_hh": [[0.0], [0.0], [0.8], [0.0]],
            "bias_ih": [-2.0, 2.0, 0.0, 1.0],
        },
    }
    trend = memory_trend(run_trace_request(body))
    assert trend.keep_gate == "f"
    assert trend.keep_gate_mean == pytest.approx(1 / (1 + math.exp(-2)), abs=1e-12)
    assert trend.kind == "fades" and trend.keep > 0.9
    random_gru = memory_trend(
        run_trace_request({"cell": "gru", "inputs": [1, 0, 0], "hidden_size": 3, "seed": 2})
    )
    assert random_gru.keep_gate == "z" and 0 < random_gru.keep_gate_mean < 1
