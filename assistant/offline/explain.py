"""Definitions, plain-language answers and fixed citations for the offline brain's replies.

``definition_for`` gives the definitional sentence that opens an answer to "what is X /
what does X do" (``assistant.offline.lesson_terms``). ``wants_simpler`` spots "explain like I'm
five", "more simply", "in simple words"; ``simpler_topic`` says what to simplify (the
message's own subject, else the session's last topic) and ``simple_answer`` builds the
plain answer: the glossary definition, the matching flashcard's back and, when the lesson
has one, its everyday analogy, with no display math. ``trace_citation`` cites the
lesson's worked trace for lab traces.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from assistant import prompts
from assistant.offline.compose import short_section
from assistant.offline.lesson_terms import DEFINE, LessonTerms, Term, lesson_terms, match_term

SIMPLER = re.compile(
    r"explain (it |this |that )?like (i'?m|i am) (5|five|a (kid|child|beginner))|\beli5\b|"
    r"\b(more )?simpl(y|er)\b|\bin (simple|plain|easy|everyday) (words|terms|english|language)\b|"
    r"\bplain (english|language|words)\b|\blay ?man'?s? terms\b|\bdumb (it|that) down\b|"
    r"\b(without|no|less) (the )?(math|maths|equations|formulas|jargon)\b|\btoo (technical|complicated)\b",
    re.IGNORECASE,
)
_DOMAIN = re.compile(
    r"rnn|lstm|gru|recurr|hidden|gradient|sequen|memory|gate|network|tanh|backprop|bptt|"
    r"weight|unroll|vanish|explod|clip|feedforward|cell|time step|forget",
    re.IGNORECASE,
)
CARD_MATCH = 0.4  # cosine between the term (or topic) and a flashcard front to use its back
CARD_MATH_PENALTY = 0.2  # a card about a symbol ("$h_0$") is not the plain one
ANALOGY_MATCH = 0.45  # cosine between the topic and an analogy (heading-keyed) to add it
TOPIC_MATCH = 0.6  # card and analogy threshold when the topic names no lesson term


_FORMULA = re.compile(r"\s*\$[^$]*=[^$]*\$")  # inline math that is a formula, not a symbol


def wants_simpler(text: str) -> bool:
    return bool(SIMPLER.search(text or ""))


def simpler_topic(text: str, state: dict[str, Any]) -> str | None:
    """The subject to simplify: the message's own ("... what a hidden state is"), else the last."""
    rest = SIMPLER.sub(" ", text or "")
    if _DOMAIN.search(rest) or match_term(rest, lesson_terms().terms):
        return re.sub(r"\s+", " ", rest).strip(" ,.?!")
    return state.get("topic")


def link(terms: LessonTerms, section: str) -> str:
    label = short_section(section)
    url = terms.urls.get(section)
    return f"[{label}]({url})" if url else f"*{label}*"


def definition_for(term: Term) -> tuple[str, dict[str, Any]]:
    """The opening paragraph (definition with its link) and its citation."""
    terms = lesson_terms()
    paragraph = prompts.render(
        prompts.WITH_LINK, text=term.definition, link=link(terms, term.section)
    )
    return paragraph, terms.citation(term.section, term.quote or term.definition)


def _plain(text: str) -> str:
    """A sentence without formulas: '$f_t = ...$ decides' -> 'decides'."""
    return re.sub(r"\s+([,.;])", r"\1", _FORMULA.sub("", text)).strip()


def simple_answer(composer: Any, topic: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Plain-language parts and citations for ``topic``; empty when the lesson has nothing plain."""
    terms = lesson_terms()
    found = match_term(topic, terms.terms)
    q = np.asarray(composer.embedder.embed_one(topic), dtype=np.float32)
    pieces: list[tuple[str, str, str]] = []  # (text, section, quote)
    if found is not None:
        term = found[0]
        if term.glossary:
            name = term.name[:1].upper() + term.name[1:]
            text = prompts.render(prompts.SIMPLER_TERM, term=name, definition=_plain(term.glossary))
            pieces.append((text, terms.section("> Glossary") or term.section, term.glossary))
        else:
            pieces.append((_plain(term.definition), term.section, term.quote))
    cards = [c for c in terms.cards if "$$" not in c.back]
    if found:  # the card about the term itself: "What is the hidden state of an RNN?"
        cards = [c for c in cards if any(a in c.front.lower() for a in found[0].aliases)]
    if cards:
        cq = np.asarray(composer.embedder.embed_one(found[0].name), np.float32) if found else q
        sims = composer.vectors([c.front for c in cards]) @ cq
        sims -= np.array([CARD_MATH_PENALTY * ("$" in c.front) for c in cards])
        best = int(np.argmax(sims))
        back = _plain(cards[best].back)
        if sims[best] >= (CARD_MATCH if found else TOPIC_MATCH) and back[:1].isalpha():
            pieces.append((back, cards[best].section, cards[best].back))
    analogies = terms.analogies
    if analogies:  # the heading says what an analogy is about ("The hidden state: ...")
        keyed = [f"{section.split(' > ')[-1]}: {s}" for section, s in analogies]
        sims = composer.vectors(keyed) @ q
        best = int(np.argmax(sims))
        if sims[best] >= (ANALOGY_MATCH if found else TOPIC_MATCH):
            section, sentence = analogies[best]
            pieces.append((sentence, section, sentence))
    if not pieces:
        return [], []
    parts = [prompts.SIMPLER_INTRO]
    citations: dict[str, dict[str, Any]] = {}
    for text, section, quote in pieces:
        parts.append(prompts.render(prompts.WITH_LINK, text=text, link=link(terms, section)))
        citations.setdefault(section, terms.citation(section, quote))
    parts.append(prompts.SIMPLER_OUTRO)
    return parts, list(citations.values())


def trace_citation() -> list[dict[str, Any]]:
    """The worked-trace section (and the update rule it applies), cited for a lab trace."""
    cites = (lesson_terms().opening_citation(s) for s in ("> A worked trace", "> The update rule"))
    return [c for c in cites if c]


NOT_COVERED_BELOW = 0.40  # best sentence similarity under which the lesson doesn't cover it
UNKNOWN_WORD_BELOW = 0.60  # "what is X?" under this, X a word the lesson never uses
_COMPARE = re.compile(
    r"\b([a-z]{3,})\s+(?:and not|but not|not|instead of|rather than|over|vs\.?|versus)\s+"
    r"(?:an? |the )?([a-z]{3,})\b",
    re.IGNORECASE,
)
_COMMON = set(
    [
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "could",
        "should",
        "about",
        "does",
        "have",
        "having",
        "there",
        "their",
        "this",
        "that",
        "these",
        "those",
        "than",
        "then",
        "them",
        "they",
        "from",
        "into",
        "your",
        "yours",
        "mine",
        "like",
        "just",
        "really",
        "some",
        "many",
        "much",
        "more",
        "most",
        "very",
        "also",
        "only",
        "even",
        "still",
        "work",
        "works",
        "working",
        "used",
        "using",
        "use",
        "need",
        "needs",
        "good",
        "best",
        "better",
        "make",
        "makes",
        "thing",
        "things",
        "stuff",
        "kind",
        "mean",
        "means",
        "explain",
        "tell",
        "please",
        "know",
        "want",
        "help",
        "instead",
        "rather",
        "versus",
        "choose",
        "pick",
        "definition",
        "meaning",
    ]
)


def not_covered(question: str, relevance: float) -> bool:
    """Whether the lesson does not really answer ``question`` (best similarity ``relevance``).

    Low similarity, a word the lesson never uses (fuzzy, so typos pass), or a comparison
    ("why tanh and not sigmoid?") that no single lesson sentence makes.
    """
    if relevance < NOT_COVERED_BELOW:
        return True
    vocab = lesson_terms().vocabulary
    words = [w for w in re.findall(r"[a-z]{4,}", question.lower()) if w not in _COMMON]
    unknown = (
        w
        for w in words
        if w not in vocab
        and process.extractOne(w, vocab, scorer=fuzz.ratio, score_cutoff=80) is None
    )
    if relevance < UNKNOWN_WORD_BELOW and DEFINE.match(question) and any(unknown):
        return True
    compare = _COMPARE.search(question)
    if compare:
        a, b = compare.group(1).lower(), compare.group(2).lower()
        if a not in _COMMON and b not in _COMMON:
            pairs = lesson_terms().sentences
            return not any(a in s.lower() and b in s.lower() for _, s in pairs)
    return False
