"""Oversized reply parts for the Slack and Discord render tests: a lesson paragraph to
repeat and a trace of thousands of wide steps, both far past what one message may hold."""

from __future__ import annotations

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
