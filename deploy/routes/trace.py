"""``POST /v1/trace``: run an RNN, LSTM or GRU cell over a sequence, every step returned.

The route charges a request against the client's rate limit by the size of its answer:
one hit per started ``NUMBERS_PER_HIT`` numbers of the returned trace, so the largest
allowed trace costs as much as a handful of small ones.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool

from deploy.deps import ServicesDep, client_ip
from deploy.openapi import error_responses
from deploy.ratelimit import check

router = APIRouter(tags=["lab"])

NUMBERS_PER_HIT = 50_000

_EXAMPLE = {"cell": "rnn", "inputs": [1, 0, 0], "hidden_size": 2, "seed": 0}
_SCHEMA = {
    "type": "object",
    "required": ["inputs"],
    "properties": {
        "cell": {"type": "string", "enum": ["rnn", "lstm", "gru"], "default": "rnn"},
        "inputs": {
            "description": "x_1..x_T: numbers (input size 1) or equal-length lists of numbers",
            "type": "array",
            "minItems": 1,
            "items": {
                "anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}]
            },
        },
        "weights": {"anyOf": [{"type": "object"}, {"type": "null"}]},
        "hidden_size": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "seed": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "nonlinearity": {"type": "string", "enum": ["tanh", "relu"], "default": "tanh"},
        "h0": {"anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "null"}]},
        "c0": {"anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "null"}]},
    },
    "additionalProperties": False,
    "example": _EXAMPLE,
}


def _run(body: dict[str, Any]) -> dict[str, Any]:
    from tools.requests import run_trace_request

    return run_trace_request(body).to_dict()


def _cost(body: dict[str, Any]) -> int:
    """Rate-limit hits for this body, from the size of the answer it asks for (1 when the
    body is malformed: validation rejects it before anything runs)."""
    from tools.requests import FIELDS_PER_UNIT, response_numbers

    try:
        cell = body.get("cell") or "rnn"
        inputs = body["inputs"]
        first = inputs[0]
        width = len(first) if isinstance(first, list) else 1
        weights = body.get("weights")
        hidden = len(weights["weight_hh"][0]) if weights else (body.get("hidden_size") or 4)
        if cell not in FIELDS_PER_UNIT or not isinstance(hidden, int):
            return 1
        numbers = response_numbers(cell, len(inputs), width, hidden)
    except (KeyError, IndexError, TypeError, AttributeError):
        return 1
    return max(1, -(-numbers // NUMBERS_PER_HIT))


# The body is a free-form object to the validator (run_trace_request names every fault
# itself); the schema documents the real shape, ``inputs`` required.
@router.post(
    "/v1/trace",
    responses=error_responses(413, 422, 429),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": _SCHEMA}}}},
)
async def trace(
    request: Request,
    services: ServicesDep,
    body: Annotated[dict[str, Any], Body(openapi_examples={"rnn": {"value": _EXAMPLE}})],
) -> dict[str, Any]:
    """The ``Trace`` of API.md; limits and shape errors are 422 naming the argument."""
    await check(services.limiter, f"ip:{client_ip(request)}", cost=_cost(body))
    return await run_in_threadpool(_run, body)
