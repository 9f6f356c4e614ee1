"""The teaching model of a lesson: concepts with their facets, misconceptions and questions.

Each lesson ``<id>.md`` may carry a ``<id>.teaching.yaml`` beside it (see
../shared/TEACHING.md, "The teaching model"): per concept a definition, the mechanism
(``why``), an example, an analogy (``simpler``), optionally how it works (``how``),
practical advice (``use``) and its history and place (``context``), contrasts with the concepts learners
confuse it with, misconceptions (the ways learners say them, and the correction), deep
questions with expected points and hints, an optional lab call, and the lesson sections
it comes from. ``load_teaching_model(path)`` reads one file into frozen dataclasses and
checks its shape, so a typo fails at start-up with the file and concept named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from core.errors import InvalidInput

SUFFIX = ".teaching.yaml"
FACETS = ("definition", "why", "example", "simpler")
OPTIONAL_FACETS = ("how", "use", "context")  # mechanism, advice, history and place


@dataclass(frozen=True)
class Misconception:
    id: str
    belief: str
    phrasings: tuple[str, ...]
    correction: str


@dataclass(frozen=True)
class Contrast:
    other: str  # a concept id
    difference: str


@dataclass(frozen=True)
class DeepQuestion:
    ask: str
    kind: str
    expected: tuple[str, ...]
    hints: tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    id: str
    name: str
    aliases: tuple[str, ...]
    sections: tuple[str, ...]  # heading titles, the first is where it is taught
    definition: str
    why: str
    example: str
    simpler: str
    contrasts: tuple[Contrast, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    questions: tuple[DeepQuestion, ...] = ()
    lab: dict[str, Any] | None = None
    how: str = ""
    use: str = ""
    context: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every way of naming it, the canonical name first."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Beyond:
    """A topic next to the lesson that it does not teach, and the concept nearest to it."""

    name: str
    aliases: tuple[str, ...]
    nearest: str  # a concept id

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class TeachingModel:
    lesson: str
    concepts: tuple[Concept, ...]
    path: Path | None = None
    beyond: tuple[Beyond, ...] = ()  # neighbouring topics the lesson does not cover
    _index: dict[str, Concept] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({c.id: c for c in self.concepts})

    def concept(self, concept_id: str) -> Concept | None:
        return self._index.get(concept_id)

    @cached_property
    def misconceptions(self) -> tuple[tuple[Concept, Misconception], ...]:
        return tuple((c, m) for c in self.concepts for m in c.misconceptions)


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: '{key}' must be a non-empty text.")
    return value.strip()


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise InvalidInput(f"{where}: expected a list of texts.")
    return tuple(x.strip() for x in raw)


def _concept(raw: dict[str, Any], where: str) -> Concept:
    cid = _text(raw, "id", where)
    where = f"{where} concept {cid!r}"
    return Concept(
        id=cid,
        name=_text(raw, "name", where),
        aliases=_strings(raw.get("aliases"), f"{where} aliases"),
        sections=_strings(raw.get("sections"), f"{where} sections"),
        **{facet: _text(raw, facet, where) for facet in FACETS},
        contrasts=tuple(
            Contrast(_text(c, "with", where), _text(c, "difference", where))
            for c in raw.get("contrasts") or []
        ),
        misconceptions=tuple(
            Misconception(
                _text(m, "id", where),
                _text(m, "belief", where),
                _strings(m.get("phrasings"), f"{where} phrasings"),
                _text(m, "correction", where),
            )
            for m in raw.get("misconceptions") or []
        ),
        questions=tuple(
            DeepQuestion(
                _text(q, "ask", where),
                _text(q, "kind", where),
                _strings(q.get("expected"), f"{where} expected"),
                _strings(q.get("hints"), f"{where} hints"),
            )
            for q in raw.get("questions") or []
        ),
        lab=raw.get("lab"),
        **{facet: _text(raw, facet, where) for facet in OPTIONAL_FACETS if raw.get(facet)},
    )


def load_teaching_model(path: Path) -> TeachingModel:
    """Read and check one ``*.teaching.yaml``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot read the teaching model ({exc}).") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("concepts"), list):
        raise InvalidInput(f"{path}: expected 'lesson' and a list of 'concepts'.")
    concepts = tuple(_concept(c, str(path)) for c in raw["concepts"])
    ids = [c.id for c in concepts]
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{path}: concept ids must be unique.")
    known = set(ids)
    for c in concepts:
        bad = [x.other for x in c.contrasts if x.other not in known]
        if bad:
            raise InvalidInput(f"{path}: concept {c.id!r} contrasts with unknown {bad}.")
    beyond = tuple(
        Beyond(_text(b, "name", f"{path} not_covered"), _strings(b.get("aliases"), str(path)),
               _text(b, "nearest", f"{path} not_covered"))
        for b in raw.get("not_covered") or []
    )  # fmt: skip
    bad = [b.nearest for b in beyond if b.nearest not in known]
    if bad:
        raise InvalidInput(f"{path}: not_covered names unknown nearest concepts {bad}.")
    lesson = str(raw.get("lesson") or path.name[: -len(SUFFIX)])
    return TeachingModel(lesson, concepts, path, beyond)


def teaching_model_for(lesson_path: Path) -> TeachingModel | None:
    """The teaching model beside a lesson file, if it has one."""
    path = lesson_path.with_name(lesson_path.stem + SUFFIX)
    return load_teaching_model(path) if path.exists() else None


def load_teaching_models(lesson_paths: Iterable[Path]) -> list[TeachingModel]:
    return [m for m in (teaching_model_for(p) for p in lesson_paths) if m is not None]
