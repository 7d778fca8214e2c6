"""Collect a big emulated cluster with `arcsupport collect`: peak memory and request count.

    python bench/collect.py [--nodes 5000] [--pods 150000] [--seed 1] [--quick]

The loopback Kubernetes API server of the tests (tests/kube_emulator.py) serves, over TLS with
a bearer token, a cluster shaped by bench/generate.py: its nodes, namespaces, workloads,
services and pods (managedFields, env, probes, full status). Items are built page by page as
the collector asks for them, so the emulator never holds a whole list. `arcsupport collect`
runs as a child process (the installed console script); its peak RSS comes from `os.wait4`.

Targets (issue 4): peak RSS of `collect` under 200 MB, and exactly as many requests as the
pages needed (the three discovery GETs plus ceil(items / 500), at least one, per kind): no
retries, no re-reads. Exits 1 when either is missed.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import trustme

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "tests")]

from arcsupport.sources.live.kinds import KINDS  # noqa: E402
from arcsupport.sources.live.kubernetes import PAGE_SIZE  # noqa: E402
from generate import (  # noqa: E402
    Gen,
    Plan,
    PodWriter,
    metrics_text,
    namespace_object,
    node_object,
    plan,
    service_object,
    workload_object,
)
from kube_emulator import (  # noqa: E402
    BUILTIN,
    KubeEmulator,
    Resource,
    discovery,
)

Json = dict[str, Any]
TARGET_MIB = 200
TOKEN = "bench-token"
SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.5",
    "gitCommit": "b1dfcdddd2f510d5323554bd646179e9fa3fd1e2",
    "gitTreeState": "clean",
    "buildDate": "2025-01-15T14:31:55Z",
    "goVersion": "go1.22.10",
    "compiler": "gc",
    "platform": "linux/amd64",
}


# Runs the collector and prints its peak RSS and CPU seconds. A child's ru_maxrss counts the
# RSS of the process that spawned it, as it was at the spawn (Linux folds the parent's memory
# map into the child's high-water mark at exec), and this process holds the emulator's plan
# (hundreds of MiB at full size): the collector is therefore started from a small launcher.
_LAUNCHER = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(os.waitstatus_to_exitcode(status))
"""


class Lazy:
    """Item i of a list made by a generator: built when asked, in order. A collector reads a
    list front to back; a restart from an earlier item starts the generator again."""

    def __init__(self, make: Callable[[], Iterator[Json]]) -> None:
        self._make = make
        self._items = make()
        self._next = 0

    def __call__(self, index: int) -> Json:
        if index < self._next:
            self._items, self._next = self._make(), 0
        while self._next < index:
            next(self._items)
            self._next += 1
        self._next += 1
        return next(self._items)


def cluster(nodes: int, pods: int, seed: int) -> list[Resource]:
    """The resources of generate.py's cluster; each list draws from its own random stream."""
    p: Plan = plan(Gen(seed), nodes, pods)
    workers = [i for i, node in enumerate(p.nodes) if node.pool is not None]

    def resource(plural: str, count: int, make: Callable[[Gen], Iterator[Json]]) -> Resource:
        group, version, kind = BUILTIN[plural]
        stream = seed * 1000 + list(BUILTIN).index(plural)
        return Resource(plural, count, Lazy(lambda: make(Gen(stream))), group, version, kind)

    pod_count = sum(
        len(w.nodes) if w.kind in ("DaemonSet", "Static") else w.replicas for w in p.workloads
    )
    served = [
        resource(
            "nodes", len(p.nodes), lambda g: (node_object(g, p, i) for i in range(len(p.nodes)))
        ),
        resource(
            "namespaces",
            len(p.namespaces),
            lambda g: (namespace_object(g, n) for n in p.namespaces),
        ),
        resource("pods", pod_count, lambda g: PodWriter(g, p).pods(workers)),
        resource(
            "services",
            len(p.services),
            lambda g: (service_object(g, w, i) for i, w in enumerate(p.services)),
        ),
    ]
    for kind, plural in (
        ("DaemonSet", "daemonsets"),
        ("Deployment", "deployments"),
        ("StatefulSet", "statefulsets"),
    ):
        workloads = [w for w in p.workloads if w.kind == kind]
        served.append(
            resource(
                plural,
                len(workloads),
                lambda g, workloads=workloads: (workload_object(g, w) for w in workloads),
            )
        )
    # The other kinds the collector lists exist, empty, as on a cluster that uses none.
    listed = {r.plural for r in served}
    served += [Resource.of(kind.plural, []) for kind in KINDS if kind.plural not in listed]
    return served


def kubeconfig(path: Path, server: str, ca: trustme.CA) -> Path:
    authority = base64.b64encode(ca.cert_pem.bytes()).decode()
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "bench",
                        "cluster": {"server": server, "certificate-authority-data": authority},
                    }
                ],
                "users": [{"name": "bench", "user": {"token": TOKEN}}],
                "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
                "current-context": "bench",
            }
        )
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="500 nodes, 15,000 pods")
    args = parser.parse_args(argv)
    nodes, pods = (500, 15_000) if args.quick else (args.nodes, args.pods)

    out = BENCH / "out" / f"collect-n{nodes}-p{pods}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.monotonic()
    resources = cluster(nodes, pods, args.seed)
    planned = time.monotonic() - started
    groups: dict[str, list[str]] = {}
    for resource in resources:
        if resource.group:
            groups.setdefault(resource.group, [resource.version])
    ca = trustme.CA()
    emulator = KubeEmulator(
        resources,
        version=SERVER_VERSION,
        metrics=metrics_text(Gen(args.seed)),
        apis=discovery(groups),
        token=TOKEN,
        tls=ca,
    )
    bundle = out / "bundle"
    with emulator:
        config = kubeconfig(out / "kubeconfig", emulator.url, ca)
        command = [
            sys.executable,
            "-c",
            _LAUNCHER,
            str(Path(sys.executable).with_name("arcsupport")),
            "collect",
            "--kubeconfig",
            str(config),
            "-o",
            str(bundle),
        ]
        began = time.monotonic()
        launched = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.monotonic() - began
    if launched.returncode != 0:
        print(f"collect failed: {launched.stderr.strip()}", file=sys.stderr)
        return 1
    *printed, measured = launched.stdout.splitlines()
    stdout = "\n".join(printed)
    maxrss_kib, cpu = (float(value) for value in measured.split())
    peak_mib = maxrss_kib / 1024
    needed = 3 + sum(-(-max(r.count, 1) // PAGE_SIZE) for r in resources)
    made = len(emulator.requests)
    size_mib = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file()) / 2**20
    counts = {r.plural: r.count for r in resources if r.count}
    print(f"cluster: {', '.join(f'{n:,} {plural}' for plural, n in counts.items())}")
    print(f"emulator plan built in {planned:.1f} s; items generated page by page while serving")
    print(f"collect: {elapsed:.1f} s wall, {cpu:.1f} s CPU; bundle {size_mib:,.0f} MiB")
    print(f"  {stdout.strip()}")
    memory_ok = peak_mib < TARGET_MIB
    requests_ok = made == needed
    print(
        f"peak RSS of collect: {peak_mib:,.0f} MiB (target < {TARGET_MIB} MiB) "
        + ("PASS" if memory_ok else "FAIL")
    )
    print(
        f"requests: {made:,}, pages needed: {needed:,} (3 discovery + lists in pages of "
        f"{PAGE_SIZE}) " + ("PASS" if requests_ok else "FAIL")
    )
    shutil.rmtree(bundle, ignore_errors=True)
    return 0 if memory_ok and requests_ok else 1


if __name__ == "__main__":
    sys.exit(main())
