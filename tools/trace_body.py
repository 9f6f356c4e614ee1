"""A ``POST /v1/trace`` body as a pydantic model, its errors in the lab's own words.

``TraceBody`` says what each field allows on its own: the field and weight names, finite
numbers (a bool is not one), lists of numbers, at most ``MAX_STEPS`` steps, input and
hidden sizes (the first row of ``inputs`` and of ``weights.weight_hh``) of 1..256. What
depends on several fields (weight shapes against the cell, ``h0`` against the hidden
size, ``hidden_size`` and ``seed``, whose meaning depends on ``weights``, the response
budget) is checked by ``tools.lab_requests`` once the body has this shape.
``trace_body(data)`` validates and turns pydantic's ``ValidationError`` into
``InvalidInput`` (``LimitExceeded`` for sizes) for the first fault, field by field in
the order of ``FIELDS_CHECKED``; the message names the argument and says what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from core.errors import InvalidInput, LimitExceeded
from tools.cells import GATES

MAX_STEPS = 2000
MAX_HIDDEN = 256
MAX_INPUT = 256
CELLS = tuple(GATES)
FIELDS = ("cell", "inputs", "weights", "hidden_size", "seed", "nonlinearity", "h0", "c0")
WEIGHT_FIELDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

Number = Annotated[float, Field(allow_inf_nan=False)]  # strict: an int is one, a bool is not
Vector = list[Number]
InputRow = Annotated[Vector, Field(min_length=1, max_length=MAX_INPUT)]  # its length is D
HiddenRow = Annotated[Vector, Field(min_length=1, max_length=MAX_HIDDEN)]  # its length is H
Steps = Field(min_length=1, max_length=MAX_STEPS)


def _inputs_kind(value: Any) -> str:
    """'rows' when the first step is a list (input size D > 1), else 'numbers'."""
    return "rows" if isinstance(value, list) and value and isinstance(value[0], list) else "numbers"


Inputs = Annotated[
    Annotated[Annotated[Vector, Steps], Tag("numbers")]
    | Annotated[Annotated[list[InputRow], Steps], Tag("rows")],
    Discriminator(_inputs_kind),
]


class TraceWeights(BaseModel):
    """``weights`` in PyTorch's names and layouts (a layer-0 ``state_dict``'s
    ``weight_ih_l0`` etc. work too); ``weight_hh`` first, as H is its number of columns."""

    model_config = ConfigDict(strict=True, extra="forbid")

    weight_hh: Annotated[list[HiddenRow], Field(min_length=1)]  # (G*H, H)
    weight_ih: list[Vector]  # (G*H, D)
    bias_ih: Vector | None = None  # (G*H,), zero when omitted
    bias_hh: Vector | None = None  # (G*H,)

    @model_validator(mode="before")
    @classmethod
    def _torch_names(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        named = {str(k).removesuffix("_l0"): v for k, v in data.items()}
        if len(named) < len(data):
            twice = sorted(k for k in named if k in data and f"{k}_l0" in data)[0]
            raise _rule(f"'weights' gives both {twice!r} and '{twice}_l0'; send only one of them")
        return named


class TraceBody(BaseModel):
    """A ``POST /v1/trace`` body (API.md)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    cell: Literal["rnn", "lstm", "gru"] = "rnn"
    nonlinearity: Literal["tanh", "relu", "linear"] = "tanh"
    inputs: Inputs
    weights: TraceWeights | None = None
    hidden_size: Any = None  # an int 1..256, or the number of columns of weights.weight_hh
    seed: Any = None  # an int >= 0, unused when weights are given
    h0: Vector | None = None
    c0: Vector | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """An empty or null ``cell`` or ``nonlinearity`` means the default."""
        if not isinstance(data, Mapping):
            return data
        return {k: v for k, v in data.items() if v or k not in ("cell", "nonlinearity")}

    @field_validator("nonlinearity")
    @classmethod
    def _rnn_only(cls, value: str, info: ValidationInfo) -> str:
        if value != "tanh" and info.data.get("cell", "rnn") != "rnn":
            raise _rule(f"'nonlinearity' applies to the rnn cell only, not to {info.data['cell']}")
        return value

    @field_validator("c0", mode="before")
    @classmethod
    def _lstm_only(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("cell", "lstm") != "lstm":
            raise _rule("'c0' (initial cell state) applies to the lstm cell only")
        return value


def _rule(message: str) -> PydanticCustomError:
    """A fault that concerns more than one value, already in the lab's words."""
    return PydanticCustomError("lab_rule", message)


FIELDS_CHECKED = tuple(TraceBody.model_fields)


def trace_body(data: Any) -> TraceBody:
    """``data`` as a ``TraceBody``, or ``InvalidInput``/``LimitExceeded`` for its first fault."""
    try:
        return TraceBody.model_validate(data)
    except ValidationError as exc:
        raise _lab_error(min(exc.errors(), key=_rank), data) from None


def _rank(err: ErrorDetails) -> tuple[int, int, str]:
    """The body's type, unknown fields (alphabetically), then field by field; in ``inputs``
    a mix of numbers and lists first, in ``weights`` unknown names, then missing weights."""
    loc = err["loc"]
    if not loc:
        return (0, 0, "")
    if len(loc) == 1 and err["type"] in ("extra_forbidden", "invalid_key"):
        return (1, 0, str(loc[0]))
    field = 2 + FIELDS_CHECKED.index(str(loc[0]))
    if loc[0] == "inputs" and _mixes(err):
        return (field, 0, "")
    if loc[0] == "weights" and err["type"] == "extra_forbidden":
        return (field, 0, str(loc[1]))
    if loc[0] == "weights" and _missing(err):
        return (field, 1, str(WEIGHT_FIELDS.index(str(loc[1]))))
    return (field, 2, "")


def _mixes(err: ErrorDetails) -> bool:
    """A list among numbers, or a number among lists, in ``inputs``."""
    loc = err["loc"]
    return len(loc) == 3 and (
        (loc[1] == "numbers" and isinstance(err["input"], list))
        or (loc[1] == "rows" and err["type"] == "list_type")
    )


def _missing(err: ErrorDetails) -> bool:
    return len(err["loc"]) == 2 and (err["type"] == "missing" or err["input"] is None)


def _name(loc: tuple[int | str, ...]) -> str:
    """('weights', 'weight_hh', 2) -> 'weights.weight_hh[2]'; the union's tags dropped."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("numbers", "rows"):
            out += f".{part}" if out else part
    return out


def _lab_error(err: ErrorDetails, data: Any) -> InvalidInput:
    loc, kind, value = err["loc"], err["type"], err["input"]
    if kind == "lab_rule":
        return InvalidInput(err["msg"])
    if not loc:
        return InvalidInput("the request body must be a JSON object with at least 'inputs'")
    if len(loc) == 1 and kind in ("extra_forbidden", "invalid_key"):
        return InvalidInput(f"unknown field {loc[0]!r}; allowed fields: {', '.join(FIELDS)}")
    if loc[0] == "cell":
        return InvalidInput(f"'cell' must be one of {', '.join(CELLS)}, got {value!r:.40}")
    if loc[0] == "nonlinearity":
        return InvalidInput(f"'nonlinearity' must be 'tanh', 'relu' or 'linear', got {value!r:.40}")
    if loc[0] == "inputs":
        return _inputs_error(err, data)
    if loc[0] == "weights":
        return _weights_error(err, data)
    return _vector_error(err)


def _inputs_error(err: ErrorDetails, data: Any) -> InvalidInput:
    loc, kind, value = err["loc"], err["type"], err["input"]
    if kind == "missing":
        return InvalidInput("'inputs' is required: the sequence x_1..x_T, e.g. [0.5, -1.0, 0.25]")
    if len(loc) == 2 and kind == "too_long":
        return LimitExceeded(f"'inputs' has {len(value)} steps; at most {MAX_STEPS} are allowed")
    if len(loc) == 2:  # not a list, or an empty one
        return InvalidInput(
            "'inputs' must be a non-empty list: numbers (input size 1) or equal-length lists"
        )
    if _mixes(err):
        return InvalidInput("'inputs' mixes numbers and lists; use all numbers or all lists")
    if len(loc) == 3 and kind in ("too_long", "too_short"):
        if loc[2] == 0:
            return LimitExceeded(
                f"input size (length of 'inputs'[0]) must be 1..{MAX_INPUT}, got {len(value)}"
            )
        D = len(data["inputs"][0])
        return InvalidInput(f"'inputs[{loc[2]}]' must have {D} numbers, got {len(value)}")
    return _vector_error(err)


def _weights_error(err: ErrorDetails, data: Any) -> InvalidInput:
    loc, kind, value = err["loc"], err["type"], err["input"]
    if len(loc) == 1:
        return InvalidInput(
            "'weights' must be an object with weight_ih, weight_hh, bias_ih, bias_hh"
        )
    if kind == "extra_forbidden":
        return InvalidInput(f"unknown weight {loc[1]!r}; allowed: {', '.join(WEIGHT_FIELDS)}")
    if _missing(err):
        return InvalidInput(f"'weights.{loc[1]}' is missing (biases may be omitted, not weights)")
    G = GATES[data.get("cell") or "rnn"]
    if loc[1] == "weight_hh" and (len(loc) == 2 or (loc[2] == 0 and kind == "list_type")):
        return InvalidInput(f"'weights.weight_hh' must be a list of rows ({G}*H x H)")
    if loc[1] == "weight_hh" and loc[2] == 0 and kind in ("too_long", "too_short"):
        return LimitExceeded(
            f"hidden size (columns of 'weights.weight_hh') must be 1..{MAX_HIDDEN}, "
            f"got {len(value)}"
        )
    # A fault elsewhere in weights: weight_hh (and inputs, checked before) are fine.
    weights = {k.removesuffix("_l0"): v for k, v in data["weights"].items()}
    H = len(weights["weight_hh"][0])
    if loc[1] == "weight_hh" and kind in ("too_long", "too_short"):  # a later row
        return InvalidInput(f"'{_name(loc)}' must have {H} numbers, got {len(value)}")
    if loc[1] == "weight_ih" and len(loc) == 2:
        D = len(data["inputs"][0]) if isinstance(data["inputs"][0], list) else 1
        return InvalidInput(f"'weights.weight_ih' must be a non-empty list of rows ({G * H} x {D})")
    return _vector_error(err)


def _vector_error(err: ErrorDetails) -> InvalidInput:
    loc, kind, value = err["loc"], err["type"], err["input"]
    if kind == "list_type":
        return InvalidInput(f"'{_name(loc)}' must be a list of numbers, got {type(value).__name__}")
    return _number_error(f"'{_name(loc[:-1])}'[{loc[-1]}]", value, kind != "finite_number")


def _number_error(where: str, value: Any, finite: bool = True) -> InvalidInput:
    """Why ``value`` at ``where`` (e.g. "'inputs'[3]") is not a number the lab takes."""
    if not finite:
        return InvalidInput(f"{where} must be a finite number, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):  # beyond a float's range
        return LimitExceeded(
            f"{where} is an integer too large for a float ({len(str(abs(value)))} digits); "
            "use a number well below 1e150"
        )
    return InvalidInput(f"{where} must be a number, got {type(value).__name__} {value!r:.40}")
