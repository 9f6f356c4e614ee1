"""The instructor view: ``/admin`` (HTML), ``/admin/export.csv``, ``/admin/learning.csv``,
sign-in and sign-out.

Who gets in is ``deploy/admin_auth.py``'s business: the admin token as a Bearer header or
the cookie set by ``POST /admin/login``. A browser without valid credentials is shown
the sign-in form (saying what went wrong, if anything); API-style clients get the JSON
error. With no token configured the view is switched off (403 saying how to switch it
on). The page shows recent sessions with their messages rendered, the most asked
questions, exercise success rates per skill, what the assessor learned class-wide
(misconceptions met, concept mastery, most-missed expected points) and learner feedback;
``export.csv`` is every stored message, ``learning.csv`` the class-wide learning counts.
"""

from __future__ import annotations

import csv
import html
import io
import re
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.store.export import spreadsheet_safe, write_csv
from core.errors import Forbidden, RateLimited, TutorError, Unauthorized
from deploy.admin_auth import (
    AdminDep,
    authenticate,
    clear_session_cookie,
    not_signed_in,
    set_session_cookie,
    sign_in,
)
from deploy.deps import ServicesDep, SessionsDep
from deploy.routes.pages import STATIC

router = APIRouter(tags=["admin"], include_in_schema=False)

SESSIONS_SHOWN = 30
MAX_TOKEN_FORM_BYTES = 4096  # a token, not a document


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _when(iso: Any) -> str:
    """``2026-12-05 23:49 UTC`` for a stored ISO time (the page is read, not parsed)."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_MARKUP = re.compile(r"[*_`#>|$\\]+")


def _excerpt(markdown: str, length: int = 160) -> str:
    """A reply as plain words for a table cell: no Markdown or math delimiters."""
    words = " ".join(_MARKUP.sub(" ", markdown or "").split())
    return words if len(words) <= length else words[: length - 1].rstrip() + "…"


RATINGS = {"up": "helpful", "down": "not helpful"}  # words: emoji render as boxes on some


def _table(headers: list[str], rows: list[list[Any]], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _session_html(store: Any, info: dict[str, Any]) -> str:
    from assistant.render import render_markdown

    parts = []
    for m in store.messages(info["id"]):
        content = render_markdown(m.content) if m.role == "assistant" else f"<p>{_e(m.content)}</p>"
        parts.append(f'<div class="m {m.role}"><span class="who">{m.role}</span>{content}</div>')
    summary = (
        f"<code>{_e(info['id'][:12])}…</code> · {_e(info['channel'])} · "
        f"{_e(info['messages'])} messages · last active {_e(_when(info['last_activity']))}"
    )
    return f"<details><summary>{summary}</summary>{''.join(parts)}</details>"


def _root(request: Request) -> str:
    """The path prefix the app is mounted under (``--root-path``), for links we write."""
    return request.scope.get("root_path", "").rstrip("/")


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _sign_in_page(request: Request, error: TutorError | None = None) -> HTMLResponse:
    """The sign-in form; with ``error``, its message above the form and its status."""
    notice = f'<p class="notice" role="alert">{_e(error.message)}</p>' if error else ""
    headers = None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    page = Template((STATIC / "admin_login.html").read_text(encoding="utf-8")).substitute(
        action=f"{_root(request)}/admin/login", notice=notice
    )
    return HTMLResponse(page, status_code=error.http_status if error else 200, headers=headers)


def _names() -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], tuple[str, ...]]]:
    """Concept names, misconception beliefs and each question's expected points, by id."""
    from assistant.listening.tools import full_models

    concepts = [c for m in full_models() for c in m.concepts]
    return (
        {c.id: c.name for c in concepts},
        {x.id: x.belief for c in concepts for x in c.misconceptions},
        {(c.id, q.ask): q.expected for c in concepts for q in c.questions},
    )


def learning_rows(store: Any) -> list[dict[str, Any]]:
    """The class-wide learning counts as rows (the CSV and the page's three tables)."""
    names, beliefs, points = _names()
    data = store.class_learning(limit=1000)
    rows: list[dict[str, Any]] = []
    for m in data["misconceptions"]:
        rows.append({"kind": "misconception", "id": m["id"], "what": beliefs.get(m["id"], m["id"]),
                     "count": m["answers"], "learners": m["learners"]})  # fmt: skip
    for c in data["concepts"]:
        rows.append({"kind": "concept", "id": c["concept"], "what": names.get(c["concept"], c["concept"]),
                     "count": c["mastered"], "learners": c["learners"], "mean_mastery": c["mean"]})  # fmt: skip
    for p in data["missed_points"]:
        expected = points.get((p["concept"], p["question"]), ())
        point = expected[p["point"]] if p["point"] < len(expected) else f"point {p['point'] + 1}"
        rows.append({"kind": "missed_point", "id": p["concept"], "what": point,
                     "question": p["question"], "count": p["times"]})  # fmt: skip
    return rows


LEARNING_SHOWN = 20  # rows per learning table on the page (the CSV has them all)
LEARNING_FIELDS = ["kind", "id", "what", "question", "count", "learners", "mean_mastery"]


def _learning_csv(store: Any) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LEARNING_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(
        {k: spreadsheet_safe(v) for k, v in row.items()} for row in learning_rows(store)
    )
    return buffer.getvalue()


def _learning_tables(store: Any) -> dict[str, str]:
    rows = learning_rows(store)

    def of(kind: str) -> list[dict[str, Any]]:
        return [r for r in rows if r["kind"] == kind][:LEARNING_SHOWN]

    return {
        "misconceptions": _table(
            ["misconception", "answers", "learners"],
            [[r["what"], r["count"], r["learners"]] for r in of("misconception")],
            "No misconceptions met yet.",
        ),
        "mastery": _table(
            ["concept", "learners assessed", "mastered", "mean mastery"],
            [
                [r["what"], r["learners"], r["count"], f"{r['mean_mastery']:.0%}"]
                for r in of("concept")
            ],
            "No answers assessed yet.",
        ),
        "missed": _table(
            ["expected point", "question", "times missed"],
            [[r["what"], r["question"], r["count"]] for r in of("missed_point")],
            "No expected points missed yet.",
        ),
    }


def _admin_html(store: Any, root: str) -> str:
    sessions = store.list_sessions(limit=SESSIONS_SHOWN)
    stats = store.exercise_stats()
    feedback = store.feedback_rows(limit=100)
    return Template((STATIC / "admin.html").read_text(encoding="utf-8")).substitute(
        export_url=f"{root}/admin/export.csv",
        learning_url=f"{root}/admin/learning.csv",
        **_learning_tables(store),
        logout_url=f"{root}/admin/logout",
        sessions="".join(_session_html(store, s) for s in sessions)
        or '<p class="empty">No sessions yet.</p>',
        questions=_table(
            ["question", "times asked"],
            [list(q) for q in store.top_questions(limit=20)],
            "No questions yet.",
        ),
        exercises=_table(
            ["skill", "tried", "solved", "success rate"],
            [[k, v["tried"], v["solved"], f"{v['rate']:.0%}"] for k, v in stats.items()],
            "No exercises attempted yet.",
        ),
        feedback=_table(
            ["when", "rating", "comment", "reply", "session"],
            [
                [
                    _when(f["created_at"]),
                    RATINGS.get(f["rating"], f["rating"]),
                    f["comment"] or "",
                    _excerpt(f["message"] or ""),
                    f["session_id"][:12] + "…",
                ]
                for f in feedback
            ],
            "No feedback yet.",
        ),
    )


def _export_csv(store: Any) -> str:
    buffer = io.StringIO()
    write_csv(store.export_rows(), buffer)
    return buffer.getvalue()


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, services: ServicesDep, store: SessionsDep) -> Response:
    """Instructor view: sessions, most asked questions, exercise success, feedback."""
    try:
        signed_in = await authenticate(request, services)
    except (Unauthorized, RateLimited) as exc:
        if _wants_html(request):
            return _sign_in_page(request, exc)
        raise
    if not signed_in:
        if not _wants_html(request):
            raise not_signed_in(request)
        tried_the_url = "token" in request.query_params
        return _sign_in_page(request, not_signed_in(request) if tried_the_url else None)
    return HTMLResponse(await run_in_threadpool(_admin_html, store, _root(request)))


async def _form_token(request: Request) -> str:
    """The ``token`` field of a URL-encoded form body ("" when there is none)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return ""
    body = await request.body()
    fields = parse_qs(body[:MAX_TOKEN_FORM_BYTES].decode("utf-8", "replace"))
    return (fields.get("token") or [""])[0].strip()


def _same_origin(request: Request) -> None:
    """Refuse a sign-in form posted from another site: it could spend a visitor's few
    tries (the throttle counts per address) or sign them in unasked. Browsers say where
    a form came from in ``Sec-Fetch-Site``, and in ``Origin`` (``null`` under the admin
    pages' no-referrer policy, so that alone cannot tell); scripts send neither."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin", "null")
    if site is not None:  # the browser's own verdict, whatever proxies did to Host
        elsewhere = site not in ("same-origin", "none")
    else:  # an older browser: compare host names (a proxy's Host may drop the port)
        host = urlsplit(f"//{request.headers.get('host', '')}").hostname
        elsewhere = origin != "null" and urlsplit(origin).hostname != host
    if elsewhere:
        raise Forbidden(
            "Sign in from the tutor's own /admin page: this form was posted from another "
            "site, so it was refused and did not count as a try."
        )


@router.post("/admin/login")
async def admin_login(request: Request, services: ServicesDep) -> Response:
    """Sign in with the admin token (form field ``token``); sets the session cookie."""
    _same_origin(request)
    try:
        await sign_in(request, services, await _form_token(request))
    except (Unauthorized, RateLimited) as exc:
        if _wants_html(request):
            return _sign_in_page(request, exc)
        raise
    response = RedirectResponse(f"{_root(request)}/admin", status_code=303)
    set_session_cookie(response, request, services)
    return response


@router.post("/admin/logout")
async def admin_logout(request: Request) -> Response:
    """Sign out: forget the session cookie."""
    _same_origin(request)
    response = RedirectResponse(f"{_root(request)}/admin", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/admin/learning.csv")
async def admin_learning(_: AdminDep, store: SessionsDep) -> Response:
    """Class-wide learning: misconceptions met, concepts mastered, expected points missed."""
    text = await run_in_threadpool(_learning_csv, store)
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rnn-tutor-learning.csv"'},
    )


@router.get("/admin/export.csv")
async def admin_export(_: AdminDep, store: SessionsDep) -> Response:
    """Every stored message (with its rating) as CSV."""
    text = await run_in_threadpool(_export_csv, store)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rnn-tutor-export.csv"'},
    )
