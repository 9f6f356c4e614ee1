"""Splitting lesson Markdown into quotable sentences, math intact.

A unit is a sentence or a list item that can stand alone in an answer. Headings, tables,
code and HTML lines are skipped; inline ``$...$`` and display ``$$...$$`` math is
protected while splitting, and display math stays on its own lines, attached to the
sentence that leads into it; a short list joins its lead-in ("three problems: ...; ...;
..."); flashcard questions are dropped and their answers kept; anything that reads like
an instruction to the tutor (prompt injection inside a lesson file) is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.guards import looks_like_injection

MAX_MERGED = 600  # a list merged into its lead-in sentence stays under this many characters
MIN_CHARS = 35  # shorter units are labels ("Backpropagate from the end."), not answers
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“*_\x00\x01])|(?<=\x01)\s+(?=[A-Z])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_SKIP_LINE = re.compile(r"^\s*(#|\||```|<|:::|---|\s*$)")


def _units(block: str) -> list[str]:
    """A paragraph as units: a list joins its lead-in ("...three problems:") when short."""
    items = re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", block)
    items = [re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", it).strip() for it in items]
    items = [it.split("**A:**", 1)[1].strip() if "**A:**" in it else it for it in items]
    items = [it for it in items if not it.startswith("**Q:**")]
    if len(items) > 1 and items[0].rstrip().endswith(":"):
        merged = items[0] + " " + " ".join(it.rstrip(".;") + ";" for it in items[1:])
        if len(merged) <= MAX_MERGED:
            return [merged.rstrip(";") + "."]
        # too long to merge: the items stand alone, and so do the lead-in's sentences
        # before its closing "...:" one (dropped later), e.g. "The LSTM is a recurrent cell..."
        return [items[0], *(_as_sentence(it) for it in items[1:])]
    return [_as_sentence(it) for it in items] if len(items) > 1 else items


def _as_sentence(item: str) -> str:
    """A list item made to stand alone: 'and the **x** does y;' -> 'The **x** does y.'."""
    item = re.sub(r"^(and|or|but)\s+", "", item.strip()).rstrip(";,")
    if item and not item.endswith((".", "!", "?", "$$")):
        item += "."
    lead = re.match(r"^(\W*)([a-z])", item)
    if lead:
        item = item[: lead.start(2)] + lead.group(2).upper() + item[lead.end(2) :]
    return item


def _sentences(item: str) -> list[str]:
    maths: list[str] = []

    def protect(m: re.Match[str]) -> str:  # \x01 marks display math, \x00 inline math
        maths.append(m.group())
        mark = "\x01" if m.group().startswith("$$") else "\x00"
        return f"{mark}{len(maths) - 1}{mark}"

    out = []
    for sentence in _SPLIT.split(_MATH.sub(protect, item)):
        sentence = re.sub(r"[\x00\x01](\d+)[\x00\x01]", lambda m: maths[int(m.group(1))], sentence)
        sentence = re.sub(r"[ \t]*\n[ \t]*", " ", sentence).strip()
        out.append(re.sub(r"\s*(\$\$.+?\$\$)\s*", r"\n\n\1\n\n", sentence, flags=re.DOTALL).strip())
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, math kept whole; display math joins its lead-in."""
    return list(_split_sentences(text or ""))


@lru_cache(maxsize=4096)
def _split_sentences(text: str) -> tuple[str, ...]:
    # Passages are lesson chunks, a few hundred distinct texts split on every turn that
    # cites them (~7% of a turn's Python time before this cache).
    units: list[str] = []
    blocks: list[str] = []
    text = re.sub(r"[ \t]+-\s+\*\*Q:\*\*", "\n\n- **Q:**", text or "")
    for para in re.split(r"\n\s*\n", text):
        lines = [ln for ln in para.splitlines() if not _SKIP_LINE.match(ln)]
        block = "\n".join(lines).strip()
        if block and blocks and blocks[-1].endswith(":") and _LIST_ITEM.match(block):
            blocks[-1] = f"{blocks[-1]}\n{block}"
        elif block:
            blocks.append(block)
    for block in blocks:
        if block.startswith("$$") and block.endswith("$$"):
            if units:
                units[-1] = f"{units[-1]}\n\n{block}"
            continue
        for item in _units(block):
            for sentence in _sentences(item):
                if (
                    len(sentence) < MIN_CHARS
                    or sentence.endswith(":")
                    or looks_like_injection(sentence)
                ):
                    continue
                if sentence not in units:
                    units.append(sentence)
    return tuple(units)
