"""Upstream alpha features: feature gates and alpha APIs (PRV-1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from itertools import chain

from arcsupport.i18n.message import Message
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import Pod, PodContainer

_NEEDS_METRICS = Message("needs.feature-gates")
_NEEDS_PODS = Message("needs.control-plane-flags")
_NEEDS_APIS = Message("needs.served-apis")
_CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
_ALPHA_VERSION = re.compile(r"^v\d+alpha\d+$")
# Go's strconv.ParseBool, which the flags use; runtime-config takes a bare key as true too.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


class _Stage(Enum):
    ALPHA = "alpha"
    LATER = "beta or GA"
    UNKNOWN = "unknown"


# component-base's two special gates: each switches on every gate of its stage.
_SPECIAL_GATES = {"AllAlpha": _Stage.ALPHA, "AllBeta": _Stage.LATER}


@rule(
    "alpha-features",
    clauses=("PRV-1",),
    needs=(_NEEDS_METRICS, _NEEDS_PODS, _NEEDS_APIS),
    inert_without=("metrics", "pods", "apis"),
)
def alpha_features(ctx: Context) -> Iterator[Outcome]:
    snap = ctx.snapshot
    control_plane = [
        (component, pod)
        for pod in ctx.facts.pods_by_namespace.get("kube-system", ())
        if (component := _control_plane_component(pod)) is not None
    ]
    missing = tuple(
        needs
        for needs, present in (
            (_NEEDS_METRICS, snap.metrics is not None),
            (_NEEDS_PODS, bool(control_plane)),
            (_NEEDS_APIS, snap.apis is not None),
        )
        if not present
    )
    if len(missing) == 3:
        raise NotEvaluated(*missing)
    if missing:
        yield Gap(missing)

    alpha: dict[str, list[Evidence]] = {}
    unknown: dict[str, list[Evidence]] = {}
    stages: dict[str, str] = {}
    if snap.metrics is not None:
        for state in snap.metrics.feature_gates:
            stages[state.name] = state.stage
            if state.enabled and state.stage == "ALPHA":
                alpha.setdefault(state.name, []).append(
                    ctx.facts.evidence(
                        "kubernetes/metrics", "/metrics",
                        f'kubernetes_feature_enabled{{name="{state.name}",stage="ALPHA"}}', 1,
                    )
                )  # fmt: skip

    runtime: dict[str, list[Evidence]] = {}
    for component, pod in control_plane:
        obj = f"kube-system/Pod/{pod.metadata.name}"
        for container in chain(pod.spec.containers, pod.spec.initContainers):
            for where, value in _flag_values(container, "--feature-gates"):
                for gate in _enabled_gates(value):
                    stage = _stage(ctx, gate, stages)
                    if stage is _Stage.LATER:
                        continue
                    target = alpha if stage is _Stage.ALPHA else unknown
                    target.setdefault(gate, []).append(
                        ctx.facts.evidence(
                            "kubernetes/pods", obj,
                            f"spec.containers[{container.name}].{where} --feature-gates",
                            f"{gate}=true",
                        )
                    )  # fmt: skip
            if component != "kube-apiserver":
                continue  # only the API server serves APIs
            for where, value in _flag_values(container, "--runtime-config"):
                for key in _alpha_runtime_keys(value):
                    runtime.setdefault(key, []).append(
                        ctx.facts.evidence(
                            "kubernetes/pods", obj,
                            f"spec.containers[{container.name}].{where} --runtime-config", key,
                        )
                    )  # fmt: skip

    if alpha:
        yield ctx.finding(
            "gates", "unsupported", ("PRV-1",), _flatten(alpha),
            gates=", ".join(sorted(alpha)), count=len(alpha),
        )  # fmt: skip
    if unknown:
        yield ctx.finding(
            "unknown-stage", "warning", ("PRV-1",), _flatten(unknown),
            gates=", ".join(sorted(unknown)), count=len(unknown),
        )  # fmt: skip
    if runtime:
        yield ctx.finding(
            "runtime-config", "unsupported", ("PRV-1",), _flatten(runtime),
            apis=", ".join(runtime), count=len(runtime),
        )  # fmt: skip

    if snap.apis is not None:
        builtin = frozenset(ctx.pack.preview.builtin_api_groups)
        served: list[Evidence] = []
        for group in snap.apis.groups:
            for version in group.versions:
                if is_alpha_api(group.name, version.version, builtin):
                    served.append(
                        ctx.facts.evidence(
                            "kubernetes/apis", "/apis", f"groups[{group.name}].versions",
                            version.groupVersion or f"{group.name}/{version.version}",
                        )
                    )  # fmt: skip
        if served:
            yield ctx.finding(
                "alpha-apis", "unsupported", ("PRV-1",), served[:EVIDENCE_CAP],
                apis=", ".join(item.value for item in served), count=len(served),
            )  # fmt: skip


def is_alpha_api(group: str, version: str, builtin_groups: frozenset[str]) -> bool:
    """An alpha version of a built-in group. CRDs and aggregated APIs also serve v1alpha1
    versions; those are not Kubernetes preview features, so only the built-in groups count."""
    return group in builtin_groups and _ALPHA_VERSION.match(version) is not None


def _control_plane_component(pod: Pod) -> str | None:
    """kubeadm labels its mirror pods `component=<name>`; else the first container's name or
    executable says which component it is."""
    labelled = pod.metadata.labels.get("component")
    if labelled in _CONTROL_PLANE:
        return labelled
    if pod.spec.containers:
        first = pod.spec.containers[0]
        executable = first.command[0].rsplit("/", 1)[-1] if first.command else ""
        for name in (first.name, executable):
            if name in _CONTROL_PLANE:
                return name
    return None


def _flag_values(container: PodContainer, flag: str) -> Iterator[tuple[str, str]]:
    """(command|args, value) of each `--flag=value` or `--flag value`; kubeadm writes flags
    into `command`, RKE2 into `args`, so both are read as one command line."""
    tokens = [("command", token) for token in container.command] + [
        ("args", token) for token in container.args
    ]
    prefix = flag + "="
    for index, (where, token) in enumerate(tokens):
        if token.startswith(prefix):
            yield where, token[len(prefix) :]
        elif token == flag and index + 1 < len(tokens):
            yield where, tokens[index + 1][1]


def _enabled_gates(value: str) -> Iterator[str]:
    for entry in value.split(","):
        name, _, setting = entry.partition("=")
        if setting.strip() in _TRUE:
            yield name.strip()


def _alpha_runtime_keys(value: str) -> Iterator[str]:
    """Keys of `--runtime-config` that switch alpha APIs on: `api/alpha`, `api/all`, or a
    `<group>/<vNalphaM>[/<resource>]` key."""
    for entry in value.split(","):
        key, _, setting = entry.strip().partition("=")
        if setting and setting not in _TRUE:
            continue
        if key in ("api/alpha", "api/all") or any(
            _ALPHA_VERSION.match(part) for part in key.split("/")
        ):
            yield key


def _stage(ctx: Context, gate: str, stages: dict[str, str]) -> _Stage:
    """The API server's own metrics first; then the pack's table for the cluster's minor."""
    if gate in _SPECIAL_GATES:
        return _SPECIAL_GATES[gate]
    if gate in stages:
        return _Stage.ALPHA if stages[gate] == "ALPHA" else _Stage.LATER
    known = ctx.pack.preview.alpha_feature_gates.get(gate)
    current = ctx.facts.cluster_version
    if known is None or current is None:
        return _Stage.UNKNOWN
    minor = current.version.minor_tuple
    if minor < KubeVersion.parse(known.alpha_in).minor_tuple:
        return _Stage.UNKNOWN  # the gate did not exist yet: the table cannot describe it
    if known.beta_in is None or minor < KubeVersion.parse(known.beta_in).minor_tuple:
        return _Stage.ALPHA
    return _Stage.LATER


def _flatten(by_name: dict[str, list[Evidence]]) -> list[Evidence]:
    return [item for name in sorted(by_name) for item in by_name[name]][:EVIDENCE_CAP]
