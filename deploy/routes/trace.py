"""``POST /v1/trace``: run an RNN, LSTM or GRU cell over a sequence, every step returned.

The route checks a body first, then charges the client's rate limit by the size of its
answer: one hit per started ``NUMBERS_PER_HIT`` numbers of the returned trace (at most
the whole budget), so the largest allowed trace costs as much as a handful of small
ones, and a body refused as too large costs one hit and gets its 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool

from core.errors import TutorError
from deploy.deps import ServicesDep, client_key
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
        "nonlinearity": {"type": "string", "enum": ["tanh", "relu", "linear"], "default": "tanh"},
        "h0": {"anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "null"}]},
        "c0": {"anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "null"}]},
    },
    "additionalProperties": False,
    "example": _EXAMPLE,
}


def _parse(body: dict[str, Any]) -> Any:
    from tools.lab_requests import parse_trace_request

    return parse_trace_request(body)


def _run(request: Any) -> dict[str, Any]:
    from tools.lab_requests import run_trace

    return run_trace(request).to_dict()


def cost(numbers: int, budget: int) -> int:
    """Rate-limit hits for an answer of ``numbers`` numbers: one per started
    ``NUMBERS_PER_HIT``, never more than the whole ``budget`` (so an allowed request is
    always possible in a fresh window)."""
    return min(budget, max(1, -(-numbers // NUMBERS_PER_HIT)))


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
    key = client_key(request)
    try:  # checked before it is charged: a refused body costs one hit and says why
        checked = await run_in_threadpool(_parse, body)
    except TutorError:
        await check(services.limiter, key)
        raise
    await check(services.limiter, key, cost=cost(checked.numbers, services.limiter.rate.limit))
    return await run_in_threadpool(_run, checked)
