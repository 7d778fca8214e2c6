"""The upgrade plan of a cluster as its snapshot shows it: from the version it runs, on its
host's Azure Local release, with the objects each hop must migrate first."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from arcsupport.errors import InputError
from arcsupport.lifecycle.planner import Plan, plan_upgrade
from arcsupport.policy.model import Pack
from arcsupport.rules.apis import migrations_by_removal
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.model import Snapshot


def plan_for_snapshot(
    snapshot: Snapshot,
    pack: Pack,
    at: datetime,
    *,
    target: str | None = None,
    host_release: str | None = None,
) -> Plan:
    """As `plan_upgrade`, from the cluster's version; the host release the snapshot shows
    (an Azure Local host) unless `host_release` is given; on the calendar its assessment
    uses (what its custom location offers included)."""
    facts = Facts(snapshot, pack)
    if facts.identity.aks_arc is False:
        signals = "; ".join(
            f"{item.object} {item.field} = {item.value}" for item in facts.identity.signals
        )
        raise InputError(
            snapshot.source, f"is not an AKS Arc cluster, so no AKS Arc upgrade applies ({signals})"
        )
    current = facts.cluster_version
    if current is None:
        raise InputError(
            snapshot.source,
            "holds no Kubernetes version (kubernetes/version.json, "
            "azure/provisioned-cluster.json, or the kube-apiserver pod or control-plane nodes it "
            "is inferred from)",
        )
    host = facts.host_platform
    if host_release is None and host is not None and host[0] == "azure-local":
        host_release = host[1]
    plan = plan_upgrade(
        facts.calendar,
        str(current.version),
        at.date(),
        target=target,
        host_release=host_release,
        removals=migrations_by_removal(facts, current.version),
    )
    return dataclasses.replace(plan, notices=facts.calendar_notices(at.date()))
