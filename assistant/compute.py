"""Exact computations the learner asks for: parameter counts of RNN, LSTM and GRU layers.

``parameter_request(text)`` reads a question such as "how many weights does an lstm with
10 inputs and 20 hidden units have?" or "params in nn.GRU(32, 64, num_layers=2)?" into
the arguments of ``tools.params.parameter_count`` (None when the message does not ask
for a count). ``render(count, ...)`` writes the answer: the number first, in PyTorch's
layout and in the lesson's one-bias convention, then the shapes that add up to it.
The numbers come from ``tools.params``; nothing here does arithmetic on its own.
"""

from __future__ import annotations

import re
from typing import Any

from assistant import prompts
from tools.params import GATES, ParamCount

LESSON_SIZES = {"input_size": 50, "hidden_size": 128}  # the lesson's worked example
GATE_ORDER = {"rnn": "", "gru": " (r, z, n)", "lstm": " (i, f, g, o)"}
CELL_NAME = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}

_COUNT = re.compile(
    r"(?:\b(?:how\s+many|number\s+of|no\.?\s+of|count(?:ing)?|total)|#)\s*(?:\w+\s+){0,3}?"
    r"(?:param(?:eter)?s?|weights?|trainable)\b|\bparam(?:eter)?\s*count\b|\bparams?\s+in\b",
    re.I,
)
_TORCH = re.compile(r"\bnn\.(rnn|lstm|gru)\s*\(\s*(\d[\d_]*)\s*,\s*(\d[\d_]*)", re.I)
_CELL = re.compile(r"\b(lstm|gru|rnn|elman|vanilla)s?\b", re.I)
_NUM = r"(\d+(?:[,_]\d{3})*)"  # 1,000 and 1_000, not the comma after a number
_INPUT = (
    re.compile(
        rf"{_NUM}\s*(?:-?d(?:im\w*)?\s+)?(?:inputs?|input\s+(?:features?|units?|dim\w*|size))\b",
        re.I,
    ),
    re.compile(
        rf"\binput(?:\s+(?:size|dim\w*|features?|width))?\s*(?:of|=|:|is|was)?\s*{_NUM}", re.I
    ),
    re.compile(rf"\b(?:d|input_size)\s*=\s*{_NUM}", re.I),
    re.compile(rf"\b(?:embedding|word\s+vectors?)\s+(?:of\s+)?(?:size\s+)?{_NUM}", re.I),
    re.compile(rf"{_NUM}[-\s]*(?:dim\w*|d)\s+(?:embeddings?|word\s+vectors?|vectors?)", re.I),
)
_HIDDEN = (
    re.compile(
        rf"{_NUM}\s*(?:hidden(?:\s+(?:units?|size|neurons|dim\w*|states?))?|units?|neurons|cells)\b",
        re.I,
    ),
    re.compile(
        rf"\bhidden(?:\s+(?:size|units?|dim\w*|state(?:\s+size)?|layer(?:\s+size)?))?\s*(?:of|=|:|is|was)?\s*{_NUM}",
        re.I,
    ),
    re.compile(rf"\b(?:H|hidden_size)\s*=\s*{_NUM}"),
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_LAYERS = re.compile(
    r"\bnum_layers\s*=\s*(\d+)|\b(\d+|one|two|three|four|five|six)[-\s]*(?:stacked\s+)?layers?\b|"
    r"\b(\d+|two|three|four)[-\s]*layer\b",
    re.I,
)
_BIDIRECTIONAL = re.compile(r"\bbi-?directional\s*(?:=\s*true)?|\bbi-?(?:lstm|gru|rnn)\b", re.I)
# with no sizes given, a count question must be about a layer ("how many params does an
# lstm have?"), not about the idea ("how many weights are shared across steps?")
_A_LAYERS_COUNT = re.compile(
    r"\b(?:lstm|gru|rnn|layer|cell)s?\b.*\b(?:have|has|need|needs|got|use|uses)\b|"
    r"\b(?:have|has|need|needs|in|of)\s+(?:an?\s+|the\s+|one\s+)?(?:\w+\s+)?(?:lstm|gru|rnn)s?\b",
    re.I,
)
_NOT_A_COUNT = re.compile(r"\b(?:why|shar\w*|grows?|growing|depends?|same)\b", re.I)
_ONE_BIAS = re.compile(
    r"\b(?:one|single|1)\s+bias|\btextbook|\bas\s+the\s+lesson|\bequations?\b", re.I
)


def _int(text: str) -> int:
    return int(text.replace(",", "").replace("_", ""))


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return _int(m.group(1))
    return None


def parameter_request(text: str) -> dict[str, Any] | None:
    """The ``parameter_count`` arguments a message asks for, or None.

    ``defaults`` lists the sizes taken from the lesson because the message gave none.
    """
    text = text or ""
    torch = _TORCH.search(text)
    if not (_COUNT.search(text) or (torch and re.search(r"\bparam|\bweights?\b", text, re.I))):
        return None
    cell_word = _CELL.search(text)
    cell = (torch.group(1) if torch else cell_word.group(1) if cell_word else "rnn").lower()
    cell = cell if cell in GATES else "rnn"  # elman, vanilla
    sizes: dict[str, int] = {}
    if torch:
        sizes = {"input_size": _int(torch.group(2)), "hidden_size": _int(torch.group(3))}
    else:
        found = {"input_size": _first(_INPUT, text), "hidden_size": _first(_HIDDEN, text)}
        sizes = {k: v for k, v in found.items() if v is not None}
    layers = _LAYERS.search(text)
    num_layers = 1
    if layers:
        raw = next(g for g in layers.groups() if g)
        num_layers = _WORDS.get(raw.lower()) or int(raw)
    defaults = sorted(set(LESSON_SIZES) - set(sizes))
    if len(defaults) == 2 and not _A_LAYERS_COUNT.search(text) or _NOT_A_COUNT.search(text):
        return None  # "how many weights are shared?", "does the number of params grow?"
    return {
        "cell": cell,
        **LESSON_SIZES,
        **sizes,
        "num_layers": num_layers,
        "bidirectional": bool(_BIDIRECTIONAL.search(text)),
        "one_bias": bool(_ONE_BIAS.search(text)),
        "defaults": defaults,
    }


def _n(value: int) -> str:
    return f"{value:,}"


def render(count: ParamCount, one_bias: bool = False) -> str:
    """The answer: the count first (both bias conventions), then where it comes from."""
    G, H = GATES[count.cell], count.hidden_size
    stack = ""
    if count.num_layers > 1:
        stack += f", {count.num_layers} stacked layers"
    if count.bidirectional:
        stack += ", bidirectional"
    what = f"An {CELL_NAME[count.cell]}" if count.cell in ("rnn", "lstm") else "A GRU"
    first, second = (count.one_bias, count.pytorch) if one_bias else (count.pytorch, count.one_bias)
    lead = prompts.render(
        prompts.PARAMS_ONE_BIAS_LEAD if one_bias else prompts.PARAMS_LEAD,
        what=what,
        d=_n(count.input_size),
        H=_n(H),
        stack=stack,
        first=_n(first),
        second=_n(second),
    )
    rows = ["| part | shape | count |", "|---|---|---|"]
    for layer in count.layers:
        tag = f"layer {layer.layer}: " if count.num_layers > 1 else ""
        per = f" × {count.directions} directions" if count.bidirectional else ""
        rows += [
            f"| {tag}`weight_ih` | {G * H} × {layer.input_size}{per} | {_n(layer.weight_ih * count.directions)} |",
            f"| {tag}`weight_hh` | {G * H} × {H}{per} | {_n(layer.weight_hh * count.directions)} |",
            f"| {tag}`bias_ih` + `bias_hh` | 2 × {G * H}{per} | {_n(2 * layer.bias * count.directions)} |",
        ]
    rows.append(f"| **total (PyTorch)** | | **{_n(count.pytorch)}** |")
    why = prompts.render(
        prompts.PARAMS_WHY,
        cell=CELL_NAME[count.cell],
        gates=G,
        plural="s" if G > 1 else "",
        order=GATE_ORDER[count.cell],
    )
    parts = [lead, "\n".join(rows), why]
    return "\n\n".join(parts)


# --- a factor applied at every step: what the lesson's fading and exploding come down to --
_POWER = re.compile(
    r"(?<![\w.])(\d*\.?\d+)\s*(?:\^|\*\*|to the (?:power|pow)(?: of)?)\s*(\d+)\b", re.I
)
_HELD = re.compile(
    r"(?<![\w.])(\d*\.\d+|\d+)\s*(?:held|kept|applied|multiplied|for|over|per step)"
    r"(?:\s+\w+){0,3}?\s+(?:for\s+|over\s+)?(\d+)\s+steps?\b",
    re.I,
)
_UNTIL = re.compile(
    r"(?<![\w.])(\d*\.\d+)\b.*?\bhow many steps\b.*?(?:under|below|less than)\s*(\d+(?:\.\d+)?)\s*(%|percent)?",
    re.I,
)


def power_request(text: str) -> dict[str, Any] | None:
    """``{"factor", "steps"}`` for "0.9^50", "keep dial 0.95 held for 100 steps", or
    ``{"factor", "below"}`` for "0.8 per step, how many steps until under 1%"; else None."""
    text = text or ""
    m = _UNTIL.search(text)
    if m:
        below = float(m.group(2)) / (100 if m.group(3) or float(m.group(2)) >= 1 else 1)
        factor = float(m.group(1))
        if 0 < factor < 1 and 0 < below < 1:
            return {"factor": factor, "below": below}
    m = _POWER.search(text) or _HELD.search(text)
    if m:
        factor, steps = float(m.group(1)), int(m.group(2))
        if 0 < factor <= 10 and 1 <= steps <= 100_000:
            return {"factor": factor, "steps": steps}
    return None


def render_power(factor: float, steps: int | None = None, below: float | None = None) -> str:
    """The exact number first, then what it means for a memory or a gradient."""
    import math

    if below is not None:
        n = math.ceil(math.log(below) / math.log(factor))
        return prompts.render(
            prompts.POWER_UNTIL, factor=f"{factor:g}", below=f"{below:.0%}" if below >= 0.01
            else f"{below:g}", steps=n, left=f"{factor**n:.4g}", before=f"{factor ** (n - 1):.4g}"
        )  # fmt: skip
    value = factor**steps
    shown = f"{value:.4g}" if value >= 1e-4 else f"{value:.3e}"
    meaning = (
        prompts.POWER_SHRINKS if factor < 1 else prompts.POWER_GROWS if factor > 1
        else prompts.POWER_STAYS
    )  # fmt: skip
    return prompts.render(
        prompts.POWER_LEAD, factor=f"{factor:g}", steps=steps, value=shown,
        meaning=prompts.render(meaning, pct=f"{100 * value:.2g}", times=f"{value:.3g}"),
    )  # fmt: skip


_VECTOR = re.compile(r"[(\[]\s*(-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+)\s*[)\]]")
_THRESHOLD = re.compile(
    r"(?:max(?:imum)?[ _]?norm|threshold|tau|τ|norm(?: of)?|clip\w*(?: \w+){0,3} to|"
    r"[)\]]\s*(?:to|at))"
    r"\s*(?:=|of|is)?\s*(\d+(?:\.\d+)?)",
    re.I,
)


def clip_request(text: str) -> dict[str, Any] | None:
    """``{"gradient": [...], "threshold": t}`` for "clip g=(6,8) with max norm 1"; else None."""
    if not re.search(r"\bclip", text or "", re.I):
        return None
    vector, threshold = _VECTOR.search(text), _THRESHOLD.search(text)
    if not vector or not threshold:
        return None
    values = [float(x) for x in vector.group(1).split(",")]
    t = float(threshold.group(1))
    return {"gradient": values, "threshold": t} if t > 0 and len(values) <= 16 else None


def render_clip(gradient: list[float], threshold: float) -> str:
    """Norm clipping worked out: the norm, whether it is over the threshold, the result."""
    import math

    def vec(v: list[float]) -> str:
        return "(" + ", ".join(f"{x:.4g}" for x in v) + ")"

    norm = math.sqrt(sum(x * x for x in gradient))
    if norm <= threshold:
        return prompts.render(
            prompts.CLIP_KEPT, g=vec(gradient), norm=f"{norm:.4g}", t=f"{threshold:g}"
        )
    factor = threshold / norm
    return prompts.render(
        prompts.CLIP_SCALED, g=vec(gradient), norm=f"{norm:.4g}", t=f"{threshold:g}",
        factor=f"{factor:.4g}", result=vec([x * factor for x in gradient]),
    )  # fmt: skip
