"""Split a normalised Markdown Document into retrieval chunks, one heading at a time.

A chunk never crosses a heading: its ``section`` is the heading path from the H1 title
down, joined with ``" > "``, and its anchor and URL are its heading's in the lesson's one
parse (``knowledge.parsed``), which the lesson page shares. Long sections are cut at paragraph, then sentence, then
word boundaries into pieces of at most ``max_words`` words, each piece starting with a
short overlap from the previous one so a fact that straddles a cut is still findable.
Chunk ids hash (source, section, index within the section), so editing one section
never changes the ids of the others; ``content_hash`` tells whether the text changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from knowledge.loaders import Document
from knowledge.parsed import SEPARATOR, parse_lesson, slugify

__all__ = ["MAX_WORDS", "OVERLAP_WORDS", "SEPARATOR", "Chunk", "chunk_document", "slugify",
           "split_sections", "split_text"]  # fmt: skip

MAX_WORDS = 160  # all-MiniLM-L6-v2 reads 256 word pieces; leave room for the heading
OVERLAP_WORDS = 30

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z0-9$(\"“*`-])")


@dataclass(frozen=True)
class Chunk:
    """One indexable passage and the metadata stored with it."""

    chunk_id: str
    text: str
    source: str
    section: str
    anchor: str
    url: str | None
    position: int  # order within the document
    content_hash: str
    title: str  # the last heading, used to weight BM25 and prefix embeddings

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the heading path gives short passages their topic."""
        return f"{self.section}\n{self.text}"


def split_sections(doc: Document) -> list[tuple[list[str], str, str]]:
    """(heading path, anchor, body) for every heading with text under it, in order."""
    return [(list(s.path), s.anchor, s.text) for s in parse_lesson(doc).sections if s.text]


def _units(text: str, max_words: int) -> list[str]:
    """Paragraphs, with over-long paragraphs cut into sentences, then into word runs."""
    units: list[str] = []
    for para in re.split(r"\n[ \t]*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para.split()) <= max_words:
            units.append(para)
            continue
        for sentence in _SENTENCE_END.split(para):
            words = sentence.split()
            for i in range(0, len(words), max_words):
                units.append(" ".join(words[i : i + max_words]))
    return units


def _tail(text: str, words: int) -> str:
    """The last sentences of ``text`` totalling at most ``words`` words."""
    picked: list[str] = []
    total = 0
    for sentence in reversed(_SENTENCE_END.split(text.replace("\n", " "))):
        n = len(sentence.split())
        if total + n > words:
            break
        picked.insert(0, sentence)
        total += n
    return " ".join(picked)


def split_text(text: str, max_words: int = MAX_WORDS, overlap: int = OVERLAP_WORDS) -> list[str]:
    """Pack paragraphs into pieces of <= max_words words with a small sentence overlap."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for unit in _units(text, max_words):
        n = len(unit.split())
        if current and count + n > max_words:
            pieces.append("\n\n".join(current))
            tail = _tail(pieces[-1], overlap)
            current, count = ([tail], len(tail.split())) if tail else ([], 0)
            if count + n > max_words:
                current, count = [], 0
        current.append(unit)
        count += n
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def _sha(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def chunk_document(
    doc: Document, max_words: int = MAX_WORDS, overlap: int = OVERLAP_WORDS
) -> list[Chunk]:
    """Every chunk of one document, in reading order."""
    chunks: list[Chunk] = []
    lesson = parse_lesson(doc)
    for section in lesson.sections:
        if not section.text:
            continue
        for index, piece in enumerate(split_text(section.text, max_words, overlap)):
            chunks.append(
                Chunk(
                    chunk_id=_sha(doc.source, section.name, str(index))[:32],
                    text=piece,
                    source=doc.source,
                    section=section.name,
                    anchor=section.anchor,
                    url=lesson.url(section),
                    position=len(chunks),
                    content_hash=_sha(piece, section.name),
                    title=section.path[-1],
                )
            )
    return chunks
