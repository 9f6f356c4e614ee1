"""What chat buttons and slash commands mean, phrased the way a learner would type them.

The tutor core understands learners' words, not platform gestures; both adapters turn a
click on Hint / Give up / Next or a ``trace`` / ``quiz`` command into these messages, so
Slack and Discord behave the same.
"""

from __future__ import annotations

HINT = "hint"
GIVE_UP = "I give up"
NEXT = "next exercise"
QUIZ = "quiz me"
BUTTONS = {"hint": HINT, "giveup": GIVE_UP, "next": NEXT}


def trace_request(spec: str) -> str:
    """A trace request; with no numbers the tutor picks teaching defaults."""
    return f"walk me through a trace {spec}".strip()
