"""The instructor view: ``/admin`` (HTML) and ``/admin/export.csv``.

Protected by ``TUTOR_ADMIN_TOKEN``, sent as ``Authorization: Bearer <token>`` or
``?token=<token>``; a wrong or missing token is 401, and with no token configured the
view is switched off (403 saying how to switch it on). The page shows recent sessions
with their messages rendered, the most asked questions, exercise success rates per
skill and learner feedback; the export is every stored message as CSV.
"""

from __future__ import annotations

import hmac
import html
import io
from string import Template
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.store.export import write_csv
from core.errors import TutorError, Unauthorized
from deploy.deps import SessionsDep, SettingsDep
from deploy.routes.pages import STATIC

router = APIRouter(tags=["admin"], include_in_schema=False)

SESSIONS_SHOWN = 30


class AdminDisabled(TutorError):
    code = "admin_disabled"
    http_status = 403


def require_admin(
    request: Request, settings: SettingsDep, token: Annotated[str | None, Query()] = None
) -> str:
    expected = settings.admin_token.get_secret_value()
    if not expected:
        raise AdminDisabled(
            "The instructor view is switched off; set TUTOR_ADMIN_TOKEN to a long random "
            "string and restart the tutor to enable it."
        )
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else (token or "")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "The instructor view needs the admin token: send 'Authorization: Bearer <token>' "
            "or add ?token=<token> to the URL."
        )
    return given


AdminDep = Annotated[str, Depends(require_admin)]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


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
        f"{_e(info['messages'])} messages · last active {_e(info['last_activity'])}"
    )
    return f"<details><summary>{summary}</summary>{''.join(parts)}</details>"


def _admin_html(store: Any, token_query: str) -> str:
    sessions = store.list_sessions(limit=SESSIONS_SHOWN)
    stats = store.exercise_stats()
    feedback = store.feedback_rows(limit=100)
    return Template((STATIC / "admin.html").read_text(encoding="utf-8")).substitute(
        export_url=f"/admin/export.csv{token_query}",
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
                    f["created_at"],
                    "👍" if f["rating"] == "up" else "👎",
                    f["comment"] or "",
                    (f["message"] or "")[:160],
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
async def admin_page(
    _: AdminDep, store: SessionsDep, token: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Instructor view: sessions, most asked questions, exercise success, feedback."""
    query = html.escape(f"?token={quote(token, safe='')}") if token else ""
    return HTMLResponse(await run_in_threadpool(_admin_html, store, query))


@router.get("/admin/export.csv")
async def admin_export(_: AdminDep, store: SessionsDep) -> Response:
    """Every stored message (with its rating) as CSV."""
    text = await run_in_threadpool(_export_csv, store)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rnn-tutor-export.csv"'},
    )
