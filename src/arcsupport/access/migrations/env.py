"""Alembic's entry point for the access database.

arcsupport runs it itself (`store._migrate`), in a transaction of its own that already holds
the write lock (SQLite's BEGIN IMMEDIATE, an advisory lock on PostgreSQL), so that of several
commands reaching a new database at once exactly one migrates. `render_as_batch` makes ALTERs
on SQLite copy-and-rename tables, which is the only way SQLite can change most of a table's
shape.
"""

from alembic import context
from sqlalchemy.engine import Connection

from arcsupport.access.models import VERSION_TABLE, Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "the access migrations run through arcsupport.access.store, on its connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
