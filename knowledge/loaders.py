"""Read lesson sources (Markdown, plain text, HTML; a file or a folder) into Documents.

Every loader turns its input into one normal form, Markdown with ATX headings, so the
chunker only has to understand one format. Markdown front matter (YAML between ``---``
fences, read with python-frontmatter) becomes the document's metadata; HTML keeps its
headings and drops tags, scripts and styles; scraped docs pages lose their ``Section
titled “…”`` anchor artifacts, and the line before each artifact becomes a heading
(that is what the artifact marks). Every failure raises ``IngestError`` naming the file
and saying how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from core.errors import IngestError

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES

_YAML = YAMLHandler()  # only YAML between ``---`` fences, never TOML or JSON
_ARTIFACT = re.compile(r"Section titled\s*[“\"](.*?)[”\"]")


@dataclass(frozen=True)
class Document:
    """One source file in normal form: Markdown ``text`` plus front-matter ``meta``."""

    source: str  # stable name used in chunk ids and citations (the file name)
    path: Path
    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def lesson_id(self) -> str | None:
        value = self.meta.get("id")
        return str(value) if value else None

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "")


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their supported files (sorted); reject missing or odd paths."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"{path}: no such file or folder; check the path and try again.")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not found:
                raise IngestError(
                    f"{path}: the folder holds no lesson files; add .md, .txt or .html files."
                )
            files.extend(found)
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise IngestError(
                f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
                f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}."
            )
        else:
            files.append(path)
    return files


def load_documents(paths: list[Path]) -> list[Document]:
    """Load and validate every file first, so a bad one fails before anything is written."""
    docs = [load_document(p) for p in collect_files(paths)]
    seen: dict[str, Path] = {}
    for doc in docs:
        if doc.source in seen and seen[doc.source].resolve() != doc.path.resolve():
            raise IngestError(
                f"{doc.path}: another file with the same name ({seen[doc.source]}) is in this "
                "ingest; sources are keyed by file name, so rename one of them."
            )
        seen[doc.source] = doc.path
    unique = {doc.source: doc for doc in docs}
    return list(unique.values())


def read_text(path: Path) -> str:
    """The file's text as UTF-8; binary, non-UTF-8, unreadable or empty files are errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions."
        ) from exc
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: looks like a binary file; only text lessons can be indexed.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path}: is not UTF-8 text (bad byte at offset {exc.start}); "
            "re-save it as UTF-8 and index again."
        ) from exc
    if not text.strip():
        raise IngestError(f"{path}: the file is empty; add lesson text or remove the file.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_document(path: Path) -> Document:
    """Load one file according to its suffix."""
    text = read_text(path)
    suffix = path.suffix.lower()
    meta: dict[str, Any] = {}
    if suffix in MARKDOWN_SUFFIXES:
        meta, body = split_front_matter(text, path)
        body = clean_scraped(body, markdown=True)
    elif suffix in HTML_SUFFIXES:
        body = clean_scraped(html_to_markdown(text), markdown=True)
    else:
        body = clean_scraped(text, markdown=False)
    if not body.strip():
        raise IngestError(f"{path}: has front matter but no lesson text; add the text below it.")
    return Document(source=path.name, path=path, text=body, meta=meta)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Split ``---`` YAML front matter from a Markdown body (python-frontmatter's YAML
    handler). A file without an opening and a closing fence is all body."""
    if not _YAML.detect(text):
        return {}, text
    try:
        raw, body = _YAML.split(text)
    except ValueError:  # an opening fence and no closing one
        return {}, text
    try:
        meta = _YAML.load(raw) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{path}: the YAML front matter is invalid ({exc}); fix it.") from exc
    if not isinstance(meta, dict):
        raise IngestError(f"{path}: the front matter must be a YAML mapping (key: value lines).")
    # the body starts at its first line of text: blank lines after the fence are not kept
    return meta, body.lstrip("\n")


def clean_scraped(text: str, *, markdown: bool) -> str:
    """Remove ``Section titled “X”`` artifacts, turning the text they mark into headings.

    Plain text gets Markdown headings: the first line becomes the H1 title when the page
    has artifacts (a scraped page starts with its title), and each marked line an H2.
    """
    if not _ARTIFACT.search(text):
        return text
    out: list[str] = []
    for line in text.split("\n"):
        match = _ARTIFACT.search(line)
        while match:
            title, before, after = (
                match.group(1).strip(),
                line[: match.start()],
                line[match.end() :],
            )
            head = before.rstrip()
            if head and title and head.endswith(title):
                if head[: -len(title)].strip():
                    out.append(head[: -len(title)].rstrip())
                out.append(_as_heading(title))
            elif head:
                out.append(head)  # an artifact inside running text: just drop it
            elif out and out[-1].strip() and not out[-1].lstrip().startswith("#"):
                out[-1] = _as_heading(out[-1].strip())
            line = after
            match = _ARTIFACT.search(line)
        out.append(line)
    if not markdown:
        first = next((i for i, ln in enumerate(out) if ln.strip()), None)
        if first is not None and not out[first].lstrip().startswith("#"):
            out[first] = "# " + out[first].strip() + "\n"
    return "\n".join(out).strip() + "\n"


def _as_heading(title: str) -> str:
    return f"\n## {title}\n"  # blank lines around it keep it a Markdown heading


class _HtmlToMarkdown(HTMLParser):
    """Keep headings (as ``#``), paragraphs and list items; drop every other tag."""

    _SKIP = {"script", "style", "head", "nav", "footer", "svg", "noscript", "template"}
    _BLOCK = {"p", "div", "section", "article", "main", "br", "tr", "table", "ul", "ol",
              "blockquote", "pre", "header", "dd", "dt", "figure"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.title = ""
        self._in_title = False
        self._saw_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self._SKIP:
            self.skip_depth += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._saw_h1 = self._saw_h1 or tag == "h1"
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))

    def markdown(self) -> str:
        text = "".join(self.parts)
        lines = [ln.strip() for ln in text.split("\n")]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        if not self._saw_h1 and self.title.strip():
            body = f"# {self.title.strip()}\n\n{body}"
        return body


def html_to_markdown(html: str) -> str:
    """Strip tags from an HTML page, keeping its headings as Markdown headings."""
    parser = _HtmlToMarkdown()
    parser.feed(html)
    parser.close()
    return parser.markdown()
