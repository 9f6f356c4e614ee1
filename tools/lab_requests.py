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
``run_trace`` runs it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InvalidInput, LimitExceeded
from tools.cells import GATES, NONLINEARITIES
from tools.trace import Trace, forward, init_weights

MAX_STEPS = 2000
MAX_HIDDEN = 256
MAX_INPUT = 256
MAX_RESPONSE_NUMBERS = 300_000  # about 6 MB of JSON
# Numbers per step per hidden unit in ``Trace.to_dict()``: h and the pre-activation for
# rnn; h, c and four gates for lstm; h and three gates for gru.
FIELDS_PER_UNIT = {"rnn": 2, "lstm": 6, "gru": 4}
DEFAULT_HIDDEN = 4
DEFAULT_SEED = 0
CELLS = tuple(GATES)
FIELDS = ("cell", "inputs", "weights", "hidden_size", "seed", "nonlinearity", "h0", "c0")
WEIGHT_FIELDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where} must be a number, got {type(value).__name__} {value!r:.40}")
    try:
        number = float(value)
    except OverflowError:  # an int of hundreds of digits: JSON allows it, floats do not
        raise LimitExceeded(
            f"{where} is an integer too large for a float ({len(str(abs(value)))} digits); "
            "use a number well below 1e150"
        ) from None
    if not math.isfinite(number):
        raise InvalidInput(f"{where} must be a finite number, got {value!r}")
    return number


def _vector(value: Any, name: str, length: int | None = None) -> np.ndarray:
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"'{name}' must be a list of numbers, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise InvalidInput(f"'{name}' must have {length} numbers, got {len(value)}")
    return np.array([_number(v, f"'{name}'[{i}]") for i, v in enumerate(value)])


def _matrix(value: Any, name: str, rows: int | None, cols: int | None) -> np.ndarray:
    shape = f"({rows if rows is not None else 'rows'} x {cols if cols is not None else 'cols'})"
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(f"'{name}' must be a non-empty list of rows {shape}")
    if rows is not None and len(value) != rows:
        raise InvalidInput(f"'{name}' must have {rows} rows {shape}, got {len(value)}")
    width = cols if cols is not None else (len(value[0]) if isinstance(value[0], list) else None)
    out = [_vector(r, f"{name}[{i}]", width) for i, r in enumerate(value)]
    return np.array(out).reshape(len(out), width or 0)


def _int(body: Mapping[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'{name}' must be an integer between {lo} and {hi}, got {value!r:.40}")
    if not lo <= value <= hi:
        raise LimitExceeded(f"'{name}' must be between {lo} and {hi}, got {value}")
    return value


def parse_inputs(value: Any) -> np.ndarray:
    """The ``inputs`` field as a (T, D) array: scalars mean D = 1."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(
            "'inputs' must be a non-empty list: numbers (input size 1) or equal-length lists"
        )
    if len(value) > MAX_STEPS:
        raise LimitExceeded(f"'inputs' has {len(value)} steps; at most {MAX_STEPS} are allowed")
    if all(not isinstance(v, list | tuple) for v in value):
        return _vector(value, "inputs")[:, None]
    if not all(isinstance(v, list | tuple) for v in value):
        raise InvalidInput("'inputs' mixes numbers and lists; use all numbers or all lists")
    D = len(value[0])
    if not 1 <= D <= MAX_INPUT:
        raise LimitExceeded(f"input size (length of 'inputs'[0]) must be 1..{MAX_INPUT}, got {D}")
    return _matrix(value, "inputs", None, D)


def parse_weights(value: Any, cell: str, input_size: int) -> dict[str, np.ndarray]:
    """The ``weights`` field checked against PyTorch's layout for ``cell`` (G*H rows)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "'weights' must be an object with weight_ih, weight_hh, bias_ih, bias_hh"
        )
    named = {k.removesuffix("_l0"): v for k, v in value.items()}  # torch state_dict names work too
    if len(named) < len(value):
        twice = sorted(k for k in named if k in value and f"{k}_l0" in value)[0]
        raise InvalidInput(
            f"'weights' gives both {twice!r} and '{twice}_l0'; send only one of them"
        )
    unknown = sorted(set(named) - set(WEIGHT_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown weight {unknown[0]!r}; allowed: {', '.join(WEIGHT_FIELDS)}")
    for need in ("weight_ih", "weight_hh"):
        if named.get(need) is None:
            raise InvalidInput(f"'weights.{need}' is missing (biases may be omitted, not weights)")
    G = GATES[cell]
    W_hh = named["weight_hh"]
    if not isinstance(W_hh, list | tuple) or not W_hh or not isinstance(W_hh[0], list | tuple):
        raise InvalidInput(f"'weights.weight_hh' must be a list of rows ({G}*H x H)")
    H = len(W_hh[0])
    if not 1 <= H <= MAX_HIDDEN:
        raise LimitExceeded(
            f"hidden size (columns of 'weights.weight_hh') must be 1..{MAX_HIDDEN}, got {H}"
        )
    # weight_hh first: H comes from its columns, so a non-square weight_hh is its own fault.
    W_hh = _matrix(named["weight_hh"], "weights.weight_hh", G * H, H)
    out = {
        "weight_ih": _matrix(named["weight_ih"], "weights.weight_ih", G * H, input_size),
        "weight_hh": W_hh,
    }
    for b in ("bias_ih", "bias_hh"):
        if named.get(b) is not None:
            out[b] = _vector(named[b], f"weights.{b}", G * H)
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
    if not isinstance(body, Mapping):
        raise InvalidInput("the request body must be a JSON object with at least 'inputs'")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}; allowed fields: {', '.join(FIELDS)}")
    cell = body.get("cell") or "rnn"
    if cell not in CELLS:
        raise InvalidInput(f"'cell' must be one of {', '.join(CELLS)}, got {cell!r:.40}")
    nonlinearity = body.get("nonlinearity") or "tanh"
    if nonlinearity not in NONLINEARITIES:
        raise InvalidInput(
            f"'nonlinearity' must be 'tanh', 'relu' or 'linear', got {nonlinearity!r:.40}"
        )
    if cell != "rnn" and nonlinearity != "tanh":
        raise InvalidInput(f"'nonlinearity' applies to the rnn cell only, not to {cell}")
    if "inputs" not in body:
        raise InvalidInput("'inputs' is required: the sequence x_1..x_T, e.g. [0.5, -1.0, 0.25]")
    X = parse_inputs(body["inputs"])
    if body.get("weights") is not None:
        weights = parse_weights(body["weights"], cell, X.shape[1])
        H = weights["weight_hh"].shape[1]
        if body.get("hidden_size") is not None and body["hidden_size"] != H:
            raise InvalidInput(
                f"'hidden_size' is {body['hidden_size']!r} but 'weights.weight_hh' has {H} "
                "columns; drop hidden_size or make them agree"
            )
        _check_budget(cell, X.shape[0], X.shape[1], H)
    else:
        H = _int(body, "hidden_size", DEFAULT_HIDDEN, 1, MAX_HIDDEN)
        seed = _int(body, "seed", DEFAULT_SEED, 0, 2**63 - 1)
        _check_budget(cell, X.shape[0], X.shape[1], H)  # before drawing G*H*(D+H) numbers
        weights = init_weights(cell, X.shape[1], H, np.random.default_rng(seed))
    h0 = None if body.get("h0") is None else _vector(body["h0"], "h0", H)
    c0 = None
    if body.get("c0") is not None:
        if cell != "lstm":
            raise InvalidInput("'c0' (initial cell state) applies to the lstm cell only")
        c0 = _vector(body["c0"], "c0", H)
    return TraceRequest(cell, X, weights, nonlinearity, h0, c0)


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
