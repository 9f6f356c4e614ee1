"""The ``tutor`` command line (Typer).

This module only wires command groups together; each group lives in its own module
and registers its commands on the app: knowledge (index, search, eval retrieval),
lab (trace), chat (ask, chat, eval conversations), serve, bots (slack, discord), db.
"""

from __future__ import annotations

import os

import typer

from deploy.cli import bots_cmds, chat_cmds, db_cmds, knowledge_cmds, lab_cmds, serve_cmds

app = typer.Typer(
    name="tutor",
    help="RNN Tutor: a teaching assistant for 'Why sequences need memory'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Evaluate retrieval and conversations.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

for module in (knowledge_cmds, lab_cmds, chat_cmds, serve_cmds, bots_cmds, db_cmds):
    module.register(app, eval_app)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    app()
