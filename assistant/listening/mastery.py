"""Per-concept mastery: Bayesian knowledge tracing (Corbett and Anderson, 1995).

Why BKT: it is the simplest model that does what the tutor needs, with four numbers
anyone can read. Each concept is a skill the learner has either learned or not; each
assessed answer is evidence (a learned skill can still slip, an unlearned one can be
guessed), and after every chance to practise the learner may learn it. Models with more
parameters (performance factors analysis, deep knowledge tracing) need data per learner
that one lesson does not give.

An assessment is evidence by its label: ``correct`` is a right answer, ``wrong``,
``misconception`` and ``dont_know`` are wrong ones, ``partial`` is soft evidence (the
share of expected points covered), ``off_topic`` is no evidence at all.
"""

from __future__ import annotations

P_INIT = 0.2  # learned before any evidence
P_LEARN = 0.15  # learned after one chance to practise
P_SLIP = 0.1  # a learned concept answered wrongly
P_GUESS = 0.2  # an unlearned concept answered rightly
MASTERED = 0.95  # the usual BKT mastery line
EVIDENCE = {"correct": 1.0, "wrong": 0.0, "misconception": 0.0, "dont_know": 0.0}


def credit(label: str, covered: int = 0, expected: int = 0) -> float | None:
    """How right an answer was, 0..1, or None when it says nothing about the concept."""
    if label == "partial":
        return covered / expected if expected else 0.5
    return EVIDENCE.get(label)


def update(p: float, right: float) -> float:
    """The chance the concept is learned after an answer ``right`` (0..1) of the way right."""
    seen_right = p * (1 - P_SLIP) / (p * (1 - P_SLIP) + (1 - p) * P_GUESS)
    seen_wrong = p * P_SLIP / (p * P_SLIP + (1 - p) * (1 - P_GUESS))
    posterior = right * seen_right + (1 - right) * seen_wrong
    return posterior + (1 - posterior) * P_LEARN


def level(p: float) -> str:
    """A word for a mastery estimate, for the learner."""
    if p >= MASTERED:
        return "mastered"
    if p >= 0.7:
        return "nearly there"
    if p >= 0.4:
        return "getting there"
    return "needs work"
