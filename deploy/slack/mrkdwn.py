"""Markdown (the tutor's reply format) to Slack's mrkdwn.

Slack's mrkdwn differs from Markdown: bold is ``*x*``, italics ``_x_``, links
``<url|text>``, there are no headings or tables, and ``&``, ``<``, ``>`` must be
escaped. Code and math (``$...$``) are protected first and left as they are; lesson
links are made absolute with the tutor's public URL.
"""

from __future__ import annotations

import re

from deploy.chat_common.text import absolute_url, fence_tables

_PROTECTED = re.compile(r"```.*?```|`[^`\n]+`|\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_ITALIC = re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![*\w])")
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_STRIKE = re.compile(r"~~(.+?)~~")
_B = "\x01"  # marks converted bold until italics are done


def escape(text: str) -> str:
    """Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's escaping undone (for text a learner typed)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_mrkdwn(markdown: str, public_url: str = "") -> str:
    """The tutor's Markdown as Slack mrkdwn."""
    saved: list[str] = []

    def protect(m: re.Match[str]) -> str:
        saved.append(escape(m.group(0)))
        return f"\x00{len(saved) - 1}\x00"

    text = _PROTECTED.sub(protect, fence_tables(markdown))
    text = escape(text)

    def link(m: re.Match[str]) -> str:
        url = absolute_url(m.group(2), public_url)
        label = m.group(1).replace("|", "/")
        return f"<{url}|{label}>" if url else label

    text = _LINK.sub(link, text)
    text = _HEADING.sub(lambda m: f"{_B}{m.group(1).replace('**', '')}{_B}", text)
    text = _BOLD.sub(lambda m: f"{_B}{m.group(1) or m.group(2)}{_B}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BULLET.sub(r"\1• ", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = text.replace(_B, "*")
    return re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))], text)
