"""`tutor trace [FILE or -]`: prints the Trace JSON; bad input -> stderr message, exit 2."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from deploy.cli import app
from tools.lab_requests import run_trace_request

runner = CliRunner()


def test_trace_from_stdin_prints_the_trace_json():
    body = {"cell": "gru", "inputs": [0.5, -1.0, 0.25], "hidden_size": 3, "seed": 2}
    result = runner.invoke(app, ["trace", "-"], input=json.dumps(body))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads(json.dumps(run_trace_request(body).to_dict()))
    assert printed["cell"] == "gru" and [s["t"] for s in printed["steps"]] == [1, 2, 3]


def test_trace_from_file_and_default_stdin(tmp_path):
    path = tmp_path / "body.json"
    path.write_text(
        json.dumps({"inputs": [1.0, 2.0], "weights": {"weight_ih": [[0.5]], "weight_hh": [[0.8]]}})
    )
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 0, result.output
    h = json.loads(result.stdout)["steps"][0]["h"][0]
    assert h == np.tanh(0.5)
    assert runner.invoke(app, ["trace"], input='{"inputs": [1]}').exit_code == 0


def test_markdown_option():
    result = runner.invoke(
        app, ["trace", "--markdown"], input='{"inputs": [1, 2], "hidden_size": 1}'
    )
    assert result.exit_code == 0 and "| t | x_t |" in result.stdout


def test_bad_json_and_bad_bodies_exit_2_with_a_message(tmp_path):
    cases = [
        ('{"inputs": [1,', "not valid JSON"),
        ('{"inputs": [1], "cell": "cnn"}', "'cell' must be one of rnn, lstm, gru"),
        (json.dumps({"inputs": [0.0] * 2001}), "at most 2000"),
        ("[1, 2]", "JSON object"),
    ]
    for text, words in cases:
        result = runner.invoke(app, ["trace", "-"], input=text)
        assert result.exit_code == 2
        assert words in " ".join(result.stderr.split()), result.stderr
        assert result.stdout == ""
    missing = runner.invoke(app, ["trace", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "not found" in " ".join(missing.stderr.split())
