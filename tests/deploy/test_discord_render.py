"""Discord rendering of every reply kind, within Discord's limits (2,000-character content,
4,096 per embed description, 6,000 per message's embeds, 10 embeds, 1,024 per field)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.types import Plot, TutorReply
from deploy.discord.render import (
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    SHORTENED,
    embed_size,
    render_error,
    render_reply,
    to_discord_markdown,
)
from tests.deploy.long_replies import PARAGRAPH, PUBLIC, cites, long_trace

KINDS = {
    "concept": TutorReply("s1", "\n\n".join([PARAGRAPH] * 200), "", cites(30, " " + "long " * 30)),
    "trace": TutorReply(
        "s1",
        "## Worked steps\n```\n" + "h1 = tanh(0.5)\n" * 900 + "```",
        "",
        [],
        long_trace("gru", x=[1.0], h=0.3, c=None),
    ),
    "fade": TutorReply(
        "s1",
        "Memory fades.\n\n" + PARAGRAPH,
        "",
        cites(2),
        None,
        None,
        [Plot("Fade curve", "<svg/>")],
    ),
    "exercise": TutorReply(
        "s1",
        "## " + "Exercise " * 60 + "\n" + "x" * 9000,
        "",
        [],
        None,
        {"id": "e", "status": "open"},
    ),
    "hint": TutorReply(
        "s1", "Hint: " + "multiply first. " * 400, "", [], None, {"id": "e", "status": "open"}
    ),
    "revealed": TutorReply(
        "s1", "The answer is **0.462**.", "", [], None, {"id": "e", "answers": [0.462]}
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_reply_kind_fits_discords_limits(kind):
    payload, files = render_reply(KINDS[kind], PUBLIC)
    embeds = payload["embeds"]
    assert 1 <= len(embeds) <= 10
    assert sum(map(embed_size, embeds)) <= MAX_EMBED_TOTAL
    for embed in embeds:
        assert 0 < len(embed["description"]) <= MAX_DESCRIPTION
        assert embed["description"].count("```") % 2 == 0
        assert len(embed.get("title", "")) <= 256
        for field in embed.get("fields", []):
            assert len(field["value"]) <= 1024 and len(field["name"]) <= 256
    for row in payload.get("components", []):
        assert all(len(b["custom_id"]) <= 100 for b in row["components"])
    assert len(files) == len(KINDS[kind].plots)


def test_a_very_long_answer_is_shortened_with_a_note_and_keeps_its_sources():
    payload, _ = render_reply(KINDS["concept"], PUBLIC)
    embeds = payload["embeds"]
    assert embeds[-1]["description"].endswith(f"…\n{SHORTENED}")
    assert embeds[0]["description"].startswith(
        "An RNN reads one input per step and updates **its hidden state** $h_t$."
    )
    (field,) = embeds[-1]["fields"]
    assert field["name"] == "From the lesson"
    assert field["value"].startswith("• [Section 0 long long")
    assert f"]({PUBLIC}/lessons/l#s0)" in field["value"]


def test_trace_embed_is_a_code_block_table():
    payload, _ = render_reply(KINDS["trace"], PUBLIC)
    trace = payload["embeds"][-1]
    assert trace["title"] == "Trace"
    lines = trace["description"].splitlines()
    assert lines[:3] == ["```", "GRU · hidden 256 · input 1 · 2000 steps", "t     x       h"]
    assert "⋮  (1984 more steps)" in trace["description"]
    assert payload["embeds"][0]["title"] == "Worked steps"


def test_plots_are_attached_as_png_when_they_can_draw_one(caplog):
    def broken() -> bytes:
        raise RuntimeError("no fonts")

    plots = [
        Plot("Memory fade", "<svg/>", png=lambda: b"\x89PNG fade"),
        Plot("Hidden state over time", "<svg>h</svg>", png=broken),
    ]
    payload, files = render_reply(TutorReply("s1", "Memory fades.", "", [], plots=plots), PUBLIC)
    assert files == [
        ("1-memory-fade.png", b"\x89PNG fade", "image/png"),
        ("2-hidden-state-over-time.svg", b"<svg>h</svg>", "image/svg+xml"),  # fallback
    ]
    assert [a["filename"] for a in payload["attachments"]] == [
        "1-memory-fade.png",
        "2-hidden-state-over-time.svg",
    ]
    assert "PNG of plot 'Hidden state over time' failed" in caplog.text


def test_plots_become_attachments_and_exercises_buttons():
    payload, files = render_reply(KINDS["fade"], PUBLIC)  # a plot without a PNG: the SVG
    assert files == [("1-fade-curve.svg", b"<svg/>", "image/svg+xml")]
    assert payload["attachments"] == [
        {"id": 0, "filename": "1-fade-curve.svg", "description": "Fade curve"}
    ]
    assert "components" not in payload
    payload, _ = render_reply(KINDS["exercise"], PUBLIC, "tok-1")
    assert [b["custom_id"] for b in payload["components"][0]["components"]] == [
        "rnn:hint:tok-1",
        "rnn:giveup:tok-1",
        "rnn:next:tok-1",
    ]
    assert payload["embeds"][0]["title"].endswith("…")
    payload, _ = render_reply(KINDS["revealed"], PUBLIC, "tok-2")
    assert [b["label"] for b in payload["components"][0]["components"]] == ["Next"]
    payload, _ = render_reply(KINDS["exercise"], PUBLIC)  # no token: no buttons
    assert "components" not in payload


@pytest.mark.parametrize("kind", ["exercise", "revealed", "concept", "trace", "fade"])
def test_the_session_id_is_in_no_rendered_payload(kind):
    reply = replace(KINDS[kind], session_id="Zq3-session-credential")
    payload, _ = render_reply(reply, PUBLIC, "tok")
    assert "Zq3-session" not in json.dumps(payload)


def test_an_empty_reply_still_makes_a_valid_message():
    payload, files = render_reply(TutorReply("s1", "", ""), PUBLIC)
    assert payload["embeds"] == [{"description": "…", "color": 0x5865F2}] and files == []


def test_markdown_for_discord():
    md = "### Gates\nSee [the lesson](/lessons/l#gates).\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert to_discord_markdown(md, PUBLIC) == (
        f"**Gates**\nSee [the lesson]({PUBLIC}/lessons/l#gates).\n\n```\n| a | b |\n| 1 | 2 |\n```"
    )
    assert to_discord_markdown("[the lesson](/lessons/l)", "") == "the lesson"


def test_errors_fit_the_content_limit():
    payload = render_error("Bad trace: " + "x" * 5000)
    assert len(payload["content"]) == MAX_CONTENT and payload["content"].endswith("…")
    assert payload["content"].startswith("⚠️ Bad trace: ")
