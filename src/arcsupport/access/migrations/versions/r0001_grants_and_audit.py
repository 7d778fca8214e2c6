"""Grants, the audit chain and its head; the audit table refuses UPDATE and DELETE.

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A migration is a frozen picture of the schema: it spells its values out instead of importing
# them from the models, which will move on.
_MESSAGE = "the audit log is append-only"

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
_POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION arcsupport_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION arcsupport_audit_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION arcsupport_audit_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "access_grant",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cluster", sa.String(1024), nullable=False),
        sa.Column("cluster_key", sa.String(1024), nullable=False),
        sa.Column("engineer", sa.String(256), nullable=False),
        sa.Column("engineer_key", sa.String(256), nullable=False),
        sa.Column("actions", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("approved_by", sa.String(256), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("revoked_by", sa.String(256), nullable=True),
        sa.Column("revoke_reason", sa.String(1000), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_access_grant_lookup", "access_grant", ["cluster_key", "engineer_key"])
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(27), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entry_recorded_at", "audit_entry", ["recorded_at"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers; PostgreSQL's trigger function has to go by itself.
    op.drop_table("audit_head")
    op.drop_table("audit_entry")
    op.drop_table("access_grant")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION arcsupport_audit_append_only()")
