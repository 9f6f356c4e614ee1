"""RNN lab benchmark: NumPy traces against PyTorch, and memory_fade.

For each cell (rnn, lstm, gru) a ``torch.nn`` module with hidden size 128 is built in
float64 and its layer-0 weights are handed to ``tools.trace.forward`` unchanged; both
run the same 1,000-step sequence (input size 32, batch 1, CPU, no autograd). Runs are
interleaved and the median of several repeats is reported, so the ratio numpy / torch
comes from one run on one machine (target: <= 1, i.e. no slower than PyTorch). The
outputs are also compared, so a fast but wrong trace cannot pass. ``memory_fade`` is
timed over 200 steps (rnn, lstm and gru, hidden size 8, exact Jacobians).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

BENCH = "lab"
T, D, H = 1000, 32, 128
REPEATS = 15


def _row(benchmark: str, metric: str, value: float, unit: str = "", target: str = "") -> dict:
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": value,
        "unit": unit,
        "target": target,
    }


def _trace_rows(cell: str) -> list[dict]:
    import torch

    from tools.trace import forward

    torch.manual_seed(0)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](D, H).double()
    weights = {k.removesuffix("_l0"): v.detach().numpy() for k, v in module.state_dict().items()}
    X = np.random.default_rng(0).normal(size=(T, D))
    x_t = torch.from_numpy(X)[:, None, :]  # (T, 1, D)

    def run_torch():
        with torch.no_grad():
            return module(x_t)[0]

    def run_numpy():
        return forward(cell, X, weights)

    error = float(np.abs(run_numpy().hs - run_torch()[:, 0].numpy()).max())
    ours, theirs = [], []
    for _ in range(REPEATS):  # interleaved, so both see the same machine load
        started = time.perf_counter()
        run_numpy()
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        run_torch()
        theirs.append(time.perf_counter() - started)
    ms_np, ms_torch = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
    name = f"lab trace {cell} T={T} H={H}"
    return [
        _row(name, "numpy", ms_np, "ms"),
        _row(name, "torch nn." + module.__class__.__name__, ms_torch, "ms"),
        _row(name, "numpy / torch", ms_np / ms_torch, "ratio", "<= 1"),
        _row(name, "max |h - h_torch|", error, "", "<= 1e-9"),
    ]


def _fade_rows() -> list[dict]:
    from tools.fade import memory_fade

    memory_fade(steps=200)  # warm-up
    times = []
    for _ in range(5):
        started = time.perf_counter()
        memory_fade(steps=200)
        times.append(time.perf_counter() - started)
    return [_row("lab memory_fade T=200 (3 cells)", "median", statistics.median(times) * 1e3, "ms")]


def run() -> list[dict]:
    rows = []
    for cell in ("rnn", "lstm", "gru"):
        rows += _trace_rows(cell)
    return rows + _fade_rows()
