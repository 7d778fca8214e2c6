"""The day the custom location offering of each cluster's latest snapshot was collected: the
clusters of a tenant on one Azure Local release are judged with the newest of them, as
`arcsupport fleet` judges a fleet (service/offerings.py).

Filled in here from the stored snapshots (read, not judged: the offering is in the snapshot,
and its release is the one stored beside it), so that clusters stored before share theirs
from the first re-assessment on, not only after their next upload.

Revision ID: s0005
Revises: s0004
"""

import sqlalchemy as sa
from alembic import op

from arcsupport.lifecycle.learn import read_offering
from arcsupport.service.codec import decode_snapshot

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

_BATCH = 200


def upgrade() -> None:
    op.add_column("service_cluster", sa.Column("offering_collected", sa.Date(), nullable=True))
    op.create_index(
        "ix_service_cluster_offering",
        "service_cluster",
        ["tenant_id", "azure_local_release", "offering_collected", "latest_snapshot_id"],
    )
    _fill()


def _fill() -> None:
    cluster = sa.table(
        "service_cluster",
        sa.column("id", sa.String),
        sa.column("latest_snapshot_id", sa.Integer),
        sa.column("azure_local_release", sa.String),
        sa.column("offering_collected", sa.Date),
    )
    snapshot = sa.table(
        "service_snapshot",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("body", sa.LargeBinary),
    )
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(cluster.c.id, cluster.c.azure_local_release, snapshot.c.body)
            .join(snapshot, snapshot.c.id == cluster.c.latest_snapshot_id)
            .where(
                cluster.c.id > last,
                cluster.c.azure_local_release.is_not(None),
                snapshot.c.kind == "bundle",
            )
            .order_by(cluster.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        for cluster_id, release, body in rows:
            offering = read_offering(decode_snapshot(body), release).offering
            if offering is not None:
                connection.execute(
                    sa.update(cluster)
                    .where(cluster.c.id == cluster_id)
                    .values(offering_collected=offering.collected)
                )


def downgrade() -> None:
    op.drop_index("ix_service_cluster_offering", "service_cluster")
    op.drop_column("service_cluster", "offering_collected")
