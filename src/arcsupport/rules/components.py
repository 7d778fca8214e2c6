"""What else the cluster runs: third-party projects (COV-OUT-2) and its CNI (COV-IN-7,
COV-OUT-4). Both are scope information: they limit what support covers, never the support of
the cluster itself."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from itertools import chain

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import ComponentSignature
from arcsupport.rules.facts import per_pack
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.types import Severity

# A finding about many objects names the first few; `signals` says how many matched.
_SUMMARY_CAP = 5

_SEVERITY: dict[str, Severity] = {
    "basic": "best-effort",  # COV-IN-7: basic installation and configuration only
    "best-effort": "best-effort",
    "out-of-scope": "out-of-scope",
}


class _Match(msgspec.Struct):
    evidence: list[Evidence] = msgspec.field(default_factory=list)
    releases: dict[str, None] = msgspec.field(default_factory=dict)  # ordered set of ns/release


_Pattern = tuple[str, str | None, re.Pattern[str], re.Pattern[str] | None]


def _patterns(components: dict[str, ComponentSignature]) -> list[_Pattern]:
    """Compiled once per pack: the detection loop meets every workload (15,000 in a big
    cluster) and a fleet runs it for every cluster."""
    return [
        (
            key,
            signature.kind,
            re.compile(fnmatch.translate(signature.name)),
            re.compile(fnmatch.translate(signature.namespace)) if signature.namespace else None,
        )
        for key, component in components.items()
        for signature in component.workloads
    ]


# Every snapshot field the detection pass and the two rules of this module read.
_LOOKED_IN = (
    "daemonsets", "deployments", "statefulsets", "services", "pods", "namespaces", "apis",
)  # fmt: skip


def _detected(ctx: Context) -> dict[str, _Match]:
    """Every component of the pack, detected in one pass shared by both rules of this module:
    the pass reads every workload and every pod, which is most of what these rules cost."""
    snap = ctx.snapshot
    if all(getattr(snap, name) is None for name in _LOOKED_IN):
        return {}  # nothing to look in (a cluster known only from Azure inventory)
    return ctx.facts.shared("components.detected", lambda: _detect(ctx, ctx.pack.components))


def _detect(ctx: Context, components: dict[str, ComponentSignature]) -> dict[str, _Match]:
    """Every component of `components` with at least one matching signal, in pack order."""
    snap = ctx.snapshot
    evidence = ctx.facts.evidence
    matches: dict[str, _Match] = {key: _Match() for key in components}
    vendor_namespaces = set(ctx.pack.managed.vendor_namespaces)
    workload_patterns = per_pack(
        ctx.pack, "components.workload-patterns", lambda: _patterns(components)
    )
    # Where each namespace was seen: the list of namespaces, or any namespaced object in it.
    namespaces: dict[str, str] = {
        ns.metadata.name: "kubernetes/namespaces" for ns in snap.namespaces or ()
    }

    for kind, plural, items in (
        ("DaemonSet", "daemonsets", snap.daemonsets),
        ("Deployment", "deployments", snap.deployments),
        ("StatefulSet", "statefulsets", snap.statefulsets),
    ):
        part = f"kubernetes/{plural}"
        for workload in items or ():
            meta = workload.metadata
            namespaces.setdefault(meta.namespace, part)
            obj = f"{meta.namespace}/{kind}/{meta.name}"
            pod_spec = workload.spec.template.spec
            # The vendor installs its own agents with Helm too (the azure-arc release); only
            # releases outside its namespaces are the user's third-party software.
            vendor_owned = meta.namespace in vendor_namespaces
            named: set[str] = set()
            for key, sig_kind, name_pattern, namespace_pattern in workload_patterns:
                if (
                    key not in named
                    and (sig_kind is None or sig_kind == kind)
                    and name_pattern.match(meta.name)
                    and (namespace_pattern is None or namespace_pattern.match(meta.namespace))
                ):
                    named.add(key)
                    matches[key].evidence.append(evidence(part, obj, "metadata.name", meta.name))
            for key, component in components.items():
                found = matches[key]
                for container in chain(pod_spec.containers, pod_spec.initContainers):
                    if any(pattern in container.image for pattern in component.image_patterns):
                        found.evidence.append(
                            evidence(
                                part, obj,
                                f"spec.template.spec.containers[{container.name}].image",
                                container.image,
                            )
                        )  # fmt: skip
                if vendor_owned:
                    continue
                for label, value in component.labels.items():
                    if meta.labels.get(label) == value:
                        found.evidence.append(
                            evidence(part, obj, f"metadata.labels[{label}]", value)
                        )
                for annotation in component.annotation_keys:
                    release = meta.annotations.get(annotation)
                    if release is not None:
                        found.releases[f"{meta.namespace}/{release}"] = None
                        found.evidence.append(
                            evidence(part, obj, f"metadata.annotations[{annotation}]", release)
                        )

    for service in snap.services or ():
        meta = service.metadata
        namespaces.setdefault(meta.namespace, "kubernetes/services")
        for key, component in components.items():
            if meta.name in component.services:
                matches[key].evidence.append(
                    evidence(
                        "kubernetes/services", f"{meta.namespace}/Service/{meta.name}",
                        "metadata.name", meta.name,
                    )
                )  # fmt: skip

    # Pods can number 150,000: one pass over container names against a set, nothing else.
    sidecars = {name for component in components.values() for name in component.sidecar_containers}
    injected: dict[tuple[str, str], int] = {}  # (namespace, sidecar) -> pods
    for pod in snap.pods or ():
        namespace = pod.metadata.namespace
        namespaces.setdefault(namespace, "kubernetes/pods")
        if not sidecars:
            continue
        # Native sidecars (Kubernetes 1.29+) are init containers that keep running.
        for running in chain(pod.spec.containers, pod.spec.initContainers):
            if running.name in sidecars:
                injected[(namespace, running.name)] = injected.get((namespace, running.name), 0) + 1
                break  # a pod is injected by one mesh; count it once
    for (namespace, sidecar), count in sorted(injected.items()):
        for key, component in components.items():
            if sidecar in component.sidecar_containers:
                matches[key].evidence.append(
                    evidence(
                        "kubernetes/pods", f"{namespace}/Pod/*", "spec.containers[].name",
                        f"{sidecar}: {count} pods",
                    )
                )  # fmt: skip

    for namespace, part in namespaces.items():
        for key, component in components.items():
            if namespace in component.namespaces:
                matches[key].evidence.append(
                    evidence(part, f"Namespace/{namespace}", "metadata.name", namespace)
                )

    if snap.apis is not None:
        for group in snap.apis.groups:
            for key, component in components.items():
                if group.name in component.api_groups:
                    matches[key].evidence.append(
                        evidence(
                            "kubernetes/apis", f"/apis/{group.name}", "groups[].name", group.name
                        )
                    )

    return {key: found for key, found in matches.items() if found.evidence}


def _summary(match: _Match) -> str:
    return name_list(list(dict.fromkeys(item.object for item in match.evidence)), _SUMMARY_CAP)


_NEEDS_THIRD_PARTY = {
    "daemonsets": Message("needs.daemonsets-file"),
    "deployments": Message("needs.deployments-file"),
    "services": Message("needs.services-file"),
    "pods": Message("needs.sidecars"),
    "apis": Message("needs.api-groups"),
}


@rule(
    "third-party-components",
    clauses=("COV-OUT-2",),
    needs=tuple(_NEEDS_THIRD_PARTY.values()),
    inert_without=_LOOKED_IN,
)
def third_party_components(ctx: Context) -> Iterator[Outcome]:
    snap = ctx.snapshot
    present = {
        "daemonsets": snap.daemonsets is not None,
        "deployments": snap.deployments is not None,
        "services": snap.services is not None,
        "pods": snap.pods is not None,
        "apis": snap.apis is not None,
    }
    missing = tuple(_NEEDS_THIRD_PARTY[name] for name, ok in present.items() if not ok)
    if not any(present.values()) and snap.statefulsets is None and snap.namespaces is None:
        raise NotEvaluated(*missing)
    if missing:
        yield Gap(missing)

    candidates = {
        key: component for key, component in ctx.pack.components.items()
        if component.category != "cni"
    }  # fmt: skip
    for key, found in _detected(ctx).items():
        if key not in candidates:
            continue
        component = candidates[key]
        severity = _SEVERITY[component.support]
        evidence = found.evidence[:EVIDENCE_CAP]
        clauses = tuple(component.clauses)
        if found.releases:
            releases = list(found.releases)
            yield ctx.finding(
                "releases", severity, clauses, evidence,
                name=component.name, count=len(releases),
                releases=name_list(releases, _SUMMARY_CAP),
            )  # fmt: skip
        else:
            yield ctx.finding(
                severity, severity, clauses, evidence,
                name=component.name, category=component.category,
                signals=len(found.evidence), found=_summary(found),
            )  # fmt: skip


_NEEDS_CNI = (Message("needs.daemonsets-file"), Message("needs.apis-file"))


@rule("cni", clauses=("COV-IN-7", "COV-OUT-4"), needs=_NEEDS_CNI, inert_without=_LOOKED_IN)
def cni(ctx: Context) -> Iterator[Outcome]:
    snap = ctx.snapshot
    cnis = {
        key: component for key, component in ctx.pack.components.items()
        if component.category == "cni"
    }  # fmt: skip
    detected = {key: found for key, found in _detected(ctx).items() if key in cnis}
    if not detected and snap.daemonsets is None and snap.apis is None:
        raise NotEvaluated(*_NEEDS_CNI)
    if snap.daemonsets is None:
        # CNIs run as DaemonSets; without them only API groups can tell, and they may outlive
        # an uninstalled CNI.
        yield Gap((_NEEDS_CNI[0],))

    provisioned = snap.provisioned_cluster
    network_policy = ""
    if provisioned is not None and provisioned.properties.networkProfile is not None:
        network_policy = provisioned.properties.networkProfile.networkPolicy
    policy_evidence = (
        ctx.facts.evidence(
            "azure/provisioned-cluster", "provisionedClusterInstances/default",
            "properties.networkProfile.networkPolicy", network_policy,
        )
        if network_policy
        else None
    )  # fmt: skip
    policy_found = False

    for key, found in detected.items():
        component = cnis[key]
        severity = _SEVERITY[component.support]
        evidence = found.evidence[:EVIDENCE_CAP]
        if policy_evidence is not None and network_policy.lower() in (key, component.name.lower()):
            policy_found = True
            evidence.append(policy_evidence)
        yield ctx.finding(
            severity, severity, tuple(component.clauses), evidence,
            name=component.name, signals=len(found.evidence), found=_summary(found),
        )  # fmt: skip

    if not detected:
        yield ctx.finding(
            "none", "info", ("COV-IN-7",), [policy_evidence] if policy_evidence else []
        )
    elif policy_evidence is not None and not policy_found:
        names = ", ".join(cnis[key].name for key in detected)
        # The cluster was provisioned with one CNI and runs another: the network was
        # customised outside what AKS Arc documents.
        yield ctx.finding(
            "network-policy", "out-of-scope", ("COV-OUT-4",), [policy_evidence],
            policy=network_policy, found=names,
        )  # fmt: skip
