"""Read the signs a learner wrote: "+ - + -", "pos, neg", "h1=+ h2=-", "all positive".

Learners write signs many ways: "+ - + -", "+-+-", "− + 0", "pos, neg", "positive then
negative", "zero", "all positive", labelled "h1=+ h2=-", "step 2 is negative" or a
numbered list "1. 0  2. +", or plain numbers ("0.46, -0.35": only the sign counts). A
negated sign ("not negative") names no sign and is refused. ``sign_tokens`` is also how
the assistant recognises that a message is a sign answer at all.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import InvalidInput
from tools.grading import list_of_numbers
from tools.levels.sign_rules import sign

_WORDS = r"\b(?:positive|negative|pos|neg|zero|plus|minus)\b"
_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)"  # a number: its sign counts
_ONE = rf"{_NUMBER}|{_WORDS}|[-+]"  # one sign, however written
_RUN = r"(?<![\d.])[-+0]{2,}(?![\d.])"  # "+-0-", "00+-": one symbol per step, not "-0"
_TOKENS = re.compile(rf"{_RUN}|{_ONE}", re.I)
# "h1=+", "h_2: negative", "step 2 is negative", "t=3: 0", a numbered list "1. 0  2) +"
_LABEL = (
    r"(?:\bh\s*_?\s*\{?\s*(\d+)\s*\}?|\bstep\s*(\d+)|\bt\s*=\s*(\d+)|(?<![\w.+-])(\d+)(?=\s*[.):]))"
)
_LABELLED = re.compile(rf"{_LABEL}\s*(?:=|:|\)|\.(?=\s)|\bis\b|\bwas\b)\s*({_ONE})(?![\d.])", re.I)
_NOISE = re.compile(
    r"\bstep\s*\d+|\bt\s*=\s*\d+|\bh\s*_?\s*\{?\s*\d+\s*\}?|(?<![\w.+-])\d+\s*(?:[):]|\.(?=\s))",
    re.I,
)
_RANGE = re.compile(  # "h1 to h4:", "h_1..h_4 =", "h1-h4:" (not "h1 - h2 +": signs)
    r"\b(?:h|step)\s*_?\s*\d+(?:\s*(?:to|through|thru|\.\.\.?|…)\s*|-)(?:h|step)?\s*_?\s*\d+\s*[:=]?",
    re.I,
)
_NEGATED = re.compile(
    rf"(?:\bnot|\bnever|n't)\s+(?:(?:really|quite|actually|exactly|be|the)\s+)?"
    rf"(?:{_WORDS}|[-+](?![\d.])|0\b)",
    re.I,
)
_ALL = re.compile(
    r"\b(?:all|every(?:thing|\s+step|\s+one)?|each(?:\s+step|\s+one)?)\b"
    r"(?:\s+(?:of\s+them|the\s+steps|steps?|states?|are|is|h_?t))*\s*[:=]?\s*"
    rf"({_WORDS}|[-+](?![\d.])|0(?![\d.]))",
    re.I,
)
_VALUE = {"positive": 1.0, "pos": 1.0, "plus": 1.0, "+": 1.0, "negative": -1.0, "neg": -1.0}
_VALUE |= {"minus": -1.0, "-": -1.0, "zero": 0.0}
HOW = (
    "give one sign per step in order, e.g. '+ - + -' or 'positive, negative, positive, "
    "negative' (0 where the memory is still empty)"
)


def _value(token: str) -> float:
    low = token.lower()
    return _VALUE[low] if low in _VALUE else sign(float(low))


def _clean(text: str) -> str:
    return text.replace("−", "-").replace("–", "-").replace("＋", "+")


def negated(text: str) -> bool:
    """True when a sign is negated ("not negative", "h2 isn't 0"): that names no sign."""
    return bool(_NEGATED.search(_clean(text or "")))


def sign_tokens(text: str) -> list[float]:
    """Every sign written in ``text``, in order ("h1=+, h2 = negative" -> [1.0, -1.0])."""
    text = _NOISE.sub(" ", _clean(text or ""))
    out: list[float] = []
    for m in _TOKENS.finditer(text):
        token = m.group()
        if re.fullmatch(_RUN, token):
            out += [_value(c) for c in token]
        else:
            out.append(_value(token))
    return out


def _read_text(answer: str, steps: int) -> list[float | None]:
    text = _RANGE.sub(" ", _clean(answer))  # "h1 to h4: + - + -" labels the whole list
    if negated(text):
        raise InvalidInput(f"'not negative' names no sign; {HOW}")
    every = _ALL.search(text)
    if every:
        if sign_tokens(text[: every.start()] + " " + text[every.end() :]):
            raise InvalidInput(f"'all ...' and other signs together are ambiguous; {HOW}")
        return [_value(every.group(1))] * steps
    labelled = _LABELLED.findall(text)
    if labelled:
        by_step = {int("".join(groups[:4])): _value(groups[4]) for groups in labelled}
        if max(by_step) > steps:
            raise InvalidInput(
                f"the answer names step {max(by_step)} but this exercise has {steps} steps; {HOW}"
            )
        return [by_step.get(t) for t in range(1, max(by_step) + 1)]
    return list(sign_tokens(text))


def parse_signs(answer: Any, steps: int) -> list[float | None]:
    """The signs for steps 1..T (None where missing), from text or a list of numbers."""
    if isinstance(answer, list | tuple):
        values: list[float | None] = [sign(v) for v in list_of_numbers(answer)]
    elif isinstance(answer, str):
        values = _read_text(answer, steps)
    else:
        raise InvalidInput(f"the answer must be text or a list of numbers: {HOW}")
    if not any(v is not None for v in values):
        raise InvalidInput(f"no signs found in the answer; {HOW}")
    if len(values) > steps:
        raise InvalidInput(
            f"the answer has {len(values)} signs but this exercise has {steps} steps; {HOW}"
        )
    return values + [None] * (steps - len(values))
