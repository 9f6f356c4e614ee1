"""Helpers shared by CLI command modules: turning TutorError into a clean exit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape

from core.errors import TutorError

err_console = Console(stderr=True)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Print a TutorError as ``error[code]: message`` on stderr and exit 2 (no traceback)."""
    try:
        yield
    except TutorError as exc:
        err_console.print(
            f"[bold red]error\\[{exc.code}][/]: {escape(exc.message)}", highlight=False
        )
        raise typer.Exit(2) from None
