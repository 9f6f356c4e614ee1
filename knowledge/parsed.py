"""One parsed lesson: its sections, anchors, flashcards, glossary and teaching model.

A lesson's Markdown is parsed once, by markdown-it with ``mdit_py_plugins.anchors``, into
a ``ParsedLesson``: every heading becomes a ``Section`` with its level, plain title,
heading path, page anchor (the GitHub-style slug the plugin gives it, ``-1``, ``-2`` for
repeats) and the Markdown under it. The chunker cites ``Section.anchor``, the lesson page
puts the same value in the heading's ``id``, and the offline brain reads the same
sections, so a citation link lands on its heading by construction. Flashcards
(``- **Q:** front`` then an indented ``**A:** back`` under a ``Flashcards`` heading),
glossary items (``- **term**: definition`` under ``Glossary``) and the teaching model
beside the file are read from the parse when first asked for, so chunking a lesson never
fails on a malformed card.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify as _plugin_slugify
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from core.errors import IngestError
from knowledge.loaders import Document
from knowledge.teaching import TeachingModel, teaching_model_for

SEPARATOR = " > "

_QUESTION = re.compile(r"^\*\*Q:\*\*\s*(.*)$")
_ANSWER = re.compile(r"^\s*\*\*A:\*\*\s*(.*)$")
_TERM = re.compile(r"^\*\*(.+?)\*\*\s*:?\s*(.*)$")
_TITLE_PARTS = ("text", "code_inline")  # what the anchors plugin slugifies


@dataclass(frozen=True)
class Section:
    """One heading and the Markdown under it, up to the next heading."""

    level: int  # 1-6; 0 for the text before the first heading
    title: str  # the heading as plain text (no emphasis, code ticks or link syntax)
    anchor: str  # the heading's id on the lesson page; "" before the first heading
    path: tuple[str, ...]  # heading titles from the lesson title down to this one
    text: str  # the Markdown under the heading (not the heading line), stripped
    heading: str = ""  # the heading's own Markdown, inline markup kept
    items: tuple[str, ...] = ()  # top-level bullet items, each as its paragraphs' Markdown

    @property
    def name(self) -> str:
        """The heading path as one string (``Title > Heading > Subheading``): a chunk's section."""
        return SEPARATOR.join(self.path)

    @property
    def markdown(self) -> str:
        """The section as Markdown: the heading line, then the text."""
        if not self.level:
            return self.text
        return f"{'#' * self.level} {self.heading}\n\n{self.text}".rstrip()


@dataclass(frozen=True)
class Flashcard:
    """A front/back review card taken from a lesson's Flashcards section."""

    id: str
    front: str
    back: str
    section: str


def slugify(heading: str) -> str:
    """The anchor of the first heading titled ``heading``: GitHub style, lowercase with
    punctuation dropped and spaces as hyphens, as the anchors plugin makes it."""
    return _plugin_slugify(heading.strip())


def lesson_url(lesson_id: str, anchor: str = "") -> str:
    """The page of a lesson, or one of its headings: where citations link to."""
    return f"/lessons/{lesson_id}#{anchor}" if anchor else f"/lessons/{lesson_id}"


@dataclass(frozen=True)
class ParsedLesson:
    """A lesson (or any Markdown document) parsed once; see the module docstring."""

    source: str  # the file name, as chunks cite it
    path: Path
    lesson_id: str | None  # front-matter id; None for documents that are not lessons
    title: str  # front-matter title, else the file name: the root of headingless paths
    markdown: str  # the body the sections come from (front matter removed)
    sections: tuple[Section, ...]  # every heading in reading order, with or without text

    def url(self, section: Section | None = None) -> str | None:
        """The citation link of ``section`` (or of the lesson): its page and heading anchor."""
        if self.lesson_id is None:
            return None
        return lesson_url(self.lesson_id, section.anchor if section else "")

    def named(self, name: str) -> list[Section]:
        """Sections under a heading called ``name`` (any case), the heading's own included."""
        name = name.lower()
        return [s for s in self.sections if any(p.strip().lower() == name for p in s.path[1:])]

    def _items(
        self, heading: str, opener: re.Pattern[str]
    ) -> Iterator[tuple[Section, re.Match[str], list[str]]]:
        """The list items under ``heading`` whose first line matches ``opener``: the
        section, that match and the item's other lines."""
        for section in self.named(heading):
            for item in section.items:
                first, *rest = item.split("\n")
                match = opener.match(first)
                if match is not None:
                    yield section, match, rest

    @cached_property
    def flashcards(self) -> tuple[Flashcard, ...]:
        """The cards under the Flashcards heading; ids hash the lesson id and the front, so
        reordering cards keeps their review history."""
        cards = []
        for section, question, rest in self._items("flashcards", _QUESTION):
            front, back = [question.group(1)], []
            for line in rest:
                answer = _ANSWER.match(line)
                if answer:
                    back.append(answer.group(1))
                else:
                    (back if back else front).append(line.strip())
            front_text, back_text = " ".join(front).strip(), " ".join(back).strip()
            if not front_text or not back_text:
                raise IngestError(
                    f"{self.path}: the flashcard {front_text or question.group(0)!r} has no "
                    "**A:** line; write it as '- **Q:** front' then '  **A:** back'."
                )
            digest = hashlib.sha256(f"{self.lesson_id}\x1f{front_text}".encode()).hexdigest()
            card_id = f"{self.lesson_id}-{digest[:10]}"
            cards.append(Flashcard(card_id, front_text, back_text, section.name))
        return tuple(cards)

    @cached_property
    def glossary(self) -> dict[str, str]:
        """Term -> definition from the items under the Glossary heading."""
        glossary: dict[str, str] = {}
        for _, match, rest in self._items("glossary", _TERM):
            term = match.group(1).strip().rstrip(":").strip()
            definition = " ".join([match.group(2), *(ln.strip() for ln in rest)]).strip()
            if not definition:
                raise IngestError(
                    f"{self.path}: the glossary term {term!r} has no definition; write "
                    "it as '- **term**: definition'."
                )
            glossary[term] = definition
        return glossary

    @cached_property
    def teaching(self) -> TeachingModel | None:
        """The teaching model in ``<id>.teaching.yaml`` beside the lesson file, if any."""
        return teaching_model_for(self.path)


def parse_lesson(doc: Document) -> ParsedLesson:
    """Parse one normalised document; its sections' root is the front-matter title (or
    the file name) unless the text opens with an H1."""
    root = doc.title or doc.path.stem.replace("-", " ").replace("_", " ").capitalize()
    return ParsedLesson(
        source=doc.source,
        path=doc.path,
        lesson_id=doc.lesson_id,
        title=root,
        markdown=doc.text,
        sections=parse_sections(doc.text, root),
    )


@lru_cache(maxsize=32)
def parse_sections(markdown: str, root: str = "") -> tuple[Section, ...]:
    """Every section of ``markdown`` in order: the text before the first heading (if
    any, as level 0 under ``root``), then one per heading. A heading path starts at the
    H1; under a document without one it starts at ``root``. A whole lesson file may be
    passed: its front matter is skipped."""
    lines = markdown.split("\n")
    tokens = _parser().parse(markdown)
    starts = [i for i, t in enumerate(tokens) if t.type == "heading_open"]
    bounds = [_line_span(tokens[i]) for i in starts]
    ends = [start for start, _ in bounds[1:]] + [len(lines)] * bool(bounds)
    items = _items_by_heading(tokens)
    sections: list[Section] = []
    first = _line_span(tokens[0])[1] if tokens and tokens[0].type == "front_matter" else 0
    preamble = "\n".join(lines[first : bounds[0][0] if bounds else len(lines)]).strip()
    if preamble:
        sections.append(Section(0, root, "", (root,), preamble, "", items[0]))
    stack: list[tuple[int, str]] = []
    for n, (i, (_, body_start), end) in enumerate(zip(starts, bounds, ends, strict=True)):
        level, inline = int(tokens[i].tag[1]), tokens[i + 1]
        title = _plain(inline)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        path = tuple(t for _, t in stack)
        if stack[0][0] != 1:
            path = (root, *path)
        text = "\n".join(lines[body_start:end]).strip()
        anchor = str(tokens[i].attrGet("id") or "")
        sections.append(Section(level, title, anchor, path, text, inline.content, items[n + 1]))
    return tuple(sections)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # The block syntax the lesson page renders with (assistant.render): tables, raw HTML
    # and $$ math, so a "#" line inside a formula or a fence is no heading here either.
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_digits=False, double_inline=True)
    front_matter_plugin(md)  # a lesson file's own, when given whole (the offline brain)
    anchors_plugin(md, min_level=1, max_level=6)
    return md


def _line_span(token: Token) -> tuple[int, int]:
    assert token.map is not None  # block tokens always carry their source lines
    return token.map[0], token.map[1]


def _plain(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type.startswith("math_inline"):
            parts.append(f"${child.content}$")
        elif child.type in _TITLE_PARTS:
            parts.append(child.content)
    return "".join(parts).strip()


def _items_by_heading(tokens: list[Token]) -> list[tuple[str, ...]]:
    """The top-level bullet items after each heading ([0]: before the first heading)."""
    found: list[list[str]] = [[]]
    in_bullets = False
    for token in tokens:
        if token.type == "heading_open":
            found.append([])
        elif token.level == 0 and token.type in ("bullet_list_open", "ordered_list_open"):
            in_bullets = token.type == "bullet_list_open"
        elif in_bullets and token.type == "list_item_open" and token.level == 1:
            found[-1].append("")
        elif in_bullets and token.type == "inline" and token.level > 1 and found[-1]:
            item = found[-1][-1]
            found[-1][-1] = f"{item}\n{token.content}" if item else token.content
        elif token.level == 0 and token.type in ("bullet_list_close", "ordered_list_close"):
            in_bullets = False
    return [tuple(items) for items in found]
