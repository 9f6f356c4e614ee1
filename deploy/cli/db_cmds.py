"""CLI commands of the session database: ``tutor db upgrade``, ``tutor db status``, ``tutor db export``.

``upgrade`` creates or migrates the schema of ``TUTOR_DATABASE_URL`` (SQLite file in
the data dir by default) with the Alembic revisions of ``assistant.store.migrations``
and is safe to run while instances are up or from several instances at once; ``status``
prints which database is used and its Alembic revision; ``export`` writes every stored
message as CSV for the instructor. Errors leave through ``cli_errors()``.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.settings import get_settings
from deploy.cli.common import cli_errors

console = Console()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    from assistant.store.engine import normalise_url

    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def upgrade_cmd() -> None:
    """Create or migrate the session database schema (idempotent)."""
    from assistant.store.engine import make_engine
    from assistant.store.migrate import upgrade

    with cli_errors():
        url = get_settings().resolved_database_url
        engine = make_engine(url)
        try:
            done = upgrade(engine)
        finally:
            engine.dispose()
        where = _safe_url(url)
        if done.adopted:
            message = f"adopted the pre-Alembic schema at revision {done.after} in {where}"
        elif done.before is None:
            message = f"created the schema at revision {done.after} in {where}"
        elif done.before == done.after:
            message = f"schema is up to date (revision {done.after}) in {where}"
        else:
            message = f"upgraded schema {done.before} -> {done.after} in {where}"
        console.print(message, highlight=False)


def status_cmd() -> None:
    """Print the database in use and its schema's Alembic revision."""
    from assistant.store.engine import make_engine, read_tx
    from assistant.store.migrate import current_revision, head_revision, legacy_version

    with cli_errors():
        url = get_settings().resolved_database_url
        head = head_revision()
        engine = make_engine(url)
        try:
            with read_tx(engine) as conn:
                revision = current_revision(conn)
                legacy = legacy_version(conn) if revision is None else None
        finally:
            engine.dispose()
        if revision is not None:
            state = f"revision {revision}" + (" (head)" if revision == head else "")
        elif legacy is not None:
            state = f"pre-Alembic version {legacy} (run `tutor db upgrade` to adopt it)"
        else:
            state = "not created (run `tutor db upgrade`)"
        console.print(f"database: {_safe_url(url)}", highlight=False)
        console.print(f"schema: {state}; this tutor expects revision {head}", highlight=False)


def export_cmd(
    out: Annotated[str, typer.Argument(help="CSV file to write, or - for stdout")] = "-",
) -> None:
    """Export every stored message (with its feedback rating) as CSV."""
    from assistant.store import make_session_store
    from assistant.store.export import write_csv

    with cli_errors(), contextlib.ExitStack() as stack:
        store = make_session_store(get_settings())
        stack.callback(store.close)
        handle = sys.stdout
        if out != "-":
            handle = stack.enter_context(Path(out).open("w", newline="", encoding="utf-8"))
        count = write_csv(store.export_rows(), handle)
        if out != "-":
            console.print(f"wrote {count} messages to {out}", highlight=False)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add the ``db`` command group to the `tutor` app."""
    db_app = typer.Typer(
        help="The session database (sessions, progress, feedback).", no_args_is_help=True
    )
    db_app.command("upgrade")(upgrade_cmd)
    db_app.command("status")(status_cmd)
    db_app.command("export")(export_cmd)
    app.add_typer(db_app, name="db")
