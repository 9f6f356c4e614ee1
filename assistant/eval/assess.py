"""The assessor eval: labelled learner answers, precision and recall per label.

Each line of ``assess_*.jsonl`` is one answer a learner typed to one of the teaching
model's questions, labelled by hand: ``label`` (see ``assistant.listening.LABELS``), the
expected ``points`` it covers, the ``misconception`` id it voices. ``assess_outside.jsonl``
was written by a helper who read only the lesson, never the code; ``assess_team.jsonl`` by
the team. ``run_assess`` reports, per label, precision and recall; for answers that cover
points, how often the covered points are exactly right; for misconceptions, how often the
id is right. ``calibrate`` searches the thresholds on one set (the team's); the outside set
stays held out.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.listening.assessor import LABELS, Assessor, OpenQuestion, Reading

HERE = Path(__file__).parent
SETS = ("assess_team.jsonl", "assess_outside.jsonl")


def load_answers(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths or [HERE / name for name in SETS if (HERE / name).exists()]:
        with path.open(encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def _question(assessor: Assessor, row: dict[str, Any]) -> OpenQuestion:
    question = assessor.question(row["concept"], row["question"])
    if question is None:
        raise ValueError(f"no question {row['question']!r} in concept {row['concept']!r}")
    return question


def read_all(assessor: Assessor, rows: list[dict[str, Any]]) -> list[Reading]:
    return [assessor.read(_question(assessor, row), row["answer"]) for row in rows]


def score(
    assessor: Assessor,
    rows: list[dict[str, Any]],
    readings: list[Reading],
    **thresholds: float,
) -> dict[str, Any]:
    """Precision and recall per label for ``readings`` of ``rows`` under ``thresholds``."""
    got = [assessor.decide(r, **thresholds) for r in readings]
    pairs = [(row["label"], a.label) for row, a in zip(rows, got, strict=True)]
    per_label = {}
    for label in LABELS:
        tp = sum(1 for want, have in pairs if want == have == label)
        predicted = sum(1 for _, have in pairs if have == label)
        actual = sum(1 for want, _ in pairs if want == label)
        per_label[label] = {
            "n": actual,
            "predicted": predicted,
            "precision": tp / predicted if predicted else 1.0,
            "recall": tp / actual if actual else 1.0,
        }
    covering = [
        (row, a) for row, a in zip(rows, got, strict=True)
        if row["label"] in ("correct", "partial") and a.label in ("correct", "partial")
    ]  # fmt: skip
    named = [
        (row, a) for row, a in zip(rows, got, strict=True)
        if row["label"] == a.label == "misconception"
    ]  # fmt: skip
    wrongly_told = [
        {"answer": row["answer"], "label": row["label"], "said": a.misconception}
        for row, a in zip(rows, got, strict=True)
        if a.label == "misconception" and row["label"] != "misconception"
    ]
    return {
        "n": len(rows),
        "accuracy": sum(w == h for w, h in pairs) / len(rows) if rows else 0.0,
        "labels": per_label,
        "points_exact": (
            sum(set(row["points"]) == set(a.covered) for row, a in covering) / len(covering)
            if covering
            else 1.0
        ),  # fmt: skip
        "misconception_id": (
            sum(row["misconception"] == a.misconception for row, a in named) / len(named)
            if named
            else 1.0
        ),  # fmt: skip
        "confusion": Counter(f"{w}->{h}" for w, h in pairs if w != h).most_common(),
        "wrongly_told": wrongly_told,
    }


def run_assess(assessor: Assessor, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The eval on every labelled set, overall and per author."""
    rows = rows if rows is not None else load_answers()
    readings = read_all(assessor, rows)
    report = score(assessor, rows, readings)
    report["by_author"] = {
        author: score(
            assessor,
            [r for r in rows if r.get("author") == author],
            [x for r, x in zip(rows, readings, strict=True) if r.get("author") == author],
        )["accuracy"]
        for author in sorted({str(r.get("author")) for r in rows})
    }
    return report


GRID = {
    "point": (0.40, 0.45, 0.50, 0.55, 0.60),
    "misconception": (0.72, 0.76, 0.80, 0.82, 0.84, 0.86, 0.88),
    "margin": (-0.2, -0.1, 0.0, 0.05, 0.10),
    "contrast": (0.0, 0.05, 0.10, 0.15, 0.20, 0.25),
    "off_topic": (0.25, 0.30, 0.35),
}


def calibrate(assessor: Assessor, rows: list[dict[str, Any]]) -> tuple[dict[str, float], float]:
    """The thresholds with the best accuracy on ``rows`` among those whose misconception
    precision is at least 0.9 (a learner wrongly told they hold one is worse off)."""
    readings = read_all(assessor, rows)
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for values in itertools.product(*GRID.values()):
        thresholds = dict(zip(GRID, values, strict=True))
        report = score(assessor, rows, readings, **thresholds)
        if report["labels"]["misconception"]["precision"] < 0.9:
            continue
        if report["accuracy"] > best[0]:
            best = (report["accuracy"], thresholds)
    return best[1], best[0]


def fit_points(assessor: Assessor, rows: list[dict[str, Any]], l2: float = 0.01) -> tuple[Any, ...]:
    """Refit ``assistant.listening.assessor.POINT_MODEL`` on ``rows``: a logistic regression
    of "the answer covers this expected point" (every point of every answer that is no
    "don't know"; covered only in correct and partial answers) over ``point_features``."""
    import numpy as np

    from assistant.listening.assessor import clauses, key_terms

    xs, ys = [], []
    for row in rows:
        if row["label"] == "dont_know":
            continue
        question = _question(assessor, row)
        concept = assessor.concepts[question.concept]
        parts = clauses(row["answer"])
        given = key_terms(" ".join([question.ask, *concept.names]))
        features = assessor.point_features(parts, assessor._embed(parts), question.expected, given)
        for j, x in enumerate(features):
            xs.append(x)
            ys.append(float(row["label"] in ("correct", "partial") and j in row["points"]))
    x, y = np.array(xs), np.array(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z, w, b = (x - mean) / scale, np.zeros(x.shape[1]), 0.0
    for _ in range(3000):  # plain gradient descent: 5 features, a few thousand pairs
        g = 1 / (1 + np.exp(-(z @ w + b))) - y
        w -= 0.5 * (z.T @ g / len(y) + l2 * w)
        b -= 0.5 * float(g.mean())
    return (tuple(mean.round(3)), tuple(scale.round(3)), tuple(w.round(3)), round(b, 3))
