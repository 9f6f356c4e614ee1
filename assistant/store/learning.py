"""What the assessor learned about learners: answers, per-concept mastery, class counts.

``record_assessment`` stores one assessed answer and moves the session's knowledge-tracing
estimate for its concept in the same transaction (``assistant.listening.mastery``).
``mastery`` reads a learner's estimates; ``class_learning`` aggregates over every session
for the instructor view: misconceptions met (by how many learners, how often), concepts
mastered, and the expected points most often missed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.listening.assessor import LABELS as ASSESSOR_LABELS
from assistant.listening.mastery import MASTERED, P_INIT, credit, update
from assistant.store.engine import read_tx, write_tx
from assistant.store.history import require_in
from assistant.store.records import utcnow
from assistant.store.schema import assessments, mastery
from core.errors import InvalidInput

LABELS = frozenset(ASSESSOR_LABELS)


def record_assessment(
    engine: Engine,
    session_id: str,
    concept: str,
    question: str,
    label: str,
    misconception: str | None = None,
    covered: list[int] | tuple[int, ...] = (),
    missing: list[int] | tuple[int, ...] = (),
) -> float | None:
    """Store one assessed answer; return the concept's new mastery (None: no evidence)."""
    if label not in LABELS:
        raise InvalidInput(f"label must be one of {sorted(LABELS)}, got {label!r}.")
    if not concept or len(concept) > 64:
        raise InvalidInput("concept must be a concept id of at most 64 characters.")
    now = utcnow()
    right = credit(label, len(covered), len(covered) + len(missing))
    with write_tx(engine) as conn:
        require_in(conn, session_id)
        conn.execute(
            assessments.insert().values(
                session_id=session_id,
                concept=concept,
                question=question[:2000],
                label=label,
                misconception=misconception,
                covered=json.dumps(list(covered)),
                missing=json.dumps(list(missing)),
                created_at=now,
            )  # fmt: skip
        )
        if right is None:
            return None
        row = conn.execute(
            sa.select(mastery.c.p, mastery.c.assessed).where(
                (mastery.c.session_id == session_id) & (mastery.c.concept == concept)
            )
        ).first()
        p = update(row.p if row else P_INIT, right)
        if row is None:
            conn.execute(mastery.insert().values(session_id=session_id, concept=concept, p=p,
                                                 assessed=1, updated_at=now))  # fmt: skip
        else:
            conn.execute(
                mastery.update()
                .where((mastery.c.session_id == session_id) & (mastery.c.concept == concept))
                .values(p=p, assessed=row.assessed + 1, updated_at=now)
            )
    return p


def learner_mastery(engine: Engine, session_id: str) -> dict[str, dict[str, Any]]:
    """concept -> {"p", "assessed"} for the concepts this learner has been assessed on."""
    with read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(mastery.c.concept, mastery.c.p, mastery.c.assessed).where(
                mastery.c.session_id == session_id
            )
        ).all()
    return {r.concept: {"p": float(r.p), "assessed": int(r.assessed)} for r in rows}


def learner_misconceptions(engine: Engine, session_id: str) -> Counter[str]:
    with read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(assessments.c.misconception).where(
                (assessments.c.session_id == session_id) & (assessments.c.label == "misconception")
            )
        ).all()
    return Counter(str(r.misconception) for r in rows)


def class_learning(engine: Engine, limit: int = 20) -> dict[str, Any]:
    """Class-wide counts for the instructor: misconceptions (answers, learners), concepts
    (learners assessed, learners at mastery, mean estimate), most-missed expected points
    (as ``(concept, question, point index)``), and answers by label."""
    with read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(assessments.c.session_id, assessments.c.concept, assessments.c.question,
                      assessments.c.label, assessments.c.misconception, assessments.c.missing)
        ).all()  # fmt: skip
        learned = conn.execute(sa.select(mastery.c.concept, mastery.c.p)).all()
    met: Counter[str] = Counter()
    holders: dict[str, set[str]] = {}
    missed: Counter[tuple[str, str, int]] = Counter()
    labels: Counter[str] = Counter()
    for r in rows:
        labels[r.label] += 1
        if r.label == "misconception" and r.misconception:
            met[r.misconception] += 1
            holders.setdefault(r.misconception, set()).add(r.session_id)
        if r.label in ("partial", "wrong"):
            for i in json.loads(r.missing or "[]"):
                missed[(r.concept, r.question, int(i))] += 1
    concepts: dict[str, dict[str, Any]] = {}
    for r in learned:
        c = concepts.setdefault(r.concept, {"learners": 0, "mastered": 0, "total": 0.0})
        c["learners"] += 1
        c["mastered"] += int(r.p >= MASTERED)
        c["total"] += float(r.p)
    return {
        "answers": sum(labels.values()),
        "labels": dict(labels),
        "misconceptions": [
            {"id": m, "answers": n, "learners": len(holders[m])} for m, n in met.most_common(limit)
        ],
        "concepts": sorted(
            (
                {
                    "concept": k,
                    "learners": v["learners"],
                    "mastered": v["mastered"],
                    "mean": round(v["total"] / v["learners"], 3),
                }
                for k, v in concepts.items()
            ),
            key=lambda c: (-c["learners"], c["concept"]),
        ),  # fmt: skip
        "missed_points": [
            {"concept": c, "question": q, "point": i, "times": n}
            for (c, q, i), n in missed.most_common(limit)
        ],
    }
