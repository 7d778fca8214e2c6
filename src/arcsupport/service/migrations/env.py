"""Alembic's entry point for the service's tables.

arcsupport runs it itself (`Database.upgrade`), on a connection already inside the transaction
that has just brought the access tables up to date: both schemas move together or not at all.
"""

from alembic import context
from sqlalchemy.engine import Connection

from arcsupport.service.models import VERSION_TABLE, Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "the service migrations run through arcsupport.service.db, on its connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
