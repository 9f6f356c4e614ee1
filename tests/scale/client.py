"""HTTP helpers of the scale tests: one learner's requests to one tutor endpoint.

A ``target`` is anything with ``url``, ``name`` and ``tail()`` (an ``Instance``, or the
reverse proxy in front of them); a non-200 answer fails with the body and the tail of
that process's log, so a failure on a subprocess says what the server saw.
"""

from __future__ import annotations

from typing import Protocol

import httpx

HIGH = "100000/minute"  # effectively unlimited, except in the rate-limit test
TIMEOUT = httpx.Timeout(90.0, connect=10.0)


class Target(Protocol):
    name: str

    @property
    def url(self) -> str: ...

    def tail(self) -> str: ...


def check(response: httpx.Response, target: Target) -> dict:
    assert response.status_code == 200, (
        f"{target.name} {response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text[:500]}\n--- log of {target.name} ---\n{target.tail()}"
    )
    return response.json()


def chat(target: Target, message: str, session_id: str | None = None, **headers: str) -> dict:
    body = {"message": message, "session_id": session_id}
    url = f"{target.url}/v1/chat"
    return check(httpx.post(url, json=body, headers=headers, timeout=TIMEOUT), target)


def history(target: Target, session_id: str) -> list[dict]:
    url = f"{target.url}/v1/sessions/{session_id}/messages"
    return check(httpx.get(url, timeout=TIMEOUT), target)["messages"]


def search(target: Target, query: str, k: int = 5) -> list[dict]:
    url = f"{target.url}/v1/search"
    return check(httpx.get(url, params={"q": query, "k": k}, timeout=TIMEOUT), target)["results"]


def assert_alternates(messages: list[dict]) -> None:
    roles = [m["role"] for m in messages]
    expected = ["user", "assistant"] * (len(roles) // 2)
    assert roles == expected, f"roles not strictly user/assistant: {roles}"
