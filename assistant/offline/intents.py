"""Recognising what the learner wants: embedding similarity to example phrasings plus parsing.

``IntentRecognizer`` embeds the examples of ``assistant.offline.intent_examples`` once (with the
shared sentence-transformers ``Embedder``) and scores a message by cosine similarity to
the closest examples of each intent, so paraphrases and typos land where they should.
The session state then settles what only context can: a list of numbers is an answer
when an exercise is open (and so is a list of signs, "+ - + -", when it is a ``signs``
exercise; there a question or a request that mentions a sign is no answer), "good" is a
recall rating while a flashcard is shown, "next" means the next card during a review. Conservative guards (``assistant.guards``) catch
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

from assistant.compute import calculator_call
from assistant.guards import looks_like_injection, wants_solution
from assistant.offline.intent_examples import INTENT_EXAMPLES
from assistant.parsing import (
    asks_other_difficulty,
    flashcard_rating,
    looks_like_answer,
    looks_like_sign_attempt,
    looks_like_trace_followup,
    numbers_in,
    trace_args,
    trace_request,
    wants_numbers,
)
from assistant.state import exercise_live

WHAT_IF = re.compile(
    r"^\s*(?:and|so|but|ok|okay|hmm)?\s*,?\s*if\b"
    r"|\b(?:what\s+if|what\s+happen(?:s|ed)?|what\s+would\s+happen|suppose|imagine"
    r"|if\s+(?:i|we|you)\s+(?:am\s+|were\s+)?(?:chang|set|put|mak|made|use|remov|drop|doubl"
    r"|increas|decreas|replac|swap|feed|fed)\w*)\b",
    re.I,
)
# a learner who did not follow the last answer: "hmm", "i dont get it", "what do you mean"
CONFUSED = re.compile(
    r"^\W*(?:h+m+|huh|eh|what\?*|i (?:don'?t|do not|dont) (?:get|understand|follow)"
    r"(?: (?:it|that|this))?|(?:i'?m |im )?(?:confused|lost)|not sure i (?:get|follow)"
    r"(?: (?:it|that))?|what do (?:you|u) mean|come again|wait what)\W*$",
    re.I,
)
MIN_CONFIDENCE = 0.30  # below this, a message without lesson words is a nudge, not a guess
LESSON_CONFIDENCE = 0.35  # similarity to the lesson itself that makes a message a concept question
DOMAIN_WORDS = re.compile(
    r"rnn|lstm|gru|recurr|hidden|gradient|sequen|memory|memories|gate|neural|network|tanh|"
    r"attention|backprop|bptt|weight|unroll|vanish|explod|clip|feedforward|feed-forward|"
    r"cell state|time step|timestep|forget|transformer|token|order|input",
    re.IGNORECASE,
)


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Action intents must be confirmed by a word that says so (or by the session state);
# otherwise the next-best intent is taken, and lesson questions fall through to "concept".
FORGET_WORDS = _words(
    r"forg[eo]t|fad(e|es|ing)|rememb|vanish|\blos[et]|\blosing|half[- ]?life|decay|shrink|"
    r"long[- ](range|term|ago|sequence)|far back|earl(y|ier) (input|word|step)"
)
TRACE_WORDS = _words(
    r"\btrace|walk (me )?th|step[- ]by[- ]step|worked|example|comput|calculat|\bnumbers\b|"
    r"\brun\b|forward pass|\bh_?[0-9]\b|each (time )?step"
)
PRACTICE_WORDS = _words(
    r"\b(quiz+|qiuz|test me|exer?c?i[sz]e|excer?cise|practi[cs]e|drill|problem to|challenge)"
)
# a wish for numbers is about an exercise when it names one ("a numeric one", "numbers
# version", "w/ numbers instead"); "a trace with actual numbers" or "show the fading with
# numbers" asks for the lab, not for an exercise
EXERCISE_REF = _words(
    r"\b(one|version|instead|level|exer?c?i[sz]es?|questions?|problems?|quiz+|test)\b"
)
ASKS_ABOUT = _words(r"^\s*(is|are|does|do|did|will|was|were|would)\b")  # "does it use numbers?"
LAB_WORDS = _words(r"\btrace|walk (me )?th|step[- ]by[- ]step|forward pass|\brun\b|\bplot")
FLASH_WORDS = _words(r"flash|\bcards?\b|\breview|spaced|revis")
PROGRESS_WORDS = _words(r"progress|how am i|doing|score|stats|solved|how many|due|so far|report")
HINT_WORDS = _words(r"hint|stuck|clue|nudge|help|start|next step|don'?t know|no idea")
NEXT_WORDS = _words(r"\bnext\b|\banother\b|\bskip\b|\bnew (one|exercise|quiz)\b")
QUESTION_START = _words(r"^\s*(why|what|how|where|when|which|who|explain|can you explain)\b")
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
            cached = (np.asarray(embedder.embed_remembered(texts), dtype=np.float32), labels)
            with contextlib.suppress(TypeError):
                _CACHE[embedder] = cached
        return cached


def lesson_anchors(markdown: str, flashcards: list[Any], glossary: dict[str, str]) -> list[str]:
    """Texts that stand for the lesson: each section's heading and opening, card fronts, terms."""
    from assistant.sentences import split_sentences
    from knowledge.parsed import parse_sections

    anchors = []
    for section in parse_sections(markdown or ""):
        if not section.level or section.title.lower() in ("flashcards", "glossary"):
            continue
        anchors.append(section.title + ". " + " ".join(split_sentences(section.text)[:2]))
    anchors += [card.front for card in flashcards]
    anchors += [f"{term}: {definition}" for term, definition in glossary.items()]
    return anchors


def _signs_open(state: dict[str, Any]) -> bool:
    return (state.get("exercise") or {}).get("level") == "signs"


def what_if_changes(text: str) -> bool:
    """Whether a what-if names a weight, bias or inputs the lab can run with."""
    args = trace_request(text, None).args
    return bool({"input_weight", "recurrent_weight", "bias"} & set(args)) or "inputs" in trace_args(
        text
    )


class IntentRecognizer:
    """Classifies a message given the session state (open exercise, flashcard under review).

    ``anchors`` (see ``lesson_anchors``) let lesson questions that resemble no example
    phrasing still count as concept questions: the concept score is the larger of the
    example similarity and the similarity to the closest anchor.
    """

    def __init__(self, embedder: Any, anchors: list[str] | None = None) -> None:
        self.embedder = embedder
        self._matrix, self._labels = _example_matrix(embedder)
        self._names = list(INTENT_EXAMPLES)
        self._index = {
            n: [i for i, lab in enumerate(self._labels) if lab == n] for n in self._names
        }
        self._anchors = (
            np.asarray(embedder.embed_remembered(anchors), dtype=np.float32) if anchors else None
        )

    def scores(self, text: str) -> tuple[dict[str, float], np.ndarray]:
        """Per-intent score (mostly the closest example, a little the second) and the vector."""
        q = np.asarray(self.embedder.embed_one(text), dtype=np.float32)
        sims = self._matrix @ q
        out = {}
        for name, idx in self._index.items():
            top = np.sort(sims[idx])[-2:]
            out[name] = float(0.7 * top[-1] + 0.3 * top[0])
        if self._anchors is not None:
            lesson = float((self._anchors @ q).max())
            out["lesson"] = lesson
            if lesson >= LESSON_CONFIDENCE:
                out["concept"] = max(out["concept"], lesson)
        return out, q

    def _confirmed(self, name: str, text: str, state: dict[str, Any], live: bool) -> bool:
        """Whether the words or the session state back up an action intent."""
        if name == "why_forget":
            return bool(FORGET_WORDS.search(text))
        if name == "trace":
            return bool(TRACE_WORDS.search(text) or trace_args(text))
        if name == "quiz":
            return bool(PRACTICE_WORDS.search(text))
        if name == "next":
            return not QUESTION_START.search(text)
        if name == "answer":
            if live and _signs_open(state):  # a remark with a sign word in it is no answer
                return looks_like_sign_attempt(text)
            return live or (looks_like_answer(text) and not QUESTION_START.search(text))
        if name == "hint":
            return live or bool(HINT_WORDS.search(text))
        if name == "give_up":
            return live or wants_solution(text)
        if name == "flashcards":
            return bool(FLASH_WORDS.search(text) or state.get("flashcard"))
        if name == "flip":
            return bool(state.get("flashcard"))
        if name == "progress":
            return bool(PROGRESS_WORDS.search(text))
        return name != "lesson"

    def classify(self, text: str, state: dict[str, Any] | None = None) -> Intent:
        state = state or {}
        clean = (text or "").strip()
        exercise = state.get("exercise") or {}
        live = exercise_live(state)
        signs_open = live and _signs_open(state)
        # hint, give-up and next words first: "hint: is it positive" asks, it does not answer
        control = HINT_WORDS.search(clean) or wants_solution(clean) or NEXT_WORDS.search(clean)
        signs = signs_open and not control and looks_like_sign_attempt(clean)
        if not re.search(r"[A-Za-z0-9]", clean):
            return Intent("answer" if signs else "empty", 1.0)  # "+ - + -" is an attempt
        if looks_like_injection(clean):
            return Intent("injection", 1.0)
        card = state.get("flashcard")
        rating = flashcard_rating(clean)
        if card and card.get("flipped") and rating:
            return Intent("rate", 1.0, rating=rating)
        if calculator_call(clean) is not None:
            return Intent("compute", 1.0)  # "how many params does an lstm ...", "0.9^50"
        if not live and looks_like_trace_followup(clean, state.get("trace")):
            return Intent("trace", 1.0)  # "now an lstm", "same with 0.9" after a trace
        if not live and WHAT_IF.search(clean) and what_if_changes(clean):
            return Intent("trace", 1.0)  # "what if W_hh were negative?": the lab shows it
        scores, _ = self.scores(clean)
        ranked = sorted((n for n in scores if n != "lesson"), key=scores.get, reverse=True)
        best = scores[ranked[0]]
        numbers = looks_like_answer(clean) and not signs_open  # signs: only via `signs`
        if live and numbers and ranked[0] not in ("trace", "quiz", "next"):
            return Intent("answer", best, scores)
        if signs and not (PRACTICE_WORDS.search(clean) or TRACE_WORDS.search(clean)):
            return Intent("answer", best, scores)  # sign words say more than the embedding
        if live and wants_solution(clean):
            return Intent("give_up", best, scores)  # the tool decides whether it may reveal
        name = next(n for n in ranked if self._confirmed(n, clean, state, live))
        practice = PRACTICE_WORDS.search(clean) and not QUESTION_START.search(clean)
        if name in ("concept", "trace") and practice and not set(trace_args(clean)) - {"cell"}:
            name = "quiz"
        if name == "quiz" and FLASH_WORDS.search(clean):
            name = "flashcards"
        numbers_wish = (  # "a numeric one", "can i get one w/ actual numbers": an exercise
            name not in ("quiz", "next", "flashcards", "rate", "flip")
            and len(clean.split()) <= 10
            and wants_numbers(clean)
            and (exercise or EXERCISE_REF.search(clean))
            and not (live and exercise.get("level") != "signs")  # numbers already: no reset
            and not (QUESTION_START.search(clean) or ASKS_ABOUT.search(clean))
            and not HINT_WORDS.search(clean)
            and not (LAB_WORDS.search(clean) or FORGET_WORDS.search(clean))
            and not (numbers_in(clean) or wants_solution(clean))
        )
        if numbers_wish:
            name = "next" if exercise else "quiz"
        if (  # "harder", "an easier one", "too easy": the next exercise at that level
            name not in ("quiz", "next", "answer", "give_up", "trace", "flashcards", "rate", "flip")
            and len(clean.split()) <= 6
            and not (QUESTION_START.search(clean) or HINT_WORDS.search(clean))
            and asks_other_difficulty(clean)  # difficulty words only: "lstm gates" is a topic
        ):
            name = "next" if exercise else "quiz"
        if card and name in REVIEW_CONTROLS and not (live and name in ("hint", "give_up")):
            if name in ("next", "flashcards"):
                return Intent("flashcards", best, scores)
            if not card.get("flipped"):
                return Intent("flip", best, scores)
        has_domain = bool(DOMAIN_WORDS.search(clean))
        if name == "off_topic" and has_domain:
            name = "concept"
        if scores[name] < MIN_CONFIDENCE and not (has_domain or numbers_wish):
            if QUESTION_START.search(clean) or clean.endswith("?"):
                return Intent("concept", best, scores)  # a question: let the lesson try
            return Intent("empty" if len(clean) < 40 else "off_topic", best, scores)
        return Intent(name, best, scores)
