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

from core.errors import InvalidInput
from tools.grading_signs import parse_signs, sign_tokens

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
# a number not glued to a letter or underscore on its left (so "h1", "x_2" are not numbers)
_FREE_NUMBER = re.compile(rf"(?<![A-Za-z_\d.]){NUMBER}")
_STEP_LABEL = re.compile(r"\b(?:step|t)\s*\d+\s*[:=)]", re.IGNORECASE)
_LIST = rf"{NUMBER}(?:\s*(?:,|;|\s|and|then)\s*{NUMBER})*"


def numbers_in(text: str) -> list[float]:
    """All free-standing numbers in ``text`` ("h1=0.46, h2=0.35" -> [0.46, 0.35])."""
    text = _STEP_LABEL.sub(" ", (text or "").replace("\u2212", "-"))
    return [float(m.group()) for m in _FREE_NUMBER.finditer(text)]


# words that may surround an attempt ("my answer is ...", "I think it's ...")
_ANSWER_FILLER = {"answer", "think", "its", "it's", "is", "are", "get", "got", "my", "then", "and"}


def looks_like_answer(text: str) -> bool:
    """True when the message is essentially a list of numbers (an exercise attempt)."""
    nums = numbers_in(text)
    if not nums:
        return False
    words = re.findall(r"[A-Za-z]{3,}", _FREE_NUMBER.sub(" ", text))
    other = [w for w in words if w.lower() not in _ANSWER_FILLER]
    return len(other) <= 6


SIGN_WORDS = re.compile(r"\b(?:positive|negative|pos|neg|zero|plus|minus)\b", re.IGNORECASE)
_QUESTION = re.compile(
    r"^\s*(?:why|what|how|where|when|which|who|is|are|does|do|did|can|could|would|should|will|"
    r"explain|tell|show)\b|\?\s*$",
    re.I,
)
# words that make a message a request or a remark about the rules, never a list of signs
_NOT_AN_ANSWER = re.compile(
    r"\b(?:hint|clue|help|stuck|give\s*up|gave\s*up|giving\s*up|surrender|quit|next|another|"
    r"skip|new|quiz|solution|reveal|explain|weights?|flips?|flipping|tanh|inputs?|because|"
    r"since|if|when|why|how|W_?(?:xh|hh)|x_?(?:\d|t))\b",
    re.I,
)
_TAG = re.compile(r"[\s,.;]*(?:(?:is that|am i)\s+)?(?:right|correct|ok|okay)\s*\?+\s*$", re.I)
_ANSWERISH = _ANSWER_FILLER | {"all", "step", "steps", "each", "every", "the", "they"}
_ANSWERISH |= {"them", "memory"}


_LABELLED_SIGN = re.compile(r"\b(?:h\s*_?\s*\d|step\s*\d)", re.I)


def looks_like_sign_attempt(text: str) -> bool:
    """True when the message tries to answer a ``signs`` exercise: signs, a few filler words,
    no question and no request ("hint: is it positive", "next, positive" are not). It may
    still be unreadable ("not negative"): ``looks_like_sign_answer`` says if it can be graded.
    """
    text = _TAG.sub("", text or "")  # "+ - + -, right?" is an answer, tentatively
    if not sign_tokens(text) or _QUESTION.search(text) or _NOT_AN_ANSWER.search(text):
        return False
    if not re.search(r"[A-Za-z0-9]", text):
        return True  # only signs and separators
    if _LABELLED_SIGN.search(text):  # "h1=+ h2=-", "step 2 is negative": clearly an answer
        words = re.findall(r"[A-Za-z']{3,}", SIGN_WORDS.sub(" ", text))
        return len([w for w in words if w.lower() not in _ANSWERISH]) <= 2
    # Unlabelled: nothing but signs and filler. "positive or negative", "x is positive",
    # "negative times negative is positive" are remarks, and a remark graded as an attempt
    # would unlock the solution.
    rest = [w.lower() for w in re.findall(r"[A-Za-z']+", SIGN_WORDS.sub(" ", text))]
    if any(w not in _ANSWERISH | {"not", "no"} for w in rest):
        return False  # "not negative" stays an (unreadable) attempt: it gets how to answer
    return (
        len(sign_tokens(text)) >= 2
        or not rest
        or bool({"all", "every", "each", "not", "no"} & set(rest))
    )


def looks_like_sign_answer(text: str) -> bool:
    """True when the message is a gradable list of signs ("+ - + -", "pos, neg, pos",
    "h1=+ h2=-", "step 2 is negative", "all positive"); "not negative" is not."""
    if not looks_like_sign_attempt(text):
        return False
    try:
        parse_signs(text, steps=99)  # the real step count is checked when grading
    except InvalidInput:
        return False
    return True


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


_MATH = r"(?:math|maths|arithmetic|calculat\w*|numbers|numeric\w*|formulas?|computing)"
# an explicit wish for numbers: "with numbers", "not signs", "I don't mind the math",
# "w/ actual numbers", "with the tanh table"; it wins over a no-math word in the same message
_WANTS_NUMBERS = re.compile(
    rf"(?:\bwith\s+|\bw/\s*)(?:some |real |actual |proper |the )?"
    rf"(?:numbers|values|math|maths|arithmetic)\b|"
    rf"\b(?:with|using|use|from)\s+(?:a\s+|the\s+)?tanh[- ]tables?\b|"
    rf"\b(?:not|no|without|never)\s+(?:the\s+|just\s+|only\s+)?signs?\b|"
    rf"\b(?:don'?t|do not|wouldn'?t|won'?t|never) mind\b(?:\s+\w+){{0,3}}?\s+{_MATH}|"
    rf"\b(?:happy|fine|ok|okay|glad) (?:to do |doing |with )?(?:the |some )?{_MATH}"
)
# a numbers wish in fewer words ("a numeric one", "numbers version pls", "actual numbers"):
# it counts only when no no-math word says otherwise ("without numeric values")
_NUMERIC = re.compile(
    r"\bnumeric(?:al)?\b|\b(?:real|actual)\s+(?:numbers|values|math|maths)\b|"
    r"\bnumbers?\s+(?:version|one|exercise|quiz|question|problem|level|instead|please|pls|plz)\b|"
    r"\b(?:the|some|more)\s+(?:math|maths|arithmetic)\b(?!\s+(?:of|behind)\b)"
)
_NO_MATH = re.compile(
    rf"\b(?:no|without|not|don'?t|never|hate|skip)\b(?:\s+\w+){{0,4}}\s+{_MATH}|"
    r"\bconceptual|\bqualitative"
)
# "signs" decides only when it is the thing asked for, not a word inside another request
_SIGNS_REQUEST = re.compile(
    r"\bsigns?[- ](?:level|quiz|exercise|question|version|mode|only)\b|"
    r"\b(?:on|about|with|just|only|the|trace)\s+(?:the\s+)?signs\b(?!\s+of\b)"
)
_EASIER = re.compile(r"\btoo\s+(?:hard|difficult|tough)|\beas(?:y|ier)\b|\bsimpler?\b")


def wants_numbers(text: str) -> bool:
    """Whether ``text`` asks for numbers ("quiz me with numbers", "a numeric one", "can i
    get one w/ actual numbers", "with the tanh table"), not for the no-arithmetic level."""
    low = (text or "").lower()
    if _WANTS_NUMBERS.search(low):
        return True
    no_math = _NO_MATH.search(low) or _SIGNS_REQUEST.search(low)
    return bool(_NUMERIC.search(low)) and not no_math


def wants_harder(text: str, current: str | None = None) -> str | None:
    """An exercise level asked for in ``text``, or None (then the tutor keeps the current
    exercise's level, and a first exercise is ``signs``, the course's practice).

    A named topic wins ("a conceptual quiz on lstm gates" is ``lstm_gates``); then an
    explicit wish for numbers ("with numbers, not signs", "I don't mind the math", "a
    numeric one"), which never gives ``signs``; then the no-arithmetic wishes ("no
    calculator" asks for ``signs``, not for ``calculator``). An easier wish ("too hard",
    "an easier one") is ``tanh_table``, except from ``current`` ``signs`` or no exercise
    yet: nothing is easier than ``signs``, so it stays.
    """
    low = (text or "").lower()
    if re.search(r"\blstms?\b|\bgates?\b", low):
        return "lstm_gates"
    numbers = wants_numbers(low)
    if not numbers and (_NO_MATH.search(low) or _SIGNS_REQUEST.search(low)):
        return "signs"
    easier = "signs" if current in (None, "signs") and not numbers else "tanh_table"
    if re.search(r"\btoo\s+(?:hard|difficult|tough)", low):
        return easier
    if re.search(r"tanh[- ]table", low):  # "no calculator, with the tanh table"
        return "tanh_table"
    if re.search(r"harder|calculator|difficult|challenge|tough|\btoo\s+(?:easy|simple)", low):
        return "calculator"
    if re.search(r"by hand", low):
        return "tanh_table"
    if _EASIER.search(low):
        return easier
    return "tanh_table" if numbers else None


DIFFICULTY = re.compile(
    r"\b(?:harder|easier|tougher|more\s+(?:difficult|challenging)|too\s+(?:easy|"
    r"simple|hard|difficult|tough)|challenge|challenging)\b",
    re.I,
)
_ABOUT_WORDING = re.compile(r"\b(?:explain|explanation|say|words|terms|language|put)\b", re.I)


def asks_other_difficulty(text: str) -> bool:
    """Whether ``text`` is a wish about an exercise's difficulty ("harder", "an easier
    one", "too easy"): not a topic ("lstm gates") and not about wording ("an easier
    explanation", "in simpler words")."""
    return bool(DIFFICULTY.search(text or "")) and not _ABOUT_WORDING.search(text or "")


def flashcard_rating(text: str) -> str | None:
    """'again' / 'hard' / 'good' / 'easy' when the message is just a recall rating."""
    words = re.findall(r"[a-z]+", (text or "").lower())
    if 0 < len(words) <= 3:
        for rating in ("again", "hard", "good", "easy"):
            if rating in words:
                return rating
    return None
