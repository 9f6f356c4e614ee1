"""The shared chat text helpers: truncation, splitting with balanced code fences,
absolute lesson links, fenced tables and trace tables."""

from __future__ import annotations

from deploy.chat_common.text import (
    absolute_url,
    exercise_is_open,
    fence_tables,
    split_text,
    trace_table,
    truncate,
)


def test_truncate_prefers_word_boundaries_and_marks_the_cut():
    assert truncate("short", 10) == "short"
    assert truncate("the hidden state carries memory", 20) == "the hidden state…"
    assert len(truncate("x" * 50, 10)) == 10


def test_split_text_keeps_paragraphs_and_refences_long_code():
    text = "para one\n\npara two\n\n```\n" + "\n".join(f"line {i}" for i in range(100)) + "\n```"
    chunks = split_text(text, 200)
    assert chunks[0] == "para one\n\npara two"
    assert all(len(c) <= 200 for c in chunks)
    assert all(c.startswith("```") and c.endswith("```") for c in chunks[1:])
    lines = [ln for c in chunks[1:] for ln in c.splitlines() if ln != "```"]
    assert lines == [f"line {i}" for i in range(100)]  # nothing lost
    prose = split_text("word " * 1000, 300)
    assert all(len(c) <= 300 for c in prose) and " ".join(prose).split() == ["word"] * 1000


def test_absolute_urls_need_a_public_url():
    assert absolute_url("/lessons/x#a", "https://t.edu/") == "https://t.edu/lessons/x#a"
    assert absolute_url("https://other.org/p", "") == "https://other.org/p"
    assert absolute_url("/lessons/x", "") is None
    assert absolute_url(None, "https://t.edu") is None


def test_fence_tables_wraps_pipe_tables_but_not_code():
    md = "Intro\n| a | b |\n|---|---|\n| 1 | 2 |\nAfter\n```\n| in code |\n```"
    assert fence_tables(md) == "Intro\n```\n| a | b |\n| 1 | 2 |\n```\nAfter\n```\n| in code |\n```"


def test_fenced_tables_are_aligned():
    md = "| t | x_t | h_t |\n|---|---|---|\n| 1 | 1.0000 | 0.4621 |\n| 10 | 0 | 0.1 |"
    assert fence_tables(md).splitlines() == [
        "```",
        "| t  | x_t    | h_t    |",
        "| 1  | 1.0000 | 0.4621 |",
        "| 10 | 0      | 0.1    |",
        "```",
    ]


def test_trace_table_of_a_short_rnn_trace():
    trace = {
        "cell": "rnn",
        "hidden_size": 1,
        "input_size": 1,
        "steps": [
            {"t": 1, "x": [1.0], "h": [0.4621], "c": None},
            {"t": 2, "x": [0.0], "h": [0.3364], "c": None},
        ],
    }
    assert trace_table(trace) == (
        "RNN · hidden 1 · input 1 · 2 steps\nt  x       h\n1  +1.000  +0.462\n2  +0.000  +0.336"
    )


def test_exercise_state():
    assert exercise_is_open({"id": "e", "status": "open"})
    assert exercise_is_open({"id": "e"})
    assert not exercise_is_open({"id": "e", "status": "solved"})
    assert not exercise_is_open({"id": "e", "answers": [0.5]})
    assert not exercise_is_open(None)
