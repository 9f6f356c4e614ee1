"""Oversized reply parts for the Slack and Discord render tests: a lesson paragraph to
repeat, citations by the dozen and a trace of thousands of wide steps, all far past what
one message may hold."""

from __future__ import annotations

from assistant.types import Citation

PUBLIC = "https://tutor.example.edu"
PARAGRAPH = "An RNN reads one input per step and updates **its hidden state** $h_t$. " * 12


def long_trace(
    cell: str, x: list[float], h: float, c: float | None, steps: int = 2000, hidden: int = 256
) -> dict:
    """A trace payload of ``steps`` identical steps: input ``x``, every hidden unit ``h``,
    every cell-state unit ``c`` (None: a cell without one)."""
    return {
        "cell": cell,
        "hidden_size": hidden,
        "input_size": len(x),
        "weights": {},
        "steps": [
            {
                "t": t,
                "x": list(x),
                "h": [h] * hidden,
                "c": None if c is None else [c] * hidden,
                "gates": None,
            }
            for t in range(1, steps + 1)
        ],
    }


def cites(n: int, tail: str = "") -> list[Citation]:
    """``n`` citations of the lesson's sections 0 to n-1, each title ending in ``tail``."""
    return [
        Citation(
            "lesson", f"Why sequences need memory > Section {i}{tail}", "q", f"/lessons/l#s{i}"
        )
        for i in range(n)
    ]
