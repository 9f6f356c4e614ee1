"""Formulas written as plain text become math: ``h_t = tanh(W_xh·x_t + W_hh·h_(t-1) + b)``.

The lab's text, the offline brain's worked steps and the exercise prompts write formulas
without ``$...$``. ``plain_formulas`` is a markdown-it core rule (``assistant.render``
adds it) that finds them in text tokens, outside code and outside ``$...$`` math, and
turns each into a ``math_inline`` token holding its LaTeX, so it renders as MathML like
any other formula. A formula is a run of formula tokens (names with a subscript, numbers,
one-letter names, operators, parentheses, ``tanh(``/``σ(``) that holds at least one
subscripted name or function call; words and commas end it. Table header cells are
left as written. Names with a subscript are
one letter, an underscore and a short index (``x_1``, ``W_hh``, ``h_(t-1)``), so
``snake_case`` words stay text.
"""

from __future__ import annotations

import re
from typing import Any

_FORMULA_TOKEN = re.compile(
    r"(?P<sub>(?<![A-Za-z0-9_])[A-Za-z]_(?:\([^()\s]{1,12}\)|\{[^{}\s]{1,12}\}|[A-Za-z0-9]{1,3})"
    r"(?![A-Za-z0-9_]))"
    r"|(?P<fn>(?:tanh|sigmoid|exp|σ)(?=\())"
    r"|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<var>\b[A-Za-z]\b)"
    r"|(?P<op>[=+·×⊙−*/<>≈-])"
    r"|(?P<paren>[()])"
    r"|(?P<space>[ \t]+)"
)
_LATEX_OPS = {"·": r"\cdot ", "×": r"\times ", "⊙": r"\odot ", "*": r"\cdot ", "≈": r"\approx "}


# Every formula holds a subscripted name or a function call: text without one has none
# (most of a reply's text), and is passed over without the token-by-token scan.
_MAY_HOLD_FORMULA = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]_[A-Za-z0-9({]|(?:tanh|sigmoid|exp|σ)\(")


def _formula_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each plain-text formula in ``text``."""
    runs: list[tuple[int, int]] = []
    if not _MAY_HOLD_FORMULA.search(text):
        return runs
    pos = 0
    while pos < len(text):
        tokens = []
        for m in _FORMULA_TOKEN.finditer(text, pos):
            if m.start() != (tokens[-1].end() if tokens else m.start()):
                break
            tokens.append(m)
        if not tokens:
            nxt = _FORMULA_TOKEN.search(text, pos + 1)
            pos = nxt.start() if nxt else len(text)
            continue
        while tokens and tokens[-1].lastgroup in ("space", "op"):
            tokens.pop()  # "a_1 = " before a bold number: the "=" stays text
        while tokens and tokens[0].lastgroup in ("space", "op"):
            tokens.pop(0)
        kinds = [t.lastgroup for t in tokens]
        balanced = sum(t.group() == "(" for t in tokens) == sum(t.group() == ")" for t in tokens)
        if tokens and balanced and ("sub" in kinds or "fn" in kinds):
            runs.append((tokens[0].start(), tokens[-1].end()))
        end = tokens[-1].end() if tokens else pos + 1
        pos = max(end, pos + 1)
    return runs


def _latex(formula: str) -> str:
    out = []
    for m in _FORMULA_TOKEN.finditer(formula):
        kind, value = m.lastgroup, m.group()
        if kind == "sub":
            name, _, index = value.partition("_")
            out.append(f"{name}_{{{index.strip('(){}')}}}")
        elif kind == "fn":
            out.append({"σ": r"\sigma", "sigmoid": r"\sigma"}.get(value, "\\" + value))
        elif kind == "op":
            out.append(_LATEX_OPS.get(value, value))
        else:
            out.append(value)
    return "".join(out)


def plain_formulas(state: Any) -> None:
    """Core rule: split text tokens around plain-text formulas into ``math_inline`` ones."""
    for before, block in zip([None, *state.tokens], state.tokens, strict=False):
        if block.type != "inline" or not block.children:
            continue
        if before is not None and before.type == "th_open":
            continue  # a header cell of math alone would have no text for every reader
        children = []
        for tok in block.children:
            runs = _formula_runs(tok.content) if tok.type == "text" else []
            if not runs:
                children.append(tok)
                continue
            last = 0
            for start, end in runs:
                if start > last:
                    children.append(_text_token(tok, tok.content[last:start]))
                math = tok.__class__("math_inline", "math", 0)
                math.content, math.markup = _latex(tok.content[start:end]), "$"
                children.append(math)
                last = end
            if last < len(tok.content):
                children.append(_text_token(tok, tok.content[last:]))
        block.children = children


def _text_token(like: Any, content: str) -> Any:
    tok = like.__class__("text", "", 0)
    tok.content = content
    return tok
