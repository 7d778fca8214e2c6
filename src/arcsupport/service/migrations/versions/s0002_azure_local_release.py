"""The Azure Local release each cluster's latest snapshot shows (the dashboard's filter).

Clusters stored before it have none until their next upload: the release is read from the
snapshot when it is stored, and a migration does not judge snapshots.

Revision ID: s0002
Revises: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service_cluster", sa.Column("azure_local_release", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("service_cluster", "azure_local_release")
