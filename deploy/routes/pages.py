"""Learners' pages: the demo course page (``/``), the widget script and the lessons.

``/`` shows a short excerpt of the bundled lesson with the widget embedded, the way a
course site would; ``/lessons/{id}`` renders a whole lesson with an ``id`` on every
heading. The ids are the anchors of the lesson's one parse (``knowledge.parsed``), the
same values the chunker puts in citation URLs, so a citation link lands on its section.
HTML comes from small templates in ``deploy/static``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import NotFound, TutorError
from deploy.deps import SettingsDep

if TYPE_CHECKING:
    from knowledge.parsed import ParsedLesson, Section

router = APIRouter(tags=["pages"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "static"
DEMO_SECTIONS = (
    "why-sequences-need-memory",
    "the-hidden-state-a-running-memory",
    "the-update-rule",
)
_HEADING_HTML = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)  # sanitised: no attributes


@lru_cache(maxsize=8)
def _template(name: str) -> Template:
    return Template((STATIC / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _lessons() -> dict[str, ParsedLesson]:
    from knowledge.ingest import bundled_lesson_paths
    from knowledge.loaders import load_document
    from knowledge.parsed import parse_lesson

    lessons = (parse_lesson(load_document(p)) for p in bundled_lesson_paths())
    return {lesson.lesson_id: lesson for lesson in lessons if lesson.lesson_id}


def add_heading_ids(body_html: str, sections: Sequence[Section]) -> str:
    """Give the rendered headings, in order, the anchors of ``sections``: the parse the
    chunker cites from, so a citation link lands on its heading."""
    headings = [s for s in sections if s.level]
    levels = [int(level) for level, _ in _HEADING_HTML.findall(body_html)]
    if levels != [s.level for s in headings]:
        raise TutorError(
            f"The rendered lesson has {len(levels)} headings where its parse has "
            f"{len(headings)}; a heading written as raw HTML gets no anchor, use Markdown."
        )
    ids = iter(s.anchor for s in headings)
    return _HEADING_HTML.sub(lambda m: f'<h{m[1]} id="{next(ids)}">{m[2]}</h{m[1]}>', body_html)


def _render(markdown: str, sections: Sequence[Section]) -> str:
    from assistant.render import render_markdown

    return add_heading_ids(render_markdown(markdown), sections)


def _tutor_url(request: Request, public_url: str) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


def _demo_html(tutor_url: str) -> str:
    lesson = next(iter(_lessons().values()))
    shown = [s for s in lesson.sections if s.anchor in DEMO_SECTIONS]
    excerpt = _render("\n\n".join(s.markdown for s in shown), shown)
    return _template("demo.html").substitute(
        title=html.escape(lesson.title),
        excerpt=excerpt,
        lesson_url=lesson.url(),
        tutor_url=html.escape(tutor_url, quote=True),
    )


def _lesson_html(lesson_id: str, tutor_url: str) -> str:
    lesson = _lessons().get(lesson_id)
    if lesson is None:
        known = ", ".join(sorted(_lessons()))
        raise NotFound(f"No lesson '{lesson_id}'; the lessons are: {known}.")
    return _template("lesson.html").substitute(
        title=html.escape(lesson.title),
        body=_render(lesson.markdown, lesson.sections),
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


@router.api_route("/widget.js", methods=["GET", "HEAD"])
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
