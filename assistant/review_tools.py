"""Session-aware review tools: spaced-repetition flashcards and the learner's progress.

Flashcards come from the lesson (``knowledge.lessons.load_flashcards``); the session store
schedules them with FSRS (``due_cards``, ``review_card``). The card under review lives in
the session state (``TurnContext.state["flashcard"]``) so "flip" and "good" work across
turns and restarts. ``learner_progress`` summarises exercises tried and solved by skill.
"""

from __future__ import annotations

from typing import Annotated, Literal

from langchain.tools import ToolRuntime
from pydantic import Field

from assistant import prompts
from assistant.listening.tools import (
    Listener,
    full_models,
    mastery_lines,
    study_next,
    weak_cards,
)
from assistant.results import FlashcardResult, ProgressResult
from assistant.state import TurnContext

RATINGS = ("again", "hard", "good", "easy")

Action = Annotated[
    Literal["start", "flip", "again", "hard", "good", "easy"],
    Field(description="start (next due card), flip the open card, or rate recall."),
]


def review_flashcards(
    runtime: ToolRuntime[TurnContext], action: Action = "start"
) -> tuple[str, FlashcardResult]:
    from knowledge.lessons import load_flashcards

    ctx = runtime.context
    cards = {c.id: c for c in load_flashcards()}
    open_card = ctx.flashcard
    lines: list[str] = []
    if action in RATINGS:
        if not open_card or open_card["card_id"] not in cards:
            return prompts.FLASHCARD_NONE_OPEN, {
                "kind": "flashcard",
                "text": prompts.FLASHCARD_NONE_OPEN,
            }
        due = ctx.sessions.review_card(ctx.session_id, open_card["card_id"], action)
        when = f"on {due:%Y-%m-%d %H:%M} UTC" if hasattr(due, "strftime") else "later"
        lines.append(prompts.render(prompts.FLASHCARD_RATED, rating=action, when=when))
        ctx.close_flashcard()
        action = "start"
    if action == "flip":
        if not open_card or open_card["card_id"] not in cards:
            return prompts.FLASHCARD_NONE_OPEN, {
                "kind": "flashcard",
                "text": prompts.FLASHCARD_NONE_OPEN,
            }
        open_card["flipped"] = True
        text = prompts.render(prompts.FLASHCARD_BACK, back=cards[open_card["card_id"]].back)
        return text, {"kind": "flashcard", "text": text, "card_id": open_card["card_id"]}
    weak = weak_cards(list(cards.values()), ctx.sessions.mastery(ctx.session_id))
    due_ids = ctx.sessions.due_cards(ctx.session_id, list(cards), sooner=weak)
    if not due_ids:
        ctx.close_flashcard()
        lines.append(prompts.FLASHCARD_NONE_DUE)
        text = "\n\n".join(lines)
        return text, {"kind": "flashcard", "text": text}
    card = cards[due_ids[0]]
    ctx.state["flashcard"] = {"card_id": card.id, "flipped": False}
    lines.append(
        prompts.render(
            prompts.FLASHCARD_FRONT, due=len(due_ids), section=card.section, front=card.front
        )
    )
    text = "\n\n".join(lines)
    return text, {"kind": "flashcard", "text": text, "card_id": card.id}


def learner_progress(runtime: ToolRuntime[TurnContext]) -> tuple[str, ProgressResult]:
    from knowledge.lessons import load_flashcards

    ctx = runtime.context
    report = ctx.sessions.progress(ctx.session_id, [c.id for c in load_flashcards()])
    skills = report.get("skills") or report.get("by_skill") or {}
    by_skill = "".join(
        f"\n  - {name}: {s.get('solved', 0)} of {s.get('tried', 0)}" for name, s in skills.items()
    )
    due = report.get("flashcards_due", report.get("due", 0))
    tried, solved = report.get("tried", 0), report.get("solved", 0)
    suggestion = prompts.PROGRESS_SUGGEST_CARDS if due else prompts.PROGRESS_SUGGEST_QUIZ
    text = prompts.render(
        prompts.PROGRESS,
        solved=solved,
        tried=tried,
        by_skill=by_skill,
        due=due,
        suggestion=suggestion,
    )
    listener = Listener(None, full_models())  # names and questions; no assessor needed
    mastery = ctx.sessions.mastery(ctx.session_id)
    text += mastery_lines(listener, mastery) + study_next(
        listener, mastery, ctx.sessions.misconceptions(ctx.session_id)
    )
    report = {**report, "mastery": mastery}
    return text, {"kind": "progress", "text": text, "progress": report}
