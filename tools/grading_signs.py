"""Grade an answer to a "signs" exercise: read the signs, check each step, name the mistake.

Learners write signs many ways: "+ - + -", "+-+-", "− + 0", "pos, neg", "positive then
negative", "zero", "all positive", labelled "h1=+ h2=-", "step 2 is negative" or a numbered
list "1. 0  2. +", or plain numbers ("0.46, -0.35": only the sign counts). A negated sign
("not negative") names no sign and is refused. Each step is right when its sign is
exactly right. At the first wrong step we replay the classic slips with the correct
earlier signs (ignoring a negative W_hh, i.e. no flip; forgetting the memory, i.e. the
input's sign only; ignoring a negative W_xh; ignoring the input) and name the one that
gives the learner's sign. Feedback stops at the first wrong step: with two signs to choose
from, a mark, a score or half credit for any later step would hand over the answer. Later
steps that follow by the sign rules from the learner's own previous sign still count for
half credit in ``Grade.score``, as in ``tools.grading``.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import InvalidInput
from tools.exercise_gen import Exercise
from tools.exercise_signs import CHAR, WORD, combine, sign, terms
from tools.grading import Grade, list_of_numbers, mark_steps

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


EXPLAIN = {
    "no_flip": "you ignored the negative W_hh: multiplying h_{p} by a negative W_hh flips its sign",
    "forgot_memory": "you forgot the memory: W_hh·h_{p} carries h_{p}'s sign into step {t}",
    "ignored_w_xh_sign": "you took the sign of x_{t} itself, but W_xh is negative, so W_xh·x_{t} has the opposite sign",
    "forgot_input": "the input x_{t} is not 0, so W_xh·x_{t} counts at step {t}",
    "too_early": "no input has arrived and there is no memory yet, so h_{t} is still 0",
    "sign": "the sign is flipped; check the sign of each factor",
}


def _mistakes(ex: Exercise, t: int) -> dict[str, float | None]:
    """What each classic slip gives at step t, from the correct earlier signs."""
    x, p = sign(ex.xs[t - 1]), sign(ex.previous(t))
    input_term, memory_term = terms(ex, t, p)
    return {
        "no_flip": combine(input_term, p) if ex.w_h < 0 and p else None,
        "forgot_memory": input_term if p else None,
        "ignored_w_xh_sign": combine(x, memory_term) if ex.w_x < 0 and x else None,
        "forgot_input": memory_term if x else None,
        "sign": -ex.answers[t - 1] if ex.answers[t - 1] else None,
    }


def _diagnose(ex: Exercise, t: int, given: float) -> str | None:
    right = ex.answers[t - 1]
    if right == 0 and given != 0:
        return "too_early"
    for code, value in _mistakes(ex, t).items():
        if value is not None and value != right and value == given:
            return code
    return None


def _follows(ex: Exercise, t: int, prev: float | None, given: float | None) -> bool:
    """Do the sign rules allow the learner's sign at t from their own sign at t-1?"""
    if prev is None or given is None:
        return False
    settled = combine(*terms(ex, t, prev))
    return given != 0 if settled is None else given == settled


def grade_signs(ex: Exercise, answer: Any) -> Grade:
    """Check every step's sign; the feedback says nothing past the first wrong step."""
    given = parse_signs(answer, ex.steps)
    expected = ex.answers
    correct = [g is not None and g == e for g, e in zip(given, expected, strict=True)]
    first_wrong, follow_on = mark_steps(ex, correct, given, _follows)
    score = (sum(correct) + 0.5 * len(follow_on)) / ex.steps
    diagnosis = None
    marked = correct if first_wrong is None else correct[:first_wrong]
    ticks = ", ".join(f"h_{t} {'✓' if ok else '✗'}" for t, ok in enumerate(marked, 1))
    later = (
        ""
        if first_wrong is None or first_wrong == ex.steps
        else " (later steps: fix that one first)"
    )
    lines = [f"Each h_t is right when its sign ({CHAR[1.0]}, {CHAR[-1.0]} or 0) is."]
    lines.append(f"Your steps: {ticks}{later}.")
    if first_wrong is None:
        lines += ["All steps are right.", f"Score: {score:.0%}."]
    else:
        # No score and no half-credit line while unsolved: either one counts the right
        # steps after the first wrong one, and with two signs per step that tells them.
        t, g = first_wrong, given[first_wrong - 1]
        if g is None:
            lines.append(f"Step {t} is missing: give a sign for h_{t}.")
        else:
            diagnosis = _diagnose(ex, t, g)
            why = EXPLAIN.get(diagnosis or "", "").format(t=t, p=t - 1)
            lines.append(
                f"The first wrong step is step {t} (you wrote {WORD[g]} for h_{t})"
                f"{': ' + why if why else ''}."
            )
            if diagnosis is None:
                lines.append(f"Redo step {t} with the sign rules, or ask for a hint for step {t}.")
    return Grade(
        exercise_id=ex.id,
        correct=correct,
        score=round(score, 4),
        first_wrong=first_wrong,
        diagnosis=diagnosis,
        feedback="\n".join(lines),
        tolerance=ex.tolerance,
        given=given,
        expected=list(expected),
    )
