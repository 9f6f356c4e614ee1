"""Learners' pages: the demo course page (``/``), the widget script and the lessons.

``/`` shows a short excerpt of the bundled lesson with the widget embedded, the way a
course site would; ``/lessons/{id}`` renders a whole lesson with an ``id`` on every
heading, matching the anchors retrieval puts in citation URLs, so a citation link lands
on its section. HTML comes from small templates in ``deploy/static``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from string import Template

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound
from deploy.deps import SettingsDep

router = APIRouter(tags=["pages"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "static"
DEMO_SECTIONS = (
    "why-sequences-need-memory",
    "the-hidden-state-a-running-memory",
    "the-update-rule",
)
_HEADING_HTML = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=8)
def _template(name: str) -> Template:
    return Template((STATIC / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _lessons() -> dict[str, object]:
    from knowledge.ingest import bundled_lesson_paths
    from knowledge.loaders import load_document

    docs = (load_document(p) for p in bundled_lesson_paths())
    return {d.lesson_id: d for d in docs if d.lesson_id}


def add_heading_ids(body_html: str) -> str:
    """Give each heading the anchor the chunker gave its section (GitHub-style slugs)."""
    from knowledge.chunking import slugify

    seen: dict[str, int] = {}

    def repl(m: re.Match[str]) -> str:
        text = html.unescape(_TAG.sub("", m.group(2))).strip()
        slug = slugify(text)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchor = slug if n == 0 else f"{slug}-{n}"
        return f'<h{m.group(1)} id="{anchor}">{m.group(2)}</h{m.group(1)}>'

    return _HEADING_HTML.sub(repl, body_html)


def _split_blocks(markdown: str) -> list[tuple[str, str]]:
    """(anchor, markdown) per heading, outside code fences."""
    from knowledge.chunking import plain_heading, slugify

    blocks: list[tuple[str, list[str]]] = []
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", line)
        if m:
            blocks.append((slugify(plain_heading(m.group(2))), [line]))
        elif blocks:
            blocks[-1][1].append(line)
    return [(a, "\n".join(lines)) for a, lines in blocks]


def _render(markdown: str) -> str:
    from assistant.render import render_markdown

    return add_heading_ids(render_markdown(markdown))


def _tutor_url(request: Request, public_url: str) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


def _demo_html(tutor_url: str) -> str:
    lessons = _lessons()
    lesson_id, doc = next(iter(lessons.items()))
    blocks = [md for a, md in _split_blocks(doc.text) if a in DEMO_SECTIONS]
    excerpt = _render("\n\n".join(blocks))
    return _template("demo.html").substitute(
        title=html.escape(doc.title),
        excerpt=excerpt,
        lesson_url=f"/lessons/{lesson_id}",
        tutor_url=html.escape(tutor_url, quote=True),
    )


def _lesson_html(lesson_id: str, tutor_url: str) -> str:
    doc = _lessons().get(lesson_id)
    if doc is None:
        known = ", ".join(sorted(_lessons()))
        raise NotFound(f"No lesson '{lesson_id}'; the lessons are: {known}.")
    return _template("lesson.html").substitute(
        title=html.escape(doc.title),
        body=_render(doc.text),
        tutor_url=html.escape(tutor_url, quote=True),
    )


@router.get("/", response_class=HTMLResponse)
async def demo_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """A demo course page with the widget embedded."""
    page = await run_in_threadpool(_demo_html, _tutor_url(request, settings.public_url))
    return HTMLResponse(page)


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
async def lesson_page(lesson_id: str, request: Request, settings: SettingsDep) -> HTMLResponse:
    """A whole lesson; citation URLs point at its heading anchors."""
    page = await run_in_threadpool(
        _lesson_html, lesson_id, _tutor_url(request, settings.public_url)
    )
    return HTMLResponse(page)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """No icon; an empty answer keeps browsers from logging a 404 on every page."""
    return Response(status_code=204)


@router.get("/widget.js")
async def widget_js() -> FileResponse:
    """The embeddable widget: ``<script src=".../widget.js" data-tutor-url="...">``."""
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
