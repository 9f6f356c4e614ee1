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
    "## One set of weights at every step",
    "## Training through time",
    "## Where memory fades",
    "### Vanishing and exploding gradients",
    "### Gradient clipping",
    "## Gates: what LSTMs and GRUs add",
    "### The LSTM",
    "### The GRU",
    "## A worked trace",
    "## Practice: trace the memory",
    "### Solution",
    "## Flashcards",
    "## Glossary",
    "## What comes next: attention",
]


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


def test_word_count(lesson):
    assert len(lesson[1].split()) >= 3000


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


def test_worked_trace_numbers(lesson):
    text = section_text(lesson[1], "## A worked trace")
    assert check_trace(text, text) >= 4


def test_practice_solution_numbers(lesson):
    practice = section_text(lesson[1], "## Practice: trace the memory")
    solution = section_text(lesson[1], "### Solution")
    assert check_trace(solution, solution) == len(inputs(practice))
    for name in ("w_x", "w_h", "b", "h_0"):
        assert param(practice, name) == param(solution, name)


def test_practice_tanh_table(lesson):
    rows = [
        r
        for r in table_rows(section_text(lesson[1], "## Practice: trace the memory"))
        if len(r) == 2
    ]
    assert len(rows) >= 8
    for a, shown in rows:
        assert shown == round4(np.tanh(float(a))), f"tanh({a}) is {round4(np.tanh(float(a)))}"


def test_parameter_counts(lesson):
    text = section_text(lesson[1], "## One set of weights at every step")
    d, hidden, steps = 50, 128, 100
    ff = steps * d * hidden + hidden
    rnn = hidden * d + hidden * hidden + hidden
    assert f"**{ff:,} parameters**" in text
    assert f"**{rnn:,} parameters**" in text
    assert f"about {round(ff / rnn)} times smaller" in text
    tex = {n: f"{n:,}".replace(",", "{,}") for n in (rnn, 3 * rnn, 4 * rnn)}
    lstm = section_text(lesson[1], "### The LSTM")
    gru = section_text(lesson[1], "### The GRU")
    assert f"4 \\times {tex[rnn]} = {tex[4 * rnn]}" in lstm
    assert f"3 \\times {tex[rnn]} = {tex[3 * rnn]}" in gru


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
