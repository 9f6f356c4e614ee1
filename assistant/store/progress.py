"""Learner progress: exercise outcomes per skill and FSRS flashcard scheduling.

Exercise results are one row per (session, exercise id), so recording an outcome again
(more attempts, finally solved) updates it instead of counting the exercise twice.
Flashcards are scheduled with the ``fsrs`` package (v6: ``Scheduler``, ``Card``,
``Rating``); each reviewed card's FSRS state is stored as JSON next to its due time.
A card the learner has never reviewed has no row and counts as due.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fsrs import Card, Rating, Scheduler
from sqlalchemy.engine import Engine

from assistant.store.engine import read_tx, write_tx
from assistant.store.history import require_in
from assistant.store.records import CARD_RATINGS, as_utc, utcnow
from assistant.store.schema import cards, exercise_results
from core.errors import InvalidInput

_RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


def _scheduler() -> Scheduler:
    # no fuzzing: a learner's schedule is reproducible and testable
    return Scheduler(enable_fuzzing=False)


def _when(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if not isinstance(now, datetime):
        raise InvalidInput(f"now must be a datetime, got {type(now).__name__}.")
    return as_utc(now)


def _check_id(name: str, value: object, max_len: int = 128) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise InvalidInput(
            f"{name} must be a non-empty string of at most {max_len} characters, got {value!r}."
        )
    return value


def record_exercise(
    engine: Engine,
    session_id: str,
    exercise_id: str,
    skill: str,
    solved: bool,
    attempts: int,
    hints_used: int,
) -> None:
    _check_id("exercise_id", exercise_id)
    _check_id("skill", skill, 64)
    for name, value in (("attempts", attempts), ("hints_used", hints_used)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} must be a non-negative integer, got {value!r}.")
    now = utcnow()
    key = (exercise_results.c.session_id == session_id) & (
        exercise_results.c.exercise_id == exercise_id
    )
    with write_tx(engine) as conn:
        require_in(conn, session_id)
        prior = conn.execute(sa.select(exercise_results.c.solved).where(key)).first()
        if prior is None:
            conn.execute(
                sa.insert(exercise_results).values(
                    session_id=session_id,
                    exercise_id=exercise_id,
                    skill=skill,
                    solved=bool(solved),
                    attempts=attempts,
                    hints_used=hints_used,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:  # once solved stays solved
            values = {"skill": skill, "solved": bool(solved) or bool(prior.solved)}
            conn.execute(
                sa.update(exercise_results)
                .where(key)
                .values(**values, attempts=attempts, hints_used=hints_used, updated_at=now)
            )


def progress(
    engine: Engine, session_id: str, card_ids: list[str] | None, now: datetime | None
) -> dict[str, Any]:
    when = _when(now)
    with read_tx(engine) as conn:
        require_in(conn, session_id)
        rows = conn.execute(
            sa.select(
                exercise_results.c.skill,
                sa.func.count().label("tried"),
                sa.func.sum(sa.case((exercise_results.c.solved, 1), else_=0)).label("solved"),
                sa.func.sum(exercise_results.c.hints_used).label("hints"),
            )
            .where(exercise_results.c.session_id == session_id)
            .group_by(exercise_results.c.skill)
            .order_by(exercise_results.c.skill)
        ).all()
        seen = dict(
            conn.execute(
                sa.select(cards.c.card_id, cards.c.due).where(cards.c.session_id == session_id)
            ).all()
        )
    skills = {r.skill: {"tried": int(r.tried), "solved": int(r.solved or 0)} for r in rows}
    if card_ids is None:
        due = sum(1 for d in seen.values() if as_utc(d) <= when)
    else:  # only the current deck counts: a card dropped from the lesson is never due
        deck = dict.fromkeys(card_ids)
        due = sum(1 for cid in deck if cid not in seen or as_utc(seen[cid]) <= when)
    return {
        "skills": skills,
        "tried": sum(s["tried"] for s in skills.values()),
        "solved": sum(s["solved"] for s in skills.values()),
        "hints_used": sum(int(r.hints or 0) for r in rows),
        "flashcards_reviewed": len(seen),
        "flashcards_due": due,
    }


SOONER = timedelta(days=3)  # a weak concept's card is due this much before its FSRS due time


def due_cards(
    engine: Engine,
    session_id: str,
    card_ids: list[str],
    now: datetime | None,
    sooner: Collection[str] = (),
) -> list[str]:
    if not isinstance(card_ids, list | tuple):
        raise InvalidInput("card_ids must be a list of flashcard ids.")
    when = _when(now)
    with read_tx(engine) as conn:
        require_in(conn, session_id)
        seen = dict(
            conn.execute(
                sa.select(cards.c.card_id, cards.c.due).where(cards.c.session_id == session_id)
            ).all()
        )
    deck = list(dict.fromkeys(card_ids))

    def due_at(cid: str) -> datetime:  # cards of concepts the learner is weak on come sooner
        return as_utc(seen[cid]) - (SOONER if cid in sooner else timedelta(0))

    overdue = sorted((cid for cid in deck if cid in seen and due_at(cid) <= when), key=due_at)
    fresh = [cid for cid in deck if cid not in seen]
    return overdue + sorted(fresh, key=lambda cid: cid not in sooner)  # weak ones first


def review_card(
    engine: Engine, session_id: str, card_id: str, rating: str, now: datetime | None
) -> datetime:
    _check_id("card_id", card_id)
    fsrs_rating = _RATINGS.get(rating.lower().strip() if isinstance(rating, str) else rating)
    if fsrs_rating is None:
        raise InvalidInput(
            f"Flashcard rating {rating!r} is not valid; use one of {', '.join(CARD_RATINGS)}."
        )
    when = _when(now)
    key = (cards.c.session_id == session_id) & (cards.c.card_id == card_id)
    with write_tx(engine) as conn:
        require_in(conn, session_id)
        row = conn.execute(sa.select(cards.c.fsrs_card, cards.c.reviews).where(key)).first()
        card = Card.from_json(row.fsrs_card) if row else Card(card_id=0, due=when)
        card, _log = _scheduler().review_card(card, fsrs_rating, review_datetime=when)
        values = {
            "fsrs_card": card.to_json(),
            "due": card.due,
            "last_rating": rating.lower().strip(),
            "updated_at": when,
        }
        if row is None:
            conn.execute(
                sa.insert(cards).values(session_id=session_id, card_id=card_id, reviews=1, **values)
            )
        else:
            conn.execute(sa.update(cards).where(key).values(reviews=row.reviews + 1, **values))
    return as_utc(card.due)
