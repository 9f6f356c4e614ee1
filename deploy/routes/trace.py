"""``POST /v1/trace``: run an RNN, LSTM or GRU cell over a sequence, every step returned."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from deploy.deps import RateLimitDep

router = APIRouter(tags=["lab"])


def _run(body: dict[str, Any]) -> dict[str, Any]:
    from tools.requests import run_trace_request

    return run_trace_request(body).to_dict()


@router.post("/v1/trace", dependencies=[RateLimitDep])
async def trace(
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"cell": "rnn", "inputs": [1, 0, 0], "hidden_size": 2, "seed": 0}]),
    ],
) -> dict[str, Any]:
    """The ``Trace`` of API.md; limits and shape errors are 422 naming the argument."""
    return await run_in_threadpool(_run, body)
