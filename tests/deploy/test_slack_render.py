"""Block Kit rendering of every reply kind, within Slack's limits (50 blocks, 3,000
characters per section), with Markdown turned into mrkdwn and long replies cut gracefully."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.types import Plot, TutorReply
from deploy.slack.mrkdwn import to_mrkdwn
from deploy.slack.render import (
    MAX_BLOCKS,
    MAX_SECTION,
    SHORTENED,
    render_error,
    render_help,
    render_reply,
)
from tests.deploy.long_replies import PARAGRAPH, PUBLIC, cites, long_trace

KINDS = {
    "concept": TutorReply("s1", "\n\n".join([PARAGRAPH] * 200), "", cites(14)),
    "trace": TutorReply(
        "s1",
        "## Worked steps\n" + "| t | h |\n|---|---|\n| 1 | 0.5 |\n" * 300,
        "",
        [],
        long_trace("lstm", x=[0.5, -1.0, 2.0], h=0.1, c=-0.25),
    ),
    "fade": TutorReply(
        "s1", "Memory fades.\n\n" + PARAGRAPH, "", cites(2), None, None, [Plot("Fade", "<svg/>")]
    ),
    "exercise": TutorReply(
        "s1", "## Exercise\n" + "x" * 9000, "", [], None, {"id": "e", "status": "open"}
    ),
    "hint": TutorReply(
        "s1", "Hint: " + "multiply first. " * 400, "", [], None, {"id": "e", "status": "open"}
    ),
    "solved": TutorReply("s1", "Correct!", "", [], None, {"id": "e", "status": "solved"}),
}


def sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_reply_kind_fits_slacks_limits(kind):
    payload = render_reply(KINDS[kind], PUBLIC)
    assert 1 <= len(payload["blocks"]) <= MAX_BLOCKS
    for text in sections(payload):
        assert 0 < len(text) <= MAX_SECTION
        assert text.count("```") % 2 == 0  # no code fence left open across sections
    for block in payload["blocks"]:
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
    assert 0 < len(payload["text"]) <= 3000


def test_a_very_long_answer_is_split_then_shortened_with_a_note():
    payload = render_reply(KINDS["concept"], PUBLIC)
    texts = sections(payload)
    assert len(payload["blocks"]) == MAX_BLOCKS
    assert len(texts) == MAX_BLOCKS - 1  # the last block is the citations context
    assert texts[-1].endswith(f"…\n{SHORTENED}")
    assert texts[0].startswith(
        "An RNN reads one input per step and updates *its hidden state* $h_t$."
    )
    assert (
        payload["blocks"][-1]["elements"][0]["text"] == f":book: <{PUBLIC}/lessons/l#s0|Section 0>"
    )


def test_a_short_answer_is_one_section_without_a_note():
    payload = render_reply(TutorReply("s1", "Short **answer**.", "", []), PUBLIC)
    assert payload["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Short *answer*."}}
    ]


def test_trace_is_a_monospaced_table_with_long_traces_elided():
    payload = render_reply(KINDS["trace"], PUBLIC)
    table = [t for t in sections(payload) if t.startswith("```\nLSTM")]
    assert len(table) == 1
    lines = table[0].splitlines()
    assert lines[1] == "LSTM · hidden 256 · input 3 · 2000 steps"
    assert lines[2].split() == ["t", "x", "h", "c"]
    assert lines[3] == (
        "1     +0.500 -1.000 +2.000  +0.100 +0.100 +0.100 +0.100 …(+252)"
        "  -0.250 -0.250 -0.250 -0.250 …(+252)"
    )
    assert "⋮  (1984 more steps)" in table[0]
    assert lines[-2].startswith("2000")
    # the Markdown table of the reply itself became a code block too
    assert sections(payload)[0] == "*Worked steps*"
    assert sections(payload)[1].startswith("```\n| t | h   |\n| 1 | 0.5 |\n| t | h   |")


def test_an_empty_reply_still_makes_a_valid_message():
    payload = render_reply(TutorReply("s1", "", ""), PUBLIC)
    assert payload == {
        "text": "RNN Tutor",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "…"}}],
    }


def test_exercise_buttons_carry_the_token_and_close_with_the_exercise():
    open_ex = render_reply(KINDS["exercise"], PUBLIC, "tok-1")["blocks"][-1]
    assert open_ex["type"] == "actions"
    assert [(b["action_id"], b["value"], b.get("style")) for b in open_ex["elements"]] == [
        ("rnn_hint", "tok-1", None),
        ("rnn_giveup", "tok-1", "danger"),
        ("rnn_next", "tok-1", "primary"),
    ]
    solved = render_reply(KINDS["solved"], PUBLIC, "tok-2")["blocks"][-1]
    assert [b["action_id"] for b in solved["elements"]] == ["rnn_next"]
    # the session id (the session's credential) is in no rendered payload
    for kind, reply in KINDS.items():
        secret = replace(reply, session_id="Zq3-session-credential")
        assert "Zq3-session" not in json.dumps(render_reply(secret, PUBLIC, "tok")), kind
    without_token = render_reply(KINDS["exercise"], PUBLIC)["blocks"]
    assert [b for b in without_token if b["type"] == "actions"] == []


def test_citations_are_deduplicated_and_plain_without_a_public_url():
    reply = TutorReply("s1", "x", "", [*cites(1), *cites(1)])
    (block,) = [b for b in render_reply(reply, "")["blocks"] if b["type"] == "context"]
    assert block["elements"] == [{"type": "mrkdwn", "text": ":book: Section 0"}]


def test_markdown_becomes_mrkdwn():
    md = (
        "# Memory\nThe **hidden state** keeps *some* memory; a<b & c.\n"
        "See [the lesson](/lessons/l#fades) or [PyTorch](https://pytorch.org).\n"
        "- one\n- two\n\nMath stays: $W_{hh} * h$ and `x*y`."
    )
    assert to_mrkdwn(md, PUBLIC) == (
        "*Memory*\nThe *hidden state* keeps _some_ memory; a&lt;b &amp; c.\n"
        f"See <{PUBLIC}/lessons/l#fades|the lesson> or <https://pytorch.org|PyTorch>.\n"
        "• one\n• two\n\nMath stays: $W_{hh} * h$ and `x*y`."
    )
    assert to_mrkdwn("[the lesson](/lessons/l)", "") == "the lesson"


def test_errors_and_help():
    err = render_error("Unknown session 'abc'; start a new chat." + " more" * 1000)
    (block,) = err["blocks"]
    assert block["text"]["text"].startswith(":warning: Unknown session 'abc'")
    assert len(block["text"]["text"]) <= MAX_SECTION and block["text"]["text"].endswith("…")
    assert "/rnn quiz" in render_help()["blocks"][0]["text"]["text"]


class UploadRecorder:
    def __init__(self) -> None:
        self.uploads: list[dict] = []

    async def files_upload_v2(self, **kwargs):
        self.uploads.append(kwargs)


def test_plots_are_uploaded_as_png_and_as_svg_only_without_one(caplog):
    import asyncio

    from deploy.slack.poster import upload_plot

    def broken() -> bytes:
        raise RuntimeError("no fonts")

    client = UploadRecorder()
    plots = [
        Plot("Memory fade", "<svg/>", png=lambda: b"\x89PNG fade"),
        Plot("Hidden state", "<svg>h</svg>"),
        Plot("Gates", "<svg>g</svg>", png=broken),
    ]

    async def upload_all() -> None:
        for plot in plots:
            assert await upload_plot(client, "C1", "1.2", plot)

    asyncio.run(upload_all())
    assert [(u["filename"], u["content"], u["title"]) for u in client.uploads] == [
        ("memory-fade.png", b"\x89PNG fade", "Memory fade"),
        ("hidden-state.svg", b"<svg>h</svg>", "Hidden state"),
        ("gates.svg", b"<svg>g</svg>", "Gates"),
    ]
    assert all(u["channel"] == "C1" and u["thread_ts"] == "1.2" for u in client.uploads)
    assert "PNG of plot 'Gates' failed" in caplog.text
