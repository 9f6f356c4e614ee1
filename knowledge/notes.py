"""Teaching notes in Chroma: each concept's facets as their own, answer-shaped documents.

The lesson chunks are what citations quote; the teaching model (``knowledge.teaching``)
says what a good answer to each kind of question is. ``concept_notes(model)`` turns a
model into notes: a concept's definition, mechanism, example, analogy, how-to, advice and
history, each contrast with a confusable concept, each misconception (one note per way
learners say it, answered by the correction) and each deep question (answered by its
expected points). A note is embedded by its *key*, the question it answers ("why does
the gradient vanish", a learner's phrasing of a misconception) or the facet text itself,
so a learner's question lands on the note that answers it.

``NoteIndex`` keeps them in their own Chroma collection beside the lesson's
(``<collection>-notes``), with concept and facet metadata; ``index_notes`` brings it in
line with the teaching models of the indexed lessons, embedding only new keys.
``NoteIndex.teaching_models()`` rebuilds the concepts from the index, so the offline brain
knows the lessons of the configured index, not only the bundled one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from threading import Lock
from typing import Any

import numpy as np

from core.errors import IndexNotReady
from knowledge.teaching import (
    OPTIONAL_FACETS,
    Beyond,
    Concept,
    Contrast,
    Misconception,
    TeachingModel,
)

NOTES_SUFFIX = "-notes"
STALE_CHECK_SECONDS = 5.0
# the question a facet answers, embedded beside the facet's own text
KEY_TEMPLATES = {
    "definition": "what is {name}",
    "why": "why {name}",
    "example": "example of {name}",
    "simpler": "explain {name} simply",
    "how": "how does {name} work",
    "use": "should i use {name}",
    "context": "where does {name} fit, its history, what comes before and after",
}
FACET_ORDER = ("definition", "why", "example", "simpler", *OPTIONAL_FACETS)
_SEP = "\n"


@dataclass(frozen=True)
class Note:
    note_id: str
    lesson: str
    concept: str  # concept id
    name: str  # concept name
    facet: str  # definition, why, example, simpler, how, use, context, compare,
    # misconception, or a deep question's kind (why, how, what-if, ...)
    key: str  # the text that is embedded
    text: str  # the answer
    sections: tuple[str, ...]  # heading titles to cite, the teaching one first
    other: str = ""  # compare: the other concept's id
    aliases: tuple[str, ...] = ()  # on the concept's definition notes only

    @property
    def specific(self) -> bool:
        """Keyed by one particular question, not by a concept's facet."""
        return (
            self.facet in ("misconception", "beyond")
            or int(self.note_id.rsplit(":", 1)[-1]) >= 1000
        )

    def metadata(self) -> dict[str, Any]:
        """What Chroma stores beside the key, with a hash of the key and all of it (a note
        whose hash is unchanged is not written again)."""
        meta = {
            "lesson": self.lesson,
            "concept": self.concept,
            "name": self.name,
            "facet": self.facet,
            "text": self.text,
            "sections": _SEP.join(self.sections),
            "other": self.other,
            "aliases": _SEP.join(self.aliases),
        }
        meta["key_hash"] = _hash("\0".join([self.key, *map(str, meta.values())]))
        return meta


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _split(value: Any) -> tuple[str, ...]:
    return tuple(x for x in str(value or "").split(_SEP) if x)


def points_sentence(points: tuple[str, ...]) -> str:
    """Expected points as one sentence: "It reads ..., it uses ..., and ...."""
    parts = [p.strip().rstrip(".") for p in points if p.strip()]
    if not parts:
        return ""
    if len(parts) == 1:
        joined = parts[0]
    else:
        joined = ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1]
    return joined[0].upper() + joined[1:] + "."


def concept_notes(model: TeachingModel) -> list[Note]:
    """Every note of one teaching model."""
    notes: list[Note] = []
    for c in model.concepts:

        def note(facet: str, n: int, key: str, text: str, c: Concept = c, **extra: Any) -> None:
            notes.append(
                Note(f"{model.lesson}:{c.id}:{facet}:{n}", model.lesson, c.id, c.name, facet,
                     key, text, c.sections, **extra)
            )  # fmt: skip

        for facet in FACET_ORDER:
            text = getattr(c, facet)
            if not text:
                continue
            aliases = c.aliases if facet == "definition" else ()  # () is Note's default
            note(facet, 0, KEY_TEMPLATES[facet].format(name=c.name), text, aliases=aliases)
            note(facet, 1, text, text, aliases=aliases)
        for i, x in enumerate(c.contrasts):
            other = model.concept(x.other)
            note("compare", i, f"{c.name} vs {other.name if other else x.other}", x.difference,
                 other=x.other)  # fmt: skip
        for i, m in enumerate(c.misconceptions):
            for j, said in enumerate((m.belief, *m.phrasings)):
                note("misconception", i * 100 + j, said, m.correction)
        for i, q in enumerate(c.questions):
            answer = points_sentence(q.expected)
            if answer:
                note(q.kind, 1000 + i, q.ask, answer)
    for i, b in enumerate(model.beyond):  # what the lesson does not teach, and its nearest
        near = model.concept(b.nearest)
        if near is not None:  # the loader checks that it exists
            notes.append(
                Note(f"{model.lesson}:{b.nearest}:beyond:{2000 + i}", model.lesson, b.nearest,
                     near.name, "beyond", b.name, near.definition, near.sections,
                     aliases=b.aliases)
            )  # fmt: skip
    return notes


class NoteIndex:
    """The notes' Chroma collection: upsert with vectors, read all, a snapshot to rank."""

    def __init__(self, collection: Any, location: str) -> None:
        self.collection = collection
        self.location = location
        self._snapshot: tuple[list[Note], np.ndarray] | None = None
        self._checked = 0.0  # time.monotonic() of the last staleness check
        self._lock = Lock()

    def snapshot(self) -> tuple[list[Note], np.ndarray]:
        """Every note and its key vector (unit length), read from Chroma once and again when
        the count changes (checked every few seconds): ranking a question is one product."""
        now = time.monotonic()
        if self._snapshot is None or now - self._checked > STALE_CHECK_SECONDS:
            with self._lock:
                if self._snapshot is None or len(self._snapshot[0]) != self.count():
                    got = self.collection.get(include=["documents", "metadatas", "embeddings"])
                    rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                    notes = [_note(i, d, m) for i, d, m in rows]
                    vectors = (
                        np.asarray(got["embeddings"], dtype=np.float32).reshape(len(notes), -1)
                        if notes
                        else np.zeros((0, 1), np.float32)
                    )
                    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                    self._snapshot = (notes, vectors / np.maximum(norms, 1e-12))
                self._checked = now
        return self._snapshot

    def facet(self, concept: str, facet: str) -> Note | None:
        """The note holding one facet of one concept (its facet-question key), or None."""
        return next(
            (n for n in self.snapshot()[0]
             if n.concept == concept and n.facet == facet and n.note_id.endswith(":0")),
            None,
        )  # fmt: skip

    def count(self) -> int:
        return int(self.collection.count())

    def hashes(self) -> dict[str, str]:
        got = self.collection.get(include=["metadatas"])
        return {
            i: str((m or {}).get("key_hash", ""))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def upsert(self, notes: list[Note], vectors: np.ndarray) -> None:
        step = 1000
        for start in range(0, len(notes), step):
            batch = notes[start : start + step]
            self.collection.upsert(
                ids=[n.note_id for n in batch],
                documents=[n.key for n in batch],
                metadatas=[n.metadata() for n in batch],
                embeddings=[v.tolist() for v in vectors[start : start + step]],
            )

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)

    def all_notes(self) -> list[Note]:
        got = self.collection.get(include=["documents", "metadatas"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        return [_note(i, d, m) for i, d, m in rows]

    def teaching_models(self) -> list[TeachingModel]:
        """The concepts of every lesson in the index, rebuilt from their notes (facets,
        aliases, sections, contrasts and misconceptions; deep questions stay notes)."""
        by_lesson: dict[str, dict[str, dict[str, Any]]] = {}
        beliefs: dict[tuple[str, str, int], dict[int, Note]] = {}
        beyond: dict[str, list[Beyond]] = {}
        for note in sorted(self.snapshot()[0], key=lambda n: n.note_id):
            if note.facet == "beyond":  # keyed by the topic's name, named by the nearest
                beyond.setdefault(note.lesson, []).append(
                    Beyond(note.key, note.aliases, note.concept)
                )
                continue
            concept = by_lesson.setdefault(note.lesson, {}).setdefault(
                note.concept,
                {"id": note.concept, "name": note.name, "sections": note.sections,
                 "aliases": (), "contrasts": []},
            )  # fmt: skip
            if note.facet in FACET_ORDER and note.note_id.endswith(":0"):
                concept[note.facet] = note.text
                if note.aliases:
                    concept["aliases"] = note.aliases
            elif note.facet == "compare" and note.other:  # not a deep "compare" question
                concept["contrasts"].append(Contrast(note.other, note.text))
            elif note.facet == "misconception":  # n = i * 100 + j; j = 0 is the belief
                n = int(note.note_id.rsplit(":", 1)[1])
                beliefs.setdefault((note.lesson, note.concept, n // 100), {})[n % 100] = note
        for (lesson, cid, i), said in sorted(beliefs.items()):
            if 0 in said:
                by_lesson[lesson][cid].setdefault("misconceptions", []).append(
                    Misconception(f"{cid}_{i}", said[0].key,
                                  tuple(said[j].key for j in sorted(said) if j), said[0].text)
                )  # fmt: skip
        models = []
        for lesson, concepts in sorted(by_lesson.items()):
            built = [
                Concept(
                    id=raw["id"],
                    name=raw["name"],
                    aliases=raw["aliases"],
                    sections=raw["sections"],
                    **{f: raw.get(f, "") for f in FACET_ORDER},
                    contrasts=tuple(raw["contrasts"]),
                    misconceptions=tuple(raw.get("misconceptions", ())),
                )  # fmt: skip
                for raw in concepts.values()
                if raw.get("definition")
            ]
            models.append(TeachingModel(lesson, tuple(built), beyond=tuple(beyond.get(lesson, []))))
        return models


def _note(note_id: str, key: str | None, meta: dict[str, Any] | None) -> Note:
    m = meta or {}
    return Note(
        note_id=note_id,
        lesson=str(m.get("lesson", "")),
        concept=str(m.get("concept", "")),
        name=str(m.get("name", "")),
        facet=str(m.get("facet", "")),
        key=key or "",
        text=str(m.get("text", "")),
        sections=_split(m.get("sections")),
        other=str(m.get("other", "")),
        aliases=_split(m.get("aliases")),
    )


def notes_beside(store: Any, embedder: Any) -> NoteIndex:
    """The notes collection beside a lesson store's (same Chroma client, ``<name>-notes``)."""
    name = f"{store.collection.name}{NOTES_SUFFIX}"
    try:
        collection = store.client.get_or_create_collection(
            name, embedding_function=embedder.chroma_function(),
            configuration={"hnsw": {"space": "cosine"}},
        )  # fmt: skip
    except Exception as exc:
        raise IndexNotReady(
            f"{store.location}: cannot open the Chroma collection {name!r} ({exc}); "
            "run `tutor index` again."
        ) from exc
    return NoteIndex(collection, store.location)


def index_notes(models: list[TeachingModel], index: NoteIndex, embedder: Any,
                *, prune: bool = False) -> dict[str, int]:  # fmt: skip
    """Bring the notes collection in line with ``models``; embeds only changed notes.
    ``prune`` also deletes the notes of lessons no longer given."""
    notes = [n for m in models for n in concept_notes(m)]
    stored = index.hashes()
    changed = [n for n in notes if stored.get(n.note_id) != n.metadata()["key_hash"]]
    if changed:
        vectors = np.asarray(embedder.embed([n.key for n in changed]), dtype=np.float32)
        index.upsert(changed, vectors)
    given = {n.note_id for n in notes}
    lessons = {m.lesson for m in models}
    stale = [
        i for i in stored
        if i not in given and (prune or i.split(":", 1)[0] in lessons)
    ]  # fmt: skip
    index.delete(stale)
    return {"notes": len(notes), "embedded": len(changed), "deleted": len(stale)}


# which note facets answer which question type (a small bonus, not a filter)
TYPE_FACETS = {
    "definition": ("definition",),
    "why": ("why",),
    "how": ("how", "why"),
    "example": ("example",),
    "simpler": ("simpler",),
    "compare": ("compare",),
    "recommendation": ("use", "recommendation"),
    "context": ("context",),
    "what-if": ("what-if",),
}
CONCEPT_BONUS = 0.2  # the question's first concept; half for its second
TYPE_BONUS = 0.08
# a note keyed by one particular question (a misconception as learners say it, a deep
# question) answers that question only: it competes fully only when the learner's words
# are close to its key
SPECIFIC_CLOSE = 0.7
SPECIFIC_PENALTY = 0.15
POOL = 40


def rank_notes(
    index: NoteIndex,
    vector: np.ndarray,
    kind: str,
    concepts: tuple[str, ...] | list[str],
    similarity_of: dict[str, float] | None = None,
) -> list[tuple[Note, float]]:
    """Notes that answer a question, best first: cosine similarity of the question to each
    note's key, plus a bonus for the concepts the question names and for facets that answer
    its type. One note per answer text (its best key). ``similarity_of``, when given, is
    filled with each ranked note's plain similarity by note id."""
    notes, vectors = index.snapshot()
    if not notes:
        return []
    q = np.asarray(vector, dtype=np.float32)
    sims = vectors @ (q / max(float(np.linalg.norm(q)), 1e-12))
    wanted = set(concepts[:3])  # a third named concept is ranked, without a bonus
    pool = set(np.argsort(-sims)[:POOL].tolist())
    pool |= {i for i, n in enumerate(notes) if n.concept in wanted}
    hits = [(notes[i], float(sims[i])) for i in sorted(pool)]
    best: dict[str, tuple[Note, float]] = {}
    facets = TYPE_FACETS.get(kind, ())
    for note, similarity in hits:
        score = similarity + (TYPE_BONUS if note.facet in facets else 0.0)
        if note.facet == "beyond" and kind != "not_covered":
            continue
        if note.specific and similarity < SPECIFIC_CLOSE:
            score -= SPECIFIC_PENALTY
        if concepts and note.concept == concepts[0]:
            score += CONCEPT_BONUS
        elif note.concept in concepts[1:2]:
            score += CONCEPT_BONUS / 2
        if score > best.get(note.text, (None, -9.0))[1]:
            best[note.text] = (note, score)
            if similarity_of is not None:
                similarity_of[note.note_id] = similarity
    return sorted(best.values(), key=lambda x: (-x[1], x[0].note_id))
