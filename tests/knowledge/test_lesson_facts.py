"""Fact checks for the bundled lesson "Why sequences need memory" and its retrieval question set.

Pure Python (no model, no Chroma): the tests read the Markdown file directly and check the
front matter, length, the exact heading outline, the flashcard and glossary formats that
`knowledge.lessons` parses, and, most importantly, every number a learner will trust: the
worked-trace table, the worked lines, the practice tanh table and the practice solution are
recomputed with NumPy (full precision carried between steps, rounded half away from zero to
4 decimals). They also check that no sentence of the scraped seed page was copied verbatim
and that every section named in `knowledge/eval/questions.jsonl` exists in the lesson.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "knowledge" / "lessons" / "why-sequences-need-memory.md"
QUESTIONS = REPO / "knowledge" / "eval" / "questions.jsonl"
SEED = REPO.parent / "shared" / "seed" / "000_544b2030b0dcce2b.txt"

REQUIRED_HEADINGS = [
    "# Why sequences need memory",
    "## Where this lesson fits",
    "## Ordered data: when position carries meaning",
    "## Why a feedforward network struggles with sequences",
    "### Fixed input size",
    "### No memory of what came before",
    "### Nothing learned at one position transfers",
    "## The hidden state: a running memory",
    "### The update rule",
    "### Unrolling in time",
    "## A worked trace",
    "## One set of weights at every step",
    "## Where memory fades",
    "## Gates: what LSTMs and GRUs add",
    "### The LSTM",
    "### The GRU",
    "## Common mix-ups",
    "## What comes next: attention",
    "## Practice: trace the memory",
    "### Solution",
    "## Flashcards",
    "## Going deeper (optional)",
    "### The update rule in symbols",
    "### Training through time",
    "### Vanishing and exploding gradients",
    "### Gradient clipping",
    "### LSTM and GRU equations",
    "### PyTorch shapes and parameter counts",
    "### Practice with numbers",
    "#### Solution with numbers",
    "## Glossary",
]
CORE_END = "## Practice: trace the memory"  # the core runs from the title to the practice
CORE_MAX_WORDS = 2400  # about 9 minutes at a learner's reading speed


def round4(value: float) -> str:
    """Round half away from zero to 4 decimals, as the lesson promises."""
    return str(Decimal(float(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def split_lesson() -> tuple[dict, str]:
    text = LESSON.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, "lesson must start with a YAML front matter block fenced by '---' lines"
    return yaml.safe_load(match.group(1)), match.group(2)


def headings(body: str) -> list[str]:
    """Heading lines outside fenced code blocks."""
    out, fenced = [], False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6} ", line):
            out.append(line.rstrip())
    return out


def section_paths(body: str) -> set[str]:
    stack: list[str] = []
    paths = set()
    for line in headings(body):
        marks, title = line.split(" ", 1)
        stack = stack[: len(marks) - 1] + [title.strip()]
        paths.add(" > ".join(stack))
    return paths


def section_text(body: str, heading: str) -> str:
    """Text under `heading` up to the next heading of any level."""
    start = body.index(heading + "\n") + len(heading) + 1
    nxt = re.search(r"^#{1,6} ", body[start:], re.M)
    return body[start : start + nxt.start()] if nxt else body[start:]


def table_rows(text: str) -> list[list[str]]:
    """Data rows of every Markdown table in `text` (header and separator rows dropped)."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.strip().startswith("|")
    ]
    return [r for r in rows if not all(set(c) <= set("-: ") for c in r) and r[0][:1].isdigit()]


def param(text: str, name: str) -> float:
    match = re.search(r"\$" + re.escape(name) + r" = (-?[\d.]+)\$", text)
    assert match, f"parameter {name} not stated as '${name} = <number>$'"
    return float(match.group(1))


def inputs(text: str) -> list[float]:
    match = re.search(r"\$x = \[([^\]]+)\]\$", text)
    assert match, "input sequence not stated as '$x = [...]$'"
    return [float(v) for v in match.group(1).split(",")]


def rnn_trace(xs, w_x, w_h, b, h0):
    h, out = h0, []
    for x in xs:
        a = w_h * h + w_x * x + b
        h = float(np.tanh(a))
        out.append((a, h))
    return out


def check_trace(text: str, table_text: str) -> int:
    """Recompute the 1-d RNN described in `text`; compare table rows and worked lines."""
    w_x, w_h, b, h0 = (param(text, n) for n in ("w_x", "w_h", "b", "h_0"))
    xs = inputs(text)
    rows = [r for r in table_rows(table_text) if len(r) == 4]
    assert len(rows) == len(xs), "table must have one row per input"
    expected = rnn_trace(xs, w_x, w_h, b, h0)
    for t, (row, x, (a, h)) in enumerate(zip(rows, xs, expected, strict=True), start=1):
        assert int(row[0]) == t
        assert float(row[1]) == x
        assert row[2] == round4(a), f"step {t}: a_t is {round4(a)}, table says {row[2]}"
        assert row[3] == round4(h), f"step {t}: h_t is {round4(h)}, table says {row[3]}"
    lines = re.findall(
        r"\$a_(\d+) = .*?= (-?[\d.]+)\$, so \$h_\1 = \\tanh\(([\d.]+)\) = ([\d.]+)\$", text
    )
    assert len(lines) == len(xs), "one worked line per step"
    for t, a_shown, a_in, h_shown in lines:
        a, h = expected[int(t) - 1]
        assert a_shown == a_in == round4(a)
        assert h_shown == round4(h)
    return len(rows)


@pytest.fixture(scope="module")
def lesson() -> tuple[dict, str]:
    return split_lesson()


def test_front_matter(lesson):
    meta, _ = lesson
    assert meta["id"] == "why-sequences-need-memory"
    assert meta["title"] == "Why sequences need memory"
    assert meta["track"] == 12
    assert meta["order"] == 2
    assert isinstance(meta["summary"], str) and len(meta["summary"].split()) >= 10


def core_text(body: str) -> str:
    """The core lesson: from the title to the practice."""
    return body[: body.index(CORE_END + "\n")]


def test_word_count(lesson):
    assert len(lesson[1].split()) >= 3000  # core, practice, flashcards, Going deeper, glossary


def test_core_reads_in_about_nine_minutes(lesson):
    words = len(core_text(lesson[1]).split())
    assert 1800 <= words <= CORE_MAX_WORDS, f"the core has {words} words"


def test_core_has_no_math_to_work(lesson):
    core = core_text(lesson[1])
    assert "$$" not in core, "display math belongs in Going deeper"
    inline = re.findall(r"\$([^$]+)\$", core)
    # symbols only where a picture needs a name: h_t, h, t; no formula, no LaTeX command
    assert set(inline) <= {"h_t", "t", "h"}, inline
    for word in ("Jacobian", "eigenvalue", "singular value", "sigmoid"):
        assert word.lower() not in core.lower(), f"{word!r} is Going deeper material"


def test_going_deeper_is_marked_optional_and_holds_the_math(lesson):
    body = lesson[1]
    deeper = body[body.index("## Going deeper (optional)") :]
    assert "optional" in section_text(body, "## Going deeper (optional)").split(".")[0].lower()
    assert body.count("$$") == deeper.count("$$") >= 10  # every display equation is here
    assert "\\prod" not in deeper or "J_t" in deeper
    assert "J_t \\, J_{t-1} \\cdots J_{k+1}" in deeper, "the Jacobian product with its order"


def test_source_curriculum_is_credited(lesson):
    core = core_text(lesson[1])
    assert "MIT 6.S191" in core and "Lecture 2" in core and "Alexander and Ava Amini" in core


def test_required_headings_in_order(lesson):
    found = headings(lesson[1])
    assert [h for h in found if h in REQUIRED_HEADINGS] == REQUIRED_HEADINGS
    assert sum(1 for h in found if h.startswith("# ")) == 1


def test_flashcards_format(lesson):
    text = section_text(lesson[1], "## Flashcards")
    cards = re.findall(r"^- \*\*Q:\*\* (\S.*)\n  \*\*A:\*\* (\S.*)$", text, re.M)
    assert len(cards) >= 15
    assert len(cards) == len(re.findall(r"^- \*\*Q:\*\*", text, re.M)), "every Q needs an A line"


def test_glossary_format(lesson):
    text = section_text(lesson[1], "## Glossary")
    terms = re.findall(r"^- \*\*([^*]+)\*\*: (\S.*)$", text, re.M)
    assert len(terms) >= 12
    assert len({t.lower() for t, _ in terms}) == len(terms), "glossary terms must be unique"


def run_rnn(xs, w_x, w_h):
    h, out = 0.0, []
    for x in xs:
        h = float(np.tanh(w_h * h + w_x * x))
        out.append(h)
    return out


def test_worked_trace_numbers(lesson):
    text = section_text(lesson[1], "## A worked trace")
    assert "input weight of 0.5" in text and "recurrent weight of 0.8" in text
    assert "inputs 1, 0, 0, 0, 0" in text
    hs = run_rnn([1, 0, 0, 0, 0] + [0] * 15, 0.5, 0.8)
    rows = table_rows(text)
    assert len(rows) == 5
    for t, row in enumerate(rows, 1):
        assert int(row[0]) == t and row[2] == round4(hs[t - 1]), row
        if t > 1:
            kept = round(100 * hs[t - 1] / hs[t - 2])
            assert row[3] == f"{kept} %", f"step {t} keeps {kept} %, table says {row[3]}"
    assert f"{round4(hs[9])} after 10 steps and {round4(hs[19])} after 20" in text
    ratios = [hs[t] / hs[t - 1] for t in range(1, 20)]
    assert all(0.75 < r < 0.81 for r in ratios)  # "about four fifths"
    assert "about four fifths" in text


def test_signs_practice_solution(lesson):
    """The no-arithmetic practice: recompute both networks and check every claim in the table."""
    practice = section_text(lesson[1], "## Practice: trace the memory")
    solution = section_text(lesson[1], "### Solution")
    assert "0, then +1, then 0, then 0" in practice
    assert "about one half" in practice and "about minus one half" in practice
    words = {1.0: "positive", -1.0: "negative", 0.0: "empty"}
    nets = {"A": run_rnn([0, 1, 0, 0], 1.0, 0.5), "B": run_rnn([0, 1, 0, 0], 1.0, -0.5)}
    rows = table_rows(solution)
    assert len(rows) == 4
    for t, row in enumerate(rows, 1):
        for col, name in ((2, "A"), (3, "B")):
            hs = nets[name]
            h = hs[t - 1]
            assert row[col].startswith(words[float(np.sign(h))]), (t, name, row[col])
            fainter = t > 1 and hs[t - 2] != 0 and abs(h) < abs(hs[t - 2])
            assert ("fainter" in row[col]) == fainter, (t, name, row[col])
    quarter = abs(nets["A"][3]) / abs(nets["A"][1])
    assert 0.2 < quarter < 0.3 and "about a quarter" in solution
    assert "=" not in practice and "$" not in practice, "the practice must need no arithmetic"


def test_numeric_practice_solution(lesson):
    practice = section_text(lesson[1], "### Practice with numbers")
    solution = section_text(lesson[1], "#### Solution with numbers")
    assert check_trace(solution, solution) == len(inputs(practice))
    for name in ("w_x", "w_h", "b", "h_0"):
        assert param(practice, name) == param(solution, name)


def test_practice_tanh_table(lesson):
    rows = [
        r for r in table_rows(section_text(lesson[1], "### Practice with numbers")) if len(r) == 2
    ]
    assert len(rows) >= 8
    for a, shown in rows:
        assert shown == round4(np.tanh(float(a))), f"tanh({a}) is {round4(np.tanh(float(a)))}"


def test_parameter_counts_both_bias_conventions(lesson):
    text = section_text(lesson[1], "### PyTorch shapes and parameter counts")
    d, hidden, steps = 50, 128, 100
    one = hidden * d + hidden * hidden + hidden
    two = one + hidden  # PyTorch keeps bias_ih and bias_hh
    rows = {
        r[0]: r
        for r in (
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines()
            if line.startswith("| ")
        )
    }
    for cell, gates in (("RNN", 1), ("GRU", 3), ("LSTM", 4)):
        assert rows[cell][2] == f"{gates * one:,}", cell
        assert rows[cell][3] == f"{gates * two:,}", cell
    ff = steps * d * hidden + hidden
    assert f"{ff:,}".replace(",", "{,}") in text
    assert f"about {round(ff / one)} times" in text
    core = section_text(lesson[1], "## One set of weights at every step")
    assert (
        f"about {round(ff / 1000)} thousand" in core
        and f"about {round(one / 1000)} thousand" in core
    )


def test_gate_claims(lesson):
    body = lesson[1]
    assert 0.0045 < 0.9**50 < 0.0055
    assert "about half a percent" in section_text(body, "## Common mix-ups")
    assert "0.9^{50} \\approx 0.005" in section_text(body, "### LSTM and GRU equations")


def test_framing_fixes(lesson):
    """The points a reviewer found misleading stay fixed."""
    body = lesson[1]
    low = body.lower()
    assert "eraser" not in low and "keep dial" in low
    assert "drop-in" not in low
    assert "before attention took over" not in low
    assert re.search(r"transformers \([^)]*\) displaced", low)
    assert "a few tens of steps" not in low
    assert "1999-2000" in section_text(body, "### The LSTM")
    assert "encoder" in section_text(body, "## Ordered data: when position carries meaning")
    assert "mix" not in section_text(body, "### The update rule").split("squash")[0]
    glossary = section_text(body, "## Glossary")
    feedforward = re.search(r"^- \*\*feedforward network\*\*: (.*)$", glossary, re.M).group(1)
    # a fixed input size is a property of the plain MLP over a window, not of every such network
    for clause in feedforward.split(";"):
        assert "fixed input size" not in clause or "MLP" in clause, clause


def test_mix_ups_box(lesson):
    text = section_text(lesson[1], "## Common mix-ups").lower()
    for needle in (
        "grows",
        "without recurrence",
        "relu",
        "zero",
        "on/off",
        "forget gate of 1",
        "remove vanishing",
    ):
        assert needle in text, needle


def test_flashcards_one_idea_no_formulas(lesson):
    text = section_text(lesson[1], "## Flashcards")
    cards = re.findall(r"^- \*\*Q:\*\* (\S.*)\n  \*\*A:\*\* (\S.*)$", text, re.M)
    assert len(cards) >= 20
    for q, a in cards:
        assert "$" not in q + a, f"no formula recall: {q}"
        assert len(a.split()) <= 30, f"one idea per card: {q}"
    questions = " ".join(q.lower() for q, _ in cards)
    for needle in (
        "forget what it read early",
        "long-range dependency",
        "slow",
        "forget gate near 1",
    ):
        assert needle in questions, needle


def test_no_seed_sentence_copied(lesson):
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED}")

    def norm(s: str) -> str:
        s = s.strip().lstrip("-").strip()
        s = s.replace("’", "'").replace("“", '"').replace("”", '"')
        return re.sub(r"\s+", " ", s).strip().lower()

    lesson_text = norm(lesson[1])
    seed_text = SEED.read_text(encoding="utf-8")
    sentences = [
        s
        for line in seed_text.splitlines()
        for s in re.split(r"(?<=[.!?])\s+", line)
        if len(s.split()) > 8
    ]
    assert sentences, "seed page should yield sentences to compare"
    copied = [s for s in sentences if norm(s) in lesson_text]
    assert copied == []


def test_questions_reference_existing_sections(lesson):
    paths = section_paths(lesson[1])
    rows = [
        json.loads(line)
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(rows) >= 70
    for row in rows:
        assert isinstance(row["question"], str) and row["question"].strip()
        assert row["sections"], f"no sections for {row['question']!r}"
        missing = [s for s in row["sections"] if s not in paths]
        assert not missing, f"{row['question']!r} names unknown sections {missing}"
    covered = {s for row in rows for s in row["sections"]}
    leaves = {p for p in paths if p.count(" > ") >= 1}
    assert leaves - covered == set(), "every section should be the answer to some question"
