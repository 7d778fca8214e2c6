"""Tenants, tokens, uploads, clusters, snapshots, assessments, verdict changes, and the links
of access grants and audit entries to tenants.

Revision ID: s0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "service_tenant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        _moment("created_at"),
    )
    op.create_table(
        "service_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128), nullable=False),
        _moment("created_at"),
        _moment("last_used_at", nullable=True),
        _moment("revoked_at", nullable=True),
    )
    op.create_index("ix_service_token_tenant_id", "service_token", ["tenant_id"])
    op.create_table(
        "service_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _moment("received_at"),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("tenant_id", "sha256", name="uq_service_upload_sha256"),
    )
    op.create_table(
        "service_cluster",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("resource_id", sa.String(1024), nullable=True),
        _moment("first_seen"),
        _moment("last_seen"),
        sa.Column("latest_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("latest_assessment_id", sa.Integer(), nullable=True),
        sa.Column("kubernetes_version", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("verdict_rank", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("next_deadline", sa.Date(), nullable=False),
        _moment("evaluated_at"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_service_cluster_key"),
    )
    op.create_index(
        "ix_service_cluster_urgency",
        "service_cluster",
        ["tenant_id", "verdict_rank", "next_deadline", "name", "id"],
    )
    op.create_table(
        "service_cluster_clause",
        sa.Column(
            "cluster_id",
            sa.String(32),
            sa.ForeignKey("service_cluster.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("clause", sa.String(32), primary_key=True),
    )
    op.create_index("ix_service_cluster_clause_clause", "service_cluster_clause", ["clause"])
    op.create_table(
        "service_cluster_deadline",
        sa.Column(
            "cluster_id",
            sa.String(32),
            sa.ForeignKey("service_cluster.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clauses", sa.String(256), nullable=False),
        sa.Column("what", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "ix_service_cluster_deadline_day", "service_cluster_deadline", ["tenant_id", "day"]
    )
    op.create_table(
        "service_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("service_upload.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _moment("received_at"),
        _moment("collected_at", nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("history", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_service_snapshot_cluster_id", "service_snapshot", ["cluster_id"])
    op.create_index("ix_service_snapshot_upload_id", "service_snapshot", ["upload_id"])
    op.create_table(
        "service_assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
        sa.Column(
            "snapshot_id", sa.Integer(), sa.ForeignKey("service_snapshot.id"), nullable=False
        ),
        _moment("evaluated_at"),
        sa.Column("pack_digest", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_service_assessment_cluster_id", "service_assessment", ["cluster_id"])
    op.create_table(
        "service_verdict_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
        _moment("at"),
        sa.Column("from_verdict", sa.String(16), nullable=True),
        sa.Column("to_verdict", sa.String(16), nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),
        sa.Column(
            "assessment_id",
            sa.Integer(),
            sa.ForeignKey("service_assessment.id"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_service_verdict_change_cluster_id", "service_verdict_change", ["cluster_id"]
    )
    op.create_table(
        "service_tenant_grant",
        sa.Column("grant_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("service_cluster.id"), nullable=False),
    )
    op.create_index("ix_service_tenant_grant_tenant_id", "service_tenant_grant", ["tenant_id"])
    op.create_table(
        "service_tenant_audit",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("service_tenant.id"), nullable=False),
    )
    op.create_index("ix_service_tenant_audit_tenant_id", "service_tenant_audit", ["tenant_id"])


def downgrade() -> None:
    for table in (
        "service_tenant_audit",
        "service_tenant_grant",
        "service_verdict_change",
        "service_assessment",
        "service_snapshot",
        "service_cluster_deadline",
        "service_cluster_clause",
        "service_cluster",
        "service_upload",
        "service_token",
        "service_tenant",
    ):
        op.drop_table(table)
