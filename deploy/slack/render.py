"""A ``TutorReply`` as a Slack message: Block Kit blocks plus a plain fallback text.

Layout: the reply as mrkdwn section blocks (split at paragraphs, <= 3,000 characters
each), a trace as a monospaced table in a code block, citations as a context block of
links to the lesson, and for an exercise an actions block with Hint / Give up / Next
buttons whose value is a button token (never the session id, which is the session's
credential: see ``deploy/chat_common/buttons.py``). Slack allows at most 50 blocks; when a reply
would need more, the last section ends with "…" and a note. Plots are not blocks:
the poster uploads them as files.
"""

from __future__ import annotations

from typing import Any

from assistant.types import Citation, TutorReply
from deploy.chat_common.text import (
    ELLIPSIS,
    absolute_url,
    exercise_is_open,
    split_text,
    trace_table,
    truncate,
)
from deploy.slack.mrkdwn import escape, to_mrkdwn

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK = 3000
ACTION_HINT, ACTION_GIVEUP, ACTION_NEXT = "rnn_hint", "rnn_giveup", "rnn_next"
SHORTENED = "_(shortened for Slack: ask a narrower question or open the lesson for the rest)_"

HELP_TEXT = (
    "*RNN Tutor* helps with the lesson _Why sequences need memory_.\n"
    "• `/rnn ask <question>`: ask about the lesson, e.g. `/rnn ask why do RNNs forget?`\n"
    "• `/rnn trace <inputs and weights>`: step through an RNN, e.g. "
    "`/rnn trace inputs 1, 0, 0, input weight 0.5, recurrent weight 0.8`\n"
    "• `/rnn quiz`: a hand-traceable exercise with Hint / Give up / Next buttons\n"
    "• `/rnn help`: this message\n"
    "Or mention me in a channel (I answer in a thread, one conversation per thread) "
    "or write to me directly."
)


def section(text: str) -> dict[str, Any]:
    """One mrkdwn section block (text must already fit 3,000 characters)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(mrkdwn: str, budget: int) -> list[dict[str, Any]]:
    chunks = split_text(mrkdwn, MAX_SECTION)
    if len(chunks) > budget:
        kept = chunks[: max(budget, 1)]
        room = MAX_SECTION - len(SHORTENED) - 2
        last = kept[-1]
        if last.count("```") % 2:  # never leave a code fence open
            last += "\n```"
        kept[-1] = truncate(last, room).rstrip(ELLIPSIS) + f"{ELLIPSIS}\n{SHORTENED}"
        chunks = kept
    return [section(c) for c in chunks]


def citations_block(citations: list[Citation], public_url: str) -> dict[str, Any] | None:
    """A context block with one link (or label) per cited lesson section, at most 10."""
    seen: set[str] = set()
    elements: list[dict[str, Any]] = []
    for c in citations:
        label = escape(truncate(c.section.split(" > ")[-1] or c.source, 150))
        url = absolute_url(c.url, public_url)
        key = url or label
        if key in seen:
            continue
        seen.add(key)
        text = f":book: <{url}|{label}>" if url else f":book: {label}"
        elements.append({"type": "mrkdwn", "text": text})
        if len(elements) == MAX_CONTEXT_ELEMENTS:
            break
    return (
        {"type": "context", "block_id": "rnn_citations", "elements": elements} if elements else None
    )


def trace_blocks(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """The trace as a code-block table (one section; rows elided to fit)."""
    table = trace_table(trace)
    rows = 16
    while len(table) + 8 > MAX_SECTION and rows > 4:
        rows //= 2
        table = trace_table(trace, max_rows=rows, max_dims=2)
    return [section(f"```\n{truncate(table, MAX_SECTION - 8)}\n```")]


def exercise_actions(button_token: str, exercise: dict[str, Any] | None) -> dict[str, Any]:
    """Hint / Give up / Next buttons carrying ``button_token`` (only Next once the
    exercise is closed)."""

    def button(text: str, action_id: str, style: str | None = None) -> dict[str, Any]:
        b = {
            "type": "button",
            "text": {"type": "plain_text", "text": text},
            "action_id": action_id,
            "value": button_token,
        }
        return {**b, "style": style} if style else b

    buttons = [button("Next", ACTION_NEXT, "primary")]
    if exercise_is_open(exercise):
        buttons = [
            button("Hint", ACTION_HINT),
            button("Give up", ACTION_GIVEUP, "danger"),
            *buttons,
        ]
    return {"type": "actions", "block_id": "rnn_exercise", "elements": buttons}


def fallback_text(markdown: str) -> str:
    """The notification/accessibility text Slack shows where blocks cannot be shown."""
    return truncate(" ".join(markdown.split()), MAX_FALLBACK) or "RNN Tutor"


def render_reply(
    reply: TutorReply, public_url: str = "", button_token: str | None = None
) -> dict[str, Any]:
    """``{"text": ..., "blocks": [...]}`` ready for chat.postMessage (or respond()); an
    exercise gets buttons when there is a ``button_token`` for them."""
    tail: list[dict[str, Any]] = []
    if reply.trace:
        tail += trace_blocks(reply.trace)
    cites = citations_block(reply.citations, public_url)
    if cites:
        tail.append(cites)
    if reply.exercise is not None and button_token:
        tail.append(exercise_actions(button_token, reply.exercise))
    body = _sections(to_mrkdwn(reply.reply, public_url), MAX_BLOCKS - len(tail))
    if not body and not tail:  # Slack refuses an empty message
        body = [section(ELLIPSIS)]
    return {"text": fallback_text(reply.reply), "blocks": [*body, *tail]}


def render_error(message: str) -> dict[str, Any]:
    """A friendly chat line for a ``TutorError`` (its message says how to fix it)."""
    text = truncate(f":warning: {escape(message)}", MAX_SECTION)
    return {"text": fallback_text(message), "blocks": [section(text)]}


def render_help() -> dict[str, Any]:
    """What learners can type."""
    return {"text": "How to use RNN Tutor", "blocks": [section(HELP_TEXT)]}
