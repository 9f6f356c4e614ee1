"""``tutor ask``, ``tutor chat`` and ``tutor eval conversations`` through the real CLI app.

The commands build their tutor through ``chat_cmds._tutor``; the tests point that at a
tutor over the test index and a temporary database instead of ./data.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.factory import make_tutor
from deploy.cli import app, chat_cmds


@pytest.fixture()
def cli(monkeypatch, settings, tutor_embedder, retriever):
    def build(**overrides):
        return make_tutor(settings, embedder=tutor_embedder, retriever=retriever, **overrides)

    monkeypatch.setattr(chat_cmds, "_tutor", build)
    return CliRunner()


def test_ask_json_prints_the_chat_body_and_continues_a_session(cli):
    first = cli.invoke(app, ["ask", "quiz me", "--json"])
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert body["exercise"]["status"] == "open" and body["reply_html"]
    assert body["message_index"] == 1  # the stored assistant message, as in POST /v1/chat
    second = cli.invoke(app, ["ask", "hint", "--session", body["session_id"], "--json"])
    assert json.loads(second.stdout)["session_id"] == body["session_id"]
    assert "Hint 1 of 4" in json.loads(second.stdout)["reply"]


def test_ask_prints_markdown_and_sources(cli):
    result = cli.invoke(app, ["ask", "what does gradient clipping do?"])
    assert result.exit_code == 0
    assert "sources:" in result.stdout and "Gradient clipping" in result.stdout


def test_ask_with_an_unknown_session_is_a_clean_error(cli):
    result = cli.invoke(app, ["ask", "hello", "--session", "nope-nope-nope"])
    assert result.exit_code == 2
    assert "session_not_found" in result.stderr and "Traceback" not in result.output


def test_chat_handles_new_and_quit(cli):
    result = cli.invoke(app, ["chat"], input="hello\n/new\nwalk me through a trace\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "new conversation" in result.stdout
    assert "0.4621" in result.stdout and "quiz me" in result.stdout


def test_eval_conversations_prints_the_pass_rate(cli, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "hi", "turns": [{"say": "hello", "expect": {"intent": "greeting"}}]})
        + "\n"
        + json.dumps({"id": "bad", "turns": [{"say": "hello", "expect": {"intent": "trace"}}]})
        + "\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["eval", "conversations", "--json", "--cases", str(cases)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cases"] == 2 and report["pass_rate"] == 0.5
    table = cli.invoke(app, ["eval", "conversations", "--cases", str(cases)])
    assert "50.0%" in table.stdout and "FAIL" in table.stdout


def test_ask_carries_a_conceptual_question_across_calls(cli):
    """The terminal channel holds the open question like every other: the answer given
    in the next ``tutor ask --session`` is assessed."""
    first = json.loads(
        cli.invoke(app, ["ask", "test my understanding of gradient clipping", "--json"]).stdout
    )
    assert first["reply"].startswith("**Question (gradient clipping):**")
    said = [
        "ask",
        "gradient clipping also fixes vanishing gradients",
        "--session",
        first["session_id"],
        "--json",
    ]
    second = json.loads(cli.invoke(app, said).stdout)
    assert second["reply"].startswith("**Not quite:**")
