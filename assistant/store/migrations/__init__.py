"""The session store's Alembic migrations: ``env.py`` and a file per revision in ``versions/``.

They run only through ``assistant.store.migrate`` (``tutor db upgrade`` and store
start-up), never from an ``alembic.ini``. To change the schema, edit the tables in
``schema.py``, bring a scratch database to head, then write the next revision with
Alembic's autogenerate; read what it wrote (and ``ruff format`` it) before keeping it::

    python -c "from alembic import command; from assistant.store.migrate import alembic_config; \
command.revision(alembic_config(url='sqlite:///scratch.db'), 'add x', autogenerate=True, \
rev_id='0002')"

A revision must run on SQLite and PostgreSQL. On SQLite, a change that rebuilds a table
(``op.batch_alter_table``) drops the old one while foreign keys are on (the pragma
cannot change inside the upgrade's transaction): dropping ``sessions`` would delete
every child row by cascade, so a revision that rebuilds it must keep those rows itself.
"""
