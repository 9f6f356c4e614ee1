"""Exact computations the learner asks for: parameter counts of RNN, LSTM and GRU layers.

``parameter_request(text)`` reads a question such as "how many weights does an lstm with
10 inputs and 20 hidden units have?" or "params in nn.GRU(32, 64, num_layers=2)?" into
the arguments of ``tools.params.parameter_count`` (None when the message does not ask
for a count). ``render(count, ...)`` writes the answer: the number first, in PyTorch's
layout and in the lesson's one-bias convention, then the shapes that add up to it.
The numbers come from ``tools.params``; nothing here does arithmetic on its own.

The other calculators follow the same pattern, a ``*_request(text)`` that returns the
arguments of one lab tool or None, and a ``render_*`` that leads with the exact number:
``power_request`` / ``render_power`` (a factor per step, or two compared), ``clip_request``
/ ``render_clip``, ``derivative_request`` / ``render_derivative`` (dh_j/dh_{j-1} = w(1 - h_j^2)),
``chain_request`` / ``render_chain`` (that product over steps, or its bound |w|^steps),
``difference_request`` / ``render_difference`` (two cells' counts), ``mlp_request`` /
``render_mlp`` (an MLP's first layer over a window) and ``bias_request`` / ``render_bias``.
``calculator_call(text)`` tries them most specific first and names the tool to call.
"""

from __future__ import annotations

import re
from typing import Any

from assistant import prompts
from tools.params import GATES, DenseCount, ParamCount

LESSON_SIZES = {"input_size": 50, "hidden_size": 128}  # the lesson's worked example
GATE_ORDER = {"rnn": "", "gru": " (r, z, n)", "lstm": " (i, f, g, o)"}
CELL_NAME = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}

_COUNT = re.compile(
    r"(?:\b(?:how\s+many|number\s+of|no\.?\s+of|count(?:ing)?|total)|#)\s*(?:\w+\s+){0,3}?"
    r"(?:param(?:eter)?s?|weights?|trainable)\b|\bparam(?:eter)?\s*count\b|\bparams?\s+in\b",
    re.I,
)
# nn.LSTM(50, 128), torch.nn.GRU(50,128), LSTM(input_size=50, hidden_size=128)
_TORCH = re.compile(
    r"\b(?:nn\.)?(rnn|lstm|gru)\s*\(\s*(?:input_size\s*=\s*)?(\d[\d_]*)\s*,"
    r"\s*(?:hidden_size\s*=\s*)?(\d[\d_]*)",
    re.I,
)
# "want to swap to nn.LSTM", "replace the rnn with a gru", "use a gru instead": the target
_SWAP = re.compile(
    r"\b(?:swap\w*|switch\w*|chang\w*|mov(?:e|ed|ing)|go(?:ing)?|convert\w*|replac\w*|"
    r"upgrad\w*|turn\w*)(?:\s+\S+){0,4}?\s+(?:to|with|for|into|by)\s+(?:an?\s+|the\s+)?"
    r"(?:torch\.)?(?:nn\.)?(lstm|gru|rnn)s?\b|\b(?:nn\.)?(lstm|gru|rnn)s?\s+instead\b",
    re.I,
)
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


def _first(
    patterns: tuple[re.Pattern[str], ...], text: str, taken: tuple[int, int] | None = None
) -> int | None:
    """The number the first matching pattern labels, skipping the number at ``taken`` (the
    span another size already claimed: in "input 32 hidden 64", 32 is not the hidden size)."""
    span = _first_span(patterns, text, taken)
    return _int(text[span[0] : span[1]]) if span else None


def _first_span(
    patterns: tuple[re.Pattern[str], ...], text: str, taken: tuple[int, int] | None = None
) -> tuple[int, int] | None:
    for pattern in patterns:
        for m in pattern.finditer(text):
            if m.span(1) != taken:
                return m.span(1)
    return None


def _sizes(text: str) -> dict[str, int | None]:
    """Input and hidden size as labelled in ``text`` (a number labels one of them only)."""
    span = _first_span(_INPUT, text)
    hidden = _first(_HIDDEN, text, taken=span)
    return {"input_size": _int(text[span[0] : span[1]]) if span else None, "hidden_size": hidden}


def swap_target(text: str) -> str | None:
    """The cell a message moves to ("swap to nn.LSTM", "a gru instead"), or None."""
    m = _SWAP.search(text or "")
    return (m.group(1) or m.group(2)).lower() if m else None


def parameter_request(text: str) -> dict[str, Any] | None:
    """The ``parameter_count`` arguments a message asks for, or None.

    ``defaults`` lists the sizes taken from the lesson because the message gave none.
    """
    text = text or ""
    target = swap_target(text)
    built = list(_TORCH.finditer(text))
    # a swap ("nn.RNN(50, 128) ... swap to nn.LSTM") keeps the sizes, with the target cell
    torch = next((m for m in built if m.group(1).lower() == target), built[0] if built else None)
    if not (_COUNT.search(text) or (torch and re.search(r"\bparam|\bweights?\b", text, re.I))):
        return None
    cell_word = _CELL.search(text)
    cell = (torch.group(1) if torch else cell_word.group(1) if cell_word else "rnn").lower()
    cell = target or (cell if cell in GATES else "rnn")  # elman, vanilla
    sizes: dict[str, int] = {}
    if torch:
        sizes = {"input_size": _int(torch.group(2)), "hidden_size": _int(torch.group(3))}
    else:
        found = _sizes(text)
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
    r"(?<![\w.])(\d*\.\d+|\d+)\s*(held|kept|applied|multiplied|for|over|per step)"
    r"(?:\s+\w+){0,3}?\s+(?:for\s+|over\s+)?(\d+)\s+steps?\b",
    re.I,
)
_UNTIL = re.compile(
    r"(?<![\w.])(\d*\.\d+)\b.*?\bhow many steps\b.*?(?:under|below|less than)\s*(\d+(?:\.\d+)?)\s*(%|percent)?",
    re.I,
)


# "the forget gate is like 0.5 every step ... after 10 steps"; "50% each step"
_EVERY = re.compile(
    r"(?<![\w.])(\d*\.\d+|\d+(?:\.\d+)?\s*%)(?:\s+\w+){0,4}?\s*(?:at\s+|on\s+)?"
    r"(?:every|each|per|a)\s+(?:single\s+)?(?:time[-\s]?)?step\b",
    re.I,
)
# "0.99 instead of 0.9 for 50 steps", "0.95 vs 0.9 over 100 steps"
_INSTEAD = re.compile(
    r"(?<![\w.])(\d*\.\d+)\s*(?:instead\s+of|rather\s+than|vs\.?|versus|"
    r"compared\s+(?:to|with)|and\s+not)\s+(?:the\s+|a\s+)?(\d*\.\d+)(?![\w.])",
    re.I,
)
# "every step multiplies the gradient by 0.9", "each step scales it by 0.8"
_BY_FACTOR = re.compile(
    r"\b(?:multipl\w*|scal\w*|shrinks?|times)\s+(?:\w+\s+){0,3}?by\s+(\d*\.\d+|\d+(?:\.\d+)?\s*%)"
    r"(?![\w.])",
    re.I,
)
_STEP_COUNT = re.compile(r"(?<![\w.])(\d+)\s+(?:time[-\s]?)?steps?\b", re.I)


def _factor(raw: str) -> float:
    return float(raw.rstrip("% ")) / 100 if raw.endswith("%") else float(raw)


def _steps_in(text: str) -> int | None:
    m = _STEP_COUNT.search(text)
    return int(m.group(1)) if m else None


def power_request(text: str) -> dict[str, Any] | None:
    """``{"factor", "steps"}`` for "0.9^50", "keep dial 0.95 held for 100 steps", "0.5 every
    step, how much is left after 10 steps"; ``{"factor", "steps", "compare"}`` for "0.99
    instead of 0.9 for 50 steps" or "0.99^50 vs 0.9^50"; ``{"factor", "below"}`` for "0.8 per
    step, how many steps until under 1%"; else None."""
    text = text or ""
    m = _UNTIL.search(text)
    if m:
        below = float(m.group(2)) / (100 if m.group(3) or float(m.group(2)) >= 1 else 1)
        factor = float(m.group(1))
        if 0 < factor < 1 and 0 < below < 1:
            return {"factor": factor, "below": below}
    found = _compared_factors(text) or _one_factor(text)
    if found is None:
        return None
    factors, steps = found
    if not (all(0 < f <= 10 for f in factors) and 1 <= steps <= 100_000):
        return None
    if len(factors) == 2:
        return {"factor": factors[0], "steps": steps, "compare": factors[1]}
    return {"factor": factors[0], "steps": steps}


def _compared_factors(text: str) -> tuple[list[float], int] | None:
    """Two factors over the same steps: "0.99 instead of 0.9 for 50 steps", "0.99^50 vs 0.9^50"."""
    powers = list(_POWER.finditer(text))
    if len(powers) >= 2 and powers[0].group(2) == powers[1].group(2):
        pair = [float(powers[0].group(1)), float(powers[1].group(1))]
        return (pair, int(powers[0].group(2))) if pair[0] != pair[1] else None
    m = _INSTEAD.search(text)
    steps = _steps_in(text)
    if m and steps is not None and float(m.group(1)) != float(m.group(2)):
        return [float(m.group(1)), float(m.group(2))], steps
    return None


def _held(text: str) -> re.Match[str] | None:
    """ "0.95 held for 100 steps"; a whole number only with a verb ("2 applied over 10
    steps"), since "use 2 layers instead of 1 for 50 steps" holds no factor."""
    for m in _HELD.finditer(text):
        if "." in m.group(1) or m.group(2).lower() not in ("for", "over"):
            return m
    return None


def _one_factor(text: str) -> tuple[list[float], int] | None:
    m = _POWER.search(text)
    if m:
        return [float(m.group(1))], int(m.group(2))
    m = _held(text)
    if m:
        return [float(m.group(1))], int(m.group(3))
    # "h=0.6 at each step" is a tanh output, and "w = 0.9 every step" a weight: not a factor
    symbols = {m.start(1) for pattern in (_H, _W) for m in pattern.finditer(text)}
    m = next((m for m in _EVERY.finditer(text) if m.start(1) not in symbols), None)
    steps = _steps_in(text[m.end() :] + " " + text[: m.start()]) if m else None
    if m and steps is not None:
        return [_factor(m.group(1))], steps
    m = _BY_FACTOR.search(text)
    steps = _steps_in(text[m.end() :] + " " + text[: m.start()]) if m else None
    if m and steps is not None and re.search(r"\b(?:every|each|per)\b", text, re.I):
        return [_factor(m.group(1))], steps
    return None


def _shown(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-4 else f"{value:.3e}"


def render_power(
    factor: float,
    steps: int | None = None,
    below: float | None = None,
    compare: float | None = None,
) -> str:
    """The exact number first, then what it means for a memory or a gradient."""
    import math

    if below is not None:
        n = math.ceil(math.log(below) / math.log(factor))
        return prompts.render(
            prompts.POWER_UNTIL, factor=f"{factor:g}", below=f"{below:.0%}" if below >= 0.01
            else f"{below:g}", steps=n, left=f"{factor**n:.4g}", before=f"{factor ** (n - 1):.4g}"
        )  # fmt: skip
    value = factor**steps
    if compare is not None:
        return _render_compared(factor, compare, steps, value, compare**steps)
    meaning = (
        prompts.POWER_SHRINKS if factor < 1 else prompts.POWER_GROWS if factor > 1
        else prompts.POWER_STAYS
    )  # fmt: skip
    return prompts.render(
        prompts.POWER_LEAD, factor=f"{factor:g}", steps=steps, value=_shown(value),
        meaning=prompts.render(meaning, pct=f"{100 * value:.2g}", times=f"{value:.3g}"),
    )  # fmt: skip


POWER_COMPARED = (
    "{a}^{n} = **{va}** vs {b}^{n} = **{vb}**: over {n} steps a signal multiplied by {a} at "
    "every step {fate_a}, one multiplied by {b} {fate_b}. A small change per step, compounded "
    "{n} times, is a {ratio}-fold difference."
)


def _fate(value: float) -> str:
    if value < 1:
        return f"keeps about {100 * value:.2g} % of itself"
    return f"grows about {value:.3g} times" if value > 1 else "stays exactly as it is"


def _render_compared(a: float, b: float, steps: int, va: float, vb: float) -> str:
    return prompts.render(
        POWER_COMPARED, a=f"{a:g}", b=f"{b:g}", n=steps, va=_shown(va), vb=_shown(vb),
        fate_a=_fate(va), fate_b=_fate(vb), ratio=f"{max(va, vb) / min(va, vb):.3g}",
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


# --- the gradient through time in one dimension: dh_j/dh_{j-1} = w (1 - h_j^2) ------------
_REAL = r"([-−]?(?:\d+(?:\.\d+)?|\.\d+))(?![\d.]*\d)"
_SEP = r"(?:\s*(?:=|:|\bis\b|\bof\b|\bwas\b|\bequals?\b)\s*|\s+)"
# w, w_h, w_hh, W_{hh}, whh, "recurrent weight" (not W_xh, not "w/ 1,000 inputs")
_W = re.compile(rf"(?<![\w.])(?:w(?:_?[{{(]?hh?[}})]?)?|recurrent\s+weight){_SEP}{_REAL}", re.I)
# h, h_j, h_t, h_{j}, "hidden state" (not h_{j-1}: the slope needs the step's own output)
_H = re.compile(
    rf"(?<![\w.])(?:h(?:_?[{{(]?[jt][}})]?)?|hidden\s+state|tanh\s+output){_SEP}{_REAL}", re.I
)
_DERIVATIVE = re.compile(
    r"\bderivatives?\b|∂\s*h|\bd\s*h\s*_?\s*[{(]?[jt]\b|\bjacobians?\b|"
    r"\blocal\s+(?:gradient|factor|slope)s?\b|\bslope\b",
    re.I,
)
_GRADIENT = re.compile(
    r"\bgradients?\b|\bderivatives?\b|\bjacobians?\b|\bproduct\b|\bfactors?\b|\bbackprop\w*|"
    r"\bbptt\b|∂\s*h|\bd\s*h\s*_?\s*[{(]?[jt]\b",
    re.I,
)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "a": 1, "single": 1}  # fmt: skip
_STEPS = re.compile(
    r"(?<![\w.])(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|single)[-\s]+"
    r"(?:time[-\s]?)?steps?\b",
    re.I,
)


def _real(raw: str) -> float:
    return float(raw.replace("−", "-"))


def _symbol(pattern: re.Pattern[str], text: str) -> float | None:
    m = pattern.search(text)
    return _real(m.group(1)) if m else None


def _step_count(text: str) -> int | None:
    m = _STEPS.search(text)
    if not m:
        return None
    raw = m.group(1).lower()
    return _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)


def derivative_request(text: str) -> dict[str, Any] | None:
    """``{"w", "h"}`` for one step's local derivative in a 1-D tanh RNN: "h_j = 0.5 and
    w = 0.8, whats dh_j/dh_(j-1)", "local derivative when h is 0.6 and w_h 0.9"; else None
    (no derivative asked, w or h missing, |h| > 1, or several steps: ``chain_request``)."""
    text = text or ""
    if not _DERIVATIVE.search(text):
        return None
    w, h, steps = _symbol(_W, text), _symbol(_H, text), _step_count(text)
    if w is None or h is None or abs(h) > 1 or abs(w) > 100 or (steps or 1) != 1:
        return None
    return {"w": w, "h": h}


def chain_request(text: str) -> dict[str, Any] | None:
    """``{"w", "h", "steps"}`` for the product of the local derivatives over several steps of
    a 1-D tanh RNN: "gradient through 3 steps, w=0.9, h=0.6 at each step"; ``h`` is None
    when no h is given ("w = 1.1, how big can the gradient factor get after 30 steps"): then
    the answer is the bound |w|^steps. None without w, a step count of 2 or more, or a word
    about gradients."""
    text = text or ""
    if not _GRADIENT.search(text):
        return None
    w, h, steps = _symbol(_W, text), _symbol(_H, text), _step_count(text)
    if w is None or steps is None or not 2 <= steps <= 100_000 or abs(w) > 100:
        return None
    if h is not None and abs(h) > 1:
        return None
    return {"w": w, "h": h, "steps": steps}


def _g(x: float) -> str:
    """A number as typed (0.8, 1.2, -0.5), with a real minus sign."""
    return f"{x:.6g}".replace("-", "−")


def _sq(x: float) -> str:
    return f"({_g(x)})²" if x < 0 else f"{_g(x)}²"


def local_derivative(w: float, h: float) -> float:
    """dh_j/dh_{j-1} of h_j = tanh(w h_{j-1} + ...) in one dimension: w (1 - h_j^2)."""
    return w * (1 - h * h)


DERIVATIVE_LEAD = (
    "dh_j/dh_{{j−1}} = w(1 − h_j²) = {w} × (1 − {h2}) = **{value}**. The tanh slope "
    "1 − h_j² = {slope} is at most 1 (exactly 1 at h_j = 0), so one step's factor is never "
    "bigger than |w| = {abs_w}; the more saturated the unit, the smaller it gets."
)
CHAIN_LEAD = (
    "The product of the {n} local derivatives is (w(1 − h²))^{n} = ({w} × (1 − {h2}))^{n} = "
    "{f}^{n} = **{value}**. {fate}"
)
CHAIN_BOUND = (
    "After {n} steps the gradient factor is at most {abs_w}^{n} = **{value}** in size: each "
    "step multiplies by w(1 − h_j²), and the tanh slope 1 − h_j² is at most 1 (equal to 1 "
    "only when h_j = 0), so no step's factor exceeds |w| = {abs_w}. {fate}"
)


def render_derivative(w: float, h: float) -> str:
    """One step's local derivative worked out, then what bounds it."""
    value = local_derivative(w, h)
    return prompts.render(
        DERIVATIVE_LEAD, w=_g(w), h2=_sq(h), value=_g(round(value, 12)),
        slope=_g(round(1 - h * h, 12)), abs_w=_g(abs(w)),
    )  # fmt: skip


def _chain_fate(factor: float, value: float, n: int) -> str:
    size = abs(factor)
    flips = " (its sign flips every step)" if factor < 0 else ""
    if size < 1:
        return (
            f"Each step multiplies the gradient by {_g(factor)}{flips}, less than 1 in size, "
            f"so it **vanishes**: after {n} steps about {100 * abs(value):.2g} % of it is left."
        )
    if size > 1:
        return (
            f"Each step multiplies the gradient by {_g(factor)}{flips}, more than 1 in size, so "
            f"it **explodes**: after {n} steps it is about {abs(value):.3g} times as big."
        )
    return f"Each step's factor is exactly 1 in size{flips}: it neither vanishes nor explodes."


def _bound_fate(w: float) -> str:
    if abs(w) < 1:
        return "With |w| < 1 the gradient **vanishes** whatever h_j is: nothing can make it bigger."
    if abs(w) > 1:
        return (
            "With |w| > 1 it **can explode**, though saturated units (h_j away from 0) pull "
            "it back."
        )
    return "With |w| = 1 it cannot grow, and any saturation makes it vanish."


def render_chain(w: float, steps: int, h: float | None = None) -> str:
    """The product of ``steps`` local derivatives (the same h at every step), or, without h,
    its largest possible size |w|^steps; then whether it vanishes or explodes."""
    if h is None:
        bound = abs(w) ** steps
        return prompts.render(
            CHAIN_BOUND, n=steps, abs_w=_g(abs(w)), value=_shown(bound), fate=_bound_fate(w)
        )
    factor = round(local_derivative(w, h), 12)
    value = factor**steps
    base = f"({_g(factor)})" if factor < 0 else _g(factor)
    shown = _shown(value)
    return prompts.render(
        CHAIN_LEAD, n=steps, w=_g(w), h2=_sq(h), f=base, fate=_chain_fate(factor, value, steps),
        value="−" + shown[1:] if shown.startswith("-") else shown,
    )  # fmt: skip


# --- comparing two layers' parameter counts ------------------------------------------------
_COMPARE = re.compile(
    r"\b(?:more|fewer|less|difference|differ\w*|bigger|larger|smaller|times|ratio|vs\.?|"
    r"versus|compared?|comparison|extra|additional|sav(?:e|es|ing)|gap|same)\b",
    re.I,
)
_COUNTED = re.compile(r"\bparam(?:eter)?s?\b|\bweights?\b", re.I)
_SIZED_COMPARE = re.compile(r"\b(?:bigger|larger|smaller|heavier)\b", re.I)
_FEWER = re.compile(r"\b(?:fewer|less|smaller|sav(?:e|es|ing))\b", re.I)
_RATIO = re.compile(
    r"\bhow\s+many\s+times\b|\bratio\b|\btimes\s+(?:more|bigger|larger|as\s+(?:many|big))\b",
    re.I,
)
_WHY = re.compile(r"\bwhy\b|\bhow\s+come\b", re.I)
# "which one trains quicker and has less params": more than a count, for the lesson to answer
_MORE_THAN_A_COUNT = re.compile(
    r"\b(?:train\w*|faster|quicker|slower|better|worse|accura\w*|remember\w*|memory|learn\w*)\b",
    re.I,
)


def _cells(text: str) -> list[str]:
    """The recurrent cells a message names, in order, each once (elman, vanilla: rnn)."""
    found = [m.group(1).lower() for m in _CELL.finditer(text)]
    return list(dict.fromkeys(c if c in GATES else "rnn" for c in found))


def _layer_sizes(text: str) -> dict[str, Any]:
    """Input and hidden size, layers and directions as ``parameter_request`` reads them."""
    built = _TORCH.search(text)
    if built:
        sizes = {"input_size": _int(built.group(2)), "hidden_size": _int(built.group(3))}
    else:
        found = _sizes(text)
        sizes = {k: v for k, v in found.items() if v is not None}
    layers = _LAYERS.search(text)
    num_layers = 1
    if layers:
        raw = next(g for g in layers.groups() if g)
        num_layers = _WORDS.get(raw.lower()) or int(raw)
    return {
        **LESSON_SIZES,
        **sizes,
        "num_layers": num_layers,
        "bidirectional": bool(_BIDIRECTIONAL.search(text)),
        "defaults": sorted(set(LESSON_SIZES) - set(sizes)),
    }


def difference_request(text: str) -> dict[str, Any] | None:
    """``{"first", "second", "input_size", "hidden_size", "num_layers", "bidirectional",
    "one_bias", "ratio", "defaults"}`` for "for d=50 H=128 how many more params does an lstm
    have than a gru", "how many times more weights does an lstm have than an rnn"; else None.

    ``first`` is the bigger cell unless the message asks for fewer ("how many params does a
    gru save over an lstm"); ``ratio`` asks "how many times". Two different cells and a
    count word are needed; "why" questions are explanations, not sums.
    """
    text = text or ""
    cells = _cells(text)
    if len(cells) != 2 or not _COMPARE.search(text):
        return None
    if _WHY.search(text) or _MORE_THAN_A_COUNT.search(text):
        return None
    sizes = _layer_sizes(text)
    if not _COUNTED.search(text) and not (
        _SIZED_COMPARE.search(text) and len(sizes["defaults"]) < 2
    ):
        return None
    first, second = sorted(cells, key=GATES.__getitem__, reverse=not _FEWER.search(text))
    return {
        "first": first,
        "second": second,
        **sizes,
        "one_bias": bool(_ONE_BIAS.search(text)),
        "ratio": bool(_RATIO.search(text)),
    }


def _a(cell: str, capital: bool = True) -> str:
    word = ("An " if capital else "an ") if cell in ("rnn", "lstm") else ("A " if capital else "a ")
    return word + CELL_NAME[cell]


_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}
DIFFERENCE_LEAD = (
    "{what} with input size {d} and hidden size {H}{stack} has **{diff} {word} parameters** "
    "than {other} of the same size: {a} − {b} {convention}{share}. {why}"
)
# every gate block has the same size, so the counts stand in the ratio of the block counts
SHARES = {(3, 4): "three quarters", (1, 4): "a quarter", (1, 3): "a third"}
RATIO_LEAD = (
    "{what} with input size {d} and hidden size {H}{stack} has **{ratio} times** as many "
    "parameters as {other} of the same size: {first} / {second} {convention}, {diff} {word}. "
    "{why}"
)
PYTORCH_CONVENTION = "in PyTorch's layout (two bias vectors per gate block)"
ONE_BIAS_CONVENTION = "with one bias vector per gate block, as the lesson's equations write it"


def render_difference(
    first: ParamCount, second: ParamCount, one_bias: bool = False, ratio: bool = False
) -> str:
    """How many more (or fewer) parameters ``first`` has than ``second``, or how many times
    as many; the lead in one bias convention, the other convention after it."""
    G1, G2 = GATES[first.cell], GATES[second.cell]
    a, b = (first.one_bias, second.one_bias) if one_bias else (first.pytorch, second.pytorch)
    other_a, other_b = (
        (first.pytorch, second.pytorch) if one_bias else (first.one_bias, second.one_bias)
    )
    blocks = abs(G1 - G2)
    d, H = _n(first.input_size), _n(first.hidden_size)
    where = f" of {H} × ({d} + {H}) weights plus biases"
    if first.num_layers > 1 or first.bidirectional:
        where = " in every layer" + (" and direction" if first.bidirectional else "")
    other = "PyTorch's two biases" if one_bias else "one bias per gate block"
    why = (
        f"The gap is {_COUNT_WORDS[blocks]} gate block{'s' if blocks > 1 else ''}{where}; "
        f"with {other} it is {_n(max(other_a, other_b))} − {_n(min(other_a, other_b))} = "
        f"{_n(abs(other_a - other_b))}."
    )
    stack = ""
    if first.num_layers > 1:
        stack += f", {first.num_layers} stacked layers"
    if first.bidirectional:
        stack += ", bidirectional"
    values = {
        "what": _a(first.cell), "other": _a(second.cell, capital=False),
        "d": _n(first.input_size), "H": _n(first.hidden_size), "stack": stack,
        "a": _n(max(a, b)), "b": _n(min(a, b)), "diff": _n(abs(a - b)),
        "word": "more" if a >= b else "fewer",
        "convention": ONE_BIAS_CONVENTION if one_bias else PYTORCH_CONVENTION, "why": why,
    }  # fmt: skip
    share = SHARES.get((min(G1, G2), max(G1, G2)))
    small = _a(first.cell if a < b else second.cell, capital=False)
    big = (first.cell if a >= b else second.cell).upper()
    values["share"] = f", so {small} has {share} of the {big}'s parameters" if share else ""
    if ratio:
        return prompts.render(RATIO_LEAD, ratio=f"{a / b:.4g}", first=_n(a), second=_n(b), **values)
    return prompts.render(DIFFERENCE_LEAD, **values)


# --- an MLP's first layer over a window of word vectors (and the RNN that replaces it) -----
_MLP = re.compile(
    r"\bmlps?\b|\bfeed[-\s]?forward\b|\bfully[-\s]connected\b|\bdense\s+(?:layer|net\w*)\b|"
    r"\bperceptrons?\b|\bwindow\b.*\bfirst\s+layer\b|\bfirst\s+layer\b.*\bwindow\b",
    re.I,
)
_ASKS_COUNT = re.compile(
    r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|\bparam(?:eter)?s?\b|\bweights?\b", re.I
)
_WINDOW = (
    re.compile(rf"(?<![\w.]){_NUM}[-\s]*(?:words?|tokens?)\b", re.I),
    re.compile(rf"\bwindow\s+(?:of\s+|size\s*(?:=|of|:)?\s*|length\s*(?:=|of|:)?\s*)?{_NUM}", re.I),
)  # fmt: skip
_EMBEDDING = (
    re.compile(rf"(?<![\w.]){_NUM}[-\s]*(?:d\b|dims?\b|dimension\w*|dimensional\b)", re.I),
    re.compile(
        rf"\b(?:embeddings?|word\s+vectors?|vectors?)\s+(?:of\s+)?(?:size|dim\w*|width)?\s*"
        rf"(?:=|of|:)?\s*{_NUM}",
        re.I,
    ),
    re.compile(rf"\b(?:d|embedding_dim|embedding_size)\s*=\s*{_NUM}", re.I),
)
_BY = re.compile(rf"(?<![\w.]){_NUM}\s*[x×*]\s*{_NUM}(?![\w.])", re.I)
_UNITS = (
    re.compile(rf"(?<![\w.]){_NUM}\s*(?:hidden\s+)?(?:units?|neurons?|nodes?)\b", re.I),
    re.compile(
        rf"\b(?:units?|neurons|nodes|width|hidden(?:\s+(?:size|units?|layer))?)\s*(?:=|of|:)\s*"
        rf"{_NUM}",
        re.I,
    ),
    re.compile(rf"(?<![\w.]){_NUM}\s+hidden\b", re.I),
)
_TWO_BIASES = re.compile(r"\bpytorch\b|\btwo\s+bias|\bnn\.(?:rnn|lstm|gru)\b", re.I)


def mlp_request(text: str) -> dict[str, Any] | None:
    """``{"window", "embedding_size", "units", "rnn_cell", "rnn_hidden", "one_bias"}`` for
    "mlp first layer, 20 words x 100 dims in, 64 units, how many params"; ``rnn_cell`` and
    ``rnn_hidden`` are None unless it also asks about a recurrent layer ("and vs a plain
    rnn (one bias) with 256 hidden?"), whose input is one word vector per step. None
    without an MLP, a count word, and the window, vector size and units."""
    text = text or ""
    if not _MLP.search(text) or not _ASKS_COUNT.search(text):
        return None
    rnn = _CELL.search(text)
    mlp_part = text[: rnn.start()] if rnn else text
    window, embedding = _first(_WINDOW, mlp_part), _first(_EMBEDDING, mlp_part)
    by = _BY.search(mlp_part)
    if by and (window is None or embedding is None):
        window, embedding = _int(by.group(1)), _int(by.group(2))
    units = _first(_UNITS, mlp_part)
    if window is None or embedding is None or units is None:
        return None
    rnn_cell, rnn_hidden = None, None
    if rnn:
        name = rnn.group(1).lower()
        rnn_cell = name if name in GATES else "rnn"
        rnn_hidden = _first(_HIDDEN, text[rnn.start() :]) or units
    return {
        "window": window,
        "embedding_size": embedding,
        "units": units,
        "rnn_cell": rnn_cell,
        "rnn_hidden": rnn_hidden,
        "one_bias": not _TWO_BIASES.search(text[rnn.start() :] if rnn else ""),
    }


MLP_LEAD = (
    "The MLP's first layer has **{total} parameters**: {window} words × {E} numbers = {inputs} "
    "inputs, each wired to all {units} units, so {inputs} × {units} = {weights} weights, plus "
    "{units} biases (one per unit)."
)
MLP_MORE = "Every extra word in the window adds {E} × {units} = {per} weights."
MLP_VS_RNN = (
    "{what} with {H} hidden units reading the same {E}-number vectors one word at a time has "
    "**{first}** {convention} ({sum}; {second} {other_name}), whatever the sentence length: "
    "the MLP's layer is about {ratio} times {size}."
)


def render_mlp(dense: DenseCount, rnn: ParamCount | None = None, one_bias: bool = True) -> str:
    """The MLP's first-layer count (weights and biases), then the recurrent layer's if asked."""
    lead = prompts.render(
        MLP_LEAD, total=_n(dense.total), window=_n(dense.window), E=_n(dense.embedding_size),
        inputs=_n(dense.inputs), units=_n(dense.units), weights=_n(dense.weights),
    )  # fmt: skip
    more = prompts.render(
        MLP_MORE, E=_n(dense.embedding_size), units=_n(dense.units),
        per=_n(dense.embedding_size * dense.units),
    )  # fmt: skip
    if rnn is None:
        return f"{lead} {more}"
    G, H, E = GATES[rnn.cell], rnn.hidden_size, rnn.input_size
    first, second = (rnn.one_bias, rnn.pytorch) if one_bias else (rnn.pytorch, rnn.one_bias)
    bias = f"{_n(G * H)}" if one_bias else f"2 × {_n(G * H)}"
    ratio = dense.total / first
    plain = "A plain RNN" if rnn.cell == "rnn" else _a(rnn.cell)
    vs = prompts.render(
        MLP_VS_RNN, what=plain, H=_n(H), E=_n(E), first=_n(first),
        convention="with one bias" if one_bias else "in PyTorch's layout",
        sum=f"{_n(G * H)} × {_n(E)} + {_n(G * H)} × {_n(H)} + {bias}",
        other_name="with PyTorch's two biases" if one_bias else "with one bias",
        second=_n(second), ratio=f"{max(ratio, 1 / ratio):.3g}",
        size="bigger" if ratio >= 1 else "smaller",
    )  # fmt: skip
    return f"{lead}\n\n{vs}"


# --- the biases alone: PyTorch's two bias vectors per gate block ------------------------------
_BIAS_COUNTED = re.compile(
    r"\b(?:how\s+many|number\s+of|count\s+of|total)\s+(?:\w+\s+){0,2}?bias(?:es)?\b|"
    r"\bbias(?:es)?\s+(?:param\w*|terms?|values?|numbers|entries|weights)\b.*"
    r"\b(?:how\s+many|number|count|total)\b|"
    r"\b(?:how\s+many|number\s+of|count\s+of)\b.*\bbias(?:es)?\s+(?:param\w*|terms?|values?|"
    r"numbers|entries)\b",
    re.I,
)
_BIAS_EXTRA = re.compile(
    r"\b(?:two|2|both|second|extra|additional|double)\s+(?:\w+\s+)?bias(?:es)?\b.*?"
    r"\b(?:add|adds|added|cost|costs|contribute|bring|give|make)\b|"
    r"\b(?:extra|additional|second)\s+(?:\w+\s+){0,2}?bias|\bbias_hh\b.*\badds?\b|"
    r"\b(?:extra|additional)\b.*\b(?:two|2|second|both)\s+bias",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\b|\bnumber\s+of\b|\bcount\b", re.I)


def bias_request(text: str) -> dict[str, Any] | None:
    """``{"cell", "hidden_size", "num_layers", "bidirectional", "extra", "one_bias",
    "defaults"}`` for "how many bias params does an lstm with 20 hidden units have in
    pytorch" (``extra`` False: all biases) or "how many extra numbers do pytorch's two
    biases add to a gru with hidden size 128" (``extra`` True: the second bias vector);
    else None. It needs the biases to be what is counted, and a cell."""
    text = text or ""
    if _WHY.search(text) or not _HOW_MANY.search(text):
        return None
    extra = bool(_BIAS_EXTRA.search(text))
    if not extra and not _BIAS_COUNTED.search(text):
        return None
    built = _TORCH.search(text)
    cells = _cells(text)
    if not built and not cells:
        return None
    sizes = _layer_sizes(text)
    return {
        "cell": built.group(1).lower() if built else cells[0],
        "hidden_size": sizes["hidden_size"],
        "num_layers": sizes["num_layers"],
        "bidirectional": sizes["bidirectional"],
        "extra": extra,
        "one_bias": not extra and bool(_ONE_BIAS.search(text)),
        "defaults": [k for k in sizes["defaults"] if k == "hidden_size"],
    }


BIAS_EXTRA_LEAD = (
    "PyTorch's second bias vector adds **{extra} parameters** to {what} with hidden size {H}"
    "{stack}: `bias_hh` next to `bias_ih`, {G} gate block{plural} × {H} = {per} more numbers"
    "{copies}. The two are always added together, so it changes nothing the layer can compute; "
    "the lesson's equations write one bias."
)
BIAS_TOTAL_LEAD = (
    "{what} with hidden size {H}{stack} has **{total} bias parameters** {convention}: {how}"
    "{copies}. {other}; the biases do not depend on the input size."
)


def _copies(vectors: int, per: int, count: ParamCount, total: int) -> str:
    """ ", for each of the 2 layers: 2 × 80 × 2 = 320" when there is more than one layer or
    direction ("" otherwise)."""
    copies = count.num_layers * count.directions
    if copies == 1:
        return ""
    what = (
        f"the {count.num_layers} layers × 2 directions" if count.num_layers > 1 and count.bidirectional
        else f"the {count.num_layers} layers" if count.num_layers > 1 else "the 2 directions"
    )  # fmt: skip
    head = f"{vectors} × " if vectors > 1 else ""
    return f", for each of {what}: {head}{_n(per)} × {copies} = {_n(total)}"


def render_bias(count: ParamCount, extra: bool = False, one_bias: bool = False) -> str:
    """The bias count: the second vector's share (``extra``), or all of them."""
    G, H = GATES[count.cell], count.hidden_size
    per = G * H  # one bias vector of one layer in one direction
    one_vector, both = count.pytorch - count.one_bias, count.pytorch - count.no_bias
    stack = f", {count.num_layers} stacked layers" if count.num_layers > 1 else ""
    stack += ", bidirectional" if count.bidirectional else ""
    plural = "s" if G > 1 else ""
    if extra:
        return prompts.render(
            BIAS_EXTRA_LEAD, extra=_n(one_vector), what=_a(count.cell, capital=False),
            H=_n(H), stack=stack, G=G, plural=plural, per=_n(per),
            copies=_copies(1, per, count, one_vector),
        )  # fmt: skip
    block = f"{G} gate block{plural} × {_n(H)} = {_n(per)}"
    if one_bias:
        total, vectors, convention = one_vector, 1, "with one bias vector per gate block"
        how, other = f"one vector of {block}", f"PyTorch keeps two vectors, {_n(both)}"
    else:
        total, vectors, convention = both, 2, "in PyTorch"
        how = f"two vectors, `bias_ih` and `bias_hh`, of {block} each"
        other = "With one bias per gate block, as the lesson's equations write it, it has "
        other += _n(one_vector)
    return prompts.render(
        BIAS_TOTAL_LEAD, what=_a(count.cell), H=_n(H), stack=stack, total=_n(total),
        convention=convention, how=how, copies=_copies(vectors, per, count, total), other=other,
    )  # fmt: skip


# --- which calculator a message asks for ---------------------------------------------------
def calculator_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """The lab tool (its name and arguments) that computes what ``text`` asks, or None.

    The specific calculators come before the general ones: a difference, an MLP or a bias
    question also reads as a plain parameter count, and a gradient product over steps as
    a repeated factor. ``defaults`` (the sizes taken from the lesson) is not a tool
    argument; ``parameter_request(text)["defaults"]`` and the others still report it.
    """
    requests = (
        ("clip_gradient", clip_request),
        ("local_derivative", derivative_request),
        ("gradient_product", chain_request),
        ("parameter_difference", difference_request),
        ("mlp_parameters", mlp_request),
        ("bias_count", bias_request),
    )
    for name, request in requests:
        args = request(text)
        if args is not None:
            return name, {k: v for k, v in args.items() if k != "defaults"}
    params, power = parameter_request(text), power_request(text)
    if power is not None and params is None:
        return "repeated_factor", power
    if params is not None:
        keep = ("cell", "input_size", "hidden_size", "num_layers", "bidirectional", "one_bias")
        return "parameter_count", {k: params[k] for k in keep}
    return None
