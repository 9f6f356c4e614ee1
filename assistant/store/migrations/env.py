"""Alembic's entry point for the session store: runs the revisions in ``versions/``.

``migrate.upgrade`` hands over its connection (``config.attributes["connection"]``),
already inside the transaction that holds the upgrade lock, so every revision commits
or rolls back with it. Without one, the URL in ``sqlalchemy.url`` is used: a database
of its own for ``command.revision(..., autogenerate=True)``, or offline SQL (``--sql``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from assistant.store.engine import make_engine
from assistant.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: autogenerate writes table-copy batches there
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


main()
