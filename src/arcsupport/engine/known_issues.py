"""Which known issues concern a cluster: pure, from the cluster's facts and the evaluation
time the caller chooses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from arcsupport.i18n.message import Message
from arcsupport.rules.facts import Facts
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.known_issue import OPERATIONS, KnownIssue, release_number
from arcsupport.timeutil import yymm_start

_ALWAYS_PRESENT = frozenset({"kube-apiserver", "node-image"})
# AKS Arc GPU sizes are the N-series (Standard_NC4_A2, Standard_NC16_L4_1, Standard_NK6).
_GPU_SIZE = re.compile(r"^Standard_N[CKV]", re.IGNORECASE)

# --- matching ----------------------------------------------------------------------------------

# confirmed: the cluster's release, version or components tie the record to it;
# possible: a condition could not be checked from the bundle;
# general: the record names only operations and limits no release or version, so it concerns
# any cluster that runs them.
Certainty = Literal["confirmed", "possible", "general"]


@dataclass(frozen=True, slots=True)
class KnownIssueMatch:
    issue: KnownIssue
    certainty: Certainty
    reasons: tuple[Message, ...]  # why it concerns the cluster
    unknowns: tuple[Message, ...]  # what could not be checked
    fix: Message  # the fixed release (available or expected), or none yet


def _presence(facts: Facts, component: str) -> tuple[bool | None, str]:
    """Whether the cluster has the component (None: the bundle cannot tell), and the sign."""
    snap = facts.snapshot
    if component in _ALWAYS_PRESENT:
        return True, "every AKS Arc cluster"
    if component == "gpu-nodepool":
        for node in snap.nodes or ():
            if node.status.capacity.get("nvidia.com/gpu", "0") not in ("", "0"):
                return True, f"Node/{node.metadata.name} capacity nvidia.com/gpu"
        for pool in snap.agent_pools or ():
            if _GPU_SIZE.match(pool.properties.vmSize):
                return True, f"agent pool {pool.name} vmSize {pool.properties.vmSize}"
        return (None if snap.nodes is None and snap.agent_pools is None else False), ""
    if component == "akshci-telemetry":
        for workload in snap.deployments or ():
            if workload.metadata.name == "akshci-telemetry":
                return True, f"{facts.workload_object(workload)}"
        for pod in snap.pods or ():
            if pod.metadata.labels.get("app") == "akshci-telemetry":
                return True, f"{pod.metadata.namespace}/Pod/{pod.metadata.name}"
        return (None if snap.deployments is None and snap.pods is None else False), ""
    if component == "workload-identity":
        for namespace in snap.namespaces or ():
            if namespace.metadata.name == "arc-workload-identity":
                return True, "Namespace/arc-workload-identity"
        return (None if snap.namespaces is None else False), ""
    if component == "pod-disruption-budgets":
        budgets = snap.other_objects.get("poddisruptionbudgets")
        if budgets is None:
            return None, ""
        if budgets:
            first = budgets[0].metadata
            more = f" (+{len(budgets) - 1})" if len(budgets) > 1 else ""
            return True, f"{first.namespace}/PodDisruptionBudget/{first.name}{more}"
        return False, ""
    raise ValueError(f"unknown known-issue component {component!r}")


def _releases_text(issue: KnownIssue) -> str:
    span = issue.affected.azure_local
    parts = []
    if span is not None and span.from_:
        parts.append(f">={span.from_}")
    if span is not None and span.through:
        parts.append(f"<={span.through}")
    elif issue.fixed_in is not None:
        parts.append(f"<{issue.fixed_in}")
    return ", ".join(parts) or "*"


def _versions_text(issue: KnownIssue) -> str:
    span = issue.affected.kubernetes
    if span is None:
        return "*"
    parts = [f">={span.from_}"] if span.from_ else []
    parts += [f"<={span.through}"] if span.through else []
    return ", ".join(parts) or "*"


def _release_applies(issue: KnownIssue, release: str) -> bool | None:
    """Whether the host's release is among the affected ones; None for a name not YYMM."""
    try:
        yymm_start(release)
    except ValueError:
        return None
    number = release_number(release)
    span = issue.affected.azure_local
    if span is not None and span.from_ and number < release_number(span.from_):
        return False
    if span is not None and span.through and number > release_number(span.through):
        return False
    return not (issue.fixed_in is not None and number >= release_number(issue.fixed_in))


def _version_applies(issue: KnownIssue, version: KubeVersion) -> bool:
    span = issue.affected.kubernetes
    if span is None:
        return True

    def key(text: str, high: bool) -> tuple[int, int, int]:
        bound = KubeVersion.parse(text)
        # A bare minor bound covers all of its patches.
        patch = bound.patch if bound.patch is not None else (10**9 if high else 0)
        return (bound.major, bound.minor, patch)

    have = (version.major, version.minor, version.patch or 0)
    if span.from_ and have < key(span.from_, False):
        return False
    return not (span.through and have > key(span.through, True))


def _fix(issue: KnownIssue, at: datetime) -> Message:
    if issue.fixed_in is not None:
        since = yymm_start(issue.fixed_in)
        if since <= at.date():
            return Message(
                "known-issues.fix.update", {"release": issue.fixed_in, "since": since.isoformat()}
            )
        return Message("known-issues.fix.expected", {"release": issue.fixed_in})
    if issue.expected_by is not None and issue.expected_by < at.date():
        return Message("known-issues.fix.overdue", {"date": issue.expected_by.isoformat()})
    return Message("known-issues.fix.none")


def match_known_issues(
    facts: Facts, records: Sequence[KnownIssue], at: datetime
) -> list[KnownIssueMatch]:
    """The records that concern the cluster: its Azure Local release and Kubernetes version
    fall in the affected ones and the components they need are present. A condition the
    bundle cannot check leaves the record in, as `possible`."""
    host = facts.host_platform
    release = host[1] if host is not None and host[0] == "azure-local" else None
    cluster = facts.cluster_version
    presence = {component: _presence(facts, component) for component in _components(records)}
    matches: list[KnownIssueMatch] = []
    for issue in records:
        reasons: list[Message] = []
        unknowns: list[Message] = []
        limited = issue.affected.azure_local is not None or issue.fixed_in is not None
        if limited:
            applies = _release_applies(issue, release) if release is not None else None
            if applies is False:
                continue
            if applies is None:
                unknowns.append(Message("known-issues.unknown.release"))
            else:
                reasons.append(
                    Message(
                        "known-issues.reason.release",
                        {"release": release or "", "releases": _releases_text(issue)},
                    )
                )
        if issue.affected.kubernetes is not None:
            if cluster is None:
                unknowns.append(Message("known-issues.unknown.version"))
            elif not _version_applies(issue, cluster.version):
                continue
            else:
                reasons.append(
                    Message(
                        "known-issues.reason.version",
                        {"version": str(cluster.version), "versions": _versions_text(issue)},
                    )
                )
        absent = False
        for component in issue.affected.components:
            if component in OPERATIONS:
                reasons.append(Message("known-issues.reason.operation", {"component": component}))
                continue
            present, sign = presence[component]
            if present is False:
                absent = True
                break
            if present is None:
                unknowns.append(Message("known-issues.unknown.component", {"component": component}))
            else:
                reasons.append(
                    Message(
                        "known-issues.reason.present", {"component": component, "evidence": sign}
                    )
                )
        if absent:
            continue
        general = (
            not limited
            and issue.affected.kubernetes is None
            and all(component in OPERATIONS for component in issue.affected.components)
        )
        certainty: Certainty = "possible" if unknowns else "general" if general else "confirmed"
        matches.append(
            KnownIssueMatch(
                issue,
                certainty,
                tuple(reasons),
                tuple(unknowns),
                _fix(issue, at),
            )
        )
    return matches


def _components(records: Sequence[KnownIssue]) -> list[str]:
    found = {c for issue in records for c in issue.affected.components if c not in OPERATIONS}
    return sorted(found)
