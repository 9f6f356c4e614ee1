"""The arguments of ``tools.fade.memory_fade`` as a pydantic model, errors in the lab's words.

``FadeArgs`` says what each argument allows on its own: integers (a bool is not one),
hidden and input sizes of 1..256, a seed of 0 or more, the regimes, nonlinearities and
cells by name, a positive finite ``clip`` and ``recurrent_scale``, a number as
``keep_bias``. ``memory_fade`` checks the rest: ``steps`` (2..2000, only when no
``inputs`` are given) and ``inputs`` (by the ``POST /v1/trace`` rules).
``check_fade_args(**args)`` turns pydantic's ``ValidationError`` into ``InvalidInput``
(``LimitExceeded`` for sizes) naming the argument and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from core.errors import InvalidInput, LimitExceeded
from tools.cells import GATES

MAX_SIZE = 256

Size = Annotated[int, Field(ge=1, le=MAX_SIZE)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class FadeArgs(BaseModel):
    """``memory_fade``'s arguments, in the order they are checked."""

    model_config = ConfigDict(strict=True)

    steps: int
    hidden_size: Size
    input_size: Size
    seed: Annotated[int, Field(ge=0)]
    regime: Literal["vanish", "explode"]
    nonlinearity: Literal["tanh", "relu"]
    cells: Annotated[Sequence[Literal["rnn", "lstm", "gru"]], Field(min_length=1)]
    clip: Positive | None
    recurrent_scale: Positive | None
    keep_bias: float


ORDER = tuple(FadeArgs.model_fields)


def check_fade_args(**args: Any) -> None:
    """``InvalidInput``/``LimitExceeded`` for the first argument ``FadeArgs`` refuses:
    integers' types first, then field by field. The values are used as given (the report
    echoes them), so nothing is returned."""
    try:
        FadeArgs.model_validate(args)
    except ValidationError as exc:
        errors = exc.errors()
        first = min(errors, key=lambda e: (e["type"] != "int_type", ORDER.index(str(e["loc"][0]))))
        raise _fade_error(first, args) from None


def _fade_error(err: ErrorDetails, args: dict[str, Any]) -> InvalidInput:
    name, kind, value = str(err["loc"][0]), err["type"], args[str(err["loc"][0])]
    if kind == "int_type":
        return InvalidInput(f"'{name}' must be an integer, got {value!r:.40}")
    if name in ("hidden_size", "input_size"):
        return LimitExceeded(f"'{name}' must be between 1 and {MAX_SIZE}, got {value}")
    if name == "seed":
        return InvalidInput(f"'seed' must be 0 or more, got {value}")
    if name == "regime":
        return InvalidInput(f"'regime' must be 'vanish' or 'explode', got {value!r:.40}")
    if name == "nonlinearity":
        return InvalidInput(f"'nonlinearity' must be 'tanh' or 'relu', got {value!r:.40}")
    if name == "cells":
        listed = isinstance(value, list | tuple | str)
        bad = [c for c in value if c not in tuple(GATES)] if listed else value
        return InvalidInput(
            f"'cells' must be a non-empty list from {list(GATES)}, got {bad or value}"
        )
    if name == "keep_bias":
        return InvalidInput(f"'keep_bias' must be a number, got {value!r:.40}")
    return InvalidInput(f"'{name}' must be a positive number, got {value!r}")
