"""Validate a ``POST /v1/trace`` request body and run it: ``run_trace_request(body)``.

The HTTP route, the ``tutor trace`` command and the ``rnn_trace`` LangChain tool
all call this one function, so they accept the same bodies and fail with the same
messages. Bad input raises ``core.errors.InvalidInput`` (wrong type or shape) or
``LimitExceeded`` (too large), and each message names the argument and says what
is allowed. Limits: at most 2,000 steps, hidden size and input size at most 256,
finite numbers only, and at most ``MAX_RESPONSE_NUMBERS`` numbers in the returned
trace (steps x (input size + hidden size x fields per step)), so a 10 KB request
cannot ask for a 67 MB answer. ``parse_trace_request`` checks a body without running
it (the HTTP edge charges the rate limit by the checked answer's size before any work),
``run_trace`` runs it. Each field on its own is checked by the pydantic model
``tools.trace_body.TraceBody``; this module checks how the fields fit together (weight
shapes for the cell, ``h0``/``c0`` against the hidden size, ``hidden_size`` and ``seed``,
the answer's size), once every field has the right type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InvalidInput, LimitExceeded
from tools.cells import GATES
from tools.trace import Trace, forward, init_weights
from tools.trace_body import MAX_HIDDEN, TraceWeights, trace_body

MAX_RESPONSE_NUMBERS = 300_000  # about 6 MB of JSON
# Numbers per step per hidden unit in ``Trace.to_dict()``: h and the pre-activation for
# rnn; h, c and four gates for lstm; h and three gates for gru.
FIELDS_PER_UNIT = {"rnn": 2, "lstm": 6, "gru": 4}
DEFAULT_HIDDEN = 4
DEFAULT_SEED = 0


def _vector(value: list[float], name: str, length: int) -> np.ndarray:
    if len(value) != length:
        raise InvalidInput(f"'{name}' must have {length} numbers, got {len(value)}")
    return np.array(value)


def _matrix(value: list[list[float]], name: str, rows: int | None, cols: int) -> np.ndarray:
    shape = f"({rows if rows is not None else 'rows'} x {cols})"
    if not value:
        raise InvalidInput(f"'{name}' must be a non-empty list of rows {shape}")
    if rows is not None and len(value) != rows:
        raise InvalidInput(f"'{name}' must have {rows} rows {shape}, got {len(value)}")
    for i, row in enumerate(value):
        if len(row) != cols:
            raise InvalidInput(f"'{name}[{i}]' must have {cols} numbers, got {len(row)}")
    return np.array(value).reshape(len(value), cols)


def _int(value: Any, name: str, default: int, lo: int, hi: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'{name}' must be an integer between {lo} and {hi}, got {value!r:.40}")
    if not lo <= value <= hi:
        raise LimitExceeded(f"'{name}' must be between {lo} and {hi}, got {value}")
    return value


def _inputs(inputs: list[float] | list[list[float]]) -> np.ndarray:
    """Checked ``inputs`` as a (T, D) array: scalars mean D = 1; rows of equal length."""
    if isinstance(inputs[0], list):
        return _matrix(inputs, "inputs", None, len(inputs[0]))
    return np.array(inputs)[:, None]


def parse_inputs(value: Any) -> np.ndarray:
    """The ``inputs`` field as a (T, D) array: scalars mean D = 1."""
    return _inputs(trace_body({"inputs": value}).inputs)


def parse_weights(weights: TraceWeights, cell: str, input_size: int) -> dict[str, np.ndarray]:
    """The ``weights`` field checked against PyTorch's layout for ``cell`` (G*H rows)."""
    G, H = GATES[cell], len(weights.weight_hh[0])
    # weight_hh first: H comes from its columns, so a non-square weight_hh is its own fault.
    W_hh = _matrix(weights.weight_hh, "weights.weight_hh", G * H, H)
    out = {
        "weight_ih": _matrix(weights.weight_ih, "weights.weight_ih", G * H, input_size),
        "weight_hh": W_hh,
    }
    for b in ("bias_ih", "bias_hh"):
        if (bias := getattr(weights, b)) is not None:
            out[b] = _vector(bias, f"weights.{b}", G * H)
    return out


def response_numbers(cell: str, steps: int, input_size: int, hidden_size: int) -> int:
    """How many numbers the ``Trace`` JSON of such a run holds (its size, in effect):
    every step's x, h and per-unit fields, the weights it echoes, and h0."""
    G, H, D = GATES[cell], hidden_size, input_size
    per_steps = steps * (D + H * FIELDS_PER_UNIT[cell])
    return per_steps + G * H * (D + H + 2) + H


def _check_budget(cell: str, steps: int, input_size: int, hidden_size: int) -> None:
    numbers = response_numbers(cell, steps, input_size, hidden_size)
    if numbers > MAX_RESPONSE_NUMBERS:
        raise LimitExceeded(
            f"this {cell} trace would return {numbers:,} numbers ({steps} steps, hidden "
            f"size {hidden_size}, input size {input_size}, with its weights); at most "
            f"{MAX_RESPONSE_NUMBERS:,} are allowed per request. Use fewer steps or a smaller "
            "hidden size, or split the sequence and pass the last 'h' (and 'c') of one "
            "request as 'h0' (and 'c0') of the next."
        )


@dataclass(frozen=True)
class TraceRequest:
    """A checked ``POST /v1/trace`` body, ready to run; ``numbers`` is its answer's size."""

    cell: str
    X: np.ndarray  # (T, D)
    weights: dict[str, np.ndarray]
    nonlinearity: str
    h0: np.ndarray | None = None
    c0: np.ndarray | None = None

    @property
    def numbers(self) -> int:
        H = self.weights["weight_hh"].shape[1]
        return response_numbers(self.cell, self.X.shape[0], self.X.shape[1], H)


def parse_trace_request(body: Any) -> TraceRequest:
    """Check a ``POST /v1/trace`` body (types, shapes, limits, the answer's size) without
    running it; see API.md for the fields."""
    checked = trace_body(body)
    cell = checked.cell
    X = _inputs(checked.inputs)  # (T, D)
    if checked.weights is not None:
        weights = parse_weights(checked.weights, cell, X.shape[1])
        H = weights["weight_hh"].shape[1]
        if checked.hidden_size is not None and checked.hidden_size != H:
            raise InvalidInput(
                f"'hidden_size' is {checked.hidden_size!r} but 'weights.weight_hh' has {H} "
                "columns; drop hidden_size or make them agree"
            )
        _check_budget(cell, X.shape[0], X.shape[1], H)
    else:  # checked here, not in TraceBody: with weights, seed is unused (and unchecked)
        H = _int(checked.hidden_size, "hidden_size", DEFAULT_HIDDEN, 1, MAX_HIDDEN)
        seed = _int(checked.seed, "seed", DEFAULT_SEED, 0, 2**63 - 1)
        _check_budget(cell, X.shape[0], X.shape[1], H)  # before drawing G*H*(D+H) numbers
        weights = init_weights(cell, X.shape[1], H, np.random.default_rng(seed))
    h0 = None if checked.h0 is None else _vector(checked.h0, "h0", H)
    c0 = None if checked.c0 is None else _vector(checked.c0, "c0", H)
    return TraceRequest(cell, X, weights, checked.nonlinearity, h0, c0)


def run_trace(request: TraceRequest) -> Trace:
    """Run a checked request; ``LimitExceeded`` if the numbers overflow."""
    # Finite inputs can still overflow (1e308 * 1e308); JSON has no NaN, so say so here.
    with np.errstate(over="ignore", invalid="ignore"):
        trace = forward(
            request.cell,
            request.X,
            request.weights,
            h0=request.h0,
            nonlinearity=request.nonlinearity,
            c0=request.c0,
        )
    computed = [trace.hs, trace.pre, trace.cs, trace.gates]
    if not all(np.isfinite(a).all() for a in computed if a is not None):
        raise LimitExceeded(
            "the trace overflowed to infinity or NaN; use smaller inputs or weights "
            "(|values| well below 1e150)"
        )
    return trace


def run_trace_request(body: Any) -> Trace:
    """Check a ``POST /v1/trace`` body and run it; see API.md for the fields."""
    return run_trace(parse_trace_request(body))
