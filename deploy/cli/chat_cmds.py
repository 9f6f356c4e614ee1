"""CLI commands: chat_cmds (filled in by its issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
