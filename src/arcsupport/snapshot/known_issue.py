"""Known issues (UPS-1, UPS-2) as records: an upstream or product bug with the releases,
versions and components it hits, its symptoms, workaround, options and fix timeline
(`schema: arcsupport.known-issues/v1`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

SCHEMA = "arcsupport.known-issues/v1"

KnownComponent = Literal[
    # Operations: a record about one concerns every cluster that may run it.
    "cluster-create",
    "cluster-delete",
    "cluster-upgrade",
    "nodepool-create",
    "nodepool-scale",
    # Parts of every AKS Arc cluster.
    "kube-apiserver",
    "node-image",
    # Parts a bundle shows when they are there.
    "gpu-nodepool",
    "akshci-telemetry",
    "workload-identity",
    "pod-disruption-budgets",
]
OPERATIONS: frozenset[str] = frozenset(
    {"cluster-create", "cluster-delete", "cluster-upgrade", "nodepool-create", "nodepool-scale"}
)


class ReleaseSpan(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Azure Local releases (YYMM), both ends included; an open end is unbounded, except that
    a record's `fixed_in` always ends it."""

    from_: str | None = msgspec.field(default=None, name="from")
    through: str | None = None


class VersionSpan(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Kubernetes versions (`1.29` or `1.29.4`), both ends included."""

    from_: str | None = msgspec.field(default=None, name="from")
    through: str | None = None


class Affected(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    components: list[KnownComponent]
    azure_local: ReleaseSpan | None = None
    kubernetes: VersionSpan | None = None
    # hybridaksextension versions the documentation names; a bundle does not carry them.
    extension_versions: list[str] = []


class KnownIssue(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: str
    title: str
    status: Literal["active", "fixed"]
    affected: Affected
    symptoms: list[str]
    cause: str = ""
    workaround: str
    options: list[str] = []
    fixed_in: str | None = None  # the Azure Local release that carries the fix
    timeline: str  # the expected timeline, in words
    expected_by: date | None = None  # an approximate date for a fix not yet released
    source: str  # the documentation page
    upstream: list[str] = []  # upstream bugs, issues or references


class KnownIssueFile(msgspec.Struct, forbid_unknown_fields=True):
    schema: Literal["arcsupport.known-issues/v1"]
    records: list[KnownIssue]


def release_number(release: str) -> int:
    """2507 for `2507` and for a build of it such as `2507.1.10`."""
    return int(release[:4])
