"""Rewrites the dumps beside this script with the real kubectl, in every shape
`kubectl cluster-info dump --all-namespaces` writes:

    json/          --output-directory json/
    yaml/          -o yaml --output-directory yaml/
    stream.json    what it prints without --output-directory
    stream.yaml    the same with -o yaml

kubectl talks to tests/kube_emulator.py over TLS with a token; the emulator serves a small part
of examples/healthy (SERVED below: two nodes, the pods on them in kube-system and azure-arc, their
workloads and services, and the empty namespace kube-public), so the files stay small.
KUBECTL_VERSION records the client that wrote them.

    .venv/bin/python tests/data/dumps/regenerate.py [KUBECTL]    (default: kubectl on PATH)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # tests/, for kube_emulator

from kube_emulator import EXAMPLES, Resource, from_bundle, write_kubeconfig  # noqa: E402

SERVED: dict[str, set[str]] = {
    "nodes": {"moc-dba58bypqc2", "moc-jnaqcfya1wa"},
    "namespaces": {"default", "kube-public", "kube-system", "azure-arc"},
    "pods": {
        "kube-apiserver-moc-dba58bypqc2",
        "calico-node-z569l",  # two init containers
        "coredns-fwphgl7lt5-qhhsl",
        "csi-akshcicsi-controller-brhhmf8dww-x5j5d",  # three containers
        "kube-proxy-262h9",
        "kube-proxy-4cnjs",
        "clusterconnect-agent-6q98xcxc7j-s7ckk",
    },
    "daemonsets": {"kube-proxy", "calico-node"},
    "deployments": {"coredns", "csi-akshcicsi-controller", "clusterconnect-agent"},
    "services": {"kubernetes", "kube-dns"},
}
SHAPES: dict[str, list[str]] = {
    "json": ["--output-directory", "{target}"],
    "yaml": ["-o", "yaml", "--output-directory", "{target}"],
    "stream.json": [],
    "stream.yaml": ["-o", "yaml"],
}


def main(kubectl: str) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    for path, resource in list(emulator.resources.items()):
        if resource.plural in SERVED:
            items = [resource.item(i) for i in range(resource.count)]
            kept = [item for item in items if item["metadata"]["name"] in SERVED[resource.plural]]
            emulator.resources[path] = Resource.of(resource.plural, kept, resource.version)
    with emulator, tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": home,
            "KUBECONFIG": str(write_kubeconfig(Path(home) / "kubeconfig", emulator.url)),
        }
        for name, options in SHAPES.items():
            target = HERE / name
            if target.is_dir():
                shutil.rmtree(target)
            command = [kubectl, "cluster-info", "dump", "--all-namespaces"]
            command += [option.format(target=target) for option in options]
            if "--output-directory" in options:
                # kubectl says where it wrote on stdout.
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
            else:
                with target.open("wb") as out:
                    subprocess.run(command, env=env, stdout=out, check=True)
        version = subprocess.run(
            [kubectl, "version", "--client", "-o", "json"],
            env=env,
            capture_output=True,
            check=True,
            text=True,
        )
    client = json.loads(version.stdout)["clientVersion"]["gitVersion"]
    (HERE / "KUBECTL_VERSION").write_text(client + "\n")
    print(f"wrote {', '.join(SHAPES)} with kubectl {client}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else shutil.which("kubectl") or "kubectl")
