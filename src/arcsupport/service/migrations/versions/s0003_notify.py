"""Notifications: a tenant's settings, its channels, and every delivery and attempt.

Revision ID: s0003
Revises: s0002
"""

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.add_column("service_tenant", sa.Column("notify_settings", sa.Text(), nullable=True))
    op.create_table(
        "service_notify_channel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.Column("since_change_id", sa.Integer(), nullable=False),
        _moment("removed_at", nullable=True),
    )
    op.create_index("ix_service_notify_channel_tenant_id", "service_notify_channel", ["tenant_id"])
    op.create_table(
        "service_notify_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("service_notify_channel.id"),
            nullable=False,
        ),
        sa.Column("notice", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        _moment("created_at"),
        _moment("next_attempt_at"),
        sa.Column("claim", sa.String(32), nullable=True),
        _moment("claimed_until", nullable=True),
        _moment("sent_at", nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "cluster_id",
            "event",
            "subject",
            "threshold",
            "channel_id",
            name="uq_service_notify_delivery_event",
        ),
    )
    op.create_index(
        "ix_service_notify_delivery_due", "service_notify_delivery", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_service_notify_delivery_channel_id", "service_notify_delivery", ["channel_id"]
    )
    op.create_table(
        "service_notify_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "delivery_id",
            sa.Integer(),
            sa.ForeignKey("service_notify_delivery.id"),
            nullable=False,
        ),
        _moment("at"),
        sa.Column("error", sa.String(500), nullable=True),
    )
    op.create_index(
        "ix_service_notify_attempt_delivery_id", "service_notify_attempt", ["delivery_id"]
    )


def downgrade() -> None:
    for table in ("service_notify_attempt", "service_notify_delivery", "service_notify_channel"):
        op.drop_table(table)
    with op.batch_alter_table("service_tenant") as batch:
        batch.drop_column("notify_settings")
