"""Parsing numbers and trace settings out of a learner's free-text message.

"inputs 1, 0, 0, 0, input weight 0.5, recurrent weight 0.8, no bias, lstm, hidden size 2"
becomes the arguments of the ``rnn_trace`` tool; "h1=0.46 h2=0.35" or "0.46, 0.35" becomes
a list of numbers for grading; "+ - + -" or "positive, negative" is an attempt at a
``signs`` exercise. Anything not mentioned is left out so the tool's teaching defaults
apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from tools.cells import GATE_NAMES
from tools.levels.sign_reading import parse_signs, sign_tokens

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


_CONNECT = r"(?:=|:|of|is|at|were|was|be|to|equals?|becomes?|of about|(?:goes|went|set|changed|raised|dropped)\s+(?:up\s+|down\s+)?to)?"


# words learners put between a setting and its value: "was huge like 10", "is exactly 1"
_FILLER = (
    r"(?:(?:huge|big|large|small|tiny|like|about|around|roughly|say|exactly|just|still|only|"
    r"now|really|very|set\s+to|equal\s+to|something\s+like|"
    r"(?:bigger|larger|greater|smaller|less|more|above|below)\s+(?:than\s+)?[-+]?\d*\.?\d+\s*,?\s*"
    r"(?:say|like|e\.?g\.?|for example|for instance))\s*,?\s+){0,3}"
)


def _after(label: str, text: str) -> float | None:
    m = re.search(
        rf"(?:{label})\s*{_CONNECT}\s*{_FILLER}({NUMBER})(?![\d.]*\s*(?:steps?|times|x\b|%))",
        text,
        re.IGNORECASE,
    )
    return float(m.group(1)) if m else None


# the gates of the gated cells, by the names learners use (PyTorch's letters as values)
GATE_WORDS = {"forget": "f", "input": "i", "output": "o", "update": "z", "reset": "r"}
_GATE_BIAS = re.compile(
    rf"\b(forget|input|output|update|reset)(?:[- ]gate(?:'s)?)?[- ]bias(?:es)?\s*{_CONNECT}\s*"
    rf"({NUMBER})",
    re.IGNORECASE,
)
# "same weights for every gate", "one weight for all the gates", "shared gate weights"
_SAME_GATES = re.compile(
    r"\b(?:same|one|shared|single)\s+(?:scalar\s+)?weights?\s+(?:for|in|on)\s+(?:all|every|each)"
    r"(?:\s+the)?\s+gates?\b|\bshared\s+gate\s+weights?\b|\ball\s+(?:the\s+)?gates\s+"
    r"(?:share|use|get)\b",
    re.IGNORECASE,
)
_TEACHING_GATES = re.compile(r"\b(?:teaching|default)\s+gates?\b", re.IGNORECASE)
# "relu instead of tanh", "remove the tanh", "a linear update": the RNN's squashing function
_RELU = re.compile(r"\brelu\b(?!\s+(?:is|was)\s+(?:bad|worse))", re.I)
_LINEAR = re.compile(
    r"\b(?:no|without(?: the)?|remove[ds]?(?: the)?|drop(?:ped)?(?: the)?|get rid of(?: the)?|"
    r"skip(?: the)?)\s+(?:\w+\s+)?(?:tanh|squash\w*|nonlinearity|activation)\b"
    r"|\b(?:purely\s+)?linear\s+(?:update|rnn|recurrence|activation)\b|\bidentity activation\b",
    re.I,
)


def _nonlinearity(low: str) -> str | None:
    if _LINEAR.search(low):
        return "linear"
    if _RELU.search(low):
        return "relu"
    return None


# "recurrent" as learners spell it: "recurent", "reccurrent", "recurrnt"
RECURRENT_WORD = r"rec+ur+e?n+t"
_INPUT_LABEL = (
    r"inputs?|sequence|series|xs|(?<![A-Za-z_])x\s*=|(?<![A-Za-z_])x_t\s*=|feed(?:ing)?|fed"
)


_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "a couple of": 2, "a few": 3}  # fmt: skip
_COUNT = r"\d+|" + "|".join(_COUNTS)
_ZERO_WORD = r"zeros?|zeroes|0s|0's"
# one item of a spoken input sequence: "1", "seven 0s", "3 zeros", "zeros", "1 again"
_ITEM = re.compile(
    rf"\s*(?:(?P<count>{_COUNT})\s+(?:more\s+)?(?P<what>{_ZERO_WORD}|{NUMBER}s?|ones|1s)\b"
    rf"|(?P<only>(?:only|just|all)\s+)?(?P<zeros>{_ZERO_WORD})\b"
    rf"|(?P<again>again|twice)\b|(?P<value>{NUMBER})(?![\w.])(?:\s+(?P<times>again|twice)\b)?)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"\s*(?:,|;|\band\s+then\b|\bthen\b|\bfollowed\s+by\b|\band\b|\s)\s*"
    r"(?:(?:after|afterwards|after that|the rest|and|then|with)\s+)*",
    re.IGNORECASE,
)
_SPOKEN_START = re.compile(
    r"\b(?:inputs?|feed(?:ing)?|fed|sequence|series)\b\s*(?:=|:|of|are|is|was|were|be|it)?\s*",
    re.IGNORECASE,
)
PAD_STEPS = 4  # "1 then zeros": zeros up to this many steps in all


def spoken_inputs(text: str) -> list[float] | None:
    """An input sequence said in words: "input 1 then seven 0s" -> [1, 0 x 7], "i feed 1 and
    then 1 again" -> [1, 1], "a 1 then only zeros" -> [1, 0, 0, 0]; None when none is said."""
    for start in _SPOKEN_START.finditer(text or ""):
        pos, values, padded = start.end(), [], False
        pos += len(re.match(r"\s*(?:(?:a|an|the|with|in)\s+)*", text[pos:]).group(0))
        while True:
            item = _ITEM.match(text, pos)
            if item is None:
                break
            if item.group("count"):
                n = _COUNTS.get(item.group("count").lower()) or int(item.group("count"))
                what = item.group("what").lower()
                value = 1.0 if what in ("ones", "1s") else 0.0
                if not re.fullmatch(_ZERO_WORD, what) and value == 0.0:
                    value = float(re.sub(r"s$", "", what))
                values += [value] * min(n, 50)
            elif item.group("zeros"):
                if not values:
                    break
                values += [0.0] * max(PAD_STEPS - len(values), 1)
                padded = True
            elif item.group("again"):
                if not values:
                    break
                values.append(values[-1])
            else:
                value = float(item.group("value"))
                values += [value] * (2 if (item.group("times") or "").lower() == "twice" else 1)
            pos = item.end()
            sep = _SEPARATOR.match(text, pos)
            if sep is None or padded:
                break
            pos = sep.end()
        if len(values) >= 2 or padded:
            return values
    return None


# "inputs are all zero", "all-zero inputs", "the input is always 1", "constant input of 0.5"
_CONSTANT_INPUT = re.compile(
    rf"\b(?:inputs?|xs?)\s+(?:are|is|=|stays?|being)?\s*(?:all|always|only|just|constant(?:ly)?)"
    rf"\s+(?P<a>{_ZERO_WORD}|ones|{NUMBER})(?![\w.])"
    rf"|\b(?:all|constant)[- ](?P<b>zeros?|zero|ones?|{NUMBER})\s+inputs?\b"
    rf"|\bconstant\s+inputs?\s+(?:of\s+)?(?P<c>{NUMBER})(?![\w.])"
    rf"|\b(?:only|all|just)\s+(?P<d>{_ZERO_WORD}|ones)\s+(?:as|for)\s+(?:the\s+)?inputs?\b",
    re.IGNORECASE,
)
_STEPS_ASKED = re.compile(r"(?<![\w.])(\d+)\s+(?:time[-\s]?)?steps?\b", re.IGNORECASE)


def constant_inputs(text: str) -> list[float] | None:
    """The same input at every step, for as many steps as the message names (else
    ``PAD_STEPS``): "inputs are all zero ... h after 3 steps" -> [0, 0, 0]."""
    m = _CONSTANT_INPUT.search(text or "")
    if m is None:
        return None
    raw = (m.group("a") or m.group("b") or m.group("c") or m.group("d")).lower()
    if re.fullmatch(_ZERO_WORD + "|zero", raw):
        value = 0.0
    elif raw in ("one", "ones"):
        value = 1.0
    else:
        value = float(raw)
    steps = _STEPS_ASKED.search(text)
    n = int(steps.group(1)) if steps else PAD_STEPS
    return [value] * min(max(n, 1), 50)


def trace_args(text: str) -> dict[str, Any]:
    """The ``rnn_trace`` arguments mentioned in ``text`` (possibly none)."""
    args: dict[str, Any] = {}
    low = (text or "").lower()
    if re.search(r"\blstm\b|\blstms\b|long short", low):
        args["cell"] = "lstm"
    elif re.search(r"\bgru\b|\bgrus\b|gated recurrent", low):
        args["cell"] = "gru"
    gate_bias = {
        GATE_WORDS[m.group(1).lower()]: float(m.group(2)) for m in _GATE_BIAS.finditer(text or "")
    }
    rest = _GATE_BIAS.sub(" ", text or "")  # the plain bias is what no gate claims
    m = re.search(
        rf"(?:{_INPUT_LABEL})\s*(?:=|:|of|are|is|be|was|were)?\s*\[?\s*({_LIST})",
        rest,
        re.IGNORECASE,
    )
    if m:
        args["inputs"] = numbers_in(m.group(1))
    spoken = spoken_inputs(rest) or constant_inputs(rest)
    if spoken and len(spoken) > len(args.get("inputs") or []):
        args["inputs"] = spoken  # "1 then seven 0s", "1 and then 1 again"
    if args.get("inputs") and len(args["inputs"]) == 1:
        args["inputs"] += [0.0, 0.0, 0.0]  # one input is an impulse: show what follows
    nonlinearity = _nonlinearity(low)
    if nonlinearity:
        args["nonlinearity"] = nonlinearity
    h0 = re.search(
        r"\bh_?\{?0\}?\s*(?:=|:|of|is|was|starts?\s+(?:at|as|from)|begins?\s+at)\s*(-?\d*\.?\d+)",
        low,
    )
    if h0:
        args["h0"] = float(h0.group(1))
    wx = _after(r"input[- ]weights?|w_?\{?xh?\}?|weight_ih", rest)
    wh = _after(
        rf"{RECURRENT_WORD}[- ]weights?|hidden[- ]weights?|w_?\{{?hh?\}}?|weight_hh"
        r"|\bw(?=\s*(?:=|is\b))",
        rest,
    )
    if wx is not None:
        args["input_weight"] = wx
    if wh is not None:
        args["recurrent_weight"] = wh
    if re.search(r"\bno bias\b|\bwithout (a )?bias\b|\bzero bias\b", rest.lower()):
        args["bias"] = 0.0
    else:
        b = _after(r"\bbias(?:es)?|\bb\b", rest)
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
    if gate_bias:
        args["gate_bias"] = gate_bias
    if _SAME_GATES.search(text or ""):
        args["gates"] = "same"
    elif _TEACHING_GATES.search(text or ""):
        args["gates"] = "teaching"
    return args


# --- follow-up traces ---------------------------------------------------------------------
# The teaching values a trace uses for what the learner leaves out (the lesson's worked trace).
DEFAULT_INPUTS = [1.0, 0.0, 0.0, 0.0]
DEFAULT_INPUT_WEIGHT = 0.5
DEFAULT_RECURRENT_WEIGHT = 0.8
TRACE_FIELDS = (
    "cell",
    "nonlinearity",
    "inputs",
    "input_weight",
    "recurrent_weight",
    "bias",
    "hidden_size",
    "seed",
    "gates",
    "gate_bias",
)
# a fresh start: "a new trace", "with the defaults", "from scratch"
_FRESH = re.compile(
    r"\b(?:defaults?|default values|from scratch|fresh|reset(?![- ]gate)|start over|new trace|"
    r"teaching values)\b",
    re.IGNORECASE,
)
# the learner builds on the last trace: "same with 0.9", "again", "as before", "keep the weights"
_SAME = re.compile(
    r"\b(?:same|again|as before|keep(?:ing)?|those|these|previous|last|once more|repeat)\b",
    re.IGNORECASE,
)
_PLAIN_RNN = re.compile(r"\b(?:rnn|rnns|elman)\b", re.IGNORECASE)
# "same with 0.9", "what about 1.2?", "and 0.3 then": one bare number ends the message
_BARE_NUMBER = re.compile(
    rf"(?<![A-Za-z_\d.])({NUMBER})\s*(?:instead|then|please|pls|now|too|this time)?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "0.9 for the recurrent weight", "0.3 as the input weight"
_NUMBER_FIRST = re.compile(
    rf"({NUMBER})\s*(?:as|for|on|in)?\s*(?:the\s+)?(?:a\s+)?(input|{RECURRENT_WORD}|hidden)"
    r"[- ]weight",
    re.IGNORECASE,
)
_RECURRENT = rf"{RECURRENT_WORD}[- ]weight|hidden[- ]weight|w_?\{{?hh\}}?|weight_hh|\bw_?h\b"
_SIGN_OF_RECURRENT = re.compile(
    rf"(?:\b(negative|positive)\b[^.?!]{{0,30}}(?:{_RECURRENT}))|"
    rf"(?:(?:{_RECURRENT})[^.?!]{{0,30}}\b(negative|positive)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TraceRequest:
    """What a trace message asks for: the ``rnn_trace`` arguments, and, for a follow-up
    of the last trace, which of its settings were kept and which the message changed."""

    args: dict[str, Any]
    followup: bool = False
    kept: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


def resolved_trace_args(args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with every teaching default filled in (what the trace actually ran with)."""
    seeded = (
        args.get("seed") is not None
        and args.get("input_weight") is None
        and args.get("recurrent_weight") is None
    )
    out = {
        "cell": args.get("cell") or "rnn",
        "inputs": [float(x) for x in (args.get("inputs") or DEFAULT_INPUTS)],
        "input_weight": None
        if seeded
        else float(_or(args.get("input_weight"), DEFAULT_INPUT_WEIGHT)),
        "recurrent_weight": None
        if seeded
        else float(_or(args.get("recurrent_weight"), DEFAULT_RECURRENT_WEIGHT)),
        "bias": float(args.get("bias") or 0.0),
        "hidden_size": int(args.get("hidden_size") or 1),
        "seed": args.get("seed"),
        "gates": args.get("gates") or "teaching",
        "gate_bias": dict(args.get("gate_bias") or {}),
        "h0": float(args.get("h0") or 0.0),
        "nonlinearity": args.get("nonlinearity") or "tanh",
    }
    return out


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def followup_args(text: str, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """``trace_args`` plus what only makes sense next to a trace: a bare number ("same with
    0.9": the recurrent weight), a number before its label ("0.3 for the input weight"),
    "negative recurrent weight" (the sign of the last one), "plain rnn" (the cell)."""
    args = trace_args(text)
    text = text or ""
    for m in _NUMBER_FIRST.finditer(text):
        key = "input_weight" if m.group(2).lower() == "input" else "recurrent_weight"
        args.setdefault(key, float(m.group(1)))
    numeric = {"inputs", "input_weight", "recurrent_weight", "bias", "hidden_size", "seed"}
    if not numeric & set(args) and "gate_bias" not in args:
        bare = _BARE_NUMBER.search(text)
        if bare and len(numbers_in(text)) == 1:
            args["recurrent_weight"] = float(bare.group(1))
    sign = _SIGN_OF_RECURRENT.search(text)
    if sign and "recurrent_weight" not in args:
        base = (previous or {}).get("recurrent_weight")
        size = abs(float(base)) if base else DEFAULT_RECURRENT_WEIGHT
        negative = (sign.group(1) or sign.group(2)).lower() == "negative"
        args["recurrent_weight"] = -size if negative else size
    if "cell" not in args and _PLAIN_RNN.search(text):
        args["cell"] = "rnn"
    return args


# a question about the subject ("why does an lstm forget slower?"), not a what-if on the trace
_CONCEPT_QUESTION = re.compile(
    r"^\s*(?:why|how(?!\s+about)|what(?!\s+(?:if|about|would|happens))|explain|describe|"
    r"define|does|do|is|are|should|when|where|which|who|tell me)\b",
    re.IGNORECASE,
)
# words of another request: "quiz me on lstm gates", "compare rnn and lstm"
_OTHER_REQUEST = re.compile(
    r"\b(?:quiz|exercises?|practi[cs]e|flash\s*cards?|cards?|compare|comparison|differen\w*|"
    r"versus|vs|hint|progress|solution|equations?|formulas?|definition|example|analogy)\b",
    re.IGNORECASE,
)
# how a follow-up opens: "now an lstm", "and a GRU?", "same with 0.9", "what if ...", "again"
_FOLLOWUP_OPENER = re.compile(
    r"^\s*(?:ok(?:ay)?|so|and|now|same|again|what\s+if|what\s+about|how\s+about|what\s+"
    r"happens|with|then|try|also|but|this\s+time|instead|let'?s|redo|re-?run|run|repeat|do|"
    r"use|make|change|set|switch|swap)\b",
    re.IGNORECASE,
)


def looks_like_trace_followup(text: str, previous: dict[str, Any] | None) -> bool:
    """True when a short message after a trace asks to run it again with something changed
    ("now an lstm", "same with 0.9", "and a GRU?", "what if W_hh were negative?", "again"),
    so it is a trace request even without the word "trace". A question about the subject
    ("why does an lstm forget slower?") is not one.

    For the intent recogniser: ``previous`` is the session's last trace (``state["trace"]``).
    """
    if not previous or not text or len(text.split()) > 12 or _CONCEPT_QUESTION.search(text):
        return False
    if _OTHER_REQUEST.search(text):
        return False
    if not (_FOLLOWUP_OPENER.search(text) or len(re.findall(r"[A-Za-z]+", text)) <= 3):
        return False
    return trace_request(text, previous).followup


def trace_request(text: str, previous: dict[str, Any] | None = None) -> TraceRequest:
    """The trace a message asks for, given the session's last trace (``previous``: the
    resolved arguments it ran with, or None).

    A message that changes something ("now an lstm", "same with 0.9", "and a GRU?") or
    says "same"/"again" builds on the last trace: its inputs, weights and cell stay and
    only what the message names changes. A message with its own inputs is a new trace
    (unless it says to keep the rest: "same weights, inputs 1, 1, 0"), and so is one that
    asks for the defaults or names nothing at all ("walk me through a trace").
    """
    own = followup_args(text, previous)
    if previous and not _FRESH.search(text or ""):
        same = bool(_SAME.search(text or ""))
        if ("inputs" in own and same) or ("inputs" not in own and (own or same)):
            args = {k: v for k, v in previous.items() if v is not None and v != {}}
            args.update(own)
            gates = GATE_NAMES.get(args.get("cell") or "rnn", ())
            kept_bias = {g: b for g, b in (args.get("gate_bias") or {}).items() if g in gates}
            args["gate_bias"] = kept_bias  # a GRU has no forget gate: another cell's go
            now = resolved_trace_args(args)
            kept = tuple(k for k in TRACE_FIELDS if now.get(k) == previous.get(k))
            changed = tuple(k for k in TRACE_FIELDS if now.get(k) != previous.get(k))
            return TraceRequest(args, True, kept, changed)
    return TraceRequest({"inputs": list(DEFAULT_INPUTS), **own})


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


def level_asked_for(text: str, current: str | None = None) -> str | None:
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
