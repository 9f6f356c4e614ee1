"""Extractive answer composition: the best sentences of the retrieved passages, cited.

The offline brain never invents prose about the subject. ``Composer.compose`` splits the
top passages into sentences (keeping inline and display math intact, dropping headings,
tables and anything that reads like an instruction to the tutor), scores each sentence by
cosine similarity to the question plus a small bonus for the passage's rank and for topic
sentences, picks 3-5 with a redundancy penalty (maximal marginal relevance), and writes
them back in lesson order, one paragraph per section, each followed by a link to it.
Sentence vectors are cached, so after the first sight of a passage composing costs only
a few dot products.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.guards import looks_like_injection

MAX_SENTENCES = 4
MIN_SENTENCES = 2
MAX_PASSAGES = 4
REDUNDANT = 0.88  # cosine above which two sentences say the same thing
RELEVANCE_DROP = 0.22  # stop adding sentences this far below the best one
TOPIC_BONUS = 0.05  # a section's first sentence usually states its subject
MAX_MERGED = 600
SECTION_BONUS = 0.04  # sentences from the best section first: one coherent explanation
ANAPHORA_PENALTY = 0.08  # "This is...", "And it..." lean on a sentence we may not quote
MIN_CHARS = 35  # shorter units are labels ("Backpropagate from the end."), not answers  # a list merged into its lead-in sentence stays under this many characters
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“*_\x00\x01])|(?<=\x01)\s+(?=[A-Z])")
REFERENCE = re.compile(r">\s*(Flashcards|Glossary)\s*$")
_ANAPHORA = re.compile(
    r"^(this|these|that|those|it|its|they|their|such|each one|both|and|but|so|also|here)\b",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_SKIP_LINE = re.compile(r"^\s*(#|\||```|<|:::|---|\s*$)")


@dataclass
class Composition:
    paragraphs: list[str]
    citations: list[dict[str, Any]] = field(default_factory=list)  # source, section, quote, url
    top_section: str = ""
    sentences: list[str] = field(default_factory=list)  # the quoted sentences, in reply order


def short_section(section: str) -> str:
    """'Why sequences need memory > Where memory fades > X' -> 'Where memory fades > X'."""
    parts = [p.strip() for p in section.split(">")]
    return " > ".join(parts[1:]) if len(parts) > 1 else section


def _units(block: str) -> list[str]:
    """A paragraph as units: a list joins its lead-in ("...three problems:") when short."""
    items = re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", block)
    items = [re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", it).strip() for it in items]
    items = [it.split("**A:**", 1)[1].strip() if "**A:**" in it else it for it in items]
    items = [it for it in items if not it.startswith("**Q:**")]
    if len(items) > 1 and items[0].rstrip().endswith(":"):
        merged = items[0] + " " + " ".join(it.rstrip(".;") + ";" for it in items[1:])
        if len(merged) <= MAX_MERGED:
            return [merged.rstrip(";") + "."]
        items = items[1:]
    return [_as_sentence(it) for it in items] if len(items) > 1 else items


def _as_sentence(item: str) -> str:
    """A list item made to stand alone: 'and the **x** does y;' -> 'The **x** does y.'."""
    item = re.sub(r"^(and|or|but)\s+", "", item.strip()).rstrip(";,")
    if item and not item.endswith((".", "!", "?", "$$")):
        item += "."
    lead = re.match(r"^(\W*)([a-z])", item)
    if lead:
        item = item[: lead.start(2)] + lead.group(2).upper() + item[lead.end(2) :]
    return item


def _sentences(item: str) -> list[str]:
    maths: list[str] = []

    def protect(m: re.Match[str]) -> str:  # \x01 marks display math, \x00 inline math
        maths.append(m.group())
        mark = "\x01" if m.group().startswith("$$") else "\x00"
        return f"{mark}{len(maths) - 1}{mark}"

    out = []
    for sentence in _SPLIT.split(_MATH.sub(protect, item)):
        sentence = re.sub(r"[\x00\x01](\d+)[\x00\x01]", lambda m: maths[int(m.group(1))], sentence)
        sentence = re.sub(r"[ \t]*\n[ \t]*", " ", sentence).strip()
        out.append(re.sub(r"\s*(\$\$.+?\$\$)\s*", r"\n\n\1\n\n", sentence, flags=re.DOTALL).strip())
    return out


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


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, math kept whole; display math joins its lead-in."""
    units: list[str] = []
    blocks: list[str] = []
    text = re.sub(r"[ \t]+-\s+\*\*Q:\*\*", "\n\n- **Q:**", text or "")
    for para in re.split(r"\n\s*\n", text):
        lines = [ln for ln in para.splitlines() if not _SKIP_LINE.match(ln)]
        block = "\n".join(lines).strip()
        if block and blocks and blocks[-1].endswith(":") and _LIST_ITEM.match(block):
            blocks[-1] = f"{blocks[-1]}\n{block}"
        elif block:
            blocks.append(block)
    for block in blocks:
        if block.startswith("$$") and block.endswith("$$"):
            if units:
                units[-1] = f"{units[-1]}\n\n{block}"
            continue
        for item in _units(block):
            for sentence in _sentences(item):
                if (
                    len(sentence) < MIN_CHARS
                    or sentence.endswith(":")
                    or looks_like_injection(sentence)
                ):
                    continue
                if sentence not in units:
                    units.append(sentence)
    return units


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

    def vectors(self, sentences: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            fresh = np.asarray(self.embedder.embed(missing), dtype=np.float32)
            with self._lock:
                self._vectors.update(zip(missing, fresh, strict=True))
        return np.stack([self._vectors[s] for s in sentences])

    def warm(self, passages_texts: list[str]) -> None:
        """Embed every sentence of these texts now (e.g. all lesson chunks at start-up)."""
        sentences = [s for t in passages_texts for s in split_sentences(t)]
        if sentences:
            self.vectors(sentences)

    def _order_key(self, passage_rank: int, index: int, sentence: str) -> tuple[int, int, int]:
        where = self.lesson_text.find(sentence[:60]) if self.lesson_text else -1
        return (where if where >= 0 else 10**9, passage_rank, index)

    def compose(
        self,
        query_vec: np.ndarray,
        passages: list[dict[str, Any]],
        exclude: frozenset[str] = frozenset(),
    ) -> Composition:
        """Answer from ``passages``; ``exclude`` holds sentences already shown ("tell me more")."""
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
        return self._write(chosen, candidates, passages)

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
