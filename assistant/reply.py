"""Lifting a ``TutorReply`` out of the messages one turn of the agent loop produced.

The reply text is the last AI message. Citations come from the offline brain's own list
(only the sections it quoted) or, for an LLM, from the passages ``search_lesson``
returned; the trace, the exercise and the plots come from the tool artifacts. The
exercise JSON is the lab's public view plus the session's status (attempts, hints used,
open/solved/revealed), so a client can draw the right buttons.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from assistant.results import ExerciseResult, PlotSpec, artifact_of
from assistant.sentences import split_sentences
from assistant.state import TurnContext
from assistant.tools import plot_png
from assistant.types import Citation, Plot, TutorReply

MAX_LLM_CITATIONS = 4
DELTA_CHARS = 48


def chunk_text(text: str, size: int = DELTA_CHARS) -> Iterator[str]:
    """Split a finished text into word-aligned pieces for streaming (small pieces pass as-is)."""
    if len(text) <= size:
        yield text
        return
    piece = ""
    for token in re.findall(r"\S+\s*|\s+", text):
        piece += token
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def _citations(final: AIMessage | None, tool_messages: list[ToolMessage]) -> list[Citation]:
    own = (final.additional_kwargs or {}).get("citations") if final is not None else None
    if own is not None:
        return [Citation(c["source"], c["section"], c["quote"], c.get("url")) for c in own]
    seen: dict[str, Citation] = {}
    for m in tool_messages:
        art = artifact_of(m)
        if art is None:
            continue
        if art["kind"] == "concept":
            for c in art["citations"]:
                if c["section"] not in seen and len(seen) < MAX_LLM_CITATIONS:
                    seen[c["section"]] = Citation(c["source"], c["section"], c["quote"], c["url"])
        elif art["kind"] == "passages":
            for p in art["passages"]:
                if p["section"] not in seen and len(seen) < MAX_LLM_CITATIONS:
                    sentences = split_sentences(p["text"])
                    quote = sentences[0] if sentences else p["text"][:200]
                    seen[p["section"]] = Citation(p["source"], p["section"], quote[:280], p["url"])
    return list(seen.values())


def _exercise(art: ExerciseResult, ctx: TurnContext) -> dict[str, Any] | None:
    public = art["exercise"]
    if public is None:
        return None
    out = dict(public)
    state = ctx.exercise or {}
    if state and state.get("id") in (out.get("id"), out.get("exercise_id")):
        status = (
            "solved" if state.get("solved") else "revealed" if state.get("revealed") else "open"
        )
        out.setdefault("status", status)
        out.setdefault("attempts", state.get("attempts", 0))
        out.setdefault("hints_used", state.get("hints", 0))
    if art.get("grade"):
        out.setdefault("grade", art["grade"])
    return out


def _plot(p: PlotSpec) -> Plot:
    """A ``Plot`` of a plot artifact; its PNG is drawn only if a chat adapter asks for it."""
    return Plot(p["title"], p["svg"], png=functools.partial(plot_png, p["source"]))


def build_reply(session_id: str, new_messages: list[Any], ctx: TurnContext) -> TutorReply:
    """The ``TutorReply`` for one turn (``reply_html`` rendered here)."""
    from assistant.render import render_markdown

    finals = [m for m in new_messages if isinstance(m, AIMessage) and not m.tool_calls]
    final = finals[-1] if finals else None
    tools = [m for m in new_messages if isinstance(m, ToolMessage)]
    text = final.text if final is not None else ""
    trace = exercise = None
    plots: list[Plot] = []
    called: list[str] = []
    for m in tools:
        called.append(m.name or "")
        art = artifact_of(m)
        if art is None:
            continue
        if art["kind"] == "trace":
            trace = art["trace"]
        elif art["kind"] == "exercise":
            exercise = _exercise(art, ctx) or exercise
        if art["kind"] == "trace" or art["kind"] == "fade":  # the kinds that draw
            plots.extend(_plot(p) for p in art["plots"])
    return TutorReply(
        session_id=session_id,
        reply=text,
        reply_html=render_markdown(text),
        citations=_citations(final, tools),
        trace=trace,
        exercise=exercise,
        plots=plots,
        intent=ctx.intent or ("+".join(called) if called else "reply"),
    )
