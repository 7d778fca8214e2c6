"""The admission guard's latency per review: p50 and p99 over a few thousand AdmissionReviews.

    python bench/webhook.py [--reviews 3000] [--budget-p99-ms 10]

Two measurements over the same mix of reviews (tests/admission_payloads.py: the real kind
Node, the AKS Arc-shaped worker and CoreDNS of examples/healthy), a quarter each of: a
person's refused node label change, the kubelet's node status update (allowed), a refused
CoreDNS image change, an allowed node label of the user's own:

- `decide`: read_review + AdmissionGuard.decide + admission_response, in this process: the
  guard's own cost;
- `https`: POST /validate to `arcsupport webhook`'s server on loopback over TLS, one kept-alive
  connection as the API server holds it, from request sent to reply read.

The budget is the end-to-end p99: the API server waits for the guard on every node update and
every managed-component write, within the webhook's timeoutSeconds (3 s in deploy/webhook/).
Exits 1 when the p99 over HTTPS exceeds the budget.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import ssl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT / "tests")]

import trustme  # noqa: E402

from admission_payloads import (  # noqa: E402
    ALICE,
    aks_arc_worker,
    coredns,
    encoded,
    kind_node,
    kubelet,
    node_update,
    workload_update,
)
from arcsupport.engine.admission import AdmissionGuard  # noqa: E402
from arcsupport.policy.loader import load_pack  # noqa: E402
from arcsupport.report.admission import admission_response  # noqa: E402
from arcsupport.sources.admission import read_review  # noqa: E402
from arcsupport.webhook.server import TlsFiles, open_server  # noqa: E402


def mix() -> list[bytes]:
    node = kind_node()
    relabelled = copy.deepcopy(node)
    relabelled["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    heartbeat = copy.deepcopy(node)
    for condition in heartbeat["status"]["conditions"]:
        condition["lastHeartbeatTime"] = "2021-01-05T10:00:00Z"
    dns = coredns()
    reimaged = copy.deepcopy(dns)
    reimaged["spec"]["template"]["spec"]["containers"][0]["image"] = "docker.io/coredns:1.12"
    worker = aks_arc_worker()
    own_label = copy.deepcopy(worker)
    own_label["metadata"]["labels"]["team"] = "retail"
    return [
        encoded(node_update(node, relabelled, ALICE)),
        encoded(node_update(node, heartbeat, kubelet("kind-control-plane"), sub_resource="status")),
        encoded(workload_update(dns, reimaged, ALICE)),
        encoded(node_update(worker, own_label, ALICE)),
    ]


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def measure_decide(bodies: list[bytes], reviews: int) -> list[float]:
    guard = AdmissionGuard(load_pack(None))
    samples = []
    for index in range(reviews):
        body = bodies[index % len(bodies)]
        start = time.perf_counter()
        admission_response(guard.decide(read_review(body)), "en")
        samples.append(time.perf_counter() - start)
    return samples


def measure_https(bodies: list[bytes], reviews: int) -> list[float]:
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder) / "tls.crt", Path(folder) / "tls.key"
        leaf = ca.issue_cert("127.0.0.1")
        leaf.private_key_pem.write_to_path(str(key_file))
        cert_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        guard = AdmissionGuard(load_pack(None))
        server = open_server("127.0.0.1", 0, guard, "en", TlsFiles(cert_file, key_file), None)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            context = ssl.create_default_context()
            ca.configure_trust(context)
            port = server.server_address[1]
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
            headers = {"Content-Type": "application/json"}
            samples = []
            for index in range(reviews):
                body = bodies[index % len(bodies)]
                start = time.perf_counter()
                connection.request("POST", "/validate", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                samples.append(time.perf_counter() - start)
                if response.status != 200:
                    raise SystemExit(f"review {index}: HTTP {response.status}")
            connection.close()
            return samples
        finally:
            server.shutdown()
            server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--budget-p99-ms", type=float, default=10.0)
    options = parser.parse_args()
    bodies = mix()
    sizes = ", ".join(f"{len(body) / 1024:.1f}" for body in bodies)
    print(f"{options.reviews} reviews, a mix of 4 (KiB: {sizes})")
    results = {}
    for name, measure in (("decide", measure_decide), ("https", measure_https)):
        measure(bodies, 200)  # warm-up: imports, caches, the TLS session
        samples = measure(bodies, options.reviews)
        p50, p99 = percentiles(samples)
        results[name] = p99
        print(
            f"{name:>7}: p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   max {max(samples) * 1000:6.2f} ms"
        )
    within = results["https"] <= options.budget_p99_ms
    verdict = "within" if within else "OVER"
    print(f"budget: p99 over HTTPS <= {options.budget_p99_ms:g} ms: {verdict}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
