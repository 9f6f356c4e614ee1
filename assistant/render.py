"""Replies as safe HTML: Markdown with ``$...$`` math -> sanitised HTML with MathML.

markdown-it-py parses CommonMark plus tables, strikethrough and dollar math
(``mdit_py_plugins.dollarmath``); each formula is converted to MathML by latex2mathml
(``display="block"`` for ``$$...$$``). LaTeX that does not convert cleanly (a parse
error, an unknown command, unbalanced braces) falls back to ``<code>`` holding the
source, so rendering never raises on content. Finally nh3 keeps only an allow-list of
HTML and MathML tags and attributes, links only to http/https/mailto or relative URLs,
and adds ``rel="noopener noreferrer"`` to every link; a formula and the punctuation
right after it are kept on one line (``<span class="nobr">``). Raw HTML in the Markdown is
allowed through the parser and then cleaned, so ``<script>`` and ``onerror=`` vanish.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from assistant.plain_math import plain_formulas
from core.errors import InvalidInput

MAX_MARKDOWN_CHARS = 200_000

HTML_TAGS = {
    "p", "a", "code", "pre", "span", "div", "br", "hr", "blockquote",
    "strong", "em", "b", "i", "s", "del", "sub", "sup", "kbd",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td",
    "h1", "h2", "h3", "h4", "h5", "h6", "details", "summary",
}  # fmt: skip
MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "msub", "msup", "msubsup", "mfrac", "msqrt",
    "mroot", "mtext", "mspace", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "display", "xmlns", "mathvariant", "mathsize", "stretchy", "fence", "separator",
    "lspace", "rspace", "columnalign", "rowalign", "columnspacing", "rowspacing",
    "columnlines", "rowlines", "frame", "displaystyle", "scriptlevel", "accent",
    "accentunder", "largeop", "movablelimits", "symmetric", "minsize", "maxsize",
    "linethickness", "width", "height", "depth", "notation", "encoding", "form",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}

_UNKNOWN_COMMAND = re.compile(r"<m[io][^>]*>\\[A-Za-z]")


def render_markdown(md: str) -> str:
    """Render a reply's Markdown (with ``$...$``/``$$...$$`` math) to sanitised HTML."""
    if not isinstance(md, str):
        raise InvalidInput(f"render_markdown expects a Markdown string, got {type(md).__name__}.")
    if len(md) > MAX_MARKDOWN_CHARS:
        raise InvalidInput(
            f"The text to render is {len(md)} characters; the limit is {MAX_MARKDOWN_CHARS}. "
            "Split it into several replies."
        )
    return _keep_punctuation(_cleaner().clean(_parser().render(md)).strip())


# A formula is one unbreakable box; a browser may break the line between it and the
# period after it, leaving the period alone on the next line. Glue the two together.
_MATH_THEN_PUNCTUATION = re.compile(
    r'((?:<span class="math inline">)?<math\b[^>]*display="inline"[^>]*>(?:(?!<math\b).)*?</math>'
    r"(?:</span>)?)"
    r"([.,;:!?)]+)",
    re.S,
)


def _keep_punctuation(html_text: str) -> str:
    return _MATH_THEN_PUNCTUATION.sub(r'<span class="nobr">\1\2</span>', html_text)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def block_end(md: str) -> int:
    """How much of a Markdown text still being written is whole blocks: the index just
    past the last blank line that ends a block (outside code fences and ``$$`` math), or
    0. Rendering ``md[:block_end(md)]`` now shows what a streamed reply has so far."""
    end = pos = 0
    fence = ""
    display_math = False
    blank_before = False
    for line in md.splitlines(keepends=True):
        pos += len(line)
        if not line.endswith("\n"):
            break  # the line is still being written
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
        elif m:
            fence = m.group(1)
        elif line.strip().count("$$") % 2 == 1:
            display_math = not display_math
        elif not line.strip() and not display_math and not blank_before:
            end = pos
        blank_before = not line.strip()
    return end


@lru_cache(maxsize=2048)  # replies repeat the same few formulas (h_t, W_hh, tanh(...))
def latex_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula, or ``<code class="math-error">source</code>`` if it is bad."""
    source = latex.strip()
    fallback = f'<code class="math-error">{html.escape(source)}</code>'
    if not source or not _balanced(source):
        return fallback
    try:
        mathml = latex2mathml.converter.convert(source, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many unrelated types for bad input
        return fallback
    if _UNKNOWN_COMMAND.search(mathml):
        return fallback
    return mathml


def _balanced(latex: str) -> bool:
    depth = 0
    escaped = False
    for ch in latex:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _render_math(content: str, options: dict[str, Any]) -> str:
    return latex_to_mathml(content, display=bool(options.get("display_mode")))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_digits=False, double_inline=True, renderer=_render_math)
    md.add_render_rule("math_inline_double", _render_inline_display)  # no <div> inside <p>
    md.core.ruler.push("plain_formulas", plain_formulas)  # "h_t = tanh(...)" as math too
    return md


def _render_inline_display(self, tokens, idx, options, env) -> str:  # noqa: ANN001
    mathml = latex_to_mathml(str(tokens[idx].content), display=True)
    return f'<span class="math display">{mathml}</span>'


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    attributes: dict[str, set[str]] = {tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS}
    attributes.update(
        {
            "a": {"href", "title"},
            "code": {"class"},
            "span": {"class"},
            "div": {"class", "id"},
            "th": {"style"},
            "td": {"style"},
            "ol": {"start"},
        }
    )
    return nh3.Cleaner(
        tags=HTML_TAGS | MATHML_TAGS,
        clean_content_tags={"script", "style"},
        attributes=attributes,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        filter_style_properties={"text-align"},  # table column alignment only
    )
