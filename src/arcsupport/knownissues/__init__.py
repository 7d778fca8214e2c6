"""Known issues (UPS-1, UPS-2): upstream or product bugs recorded with the releases and
components they hit, their symptoms, workaround, options and fix timeline; and which of them
concern a given cluster.

The record format is YAML (`schema: arcsupport.known-issues/v1`); a starter set of documented
AKS Arc issues ships as `aks-arc.yaml` next to this module. Matching is pure: the cluster's
facts and the evaluation time come from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

import msgspec

from arcsupport.errors import InputError
from arcsupport.rules.base import Facts, Message
from arcsupport.safeyaml import load_yaml
from arcsupport.semver import KubeVersion
from arcsupport.timeutil import yymm_start

SCHEMA = "arcsupport.known-issues/v1"
BUILTIN = "aks-arc.yaml"

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
_ALWAYS_PRESENT = frozenset({"kube-apiserver", "node-image"})
_ID = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_URL = re.compile(r"https?://\S+")
# AKS Arc GPU sizes are the N-series (Standard_NC4_A2, Standard_NC16_L4_1, Standard_NK6).
_GPU_SIZE = re.compile(r"^Standard_N[CKV]", re.IGNORECASE)


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


# --- reading -----------------------------------------------------------------------------------

_PATH_INDEX = re.compile(r"\$\.records\[(\d+)\]")


def _release(text: str, field: str) -> int:
    try:
        yymm_start(text)
    except ValueError:
        raise ValueError(
            f"{field}: {text!r} is not an Azure Local release (YYMM, e.g. 2507)"
        ) from None
    return _yymm(text)


def _kube(text: str, field: str) -> KubeVersion:
    try:
        return KubeVersion.parse(text)
    except ValueError:
        raise ValueError(
            f"{field}: {text!r} is not a Kubernetes version (1.29 or 1.29.4)"
        ) from None


def _check(issue: KnownIssue) -> None:
    """What types cannot say; raises ValueError naming the field."""
    if not _ID.fullmatch(issue.id):
        raise ValueError(f"id: {issue.id!r} must be lower-case letters, digits, dots, dashes")
    for name, value in (
        ("title", issue.title), ("workaround", issue.workaround), ("timeline", issue.timeline),
    ):  # fmt: skip
        if not value.strip():
            raise ValueError(f"{name}: must not be empty")
    if not issue.symptoms or not all(text.strip() for text in issue.symptoms):
        raise ValueError("symptoms: list at least one, none empty")
    if not issue.affected.components:
        raise ValueError("affected.components: list at least one")
    for name, url in [("source", issue.source)] + [
        (f"upstream[{i}]", link) for i, link in enumerate(issue.upstream)
    ]:
        if not _URL.fullmatch(url):
            raise ValueError(f"{name}: {url!r} is not an http(s) link")
    fixed = _release(issue.fixed_in, "fixed_in") if issue.fixed_in is not None else None
    if issue.status == "fixed" and fixed is None:
        raise ValueError("fixed_in: a fixed issue names the release that fixes it")
    span = issue.affected.azure_local
    if span is not None:
        low = _release(span.from_, "affected.azure_local.from") if span.from_ else None
        high = _release(span.through, "affected.azure_local.through") if span.through else None
        if low is not None and high is not None and low > high:
            raise ValueError("affected.azure_local: `from` is after `through`")
        last = high if high is not None else low
        if fixed is not None and last is not None and fixed <= last:
            raise ValueError("fixed_in: must come after the affected releases")
    versions = issue.affected.kubernetes
    if versions is not None:
        low_v = _kube(versions.from_, "affected.kubernetes.from") if versions.from_ else None
        high_v = (
            _kube(versions.through, "affected.kubernetes.through") if versions.through else None
        )
        if low_v is not None and high_v is not None and low_v > high_v:
            raise ValueError("affected.kubernetes: `from` is after `through`")


def parse_known_issues(data: bytes, source: str) -> list[KnownIssue]:
    """A known-issue file: typed, then checked record by record; errors name the record."""
    document = load_yaml(data, source)
    if not isinstance(document, dict):
        raise InputError(source, f"a known-issue file is a mapping with `schema: {SCHEMA}`")
    if document.get("schema") != SCHEMA:
        raise InputError(source, f"schema: {document.get('schema')!r} is not {SCHEMA}")
    try:
        parsed = msgspec.convert(document, KnownIssueFile)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _PATH_INDEX.search(text)
        if match and isinstance(document.get("records"), list):
            record = document["records"][int(match.group(1))]
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                text += f" (record {record['id']})"
        if "got `int`" in text:
            text += '; quote release names and versions ("2507")'
        raise InputError(source, text) from None
    seen: set[str] = set()
    for index, issue in enumerate(parsed.records):
        try:
            _check(issue)
        except ValueError as exc:
            raise InputError(source, f"records[{index}] ({issue.id}): {exc}") from None
        if issue.id in seen:
            raise InputError(source, f"records[{index}]: id {issue.id} appears twice")
        seen.add(issue.id)
    return parsed.records


def builtin_known_issues() -> list[KnownIssue]:
    """The starter set shipped with arcsupport."""
    resource = resources.files("arcsupport.knownissues") / BUILTIN
    return parse_known_issues(resource.read_bytes(), f"arcsupport/knownissues/{BUILTIN}")


def load_known_issues(paths: Sequence[Path] = ()) -> list[KnownIssue]:
    """The shipped records, then the given files and folders (*.yaml, *.yml); a record with a
    shipped record's id replaces it, so a support team can correct or update one."""
    records = {issue.id: issue for issue in builtin_known_issues()}
    own: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not files:
                raise InputError(str(path), "holds no .yaml known-issue files")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(str(path), "no such known-issue file or folder")
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise InputError(str(file), exc.strerror or str(exc)) from None
            for issue in parse_known_issues(data, str(file)):
                if issue.id in own:
                    raise InputError(str(file), f"id {issue.id} is already set in {own[issue.id]}")
                own[issue.id] = str(file)
                records[issue.id] = issue
    return list(records.values())


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
    number = _yymm(release)
    span = issue.affected.azure_local
    if span is not None and span.from_ and number < _yymm(span.from_):
        return False
    if span is not None and span.through and number > _yymm(span.through):
        return False
    return not (issue.fixed_in is not None and number >= _yymm(issue.fixed_in))


def _yymm(release: str) -> int:
    """2507 for `2507` and for a build of it such as `2507.1.10`."""
    return int(release[:4])


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
