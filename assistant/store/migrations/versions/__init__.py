"""Alembic revisions of the session store, oldest first by their ``0001``-style ids."""
