"""Recognising what the learner wants: embedding similarity to example phrasings plus parsing.

``IntentRecognizer`` embeds the examples of ``assistant.intent_examples`` once (with the
shared sentence-transformers ``Embedder``) and scores a message by cosine similarity to
the closest examples of each intent, so paraphrases and typos land where they should.
The session state then settles what only context can: a list of numbers is an answer
when an exercise is open, "good" is a recall rating while a flashcard is shown, "next"
means the next card during a review. Conservative guards (``assistant.guards``) catch
prompt-injection attempts first; a few domain words break ties with "off topic".
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.guards import looks_like_injection, wants_solution
from assistant.intent_examples import INTENT_EXAMPLES
from assistant.parsing import flashcard_rating, looks_like_answer, numbers_in

MIN_CONFIDENCE = 0.30  # below this, a message without lesson words is a nudge, not a guess
DOMAIN_WORDS = re.compile(
    r"rnn|lstm|gru|recurr|hidden|gradient|sequen|memory|memories|gate|neural|network|tanh|"
    r"attention|backprop|bptt|weight|unroll|vanish|explod|clip|feedforward|feed-forward|"
    r"cell state|time step|timestep|forget|transformer|token|order|input",
    re.IGNORECASE,
)
PRACTICE_WORDS = re.compile(r"\b(quiz|test me|exercise|practi[cs]e|drill)\b", re.IGNORECASE)
REVIEW_CONTROLS = {"next", "flashcards", "flip", "give_up", "answer", "concept", "hint"}

_CACHE: weakref.WeakKeyDictionary[Any, tuple[np.ndarray, list[str]]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Intent:
    name: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    rating: str | None = None  # for "rate": the flashcard recall rating


def _example_matrix(embedder: Any) -> tuple[np.ndarray, list[str]]:
    """The embedded examples for ``embedder``, computed once per embedder object."""
    with _CACHE_LOCK:
        try:
            cached = _CACHE.get(embedder)
        except TypeError:  # an embedder that cannot be weakly referenced
            cached = None
        if cached is None:
            labels = [name for name, examples in INTENT_EXAMPLES.items() for _ in examples]
            texts = [text for examples in INTENT_EXAMPLES.values() for text in examples]
            cached = (np.asarray(embedder.embed(texts), dtype=np.float32), labels)
            with contextlib.suppress(TypeError):
                _CACHE[embedder] = cached
        return cached


class IntentRecognizer:
    """Classifies a message given the session state (open exercise, flashcard under review)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self._matrix, self._labels = _example_matrix(embedder)
        self._names = list(INTENT_EXAMPLES)
        self._index = {
            n: [i for i, lab in enumerate(self._labels) if lab == n] for n in self._names
        }

    def scores(self, text: str) -> tuple[dict[str, float], np.ndarray]:
        """Per-intent score (mean of the two closest examples) and the message vector."""
        q = np.asarray(self.embedder.embed_one(text), dtype=np.float32)
        sims = self._matrix @ q
        out = {}
        for name, idx in self._index.items():
            top = np.sort(sims[idx])[-2:]
            out[name] = float(0.7 * top[-1] + 0.3 * top[0])
        return out, q

    def classify(self, text: str, state: dict[str, Any] | None = None) -> Intent:
        state = state or {}
        clean = (text or "").strip()
        if not re.search(r"[A-Za-z0-9]", clean):
            return Intent("empty", 1.0)
        if looks_like_injection(clean):
            return Intent("injection", 1.0)
        exercise = state.get("exercise") or {}
        live = bool(exercise) and not exercise.get("revealed") and not exercise.get("solved")
        card = state.get("flashcard")
        rating = flashcard_rating(clean)
        if card and card.get("flipped") and rating:
            return Intent("rate", 1.0, rating=rating)
        scores, _ = self.scores(clean)
        name = max(scores, key=scores.get)
        best = scores[name]
        if live and looks_like_answer(clean) and name not in ("trace", "quiz", "next"):
            return Intent("answer", best, scores)
        if live and wants_solution(clean):
            return Intent("give_up", best, scores)  # the tool decides whether it may reveal
        if name == "concept" and PRACTICE_WORDS.search(clean):
            name = "quiz"
        if name == "answer" and not numbers_in(clean):
            name = max((n for n in scores if n != "answer"), key=scores.get)
        if card and name in REVIEW_CONTROLS and not (live and name in ("hint", "give_up")):
            if name in ("next", "flashcards"):
                return Intent("flashcards", best, scores)
            if not card.get("flipped"):
                return Intent("flip", best, scores)
        if name == "flip" and not card:
            name = "flashcards"
        has_domain = bool(DOMAIN_WORDS.search(clean))
        if name == "off_topic" and has_domain:
            name = "concept"
        if best < MIN_CONFIDENCE and not has_domain:
            return Intent("empty" if len(clean) < 40 else "off_topic", best, scores)
        return Intent(name, best, scores)
