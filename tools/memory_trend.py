"""What a trace's memory does once the input stops: ``memory_trend(trace) -> MemoryTrend``.

A trace's "quiet" steps are those whose input is 0 while the hidden state still holds
something: there the cell runs on its memory alone, and the ratio h_t / h_{t-1} says
what one step does to it. Over the quiet steps the memory

- **fades** (it keeps less than itself per step: ``keep`` < 1),
- **grows** (``keep`` > 1; for tanh cells it levels off where tanh caps it),
- **flips** sign at (most) steps, fading, growing or holding its size,
- **saturates** (it sits near ±1, tanh's ceiling, and stays there),
- **settles** (it levels off at a non-zero value: something other than the memory, such
  as a bias, keeps feeding it),
- stays **steady** (about the same size, not saturated).

Two more kinds cover traces without quiet steps: **driven** (the input is never 0 after a
non-zero state) and **silent** (the hidden state is 0 throughout). Where h would level off
if the zeros went on is measured, not guessed: the lab runs the same weights on from the
last state with zero inputs. The per-step ratio uses the RMS of h (so every unit counts)
and its sign comes from h_t · h_{t-1}; for a single unit that is simply h_t / h_{t-1}.

This module only computes; the sentences that describe a ``MemoryTrend`` are the
assistant's (``assistant.prompts.TRACE_TREND_*``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

import numpy as np

from tools.trace import Trace, forward

TOL = 0.02  # a per-step ratio within 2 % of 1 counts as "about the same"
SATURATED = 0.9  # |h| at or above this sits at tanh's ceiling
SETTLED = 0.05  # a long-run |h| above this is a non-zero level, not a faded memory
EXTEND_STEPS = 300  # how far the lab runs on with zero inputs to find the long-run level
_EPS = 1e-12


@dataclass(frozen=True)
class MemoryTrend:
    """What one trace's hidden state does over its quiet (zero-input) steps."""

    kind: str  # fades | grows | flips | saturates | settles | steady | driven | silent
    cell: str
    quiet_steps: list[int]  # 1-based steps with input 0 after a non-zero state
    path: list[float]  # h from the step before the longest quiet run to the run's end
    path_start: int  # 1-based step of path[0]
    ratios: list[float]  # signed h_t / h_{t-1} at every quiet step
    keep: float | None  # geometric mean of |ratio|: the share of h kept per quiet step
    size: str | None  # for "flips": what the size does (fades | grows | steady)
    level: float | None  # where h levels off (long-run value with zero inputs), if it does
    level_reached: bool  # True when the trace itself already sits at that level
    recurrent_weight: float | None  # rnn: the scalar w when W_hh = w·I
    bias: float | None  # rnn: b_ih + b_hh when every unit has the same bias
    keep_gate: str | None  # the gate that keeps old memory: "f" (lstm) or "z" (gru)
    keep_gate_mean: float | None  # its mean over the quiet steps
    first: float  # h at step 1
    last: float  # h at the last step
    steps: int  # the trace's length

    @property
    def flips(self) -> bool:
        return self.kind == "flips"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Shared(TypedDict):
    """The ``MemoryTrend`` fields measured the same way whatever the kind turns out to be."""

    cell: str
    quiet_steps: list[int]
    path: list[float]
    path_start: int
    ratios: list[float]
    recurrent_weight: float | None
    bias: float | None
    keep_gate: str | None
    keep_gate_mean: float | None
    first: float
    last: float
    steps: int


def _rms(h: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(h))))


def value(h: np.ndarray) -> float:
    """One number for a hidden state: the unit itself when H = 1, else the RMS of h with
    the sign of its sum (so equal units read as their common value)."""
    h = np.ravel(h)
    if h.size == 1:
        return float(h[0])
    total = float(np.sum(h))
    return _rms(h) * (-1.0 if total < 0 else 1.0)


def _runs(steps: list[int]) -> list[list[int]]:
    """Consecutive runs of 0-based steps: [1, 2, 3, 6] -> [[1, 2, 3], [6]]."""
    runs: list[list[int]] = []
    for t in steps:
        if runs and runs[-1][-1] == t - 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def long_run_level(trace: Trace, steps: int = EXTEND_STEPS) -> tuple[float | None, float]:
    """(level, last ratio) after running the trace's weights on with zero inputs for
    ``steps`` more steps from its last state. ``level`` is None when h has not levelled
    off by then (it is still fading, growing or cycling)."""
    zeros = np.zeros((steps, trace.input_size))
    c0 = trace.cs[-1] if trace.cs is not None else None
    with np.errstate(over="ignore", invalid="ignore"):  # relu may grow past float range
        ext = forward(trace.cell, zeros, trace.weights, trace.hs[-1], trace.nonlinearity, c0=c0)
        a, b = _rms(ext.hs[-2]), _rms(ext.hs[-1])
    if not (math.isfinite(a) and math.isfinite(b)):
        return None, math.inf
    ratio = b / a if a > _EPS else 0.0
    level = value(ext.hs[-1]) if abs(b - a) < 1e-6 * max(1.0, b) else None
    return level, ratio


def _scalar_weight(w: np.ndarray) -> float | None:
    """w when the matrix is w times the identity, else None."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        return None
    s = float(w[0, 0])
    return s if np.allclose(w, s * np.eye(w.shape[0])) else None


def memory_trend(trace: Trace) -> MemoryTrend:
    """What the hidden state does over the trace's quiet steps (see the module doc)."""
    xs, hs = trace.xs, trace.hs
    sizes = [_rms(h) for h in hs]
    quiet = [
        t for t in range(1, trace.steps) if not np.any(xs[t]) and sizes[t - 1] > _EPS
    ]  # 0-based
    ratios = []
    for t in quiet:
        r = sizes[t] / sizes[t - 1]
        ratios.append(-r if float(hs[t] @ hs[t - 1]) < 0 else r)
    runs = _runs(quiet)
    run = max(runs, key=len) if runs else []
    path = [value(hs[t]) for t in ([run[0] - 1, *run] if run else [])]
    gate = {"lstm": "f", "gru": "z"}.get(trace.cell)
    gate_mean = float(np.mean(trace.gate(gate)[quiet])) if gate is not None and quiet else None
    rnn = trace.cell == "rnn"
    bias = trace.weights["bias_ih"] + trace.weights["bias_hh"]
    common: _Shared = {
        "cell": trace.cell,
        "quiet_steps": [t + 1 for t in quiet],
        "path": path,
        "path_start": run[0] if run else 0,  # 0-based run[0] - 1, shown 1-based
        "ratios": ratios,
        "recurrent_weight": _scalar_weight(trace.weights["weight_hh"]) if rnn else None,
        "bias": float(bias[0]) if rnn and np.allclose(bias, bias[0]) else None,
        "keep_gate": gate,
        "keep_gate_mean": gate_mean,
        "first": value(hs[0]),
        "last": value(hs[-1]),
        "steps": trace.steps,
    }
    if max(sizes) <= _EPS:
        return MemoryTrend(
            "silent", keep=None, size=None, level=None, level_reached=False, **common
        )
    level, _ = long_run_level(trace)
    if not ratios:
        return MemoryTrend(
            "driven", keep=None, size=None, level=level, level_reached=False, **common
        )
    mags = np.abs(np.array(ratios))
    keep = float(np.exp(np.mean(np.log(np.maximum(mags, _EPS)))))
    reached = abs(float(mags[-1]) - 1.0) <= TOL
    size = None
    if sum(r < 0 for r in ratios) * 2 > len(ratios):
        kind = "flips"
        size = "fades" if keep < 1 - TOL else "grows" if keep > 1 + TOL else "steady"
    elif keep > 1 + TOL or mags[-1] > 1 + TOL:
        kind = "grows"
    elif keep < 1 - TOL:
        settled = level is not None and abs(level) > SETTLED
        kind = "settles" if settled else "fades"
    else:
        run_sizes = [abs(v) for v in path] or [sizes[-1]]
        kind = "saturates" if min(run_sizes) >= SATURATED else "steady"
    return MemoryTrend(kind, keep=keep, size=size, level=level, level_reached=reached, **common)
