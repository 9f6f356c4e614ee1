"""CLI commands of the RNN lab: ``tutor trace [FILE or -]``.

``trace`` reads a ``POST /v1/trace`` request body (JSON) from a file or stdin and
prints the ``Trace`` JSON of API.md; ``--markdown`` prints the step table instead.
Validation is the HTTP endpoint's own (``tools.lab_requests.run_trace_request``), so a
bad body gets the same message, printed on stderr with exit code 2 via ``cli_errors()``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.errors import InvalidInput
from deploy.cli.common import cli_errors


def _read_body(source: str) -> object:
    if source == "-":
        text = sys.stdin.read()
        where = "stdin"
    else:
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"file {source!r} not found; give a JSON file or '-' for stdin")
        text = path.read_text(encoding="utf-8")
        where = source
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            'send a POST /v1/trace body such as {"cell": "rnn", "inputs": [0.5, -1.0]}'
        ) from None


def trace(
    source: Annotated[
        str, typer.Argument(metavar="[FILE or -]", help="request body file, or - for stdin")
    ] = "-",
    markdown: Annotated[
        bool, typer.Option("--markdown", help="print a Markdown table instead of JSON")
    ] = False,
) -> None:
    """Run an RNN, LSTM or GRU on a POST /v1/trace body and print every step."""
    from tools.lab_requests import run_trace_request
    from tools.text import trace_table_markdown

    with cli_errors():
        result = run_trace_request(_read_body(source))
        if markdown:
            typer.echo(trace_table_markdown(result, max_steps=50))
        else:
            typer.echo(json.dumps(result.to_dict()))


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
    app.command("trace")(trace)
