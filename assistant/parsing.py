"""Parsing numbers and trace settings out of a learner's free-text message.

"inputs 1, 0, 0, 0, input weight 0.5, recurrent weight 0.8, no bias, lstm, hidden size 2"
becomes the arguments of the ``rnn_trace`` tool; "h1=0.46 h2=0.35" or "0.46, 0.35" becomes
a list of numbers for grading; "+ - + -" or "positive, negative" is an attempt at a
``signs`` exercise. Anything not mentioned is left out so the tool's teaching defaults
apply.
"""

from __future__ import annotations

import re
from typing import Any

from tools.grading_signs import sign_tokens

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
# a number not glued to a letter or underscore on its left (so "h1", "x_2" are not numbers)
_FREE_NUMBER = re.compile(rf"(?<![A-Za-z_\d.]){NUMBER}")
_STEP_LABEL = re.compile(r"\b(?:step|t)\s*\d+\s*[:=)]", re.IGNORECASE)
_LIST = rf"{NUMBER}(?:\s*(?:,|;|\s|and|then)\s*{NUMBER})*"


def numbers_in(text: str) -> list[float]:
    """All free-standing numbers in ``text`` ("h1=0.46, h2=0.35" -> [0.46, 0.35])."""
    text = _STEP_LABEL.sub(" ", (text or "").replace("\u2212", "-"))
    return [float(m.group()) for m in _FREE_NUMBER.finditer(text)]


def looks_like_answer(text: str) -> bool:
    """True when the message is essentially a list of numbers (an exercise attempt)."""
    nums = numbers_in(text)
    if not nums:
        return False
    words = re.findall(r"[A-Za-z]{3,}", _FREE_NUMBER.sub(" ", text))
    answerish = {"answer", "think", "its", "it's", "is", "are", "get", "got", "my", "then", "and"}
    other = [w for w in words if w.lower() not in answerish]
    return len(other) <= 6


SIGN_WORDS = re.compile(r"\b(?:positive|negative|pos|neg|zero|plus|minus)\b", re.IGNORECASE)
_QUESTION = re.compile(
    r"^\s*(?:why|what|how|where|when|which|who|is|does|do|can|explain|tell|show)\b|\?\s*$", re.I
)


def looks_like_sign_answer(text: str) -> bool:
    """True when the message is essentially a list of signs ("+ - + -", "pos, neg, pos")."""
    text = text or ""
    if not sign_tokens(text) or _QUESTION.search(text):
        return False
    if not re.search(r"[A-Za-z0-9]", text):
        return True  # only signs and separators
    words = re.findall(r"[A-Za-z]{3,}", SIGN_WORDS.sub(" ", text))
    answerish = {"answer", "think", "its", "it's", "is", "are", "get", "got", "my", "then", "and"}
    return len([w for w in words if w.lower() not in answerish]) <= 2


def _after(label: str, text: str) -> float | None:
    m = re.search(rf"(?:{label})\s*(?:=|:|of|is|at)?\s*({NUMBER})", text, re.IGNORECASE)
    return float(m.group(1)) if m else None


def trace_args(text: str) -> dict[str, Any]:
    """The ``rnn_trace`` arguments mentioned in ``text`` (possibly none)."""
    args: dict[str, Any] = {}
    low = (text or "").lower()
    if re.search(r"\blstm\b|\blstms\b|long short", low):
        args["cell"] = "lstm"
    elif re.search(r"\bgru\b|\bgrus\b|gated recurrent", low):
        args["cell"] = "gru"
    m = re.search(
        rf"(?:inputs?|sequence|series|xs|x\s*=|x_t\s*=)\s*(?:=|:|of|are|is|be)?\s*\[?\s*({_LIST})",
        text or "",
        re.IGNORECASE,
    )
    if m:
        args["inputs"] = numbers_in(m.group(1))
    wx = _after(r"input[- ]weights?|w_?\{?xh?\}?|weight_ih", text)
    wh = _after(r"recurrent[- ]weights?|hidden[- ]weights?|w_?\{?hh?\}?|weight_hh", text)
    if wx is not None:
        args["input_weight"] = wx
    if wh is not None:
        args["recurrent_weight"] = wh
    if re.search(r"\bno bias\b|\bwithout (a )?bias\b|\bzero bias\b", low):
        args["bias"] = 0.0
    else:
        b = _after(r"\bbias(?:es)?|\bb\b", text)
        if b is not None:
            args["bias"] = b
    hs = re.search(
        r"hidden(?:[- ]state)?[- ](?:size|units?|dim(?:ension)?)\s*(?:=|:|of|is)?\s*(\d+)", low
    )
    hs = hs or re.search(r"(\d+)\s*hidden (?:units?|neurons?)", low)
    if hs:
        args["hidden_size"] = int(hs.group(1))
    seed = re.search(r"\bseed\s*(?:=|:|of|is)?\s*(\d+)", low)
    if seed:
        args["seed"] = int(seed.group(1))
    return args


def wants_harder(text: str) -> str | None:
    """An exercise level asked for in ``text``, or None.

    The no-arithmetic wishes come first: "no calculator" asks for ``signs``, not for
    ``calculator``.
    """
    low = (text or "").lower()
    no_math = r"(?:math|maths|arithmetic|calculat\w*|numbers|formulas?|computing)"
    if re.search(
        rf"\b(?:no|without|not|don'?t|never|hate|skip)\b(?:\s+\w+){{0,4}}\s+{no_math}|"
        r"\bconceptual|\bsigns?\b|\bqualitative",
        low,
    ):
        return "signs"
    if "lstm" in low or "gate" in low:
        return "lstm_gates"
    if re.search(r"harder|calculator|difficult|challenge|tough", low):
        return "calculator"
    if re.search(r"easy|easier|by hand|tanh table|simple", low):
        return "tanh_table"
    return None


def flashcard_rating(text: str) -> str | None:
    """'again' / 'hard' / 'good' / 'easy' when the message is just a recall rating."""
    words = re.findall(r"[a-z]+", (text or "").lower())
    if 0 < len(words) <= 3:
        for rating in ("again", "hard", "good", "easy"):
            if rating in words:
                return rating
    return None
