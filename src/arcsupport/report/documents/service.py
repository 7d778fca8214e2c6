"""The service's own documents (`arcsupport serve`): a page of a tenant's clusters
(`arcsupport.clusters/v1`), a cluster's history (`arcsupport.cluster-history/v1`), the tenant's
deadlines (`arcsupport.deadlines/v1`), what an inventory upload stored (`arcsupport.ingest/v1`)
and the one shape of every error (`{"error": {"code", "message"}}`, in the OpenAPI document
only: it names no schema of its own). A cluster's own assessment and plan
are the documents the CLI prints (assessment.py, plan.py)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from arcsupport.access.consent import ACTIONS
from arcsupport.report.documents.base import (
    ClauseId,
    Document,
    IsoDate,
    NonEmpty,
    PolicyDoc,
    Timestamp,
)
from arcsupport.types import Verdict

CLUSTERS_SCHEMA: Final = "arcsupport.clusters/v1"
HISTORY_SCHEMA: Final = "arcsupport.cluster-history/v1"
DEADLINES_SCHEMA: Final = "arcsupport.deadlines/v1"
INGEST_SCHEMA: Final = "arcsupport.ingest/v1"
REQUEST_SCHEMA: Final = "arcsupport.access-request/v1"
REQUESTS_SCHEMA: Final = "arcsupport.access-requests/v1"

ClusterId = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9a-f]{32}$", description="The service's id of a cluster")
]
Cursor = Annotated[
    str | None,
    msgspec.Meta(description="Pass as `cursor` for the next page; null on the last page"),
]


class ClusterSummaryDoc(Document, frozen=True):
    """A cluster as its latest assessment judged it; `next_deadline` is the nearest day by
    which something must be done to stay supported, `complete` says every rule could run."""

    id: ClusterId
    name: str
    resource_id: str | None
    kubernetes_version: str | None
    verdict: Verdict
    complete: bool
    next_deadline: IsoDate | None
    last_seen: Timestamp
    evaluated_at: Timestamp


class ClustersDoc(Document, frozen=True):
    """A page of the tenant's clusters, most urgent first (arcsupport.clusters/v1)."""

    schema: Literal["arcsupport.clusters/v1"]
    clusters: list[ClusterSummaryDoc]
    next_cursor: Cursor


class SnapshotRefDoc(Document, frozen=True):
    """The upload an assessment judged: a bundle, or a Resource Graph export's rows."""

    kind: Literal["bundle", "inventory"]
    received_at: Timestamp
    collected_at: Timestamp | None


class HistoryAssessmentDoc(Document, frozen=True):
    """One judgement of the cluster; re-assessment moves `evaluated_at` on while the
    judgement stays the same, and adds an entry when it changes."""

    evaluated_at: Timestamp
    verdict: Verdict
    policy: PolicyDoc
    snapshot: SnapshotRefDoc


class VerdictChangeDoc(Document, frozen=True):
    """The verdict moved: on an upload, or when time or the policy moved (reassessment)."""

    at: Timestamp
    from_verdict: Verdict | None
    to_verdict: Verdict
    cause: Literal["upload", "reassessment"]


class StateRunDoc(Document, frozen=True):
    """A state every scan that could tell has shown since it began: `stopped` (stopped or
    running), `arc` (connected or disconnected) or `subscription` (as ARM writes it). `since`
    is the first scan showing it, or an earlier moment a scan observed (the nodes' Ready
    transition, the Arc agents' last heartbeat); `not_before` the last scan showing another
    state, null when none did. Both are bounds, never guesses."""

    clock: Literal["stopped", "arc", "subscription"]
    state: NonEmpty
    since: Timestamp
    not_before: Timestamp | None
    last_seen: Timestamp
    scans: Annotated[int, msgspec.Meta(ge=1)]


class MetadataDriftDoc(Document, frozen=True):
    """A system label, annotation or taint (`value:Effect`) of a node whose value differs
    from the one the system set (`before`, as the first scan that saw the change had it);
    null: absent."""

    node: NonEmpty
    kind: Literal["labels", "annotations", "taints"]
    key: NonEmpty
    before: str | None
    after: str | None


class NodeDriftDoc(Document, frozen=True):
    """Software a node runs changed while its kubelet stayed the same (an upgrade brings a
    new kubelet)."""

    node: NonEmpty
    field: Literal["os_image", "kernel", "runtime"]
    before: NonEmpty
    after: NonEmpty


class PoolDriftDoc(Document, frozen=True):
    """Nodes that joined or left a pool since the previous scan."""

    pool: NonEmpty
    joined: list[str]
    left: list[str]


class HistoryFactsDoc(Document, frozen=True):
    """What the cluster's scans up to the newest (`at`) tell together, as derived when that
    scan was uploaded and stored with it: the facts the rules judged with."""

    at: Timestamp
    scans: Annotated[int, msgspec.Meta(ge=1)]
    previous_scan: Timestamp | None
    runs: list[StateRunDoc]
    metadata_drift: list[MetadataDriftDoc]
    node_drift: list[NodeDriftDoc]
    pool_drift: list[PoolDriftDoc]


class ClusterHistoryDoc(Document, frozen=True):
    """A cluster's judgements, newest first, every change of its verdict, and the facts its
    scans tell together (null until a scan of it was stored with them)
    (arcsupport.cluster-history/v1)."""

    schema: Literal["arcsupport.cluster-history/v1"]
    cluster: ClusterSummaryDoc
    assessments: list[HistoryAssessmentDoc]
    verdict_changes: list[VerdictChangeDoc]
    facts: HistoryFactsDoc | None
    next_cursor: Cursor


class TenantDeadlineDoc(Document, frozen=True):
    """A day by which something must be done on one cluster to keep it supported."""

    cluster_id: ClusterId
    cluster: str
    date: IsoDate
    clauses: Annotated[tuple[ClauseId, ...], msgspec.Meta(min_length=1)]
    what: NonEmpty


class DeadlinesDoc(Document, frozen=True):
    """The tenant's deadlines, soonest first (arcsupport.deadlines/v1)."""

    schema: Literal["arcsupport.deadlines/v1"]
    deadlines: list[TenantDeadlineDoc]
    next_cursor: Cursor


class IngestedClusterDoc(Document, frozen=True):
    """A cluster an upload named; `assessed` is false when a bundle of it is newer than the
    upload (its verdict then still rests on the bundle)."""

    id: ClusterId
    name: str
    verdict: Verdict
    assessed: bool


class IngestDoc(Document, frozen=True):
    """What an upload stored (arcsupport.ingest/v1); `partial` is true for a Resource Graph
    export that is one page of a longer result (its skip_token is set): the clusters on the
    other pages are missing until they are sent too. A listed cluster that is not AKS Arc is
    stored with the verdict not-applicable."""

    schema: Literal["arcsupport.ingest/v1"]
    sha256: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
    clusters: list[IngestedClusterDoc]
    partial: bool


class GrantRequestDoc(Document, frozen=True):
    """A support engineer's request for access to one of the tenant's clusters: `pending`
    until an admin approves it (`grant` is then the grant recorded, running `minutes` from
    the approval or the moment the admin chose) or declines it."""

    id: int
    cluster_id: ClusterId
    cluster: str
    engineer: NonEmpty
    actions: Annotated[
        tuple[str, ...],
        msgspec.Meta(
            min_length=1,
            extra_json_schema={"items": {"enum": list(ACTIONS)}},
        ),
    ]
    minutes: Annotated[int, msgspec.Meta(ge=1)]
    case: NonEmpty
    reason: NonEmpty
    requested_at: Timestamp
    state: Literal["pending", "approved", "declined"]
    decided_by: str | None
    decided_at: Timestamp | None
    decline_reason: str | None
    grant: int | None


class AccessRequestDoc(Document, frozen=True):
    """A request just made, approved or declined (arcsupport.access-request/v1)."""

    schema: Literal["arcsupport.access-request/v1"]
    request: GrantRequestDoc


class AccessRequestsDoc(Document, frozen=True):
    """The tenant's access requests, newest first (arcsupport.access-requests/v1)."""

    schema: Literal["arcsupport.access-requests/v1"]
    requests: list[GrantRequestDoc]


class ErrorBodyDoc(Document, frozen=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z-]*$")]
    message: NonEmpty


class ErrorDoc(Document, frozen=True):
    """Every error the service answers; never a traceback."""

    error: ErrorBodyDoc
