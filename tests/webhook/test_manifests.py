"""deploy/webhook/: the configuration the API server reads matches what the guard serves and
judges (the Kubernetes schemas themselves are checked with the rest of deploy/ in
tests/sources/live/test_rbac_and_deploy.py), and the README's certificate recipe makes a
certificate the guard serves and a client of the Service's name trusts."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any

import yaml

from arcsupport.engine.admission import AdmissionGuard
from arcsupport.policy.loader import load_pack
from arcsupport.version import __version__
from arcsupport.webhook.server import HEALTH_PATH, VALIDATE_PATH, TlsFiles, open_server
from helpers import ROOT

WEBHOOK = ROOT / "deploy" / "webhook"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WEBHOOK / name).read_text())
    return document


def test_every_webhook_fails_open_and_has_no_side_effects() -> None:
    configuration = load("validatingwebhookconfiguration.yaml")
    service = load("service.yaml")
    for webhook in configuration["webhooks"]:
        assert webhook["failurePolicy"] == "Ignore"
        assert webhook["sideEffects"] == "None"
        assert webhook["admissionReviewVersions"] == ["v1"]
        assert 1 <= webhook["timeoutSeconds"] <= 5
        target = webhook["clientConfig"]["service"]
        assert target["path"] == VALIDATE_PATH
        assert (target["name"], target["namespace"]) == (
            service["metadata"]["name"],
            service["metadata"]["namespace"],
        )
        assert target["port"] == service["spec"]["ports"][0]["port"]


def test_the_rules_send_what_the_guard_judges() -> None:
    pack = load_pack(None)
    nodes, managed, alpha = load("validatingwebhookconfiguration.yaml")["webhooks"]
    assert nodes["rules"] == [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["UPDATE"],
         "resources": ["nodes", "nodes/status"], "scope": "Cluster"},
    ]  # fmt: skip
    (rule,) = managed["rules"]
    kinds = {c.kind for c in pack.managed.components if c.kind != "StaticPod"}
    assert {f"{kind.lower()}s" for kind in kinds} | {"deployments/scale"} == set(rule["resources"])
    assert set(rule["operations"]) == {"UPDATE", "DELETE"}
    assert managed["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": pack.managed.namespace}
    }
    # Exact: a request through a GA version must not reach the guard converted to an alpha one.
    assert alpha["matchPolicy"] == "Exact"
    assert all(re.fullmatch(r"v\d+alpha\d+", v) for v in alpha["rules"][0]["apiVersions"])
    excluded = alpha["namespaceSelector"]["matchExpressions"][0]
    assert excluded["operator"] == "NotIn"
    assert pack.managed.namespace in excluded["values"]


def test_the_deployment_serves_the_port_and_files_the_service_and_recipe_name() -> None:
    deployment = load("deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = container["args"]
    assert args[0] == "webhook"
    option = dict(zip(args[1::2], args[2::2], strict=True))
    assert int(option["--port"]) == container["ports"][0]["containerPort"]
    assert option["--host"] == "0.0.0.0"
    mount = container["volumeMounts"][0]["mountPath"]
    assert option["--tls-cert"] == f"{mount}/tls.crt"
    assert option["--tls-key"] == f"{mount}/tls.key"
    secret = pod["volumes"][0]["secret"]["secretName"]
    assert f"create secret tls {secret}" in (WEBHOOK / "README.md").read_text()
    assert container["readinessProbe"]["httpGet"]["path"] == HEALTH_PATH
    assert container["image"] == f"arcsupport:{__version__}"
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert load("service.yaml")["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    kustomization = load("kustomization.yaml")
    assert sorted(kustomization["resources"]) == sorted(
        path.name for path in WEBHOOK.glob("*.yaml") if path.name != "kustomization.yaml"
    )


FAKE_KUBECTL = """#!/bin/sh
# Stands in for kubectl: keeps what the recipe hands it.
echo "$*" >> "$OUT/calls"
case "$*" in
  *"create secret tls"*)
    while [ $# -gt 0 ]; do
      case "$1" in --cert) cp "$2" "$OUT/tls.crt";; --key) cp "$2" "$OUT/tls.key";; esac
      shift
    done
    echo "kind: Secret";;
  "apply -f -") cat > "$OUT/applied.yaml";;
  *patch*)
    while [ $# -gt 0 ]; do
      if [ "$1" = "--patch-file" ]; then cat "$2" >> "$OUT/patches"; echo >> "$OUT/patches"; fi
      shift
    done;;
esac
"""


def test_the_readme_recipe_makes_a_certificate_the_guard_serves(tmp_path: Path) -> None:
    readme = (WEBHOOK / "README.md").read_text()
    (script,) = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                   "OUT": str(out)}  # fmt: skip
    result = subprocess.run(
        ["/bin/sh", "-c", script], env=environment, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    patches = [json.loads(line) for line in (out / "patches").read_text().splitlines()]
    assert [patch[0]["path"] for patch in patches] == [
        f"/webhooks/{index}/clientConfig/caBundle" for index in range(3)
    ]
    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(base64.b64decode(patches[0][0]["value"]))

    server = open_server(
        "127.0.0.1", 0, AdmissionGuard(load_pack(None)), "en",
        TlsFiles(out / "tls.crt", out / "tls.key"), None,
    )  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        context = ssl.create_default_context(cafile=str(ca_file))
        port = server.server_address[1]
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="arcsupport-webhook.arcsupport.svc") as tls,
        ):
            tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            response = http.client.HTTPResponse(tls)
            response.begin()
            assert (response.status, response.read()) == (200, b"ok\n")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
