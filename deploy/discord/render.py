"""A ``TutorReply`` as a Discord message: embeds, buttons and attached plots.

Discord renders most Markdown itself, so the reply only needs headings turned into
bold lines, tables fenced as monospace and lesson links made absolute. The reply
becomes one or more embeds (description <= 4,096 characters each, title <= 256),
citations a "From the lesson" field of links, a trace a code-block table in its own
embed, plots file attachments (PNG, since Discord does not show SVG inline; SVG only for
a plot that cannot draw a PNG), and an open exercise an action row of Hint / Give up /
Next buttons (``custom_id`` ``rnn:<action>:<button token>``; never the session id, which
is the session's credential and these replies are public: see
``deploy/chat_common/buttons.py``).
All embeds of one message share a 6,000-character budget: the reply text gives way
first and ends with "…" and a note.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.types import Citation, Plot, TutorReply
from deploy.chat_common.text import (
    ELLIPSIS,
    absolute_url,
    exercise_is_open,
    fence_tables,
    rewrite_links,
    split_text,
    trace_table,
    truncate,
)

log = logging.getLogger(__name__)

MAX_CONTENT = 2000
MAX_DESCRIPTION = 4096
MAX_TITLE = 256
MAX_FIELD_VALUE = 1024
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
COLOR, ERROR_COLOR = 0x5865F2, 0xED4245
SHORTENED = "*(shortened for Discord: ask a narrower question or open the lesson for the rest)*"
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)

File = tuple[str, bytes, str]  # (filename, content, content type)


def to_discord_markdown(markdown: str, public_url: str = "") -> str:
    """The tutor's Markdown as Discord Markdown (bold headings, fenced tables, absolute links)."""
    text = fence_tables(markdown)
    text = rewrite_links(text, public_url, "[{text}]({url})")
    return _HEADING.sub(lambda m: f"**{m.group(1).replace('**', '')}**", text)


def custom_id(action: str, button_token: str) -> str:
    """A button's id: ``rnn:<hint|giveup|next>:<token>`` (Discord allows 100 characters)."""
    return f"rnn:{action}:{button_token}"[:100]


def exercise_row(button_token: str, exercise: dict[str, Any] | None) -> dict[str, Any]:
    """An action row with Hint / Give up / Next carrying ``button_token`` (only Next once
    the exercise is closed)."""

    def button(label: str, action: str, style: int) -> dict[str, Any]:
        return {
            "type": 2,
            "style": style,
            "label": label,
            "custom_id": custom_id(action, button_token),
        }

    buttons = [button("Next", "next", 1)]
    if exercise_is_open(exercise):
        buttons = [button("Hint", "hint", 2), button("Give up", "giveup", 4), *buttons]
    return {"type": 1, "components": buttons}


def citations_field(citations: list[Citation], public_url: str) -> dict[str, Any] | None:
    """A "From the lesson" field: one line per cited section, a link when possible."""
    lines: list[str] = []
    for c in citations:
        label = truncate(c.section.split(" > ")[-1] or c.source, 120).replace("]", ")")
        url = absolute_url(c.url, public_url)
        line = f"• [{label}]({url})" if url else f"• {label}"
        if line in lines:
            continue
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_FIELD_VALUE:
            break
        lines.append(line)
    return {"name": "From the lesson", "value": "\n".join(lines)} if lines else None


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6,000 limit."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len((embed.get("footer") or {}).get("text", ""))


def _title_and_body(markdown: str) -> tuple[str | None, str]:
    first, _, rest = markdown.lstrip().partition("\n")
    m = _HEADING.match(first)
    if m and rest.strip():
        return truncate(m.group(1).replace("**", ""), MAX_TITLE), rest.strip()
    return None, markdown


def _cut(text: str, limit: int) -> str:
    """``text`` truncated to ``limit`` with any open code fence closed again."""
    cut = truncate(text, limit - 4)
    return cut + "\n```" if cut.count("```") % 2 else cut


def _text_embeds(body: str, title: str | None, budget: int, slots: int) -> list[dict[str, Any]]:
    budget -= len(title or "")
    chunks = split_text(body, MAX_DESCRIPTION) or [ELLIPSIS]
    if len(chunks) > slots or sum(map(len, chunks)) > budget:
        note = f"{ELLIPSIS}\n{SHORTENED}"
        remaining = budget - len(note)
        kept: list[str] = []
        for chunk in chunks[:slots]:
            if len(chunk) > remaining:
                if remaining > 200 or not kept:
                    kept.append(_cut(chunk, max(remaining, 8)))
                break
            kept.append(chunk)
            remaining -= len(chunk)
        last = kept[-1].rstrip(ELLIPSIS)
        if len(last) + len(note) > MAX_DESCRIPTION:
            last = _cut(last, MAX_DESCRIPTION - len(note)).rstrip(ELLIPSIS)
        kept[-1] = last + note
        chunks = kept
    embeds = [{"description": d, "color": COLOR} for d in chunks]
    if title:
        embeds[0] = {"title": title, **embeds[0]}
    return embeds


def render_reply(
    reply: TutorReply, public_url: str = "", button_token: str | None = None
) -> tuple[dict[str, Any], list[File]]:
    """(message payload, files) for a webhook follow-up or a channel message; an exercise
    gets buttons when there is a ``button_token`` for them."""
    extra: list[dict[str, Any]] = []
    if reply.trace:
        table = trace_table(reply.trace)
        if len(table) > MAX_DESCRIPTION - 8:
            table = trace_table(reply.trace, max_rows=12, max_dims=2)
        extra.append({"title": "Trace", "description": f"```\n{table}\n```", "color": COLOR})
    field = citations_field(reply.citations, public_url)
    budget = (
        MAX_EMBED_TOTAL
        - sum(map(embed_size, extra))
        - (embed_size({"fields": [field]}) if field else 0)
    )
    title, body = _title_and_body(reply.reply)
    body = to_discord_markdown(body, public_url)
    embeds = _text_embeds(body, title, budget, MAX_EMBEDS - len(extra))
    if field:
        embeds[-1]["fields"] = [field]
    payload: dict[str, Any] = {"embeds": [*embeds, *extra], "allowed_mentions": {"parse": []}}
    if reply.exercise is not None and button_token:
        payload["components"] = [exercise_row(button_token, reply.exercise)]
    files = [_plot_file(p, i) for i, p in enumerate(reply.plots)]
    if files:
        payload["attachments"] = [
            {"id": i, "filename": name, "description": truncate(p.title, 1024)}
            for i, ((name, _, _), p) in enumerate(zip(files, reply.plots, strict=True))
        ]
    return payload, files


def _filename(title: str, index: int, ext: str = "svg") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "plot"
    return f"{index + 1}-{slug}.{ext}"


def _plot_file(plot: Plot, index: int) -> File:
    """The plot as a PNG attachment (drawn here, so call ``render_reply`` off the event loop),
    or as SVG when the plot has no PNG (or drawing it failed)."""
    if plot.png is not None:
        try:
            return _filename(plot.title, index, "png"), plot.png(), "image/png"
        except Exception:  # a picture is not worth losing the plot: send the SVG
            log.exception("discord: PNG of plot %r failed; attaching the SVG", plot.title)
    return _filename(plot.title, index), plot.svg.encode("utf-8"), "image/svg+xml"


def render_error(message: str) -> dict[str, Any]:
    """A short message for a ``TutorError`` (its text says how to fix the request)."""
    return {
        "content": truncate(f"⚠️ {message}", MAX_CONTENT),
        "allowed_mentions": {"parse": []},
    }


def render_text(text: str) -> dict[str, Any]:
    """Plain content (e.g. a notice), cut to Discord's 2,000 characters."""
    return {"content": truncate(text, MAX_CONTENT), "allowed_mentions": {"parse": []}}
