"""``POST /v1/trace`` against the outside probe's inputs: integers too large for a float,
answers far larger than the request (response amplification), and the rate-limit price
of a large answer."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from limits.aio.storage import MemoryStorage

from core.settings import Settings
from deploy.ratelimit import Rate, RateLimiter, check, make_rate_limiter
from deploy.routes.trace import cost
from tests.deploy.test_http_errors import _error
from tests.deploy.test_ratelimit import REDIS_URL
from tools.lab_requests import MAX_RESPONSE_NUMBERS, response_numbers

HUGE = int("9" * 400)


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": [HUGE]},
        {"inputs": [[1.0, HUGE]]},
        {"inputs": [1], "hidden_size": 1, "h0": [HUGE]},
        {"inputs": [1], "weights": {"weight_ih": [[HUGE]], "weight_hh": [[0.5]]}},
        {"inputs": [1], "weights": {"weight_ih": [[1]], "weight_hh": [[0.5]], "bias_hh": [HUGE]}},
    ],
)
def test_an_integer_of_400_digits_is_a_422_naming_the_field(fake_client, body):
    msg = _error(fake_client.post("/v1/trace", json=body), 422, "limit_exceeded")
    assert "too large for a float" in msg and "400 digits" in msg


def test_the_connection_survives_the_bad_input(fake_client):
    assert fake_client.post("/v1/trace", json={"inputs": [HUGE]}).status_code == 422
    assert fake_client.post("/v1/trace", json={"inputs": [1, 0]}).status_code == 200


def _count_numbers(value) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return 1
    if isinstance(value, list):
        return sum(_count_numbers(v) for v in value)
    if isinstance(value, dict):
        return sum(_count_numbers(v) for v in value.values())
    return 0


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_budget_counts_every_number_of_the_answer(fake_client, cell):
    body = {"cell": cell, "inputs": [[0.5, -1.0, 0.25]] * 7, "hidden_size": 5}
    answer = fake_client.post("/v1/trace", json=body).json()
    counted = _count_numbers({k: answer[k] for k in ("weights", "h0", "steps")})
    counted -= len(answer["steps"])  # the step numbers t are not data
    assert counted == response_numbers(cell, 7, 3, 5)


def largest_hidden(cell: str, steps: int, inputs: int = 1) -> int:
    fits = [
        h for h in range(1, 257) if response_numbers(cell, steps, inputs, h) <= MAX_RESPONSE_NUMBERS
    ]
    return max(fits)


def test_the_probes_67_mb_trace_is_refused_with_how_to_split_it(fake_client):
    body = {"cell": "lstm", "inputs": [0.5] * 2000, "hidden_size": 256}
    assert len(str(body)) < 12_000  # a small request...
    msg = _error(fake_client.post("/v1/trace", json=body), 422, "limit_exceeded")
    assert f"{response_numbers('lstm', 2000, 1, 256):,} numbers" in msg  # ...asking for 3.3 M
    assert "'h0'" in msg and "fewer steps" in msg


def test_a_short_trace_with_wide_random_weights_is_refused_too(fake_client):
    """The weights are part of the answer: one step of a 256-wide LSTM over 256 inputs
    echoes 4 x 256 x 514 numbers (11.6 MB from a 2 KB request before this was counted)."""
    body = {"cell": "lstm", "inputs": [[0.5] * 256], "hidden_size": 256}
    msg = _error(fake_client.post("/v1/trace", json=body), 422, "limit_exceeded")
    assert "with its weights" in msg


def test_the_largest_allowed_answer_is_bounded_in_bytes(fake_client):
    hidden = largest_hidden("gru", 2000)
    body = {"cell": "gru", "inputs": [0.5] * 2000, "hidden_size": hidden}
    r = fake_client.post("/v1/trace", json=body)
    assert r.status_code == 200, r.text
    assert len(r.content) < 8_000_000
    assert len(r.json()["steps"]) == 2000
    body["hidden_size"] = hidden + 1
    _error(fake_client.post("/v1/trace", json=body), 422, "limit_exceeded")


def test_a_refused_trace_costs_one_hit_and_gets_its_422_not_a_429(fake_app_factory):
    """Charged before it was checked, the probe's request cost 62 hits: every retry was a
    429 that hid the reason, and the address's chat was blocked for the minute."""
    from fastapi.testclient import TestClient

    huge = {"cell": "lstm", "inputs": [0.5] * 2000, "hidden_size": 256}
    with TestClient(fake_app_factory(rate_limit="5/minute")) as client:
        codes = [client.post("/v1/trace", json=huge).status_code for _ in range(3)]
        codes += [client.post("/v1/chat", json={"message": "hi"}).status_code for _ in range(3)]
    assert codes == [422, 422, 422, 200, 200, 429]


def test_no_allowed_trace_costs_more_than_the_whole_budget():
    assert cost(MAX_RESPONSE_NUMBERS, budget=3) == 3
    assert cost(1, budget=30) == 1 and cost(50_001, budget=30) == 2


def test_a_large_trace_costs_more_of_the_rate_limit(fake_app_factory):
    from fastapi.testclient import TestClient

    # 2000 steps, hidden 24: 2000 x (1 + 48) + 24 x 26 + 24 = 98,648 numbers = 2 hits.
    big = {"inputs": [0.1] * 2000, "hidden_size": 24}
    assert cost(response_numbers("rnn", 2000, 1, 24), budget=5) == 2
    with TestClient(fake_app_factory(rate_limit="5/minute")) as client:
        codes = [client.post("/v1/trace", json=big).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # 2 + 2 hits, then 6 > 5
    with TestClient(fake_app_factory(rate_limit="5/minute")) as client:
        small = [client.post("/v1/trace", json={"inputs": [1]}).status_code for _ in range(6)]
    assert small == [200] * 5 + [429]


def test_memory_limiter_counts_the_cost():
    limiter = RateLimiter(Rate(10, 60), MemoryStorage())

    async def run() -> list[bool]:
        return [(await limiter.hit("ip:a", cost)).allowed for cost in (1, 4, 5, 1)]

    assert asyncio.run(run()) == [True, True, True, False]  # 1, 5, 10, then 11 > 10


@pytest.mark.skipif(not REDIS_URL, reason="set TUTOR_TEST_REDIS_URL to test the Redis limiter")
def test_redis_limiter_counts_the_cost(tmp_path):
    key = f"ip:cost-{uuid.uuid4().hex}"
    settings = Settings(_env_file=None, data_dir=tmp_path, redis_url=REDIS_URL)

    async def run() -> list[bool]:
        limiter = make_rate_limiter(settings, Rate(6, 60))
        try:
            verdicts = [await limiter.hit(key, cost) for cost in (2, 4, 1)]
            with pytest.raises(Exception, match="limit is 6 requests"):
                await check(limiter, key, cost=3)
            return [v.allowed for v in verdicts]
        finally:
            await limiter.close()

    assert asyncio.run(run()) == [True, True, False]
