"""Turning a ``TutorError`` raised inside a tool into something the reply can explain.

A bad trace request in a chat message ("hidden size 900") is not a failed HTTP request:
the tool returns an ``error`` artifact and a sentence saying what is wrong, and both
brains tell the learner, while the session stays intact.
"""

from __future__ import annotations

import functools
from typing import Any

from assistant import prompts
from core.errors import TutorError


def friendly_errors(fn: Any) -> Any:
    """Turn a ``TutorError`` inside a tool into an ``error`` artifact the reply can explain."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[str, dict]:
        try:
            return fn(*args, **kwargs)
        except TutorError as exc:
            text = prompts.render(prompts.TOOL_ERROR, message=exc.message)
            return text, {"kind": "error", "code": exc.code, "message": exc.message}

    return wrapper
