"""`tutor index`, `tutor search` and `tutor eval retrieval` through Typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from core.limits import MAX_MESSAGE_CHARS
from core.settings import get_settings
from deploy.cli import app
from tests.knowledge.conftest import FIXTURES

runner = CliRunner()


def _use(monkeypatch, data_dir) -> None:
    monkeypatch.chdir(data_dir.parent)  # no stray .env file
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data_dir))
    monkeypatch.delenv("TUTOR_CHROMA_URL", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def data_dir(monkeypatch, tmp_path):
    _use(monkeypatch, tmp_path / "data")
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def first_search(tmp_path_factory, embedder):
    """`tutor search --json` on an empty data dir (it builds the index), run once."""
    data = tmp_path_factory.mktemp("cli") / "data"
    with pytest.MonkeyPatch.context() as mp:
        _use(mp, data)
        result = runner.invoke(app, ["search", "why do RNNs forget", "--json", "--k", "3"])
    get_settings.cache_clear()
    return data, result


@pytest.fixture
def bundled_dir(monkeypatch, first_search):
    _use(monkeypatch, first_search[0])
    yield first_search[0]
    get_settings.cache_clear()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_index_twice_then_the_second_embeds_nothing(data_dir, embedder):
    first = runner.invoke(app, ["index", str(FIXTURES / "lessons"), str(FIXTURES / "page.html")])
    assert first.exit_code == 0, first.output
    assert "2 file(s)" in first.stdout and "embedded nothing" not in first.stdout
    second = runner.invoke(
        app, ["index", str(FIXTURES / "lessons"), str(FIXTURES / "page.html"), "--json"]
    )
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["embedded"] == 0 and report["added"] == 0 and report["unchanged"] > 0
    assert (data_dir / "chroma").is_dir()


def test_search_json_builds_a_missing_index_from_the_bundled_lessons(first_search, bundled_dir):
    result = first_search[1]
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["query"] == "why do RNNs forget" and len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) == {"text", "source", "section", "score", "url"}
    assert first["source"] == "why-sequences-need-memory.md"
    assert any("Where memory fades" in r["section"] for r in body["results"])
    assert "index is empty" in result.stderr

    plain = runner.invoke(app, ["search", "what is a GRU [red]", "--k", "1"])
    assert plain.exit_code == 0 and "The GRU" in plain.stdout and "GRU [red]" in plain.stdout


def test_search_dash_answers_one_json_line_per_stdin_line(data_dir, embedder):
    runner.invoke(app, ["index", str(FIXTURES / "lessons")])
    stdin = "running tally\n\nwhat is a gate\n" + "x" * (MAX_MESSAGE_CHARS + 1) + "\n"
    result = runner.invoke(app, ["search", "-", "--json", "--k", "2"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"][:5] for line in lines] == ["runni", "what ", "xxxxx"]
    assert lines[0]["results"][0]["section"] == "Counting sheep in order > The running tally"
    assert lines[1]["results"][0]["url"] == "/lessons/tiny-lesson#fences-and-gates"
    assert lines[2]["results"] == [] and lines[2]["error"]["code"] == "limit_exceeded"


def test_eval_retrieval_json_and_table(bundled_dir, tmp_path):
    result = runner.invoke(app, ["eval", "retrieval", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["mode"]: r for r in json.loads(result.stdout)["results"]}
    assert set(rows) == {"hybrid", "dense", "bm25"}
    assert rows["hybrid"]["recall_at_3"] >= 0.9
    assert {"recall_at_1", "recall_at_5", "mrr", "p50_ms", "p95_ms"} <= set(rows["bm25"])
    small = tmp_path / "q.jsonl"
    small.write_text(
        '{"question": "gradient clipping", "sections": ["Why sequences need memory"]}\n'
    )
    table = runner.invoke(app, ["eval", "retrieval", "--questions", str(small)])
    assert table.exit_code == 0 and "recall@3" in table.stdout and "hybrid" in table.stdout


def test_errors_exit_2_with_a_message_naming_the_file(data_dir, tmp_path, embedder):
    missing = runner.invoke(app, ["index", str(tmp_path / "nope.md")])
    assert missing.exit_code == 2
    assert "error[ingest_error]" in _flat(missing.stderr)
    assert "nope.md" in _flat(missing.stderr) and "no such file" in _flat(missing.stderr)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(app, ["index", str(empty)])
    assert result.exit_code == 2 and "empty.txt" in _flat(result.stderr)


def test_bad_search_arguments_exit_2(bundled_dir):
    bad_k = runner.invoke(app, ["search", "gates", "--k", "0"])
    assert bad_k.exit_code == 2 and "k must be" in _flat(bad_k.stderr)
    bad_mode = runner.invoke(app, ["search", "gates", "--mode", "fuzzy"])
    assert bad_mode.exit_code == 2 and "hybrid, dense, bm25" in _flat(bad_mode.stderr)
