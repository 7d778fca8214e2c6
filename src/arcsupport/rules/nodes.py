"""Agent nodes: drift from what AKS Arc provisioned (SHR-3, CUST-1, ACC-1), NIC and address
drift (CUST-2, NET-1), NotReady nodes (NODE-V-3) and privileged DaemonSets (CUST-4)."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Generator, Iterator
from datetime import timedelta
from fractions import Fraction

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.rules.facts import HISTORY_SOURCE
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.azure import AgentPoolProfile, VmSku
from arcsupport.snapshot.kube import Node, PodSpec
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.snapshot.quantity import parse_quantity
from arcsupport.timeutil import as_utc

_NEEDS_NODES = Message("needs.nodes")
_NEEDS_POOLS = Message("needs.pools")
_NEEDS_SKUS = Message("needs.vm-skus")
_NEEDS_SUBNETS = Message("needs.node-subnets")
_NEEDS_DAEMONSETS = Message("needs.daemonsets")

# research/aksarc-formats.md 2.5: AKS Arc labels each node `<cluster>-<random>-<pool>`.
POOL_LABEL = "msft.microsoft/nodepool-name"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
# The name the control plane goes by in messages: its field in the provisioned cluster.
_CONTROL_PLANE = "controlPlane"

# The kubelet reports the kernel's MemTotal as memory capacity: the VM's RAM less what firmware
# and the kernel reserve at boot (a few percent, more on small VMs that reserve a crash kernel).
# It can never exceed the RAM the VM size gives, and 15% is more than any such reservation but
# less than the step between VM sizes, so capacity outside 85%..100% of `MemoryMb` (MiB, as
# Hyper-V counts) means the VM has a different amount of memory than its size.
_MEMORY_FLOOR = Fraction(85, 100)


class Pool(msgspec.Struct, eq=False):
    """What Azure says one node pool (or the control plane) should be."""

    name: str
    count: int | None
    vm_size: str
    autoscale: tuple[int, int] | None  # (min, max) when the autoscaler owns the count
    part: str
    obj: str
    prefix: str  # field path of the pool's profile inside `obj`
    labels: dict[str, str] = {}  # `nodeLabels`, which AKS Arc puts on the pool's nodes
    taints: list[str] = []  # `nodeTaints`, as `key[=value]:Effect`
    nodes: list[Node] = msgspec.field(default_factory=list)

    def evidence(self, ctx: Context, name: str, value: object) -> Evidence:
        return ctx.facts.evidence(self.part, self.obj, self.prefix + name, value)


def _from_profile(profile: AgentPoolProfile, name: str, part: str, obj: str, prefix: str) -> Pool:
    autoscale = None
    if profile.enableAutoScaling and profile.minCount is not None and profile.maxCount is not None:
        autoscale = (profile.minCount, profile.maxCount)
    return Pool(
        name, profile.count, profile.vmSize, autoscale, part, obj, prefix,
        dict(profile.nodeLabels), list(profile.nodeTaints),
    )  # fmt: skip


def agent_pools(snap: Snapshot) -> dict[str, Pool] | None:
    """The worker pools by name, or None when no source names them."""
    pools: dict[str, Pool] = {}
    # Each agentPools resource is the pool itself; the cluster's profiles are a summary, so
    # they only fill in pools that agent-pools.json does not list.
    for pool in snap.agent_pools or ():
        name = pool.name or pool.properties.name
        pools[name] = _from_profile(
            pool.properties, name, "azure/agent-pools", f"agentPools/{name}", "properties."
        )
    provisioned = snap.provisioned_cluster
    if provisioned is not None:
        for profile in provisioned.properties.agentPoolProfiles:
            if profile.name not in pools:
                pools[profile.name] = _from_profile(
                    profile, profile.name, "azure/provisioned-cluster",
                    "provisionedClusterInstances/default",
                    f"properties.agentPoolProfiles[{profile.name}].",
                )  # fmt: skip
    if snap.agent_pools is None and not pools:
        return None
    return pools


def _control_plane(snap: Snapshot) -> Pool | None:
    provisioned = snap.provisioned_cluster
    if provisioned is None or provisioned.properties.controlPlane is None:
        return None
    profile = provisioned.properties.controlPlane
    return Pool(
        _CONTROL_PLANE, profile.count, profile.vmSize, None, "azure/provisioned-cluster",
        "provisionedClusterInstances/default", "properties.controlPlane.",
    )  # fmt: skip


def pool_of(label: str, pools: dict[str, Pool], cache: dict[str, Pool | None]) -> Pool | None:
    """The longest known pool name the label ends with. Pool names match ^[a-z][a-z0-9]{2,11}$
    (no dash), yet ARM examples carry dashed names (`default-nodepool-1`): a suffix match
    handles both where taking the last dash-separated part would not."""
    if label not in cache:
        matches = [
            pool for name, pool in pools.items() if label == name or label.endswith("-" + name)
        ]
        cache[label] = max(matches, key=lambda pool: len(pool.name), default=None)
    return cache[label]


def _node_evidence(ctx: Context, node: Node, field_path: str, value: object) -> Evidence:
    return ctx.facts.evidence("kubernetes/nodes", f"nodes/{node.metadata.name}", field_path, value)


@rule(
    "node-drift",
    clauses=("SHR-3", "CUST-1", "ACC-1"),
    needs=(_NEEDS_NODES, _NEEDS_POOLS, _NEEDS_SKUS),
    inert_without=("nodes",),
)
def node_drift(ctx: Context) -> Iterator[Outcome]:
    nodes = ctx.snapshot.nodes
    if nodes is None:
        raise NotEvaluated(_NEEDS_NODES)
    arm_pools = agent_pools(ctx.snapshot)
    control_plane = _control_plane(ctx.snapshot)
    if arm_pools is None:
        yield Gap((_NEEDS_POOLS,))
    cache: dict[str, Pool | None] = {}
    unmanaged: list[Node] = []
    # Nodes that should be alike: one pool (by its label alone when Azure names no pools).
    groups: dict[str, list[Node]] = {}
    for node in nodes:
        labels = node.metadata.labels
        pool: Pool | None
        if CONTROL_PLANE_LABEL in labels:
            pool, group = control_plane, _CONTROL_PLANE
        else:
            label = labels.get(POOL_LABEL, "")
            pool = pool_of(label, arm_pools, cache) if label and arm_pools else None
            group = pool.name if pool is not None else label
            if pool is None and arm_pools is not None:
                unmanaged.append(node)
        if pool is not None:
            pool.nodes.append(node)
        if group:
            groups.setdefault(group, []).append(node)

    known = [*(arm_pools or {}).values(), *([control_plane] if control_plane else [])]
    if unmanaged:
        yield ctx.finding(
            "unmanaged", "unsupported", ("SHR-3",),
            [
                _node_evidence(ctx, node, f"metadata.labels[{POOL_LABEL}]",
                               node.metadata.labels.get(POOL_LABEL, "<none>"))
                for node in unmanaged[:EVIDENCE_CAP]
            ],
            count=len(unmanaged), nodes=name_list([node.metadata.name for node in unmanaged]),
            pools=name_list(list(arm_pools or {})) or "-",
        )  # fmt: skip
    yield from _count_drift(ctx, known)
    yield from _size_drift(ctx, known)
    unjudged = yield from _image_drift(ctx, nodes)
    yield from _patched_nodes(
        ctx,
        {
            group: [node for node in members if node.metadata.name in unjudged]
            for group, members in groups.items()
        },
    )
    yield from _changed_in_place(ctx)


_SOFTWARE_FIELDS = {
    "os_image": "status.nodeInfo.osImage",
    "kernel": "status.nodeInfo.kernelVersion",
    "runtime": "status.nodeInfo.containerRuntimeVersion",
}


def _changed_in_place(ctx: Context) -> Iterator[Outcome]:
    """Nodes whose OS image, kernel or containerd changed between scans on the same kubelet:
    AKS Arc brings new node software with a new node, so the change was made on the node.
    Earlier scans alone show it, and the node may have been handled since, so a warning."""
    history = ctx.snapshot.history
    if history is None or not history.node_changes:
        return
    changes = history.node_changes
    evidence = [
        Evidence(
            f"nodes/{change.node}", _SOFTWARE_FIELDS[change.field],
            f"{change.after} (an earlier scan: {change.before})", Provenance.HISTORY,
            HISTORY_SOURCE,
        )
        for change in changes[:EVIDENCE_CAP]
    ]  # fmt: skip
    nodes = list(dict.fromkeys(change.node for change in changes))
    yield ctx.finding(
        "changed-in-place", "warning", ("SHR-3", "ACC-1"), evidence,
        count=len(nodes), nodes=name_list(nodes),
    )  # fmt: skip


def _count_drift(ctx: Context, pools: list[Pool]) -> Iterator[Outcome]:
    evidence: list[Evidence] = []
    names: list[str] = []
    for pool in pools:
        seen = len(pool.nodes)
        if pool.autoscale is not None:
            low, high = pool.autoscale
            if not low <= seen <= high:
                names.append(pool.name)
                evidence.append(pool.evidence(ctx, "minCount..maxCount", f"{low}..{high} ({seen})"))
        elif pool.count is not None and pool.count != seen:
            names.append(pool.name)
            evidence.append(pool.evidence(ctx, "count", f"{pool.count} ({seen})"))
    if names:
        # Which nodes came and went since the previous scan, where the service keeps history.
        history = ctx.snapshot.history
        for change in history.pool_changes if history is not None else ():
            if change.pool in names and len(evidence) < EVIDENCE_CAP:
                evidence.append(
                    Evidence(
                        f"node pool {change.pool}", "nodes since the previous scan",
                        f"joined: {', '.join(change.joined) or '-'}; "
                        f"left: {', '.join(change.left) or '-'}",
                        Provenance.HISTORY, HISTORY_SOURCE,
                    )
                )  # fmt: skip
        # A scale operation in progress looks the same, hence a warning, not a verdict.
        yield ctx.finding(
            "count", "warning", ("SHR-3",), evidence[:EVIDENCE_CAP],
            count=len(names), pools=name_list(names),
        )  # fmt: skip


def _sku_shape(sku: VmSku) -> tuple[int, int] | None:
    """(vCPUs, MiB of memory) of a VM size, None when the payload does not say."""
    try:
        return int(sku.capability("vCpu") or ""), int(sku.capability("MemoryMb") or "")
    except ValueError:
        return None


def _resized(cpu: str, memory: str, vcpu: int, memory_mb: int) -> bool | None:
    """Whether a capacity differs from a VM size; None when the capacity cannot be read."""
    try:
        cores, size = parse_quantity(cpu), parse_quantity(memory)
    except ValueError:
        return None
    ram = memory_mb * 2**20
    return cores != vcpu or not _MEMORY_FLOOR * ram <= size <= ram


def _size_drift(ctx: Context, pools: list[Pool]) -> Iterator[Outcome]:
    sized = [pool for pool in pools if pool.vm_size and pool.nodes]
    if not sized:
        return
    vm_skus = ctx.snapshot.vm_skus
    if vm_skus is None:
        yield Gap((_NEEDS_SKUS,))
        return
    skus = {sku.name.casefold(): sku for sku in vm_skus.properties.values}
    unknown_sizes: set[str] = set()
    unreadable: list[str] = []
    resized: list[Node] = []
    evidence: list[Evidence] = []
    # Nodes of one pool mostly report identical capacities: judge each distinct one once.
    verdicts: dict[tuple[str, str, int, int], bool | None] = {}
    for pool in sized:
        sku = skus.get(pool.vm_size.casefold())
        shape = _sku_shape(sku) if sku is not None else None
        if shape is None:
            unknown_sizes.add(pool.vm_size)
            continue
        vcpu, memory_mb = shape
        for node in pool.nodes:
            cpu = node.status.capacity.get("cpu", "")
            memory = node.status.capacity.get("memory", "")
            key = (cpu, memory, vcpu, memory_mb)
            if key not in verdicts:
                verdicts[key] = _resized(cpu, memory, vcpu, memory_mb)
            verdict = verdicts[key]
            if verdict is None:
                unreadable.append(node.metadata.name)
            elif verdict:
                resized.append(node)
                if len(evidence) < EVIDENCE_CAP:
                    evidence.append(_node_evidence(
                        ctx, node, "status.capacity",
                        f"cpu={cpu}, memory={memory} ({pool.vm_size}: vCpu={vcpu}, "
                        f"MemoryMb={memory_mb})",
                    ))  # fmt: skip
    if unknown_sizes:
        sizes = ", ".join(sorted(unknown_sizes))
        yield Gap((Message("needs.vm-sku-sizes", {"sizes": sizes}),))
    if unreadable:
        yield Gap((Message("needs.node-capacity", {"nodes": name_list(unreadable)}),))
    if resized:
        yield ctx.finding(
            "size", "unsupported", ("SHR-3", "CUST-1"), evidence,
            count=len(resized), nodes=name_list([node.metadata.name for node in resized]),
        )  # fmt: skip


# What a node image fixes, as status.nodeInfo reports it.
_IMAGE_FIELDS = ("osImage", "kernelVersion", "containerRuntimeVersion")
_CONTAINERD = "containerd://"


def _image_drift(ctx: Context, nodes: list[Node]) -> Generator[Outcome, None, set[str]]:
    """Each node against the node images the pack says AKS Arc ships with its Kubernetes
    patch; returns the names of the nodes this could not judge with a confirmed image, which
    are left to the comparison with their pool."""
    shipped = ctx.pack.node_images
    unjudged: set[str] = set()
    foreign: dict[str, list[str]] = {}  # osImage -> nodes: no OS AKS Arc ships
    unknown: dict[str, list[str]] = {}  # kubelet version -> nodes: no image in the pack
    changed: list[Node] = []  # differ from a confirmed node image
    referenced: list[Node] = []  # differ from an unconfirmed one
    evidence: list[Evidence] = []
    for node in nodes:
        info = node.status.nodeInfo
        name = node.metadata.name
        if ctx.facts.node_os(info.osImage) is None:
            # Not an image AKS Arc ships: said so in coverage, and compared with nothing (its
            # AKS Arc siblings would call any such node changed).
            foreign.setdefault(info.osImage or "<none>", []).append(name)
            continue
        kubelet = KubeVersion.try_parse(info.kubeletVersion)
        images = shipped.get(str(kubelet)) if kubelet and kubelet.patch is not None else None
        if not images:
            shown = str(kubelet) if kubelet else info.kubeletVersion or "<none>"
            unknown.setdefault(shown, []).append(name)
            unjudged.add(name)
            continue
        confirmed = any(image.confirmed for image in images)
        if not confirmed:
            # A value no real AKS Arc node confirmed is a reference, not proof: the node is
            # also left to the comparison with its pool, which is.
            unjudged.add(name)
        actual = (info.osImage, info.kernelVersion, info.containerRuntimeVersion)
        wanted = [
            (image.os_image, image.kernel, _CONTAINERD + image.containerd) for image in images
        ]
        if actual in wanted:
            continue
        # The image the node differs least from names what changed.
        closest = max(wanted, key=lambda fields: sum(map(str.__eq__, fields, actual)))
        (changed if confirmed else referenced).append(node)
        for field, found, expected in zip(_IMAGE_FIELDS, actual, closest, strict=True):
            if found != expected and len(evidence) < EVIDENCE_CAP:
                evidence.append(_node_evidence(
                    ctx, node, f"status.nodeInfo.{field}",
                    f"{found} (AKS Arc node image of {kubelet}: {expected})",
                ))  # fmt: skip
    if foreign:
        shown = "; ".join(f"{name_list(names)}: {image!r}" for image, names in foreign.items())
        yield Gap((Message("needs.node-os", {"found": shown}),))
    if unknown:
        nodes_without = [name for names in unknown.values() for name in names]
        args = {"versions": ", ".join(unknown), "nodes": name_list(nodes_without)}
        yield Gap((Message("needs.node-image", args),))
    if changed:
        mine = [e for e in evidence if e.object in {f"nodes/{n.metadata.name}" for n in changed}]
        yield ctx.finding(
            "image", "unsupported", ("SHR-3", "CUST-1", "ACC-1"), mine,
            count=len(changed), nodes=name_list([node.metadata.name for node in changed]),
        )  # fmt: skip
    if referenced:
        names = {f"nodes/{node.metadata.name}" for node in referenced}
        yield ctx.finding(
            "image-reference", "warning", ("SHR-3", "CUST-1", "ACC-1"),
            [e for e in evidence if e.object in names],
            count=len(referenced), nodes=name_list([node.metadata.name for node in referenced]),
        )  # fmt: skip
    return unjudged


def _odd_ones(nodes: list[Node], attribute: str) -> tuple[list[Node], str]:
    """Nodes whose nodeInfo `attribute` differs from the majority's, and that majority's value
    ("" when there is no single majority: then every node is odd, none can be trusted)."""
    values = Counter(getattr(node.status.nodeInfo, attribute) for node in nodes)
    if len(values) < 2:
        return [], ""
    (top, top_count), (_, second_count) = values.most_common(2)
    if top_count == second_count:
        return nodes, ""
    return [node for node in nodes if getattr(node.status.nodeInfo, attribute) != top], top


def _patched_nodes(ctx: Context, groups: dict[str, list[Node]]) -> Iterator[Outcome]:
    flagged: dict[str, None] = {}  # node names, in order
    pools: dict[str, None] = {}
    evidence: list[Evidence] = []
    for group, members in groups.items():
        # During an upgrade a pool legitimately mixes images; compare like kubelets only.
        by_kubelet: dict[str, list[Node]] = {}
        for node in members:
            by_kubelet.setdefault(node.status.nodeInfo.kubeletVersion, []).append(node)
        for kubelet, alike in by_kubelet.items():
            for attribute in _IMAGE_FIELDS:
                odd, majority = _odd_ones(alike, attribute)
                for node in odd:
                    flagged[node.metadata.name] = None
                    pools[group] = None
                    if len(evidence) < EVIDENCE_CAP:
                        evidence.append(_node_evidence(
                            ctx, node, f"status.nodeInfo.{attribute}",
                            f"{getattr(node.status.nodeInfo, attribute)} ({group}, kubelet "
                            f"{kubelet}: majority {majority or '-'})",
                        ))  # fmt: skip
    if flagged:
        yield ctx.finding(
            "patched", "unsupported", ("SHR-3", "CUST-1", "ACC-1"), evidence,
            count=len(flagged), nodes=name_list(list(flagged)), pools=name_list(list(pools)),
        )  # fmt: skip


def _declared_subnets(
    ctx: Context,
) -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], list[str]]:
    """(valid networks, entries that are not CIDRs) from facts.yaml."""
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    invalid: list[str] = []
    for text in ctx.snapshot.facts.node_subnets if ctx.snapshot.facts else ():
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            invalid.append(text)
    return networks, invalid


@rule(
    "node-network",
    clauses=("CUST-2", "NET-1"),
    needs=(_NEEDS_NODES, _NEEDS_SUBNETS),
    inert_without=("nodes",),
)
def node_network(ctx: Context) -> Iterator[Outcome]:
    nodes = ctx.snapshot.nodes
    if nodes is None:
        raise NotEvaluated(_NEEDS_NODES)
    subnets, invalid = _declared_subnets(ctx)
    if invalid:
        yield Gap((Message("needs.node-subnets-invalid", {"values": ", ".join(invalid)}),))
    elif not subnets:
        yield Gap((_NEEDS_SUBNETS,))
    outside: list[str] = []
    outside_evidence: list[Evidence] = []
    extra_nic: list[str] = []
    nic_evidence: list[Evidence] = []
    for node in nodes:
        internal_v4: list[str] = []
        strays: list[str] = []  # "type=address" outside every declared subnet
        for address in node.status.addresses:
            if address.type not in ("InternalIP", "ExternalIP"):
                continue
            try:
                ip = ipaddress.ip_address(address.address)
            except ValueError:
                continue
            if address.type == "InternalIP" and ip.version == 4:
                internal_v4.append(address.address)
            if subnets and not any(ip in subnet for subnet in subnets):
                strays.append(f"{address.type}={address.address}")
        if strays:
            outside.append(node.metadata.name)
            if len(outside_evidence) < EVIDENCE_CAP:
                outside_evidence.append(
                    _node_evidence(ctx, node, "status.addresses", ", ".join(strays))
                )
        if len(internal_v4) > 1:
            extra_nic.append(node.metadata.name)
            if len(nic_evidence) < EVIDENCE_CAP:
                nic_evidence.append(_node_evidence(
                    ctx, node, "status.addresses[InternalIP]", ", ".join(internal_v4)
                ))  # fmt: skip
    if outside:
        declared = ", ".join(str(subnet) for subnet in subnets)
        yield ctx.finding(
            "outside-subnets", "unsupported", ("CUST-2", "NET-1"),
            [ctx.facts.evidence("facts", "facts.yaml", "node_subnets", declared),
             *outside_evidence],
            count=len(outside), nodes=name_list(outside), subnets=declared,
        )  # fmt: skip
    if extra_nic:
        # A second IPv4 address may be a second NIC added in Hyper-V, or a secondary address
        # on the same NIC; only a person can tell, hence a warning.
        yield ctx.finding(
            "extra-nic", "warning", ("NET-1",), nic_evidence,
            count=len(extra_nic), nodes=name_list(extra_nic),
        )  # fmt: skip


@rule("node-not-ready", clauses=("NODE-V-3",), needs=(_NEEDS_NODES,), inert_without=("nodes",))
def node_not_ready(ctx: Context) -> Iterator[Outcome]:
    if ctx.snapshot.nodes is None:
        raise NotEvaluated(_NEEDS_NODES)
    _, not_ready = ctx.facts.ready_nodes
    down: list[tuple[int | None, Node, str]] = []  # (hours down, node, Ready condition text)
    for node in not_ready:
        condition = node.condition("Ready")
        if condition is None:
            down.append((None, node, "<none>"))
        elif condition.lastTransitionTime is None:
            down.append((None, node, condition.status))
        else:
            since = as_utc(condition.lastTransitionTime)
            # A snapshot judged "as of" a date before the transition: not down yet, not negative.
            hours = max(0, int((ctx.at - since) / timedelta(hours=1)))
            down.append((hours, node, f"{condition.status} since {since.isoformat()} ({hours}h)"))
    if not down:
        return
    down.sort(key=lambda item: -1 if item[0] is None else item[0], reverse=True)
    evidence = [
        _node_evidence(ctx, node, "status.conditions[Ready]", text)
        for _, node, text in down[:EVIDENCE_CAP]
    ]
    names = name_list([node.metadata.name for _, node, _ in down])
    longest_hours, longest, _ = down[0]
    if longest_hours is None:
        yield ctx.finding(
            "not-ready-since-unknown", "info", ("NODE-V-3",), evidence,
            count=len(down), nodes=names,
        )  # fmt: skip
    else:
        yield ctx.finding(
            "not-ready", "info", ("NODE-V-3",), evidence,
            count=len(down), nodes=names, longest=longest.metadata.name,
            hours=longest_hours, days=longest_hours // 24,
        )  # fmt: skip


def _privileges(spec: PodSpec) -> list[str]:
    """What lets a pod template change its node, as field paths: privileged containers, the
    host's PID or network namespace, and hostPath volumes some container may write to. A
    volume every container mounts read-only (a log shipper reading /var/log) changes nothing."""
    containers = (*spec.initContainers, *spec.containers)
    reasons = [
        f"{kind}[{container.name}].securityContext.privileged"
        for kind, listed in (("initContainers", spec.initContainers),
                             ("containers", spec.containers))
        for container in listed
        if container.securityContext is not None and container.securityContext.privileged
    ]  # fmt: skip
    reasons.extend(name for name, on in (("hostPID", spec.hostPID),
                                         ("hostNetwork", spec.hostNetwork)) if on)  # fmt: skip
    for volume in spec.volumes:
        if volume.hostPath is None:
            continue
        writers = [
            container.name
            for container in containers
            if any(mount.name == volume.name and not mount.readOnly
                   for mount in container.volumeMounts)
        ]  # fmt: skip
        if writers:
            reasons.append(
                f"volumes[{volume.name}].hostPath={volume.hostPath.path} "
                f"(read-write in {', '.join(writers)})"
            )
    return reasons


@rule(
    "privileged-daemonsets",
    clauses=("CUST-4",),
    needs=(_NEEDS_DAEMONSETS,),
    inert_without=("daemonsets",),
)
def privileged_daemonsets(ctx: Context) -> Iterator[Outcome]:
    daemonsets = ctx.snapshot.daemonsets
    if daemonsets is None:
        raise NotEvaluated(_NEEDS_DAEMONSETS)
    managed = ctx.pack.managed
    # Users share kube-system with the vendor: there only the pack's managed components are
    # the vendor's. The vendor's other namespaces hold its agents alone.
    vendor = set(managed.vendor_namespaces) - {managed.namespace}
    names: list[str] = []
    evidence: list[Evidence] = []
    for daemonset in daemonsets:
        meta = daemonset.metadata
        if meta.namespace in vendor or (
            meta.namespace == managed.namespace and managed.matching("DaemonSet", meta.name)
        ):
            continue
        reasons = _privileges(daemonset.spec.template.spec)
        if not reasons:
            continue
        obj = ctx.facts.workload_object(daemonset)
        names.append(f"{meta.namespace}/{meta.name}")
        if len(evidence) < EVIDENCE_CAP:
            evidence.append(
                ctx.facts.evidence(
                    "kubernetes/daemonsets", obj, "spec.template.spec", "; ".join(reasons)
                )
            )
    if names:
        yield ctx.finding(
            "privileged", "best-effort", ("CUST-4",), evidence,
            count=len(names), daemonsets=name_list(names),
        )  # fmt: skip
