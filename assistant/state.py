"""The per-turn context that the agent loop hands to tools and to the offline brain.

A ``TurnContext`` is built by the ``Tutor`` for one learner message while it holds the
session lock: the session id, the session's persisted state (a JSON-able dict: the open
exercise with its hint rung and attempts, the flashcard under review), the session store
for progress and flashcards, and the recent history. Tools mutate ``state``; the tutor
persists it when the turn ends. It travels as LangGraph runtime context
(``agent.invoke(..., context=ctx)``), so one compiled agent serves every session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def exercise_live(state: dict[str, Any]) -> bool:
    """True while the session ``state`` has an exercise open, neither solved nor revealed."""
    ex = state.get("exercise")
    return bool(ex) and not ex.get("revealed") and not ex.get("solved")


@dataclass
class TurnContext:
    session_id: str
    text: str
    state: dict[str, Any]
    sessions: Any  # assistant.store.SessionStore
    history: list[Any] = field(default_factory=list)  # StoredMessage, oldest first
    intent: str = ""  # filled in by the offline brain (reported as TutorReply.intent)
    hints_this_turn: int = 0  # the hint ladder moves one rung per learner message

    # ---- the open exercise -------------------------------------------------------
    @property
    def exercise(self) -> dict[str, Any] | None:
        """The open exercise's state, or None. Keys: id, level, attempts, rung, step, hints,
        revealed, solved, recorded."""
        return self.state.get("exercise")

    def exercise_is_live(self) -> bool:
        """True while an exercise is open and neither solved nor revealed."""
        return exercise_live(self.state)

    def open_exercise(self, exercise_id: str, level: str) -> dict[str, Any]:
        self.state["exercise"] = {
            "id": exercise_id,
            "level": level,
            "attempts": 0,
            "rung": 0,  # hint rung reached for the focus step
            "step": 1,  # the step hints are about (the first wrong one after an attempt)
            "hints": 0,  # hints given in total
            "revealed": False,
            "solved": False,
            "recorded": False,
        }
        return self.state["exercise"]

    # ---- the flashcard under review ----------------------------------------------
    @property
    def flashcard(self) -> dict[str, Any] | None:
        """The card under review, or None. Keys: card_id, flipped."""
        return self.state.get("flashcard")

    def close_flashcard(self) -> None:
        self.state.pop("flashcard", None)
