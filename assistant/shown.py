"""What each reply showed, kept beside its stored message, so a conversation redraws.

The tutor stores a reply's Markdown and, under the message's ``meta["shown"]``
(``shown_of``, in the same ``append_message`` as the text, whatever the channel), the
parts of the ``/v1/chat`` body a client draws around it (``citations``, ``trace``,
``exercise``, ``plots``). ``conversation`` reads the history back with those parts and
every exercise's status *as of now*: a card whose exercise was later solved, revealed or
replaced says so, so a client never offers live buttons on a stale card.
"""

from __future__ import annotations

from typing import Any

SHOWN = "shown"
PARTS = ("citations", "trace", "exercise", "plots")
CLOSED = ("solved", "revealed")


def shown_of(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a ``/v1/chat`` body drawn around the reply text (empty ones left out)."""
    return {k: body[k] for k in PARTS if body.get(k)}


def _records(tutor: Any, session_id: str) -> list[tuple[Any, dict[str, Any]]]:
    """(message, meta) in order; a tutor without a SQL store gives empty metas."""
    store = getattr(tutor, "sessions", None)
    if callable(getattr(store, "message_records", None)):
        return [(r, r.meta or {}) for r in store.message_records(session_id)]
    return [(m, {}) for m in tutor.history(session_id)]


def _state_exercise(tutor: Any, session_id: str) -> dict[str, Any]:
    get_state = getattr(getattr(tutor, "sessions", None), "get_state", None)
    state = get_state(session_id) if callable(get_state) else {}
    return (state or {}).get("exercise") or {}


def exercise_now(shown: dict[str, Any], latest: dict[str, Any], live: dict[str, Any]) -> str:
    """The status as of now of the exercise a card showed: the session's own record for
    the exercise under way, the last card's word for a closed one, else ``replaced``."""
    ex_id = shown.get("id") or shown.get("exercise_id")
    if live and live.get("id") == ex_id:
        return "solved" if live.get("solved") else "revealed" if live.get("revealed") else "open"
    last = latest.get(ex_id, shown).get("status")
    return last if last in CLOSED else "replaced"


def conversation(tutor: Any, session_id: str) -> list[dict[str, Any]]:
    """The ``GET /v1/sessions/{id}/messages`` items: API.md's fields, ``index`` (the seq
    ``POST /v1/feedback`` takes), and for replies ``content_html`` plus what they showed."""
    from assistant.render import render_markdown

    rows = _records(tutor, session_id)
    latest: dict[str, dict[str, Any]] = {}  # exercise id -> the last card that showed it
    for _, meta in rows:
        ex = (meta.get(SHOWN) or {}).get("exercise")
        if ex:
            latest[ex.get("id") or ex.get("exercise_id")] = ex
    live = _state_exercise(tutor, session_id) if latest else {}
    out = []
    for index, (m, meta) in enumerate(rows):
        item: dict[str, Any] = {
            "role": m.role,
            "content": m.content,
            "created_at": str(m.created_at),
            "index": index,
        }
        if m.role == "assistant":
            shown = meta.get(SHOWN) or {}
            item["content_html"] = render_markdown(m.content)
            item.update(
                {k: shown.get(k, [] if k in ("citations", "plots") else None) for k in PARTS}
            )
            if item["exercise"]:
                ex = item["exercise"]
                item["exercise"] = {**ex, "status": exercise_now(ex, latest, live)}
                ex_id = ex.get("id") or ex.get("exercise_id")
                if live.get("id") == ex_id:
                    item["exercise"]["attempts"] = live.get("attempts", ex.get("attempts", 0))
                    item["exercise"]["hints_used"] = live.get("hints", ex.get("hints_used", 0))
        out.append(item)
    return out
