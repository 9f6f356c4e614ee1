"""Text helpers every chat adapter needs: size limits, splitting, tables and links.

Chat platforms cap message sizes (Slack 3,000 characters per section, Discord 4,096
per embed description), do not render Markdown tables, and need absolute links. These
pure functions cut text at paragraph boundaries while keeping ``` code fences
balanced, turn a ``Trace`` JSON dict into a monospaced table, and make the tutor's
relative lesson links absolute with ``settings.public_url``.
"""

from __future__ import annotations

import re
from typing import Any

ELLIPSIS = "…"
FENCE = "```"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:  # prefer a word boundary when it costs little
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _blocks(text: str) -> list[str]:
    """Paragraphs and fenced code blocks, each kept whole."""
    blocks: list[str] = []
    para: list[str] = []
    code: list[str] | None = None
    for line in text.splitlines():
        if code is not None:
            code.append(line)
            if line.strip().startswith(FENCE):
                blocks.append("\n".join(code))
                code = None
        elif line.strip().startswith(FENCE):
            if para:
                blocks.append("\n".join(para))
                para = []
            code = [line]
            if line.strip().endswith(FENCE) and len(line.strip()) > 3:
                blocks.append(line)
                code = None
        elif not line.strip():
            if para:
                blocks.append("\n".join(para))
                para = []
        else:
            para.append(line)
    if code is not None:  # an unclosed fence: close it
        blocks.append("\n".join([*code, FENCE]))
    if para:
        blocks.append("\n".join(para))
    return blocks


def _split_code(block: str, limit: int) -> list[str]:
    lines = block.splitlines()
    opener, body = lines[0], lines[1:-1]
    room = limit - len(opener) - len(FENCE) - 2
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in body:
        line = truncate(line, room)
        if current and size + len(line) + 1 > room:
            pieces.append("\n".join([opener, *current, FENCE]))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    pieces.append("\n".join([opener, *current, FENCE]))
    return pieces


def _split_prose(block: str, limit: int) -> list[str]:
    pieces: list[str] = []
    rest = block
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def split_text(text: str, limit: int) -> list[str]:
    """``text`` as chunks of at most ``limit`` characters, cut between paragraphs.

    A paragraph longer than ``limit`` is cut at a line break or space; a code block
    longer than ``limit`` is cut between lines and every piece is fenced again.
    """
    chunks: list[str] = []
    current = ""
    for block in _blocks(text):
        if len(block) > limit:
            pieces = (
                _split_code(block, limit) if block.startswith(FENCE) else _split_prose(block, limit)
            )
        else:
            pieces = [block]
        for piece in pieces:
            if current and len(current) + 2 + len(piece) <= limit:
                current = f"{current}\n\n{piece}"
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def absolute_url(url: str | None, public_url: str) -> str | None:
    """An absolute http(s) URL for a lesson link, or None when it cannot be made absolute."""
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("/") and public_url.startswith(("http://", "https://")):
        return public_url.rstrip("/") + url
    return None


_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def rewrite_links(markdown: str, public_url: str, fmt: str) -> str:
    """Markdown links made absolute and formatted with ``fmt`` ({url}, {text}); plain text when impossible."""

    def sub(m: re.Match[str]) -> str:
        url = absolute_url(m.group(2), public_url)
        return fmt.format(url=url, text=m.group(1)) if url else m.group(1)

    return _LINK.sub(sub, markdown)


def _aligned(rows: list[str]) -> list[str]:
    """Pipe-table rows with every column padded to its widest cell."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    n = max(map(len, cells))
    cells = [r + [""] * (n - len(r)) for r in cells]
    widths = [max(len(r[i]) for r in cells) for i in range(n)]
    return [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]


def fence_tables(markdown: str) -> str:
    """Markdown pipe tables aligned and fenced: chat platforms show them only as monospace."""
    out: list[str] = []
    table: list[str] = []
    in_code = False

    def flush() -> None:
        if table:
            out.extend([FENCE, *_aligned(table), FENCE])
            table.clear()

    for line in markdown.splitlines():
        if line.strip().startswith(FENCE):
            in_code = not in_code
        if not in_code and line.lstrip().startswith("|"):
            if not set(line.replace("|", "").strip()) <= set("-: "):
                table.append(line)  # the |---|---| separator row adds nothing in monospace
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


def _vec(values: list[float] | None, max_dims: int) -> str:
    if values is None:
        return ""
    shown = " ".join(f"{v:+.3f}" for v in values[:max_dims])
    return shown + (f" …(+{len(values) - max_dims})" if len(values) > max_dims else "")


def trace_table(trace: dict[str, Any], max_rows: int = 16, max_dims: int = 4) -> str:
    """A ``Trace`` JSON dict as a monospaced table (t, x, h and c for LSTMs), long traces elided."""
    steps = trace.get("steps") or []
    has_c = any(s.get("c") is not None for s in steps)
    header = ["t", "x", "h", *(["c"] if has_c else [])]
    rows = [
        [
            str(s.get("t", i + 1)),
            _vec(s.get("x"), max_dims),
            _vec(s.get("h"), max_dims),
            *([_vec(s.get("c"), max_dims)] if has_c else []),
        ]
        for i, s in enumerate(steps)
    ]
    note = ""
    if len(rows) > max_rows:
        tail = max(2, max_rows // 4)
        note = f"⋮  ({len(rows) - max_rows} more steps)"
        rows = [*rows[: max_rows - tail], [], *rows[-tail:]]
    widths = [max(len(r[i]) for r in [header, *rows] if r) for i in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() if r else note

    lines = [fmt(header), *(fmt(r) for r in rows)]
    title = (
        f"{str(trace.get('cell', 'rnn')).upper()} · hidden {trace.get('hidden_size', '?')}"
        f" · input {trace.get('input_size', '?')} · {len(steps)} steps"
    )
    return "\n".join([title, *lines])


_CLOSED = {"solved", "revealed", "given_up", "closed", "correct", "done"}


def exercise_is_open(exercise: dict[str, Any] | None) -> bool:
    """Whether an exercise still waits for an answer (Hint / Give up make sense)."""
    if not exercise:
        return False
    if exercise.get("solved") or exercise.get("revealed") or "answers" in exercise:
        return False
    return str(exercise.get("status", "open")).lower() not in _CLOSED
