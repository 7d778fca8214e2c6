"""Access requests: a support engineer asks, an admin approves (recording the grant) or
declines.

Revision ID: s0004
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "service_grant_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
        sa.Column("engineer", sa.String(256), nullable=False),
        sa.Column("actions", sa.String(64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        _moment("requested_at"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(256), nullable=True),
        _moment("decided_at", nullable=True),
        sa.Column("decline_reason", sa.String(1000), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_service_grant_request_tenant_id", "service_grant_request", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("service_grant_request")
