"""Extractive answer composition: the best sentences of the retrieved passages, cited.

The offline brain never invents prose about the subject. ``Composer.compose`` splits the
top passages into sentences (``assistant.sentences``: math intact, no headings, tables or
instructions to the tutor), scores each by cosine similarity to the question plus small
bonuses (passage rank, topic sentence, best section) and a penalty for sentences that
lean on an unquoted predecessor ("This is..."), picks 2-4 with a redundancy penalty
(maximal marginal relevance), and writes them back in lesson order, one paragraph per
section, each followed by a link to it.
Sentence vectors are cached, so after the first sight of a passage composing costs only
a few dot products.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.sentences import split_sentences
from core.background import Background
from knowledge.parsed import parse_sections

MAX_SENTENCES = 4
MIN_SENTENCES = 2
MAX_PASSAGES = 4
REDUNDANT = 0.88  # cosine above which two sentences say the same thing
RELEVANCE_DROP = 0.22  # stop adding sentences this far below the best one
TOPIC_BONUS = 0.05  # a section's first sentence usually states its subject
SECTION_BONUS = 0.04  # sentences from the best section first: one coherent explanation
ANAPHORA_PENALTY = 0.08  # "This is...", "And it..." lean on a sentence we may not quote
TERM_BONUS = 0.05  # sentences naming the term a "what is X?" question asks about
WARM_BATCH = 4  # sentences per embedding call while warming (keeps the model lock short)
# Sections that restate or test the lesson rather than teach it: the review cards, the
# glossary, and the practice prompts (their solutions do teach, and are not listed here).
REFERENCE = re.compile(
    r">\s*(Flashcards|Glossary|Practice: trace the memory|Practice with numbers)\s*$"
)
_ANAPHORA = re.compile(
    r"^(this|these|that|those|it|its|they|their|such|each one|both|and|but|so|also|here)\b",
    re.IGNORECASE,
)


@dataclass
class Composition:
    paragraphs: list[str]
    citations: list[dict[str, Any]] = field(default_factory=list)  # source, section, quote, url
    top_section: str = ""
    sentences: list[str] = field(default_factory=list)  # the quoted sentences, in reply order
    relevance: float = 0.0  # the best candidate's cosine similarity to the question


def short_section(section: str) -> str:
    """'Why sequences need memory > Where memory fades > X' -> 'Where memory fades > X'."""
    parts = [p.strip() for p in section.split(">")]
    return " > ".join(parts[1:]) if len(parts) > 1 else section


def prefer_teaching(
    passages: list[dict[str, Any]], keep_reference: int = 1
) -> list[dict[str, Any]]:
    """Teaching sections first; at most ``keep_reference`` glossary/flashcard passages, last.

    Reference sections restate the lesson tersely, so they match questions well, but an
    answer should quote and cite the section that teaches the idea.
    """
    teaching = [p for p in passages if not REFERENCE.search(p["section"])]
    reference = [p for p in passages if REFERENCE.search(p["section"])]
    return teaching + reference[:keep_reference]


DEEPER = re.compile(r">\s*Going deeper\b")
ASKS_FOR_MATH = re.compile(
    r"\b(?:math|maths|formulas?|equations?|symbols?|derivatives?|jacobians?|eigen\w*|"
    r"singular|spectral|proofs?|derive|gradient flow|matri(?:x|ces)|shapes?|pytorch|torch|"
    r"nn\.\w+|parameters?|params|bias(?:es)?|norm|clip\w*|bptt|backprop\w*|truncated|"
    r"going deeper|in depth|deeper|precisely|exactly how|numbers?|numeric\w*|tanh table)\b|"
    r"[=^_$]|\b[a-z]_\{?[a-z0-9]",
    re.I,
)


def prefer_core(passages: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The core lesson first: passages from the optional "Going deeper" part are kept only
    when the learner asks for the math (or the core has nothing on the question).

    The course promises a lesson with no math to work, so a plain question gets the plain
    answer; "tell me more", or a question about formulas, shapes, PyTorch or training
    details, reaches the math (and the reply says where it came from).
    """
    if ASKS_FOR_MATH.search(text or ""):
        return passages
    core = [p for p in passages if not DEEPER.search(p["section"])]
    return core if any(not REFERENCE.search(p["section"]) for p in core) else passages


def _primary_section(sections: list[str], score: np.ndarray) -> str:
    """The section whose two best sentences score highest together (one lucky sentence is not enough)."""
    by_section: dict[str, list[float]] = {}
    for sec, sc in zip(sections, score, strict=True):
        by_section.setdefault(sec, []).append(float(sc))
    return max(by_section, key=lambda sec: sum(sorted(by_section[sec])[-2:]))


class Composer:
    """Picks and orders sentences for an answer; thread-safe, with a sentence-vector cache."""

    def __init__(self, embedder: Any, lesson_text: str = "") -> None:
        self.embedder = embedder
        self.lesson_text = lesson_text
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._warming = False
        self._warm = Background("composer-warm-up")

    def vectors(self, sentences: list[str]) -> np.ndarray:
        """Sentence vectors, cached. Missing ones are embedded a few at a time: a small
        batch runs on the ONNX query graph, while a large one would load the full torch
        model (about 550 MB more memory) in the middle of a learner's turn. Chunk
        boundaries can cut a list differently from the warm-up's whole sections, so a
        turn may meet sentences the warm-up never saw."""
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        for i in range(0, len(missing), WARM_BATCH):
            part = missing[i : i + WARM_BATCH]
            fresh = np.asarray(self.embedder.embed(part), dtype=np.float32)
            with self._lock:
                self._vectors.update(zip(part, fresh, strict=True))
        return np.stack([self._vectors[s] for s in sentences])

    def warm_in_background(self, batch: int = WARM_BATCH) -> threading.Thread | None:
        """Embed the lesson's sentences in a daemon thread, a small batch at a time.

        First sight of a passage otherwise costs a few hundred milliseconds; small batches
        keep the shared embedder free for learners' turns in between. Runs once per composer.
        """
        with self._lock:
            if self._warming or not self.lesson_text:
                return None
            self._warming = True
        sections = parse_sections(self.lesson_text)
        sentences = [s for sec in sections for s in split_sentences(sec.text)]

        def work() -> None:
            lookup = getattr(self.embedder, "lookup", None)
            if callable(lookup):  # vectors remembered from an earlier start
                with self._lock:
                    self._vectors.update(lookup(sentences))
            todo = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
            for i in range(0, len(todo), batch):
                if self._warm.stopping:
                    return
                self.vectors(todo[i : i + batch])
            remember = getattr(self.embedder, "remember", None)
            if todo and callable(remember):
                remember(todo, np.stack([self._vectors[s] for s in todo]))

        return self._warm.start(work)

    def stop_warm(self) -> None:
        """Stop the background warm-up between batches and wait for it (at shutdown)."""
        self._warm.stop()

    def wait_warm(self, timeout: float | None = None) -> None:
        """Block until a background warm-up (if any) has finished (benchmarks use it)."""
        self._warm.wait(timeout)

    def _order_key(self, passage_rank: int, index: int, sentence: str) -> tuple[int, int, int]:
        where = self.lesson_text.find(sentence[:60]) if self.lesson_text else -1
        return (where if where >= 0 else 10**9, passage_rank, index)

    def compose(
        self,
        query_vec: np.ndarray,
        passages: list[dict[str, Any]],
        exclude: frozenset[str] = frozenset(),
        term: str = "",
    ) -> Composition:
        """Answer from ``passages``; ``exclude`` holds sentences already shown ("tell me more").

        ``term`` (a lesson term the question asks about) favours sentences that name it.
        """
        candidates: list[tuple[int, int, str]] = []  # (passage rank, index in passage, text)
        seen: set[str] = set(exclude)
        for rank, p in enumerate(passages[:MAX_PASSAGES]):
            for i, s in enumerate(split_sentences(p["text"])):
                if s not in seen:  # long sections are chunked with overlap
                    seen.add(s)
                    candidates.append((rank, i, s))
        if not candidates:
            return Composition(paragraphs=[])
        vecs = self.vectors([c[2] for c in candidates])
        rel = vecs @ np.asarray(query_vec, dtype=np.float32)
        bonus = np.array(
            [
                0.06 * (MAX_PASSAGES - r) / MAX_PASSAGES + (TOPIC_BONUS if i == 0 else 0.0)
                for r, i, _ in candidates
            ]
        )
        anaphora = np.array(
            [ANAPHORA_PENALTY if _ANAPHORA.match(c[2]) else 0.0 for c in candidates]
        )
        score = rel + bonus - anaphora
        if term:
            score += np.array([TERM_BONUS if term in c[2].lower() else 0.0 for c in candidates])
        sections = [passages[r]["section"] for r, _, _ in candidates]
        primary = _primary_section(sections, score)
        score = score + np.array([SECTION_BONUS if sec == primary else 0.0 for sec in sections])
        chosen: list[int] = []
        best = float(score.max())
        while len(chosen) < MAX_SENTENCES:
            if chosen:
                redundancy = (vecs @ vecs[chosen].T).max(axis=1)
                mmr = score - 0.5 * np.clip(redundancy - 0.5, 0, None)
                mmr[chosen] = -np.inf
                mmr[redundancy > REDUNDANT] = -np.inf
            else:
                mmr = score.copy()
            pick = int(np.argmax(mmr))
            if not np.isfinite(mmr[pick]):
                break
            if len(chosen) >= MIN_SENTENCES and score[pick] < best - RELEVANCE_DROP:
                break
            chosen.append(pick)
        chosen.sort(key=lambda j: self._order_key(*candidates[j]))
        comp = self._write(chosen, candidates, passages)
        comp.relevance = float(rel.max())
        return comp

    def _write(
        self,
        chosen: list[int],
        candidates: list[tuple[int, int, str]],
        passages: list[dict[str, Any]],
    ) -> Composition:
        """One paragraph per run of sentences from the same section, each linked; one citation each."""
        groups: list[tuple[str, list[str], dict[str, Any]]] = []
        for j in chosen:
            rank, _, text = candidates[j]
            p = passages[rank]
            if groups and groups[-1][0] == p["section"]:
                groups[-1][1].append(text)
            else:
                groups.append((p["section"], [text], p))
        paragraphs: list[str] = []
        citations: dict[str, dict[str, Any]] = {}
        for section, texts, p in groups:
            label = short_section(section)
            link = f"[{label}]({p['url']})" if p.get("url") else f"*{label}*"
            body = texts[0]
            for text in texts[1:]:  # display math stays on its own lines
                body += ("\n\n" if body.endswith("$$") else " ") + text
            paragraphs.append(body + f" *(see {link})*")
            if section not in citations:
                quote = texts[0] if len(texts[0]) <= 280 else texts[0][:277].rstrip() + "..."
                citations[section] = {
                    "source": p["source"],
                    "section": section,
                    "quote": quote,
                    "url": p.get("url"),
                }
        top_rank = min(candidates[j][0] for j in chosen) if chosen else 0
        return Composition(
            paragraphs,
            list(citations.values()),
            passages[top_rank]["section"] if passages else "",
            [candidates[j][2] for j in chosen],
        )
