"""A Kubernetes API server on loopback, for the collector's tests, the benchmark and real kubectl.

It speaks the parts of the wire protocol a collector and kubectl meet, the way kube-apiserver
does: `/version`; legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>`,
`/apis/<group>/<version>`), the resource lists being kube-apiserver's own documents
(tests/data/reference/k8s/discovery; a group version without one, such as a CRD group, is
served with no resources; aggregated discovery is not served, so kubectl falls back to this);
`/metrics`; LIST of core (`/api/v1/<plural>`) and grouped (`/apis/<group>/<version>/<plural>`)
resources cluster-wide and per namespace (`.../namespaces/<ns>/<plural>`) with `limit` and
opaque `continue` tokens (`metadata.continue`, `remainingItemCount`), list items without their
own `kind` and `apiVersion`, `labelSelector` equality, metadata-only lists for
`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`, Tables for
`Accept: application/json;as=Table;g=meta.k8s.io;v=v1` (the columns kube-apiserver prints for
nodes and pods, name and creation time for the rest), container logs
(`/api/v1/namespaces/<ns>/pods/<name>/log`), errors as `Status` objects (400, 401, 403, 404,
410 Expired, 429 with `Retry-After`, 503), HTTP/1.1 keep-alive, and TLS that verifies a client
certificate when one is given (else a bearer token is required).

Faults are switched on per resource (by plural) or per path (`/metrics`) through the public
attributes: forbidden, expire (answer 410 to the next N continue tokens), throttle, unavailable,
slow, drop (cut the answer off mid-body). Every request is recorded, for the tests to count.

Items are built on demand, page by page (`Resource.item(i)`), so a resource can be as large as a
benchmark needs without the emulator holding it.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import trustme

Json = dict[str, Any]

# The CA of every emulator that is not given its own; write_kubeconfig trusts it by default.
TEST_CA = trustme.CA()

# plural -> (group, version, kind): what kube-apiserver serves built in, for the kinds used here.
BUILTIN: dict[str, tuple[str, str, str]] = {
    "nodes": ("", "v1", "Node"),
    "pods": ("", "v1", "Pod"),
    "namespaces": ("", "v1", "Namespace"),
    "services": ("", "v1", "Service"),
    "secrets": ("", "v1", "Secret"),
    "daemonsets": ("apps", "v1", "DaemonSet"),
    "deployments": ("apps", "v1", "Deployment"),
    "statefulsets": ("apps", "v1", "StatefulSet"),
    "ingresses": ("networking.k8s.io", "v1", "Ingress"),
    "cronjobs": ("batch", "v1", "CronJob"),
    "horizontalpodautoscalers": ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    "poddisruptionbudgets": ("policy", "v1", "PodDisruptionBudget"),
    "flowschemas": ("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema"),
    "prioritylevelconfigurations": (
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "PriorityLevelConfiguration",
    ),
    "mutatingwebhookconfigurations": (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
    ),
    "validatingwebhookconfigurations": (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
    ),
    # What `kubectl cluster-info dump` lists besides the above (the example bundles hold none).
    "events": ("", "v1", "Event"),
    "replicationcontrollers": ("", "v1", "ReplicationController"),
    "replicasets": ("apps", "v1", "ReplicaSet"),
}
CLUSTER_SCOPED = frozenset(
    {
        "nodes",
        "namespaces",
        "flowschemas",
        "prioritylevelconfigurations",
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    }
)
# One custom resource for each CRD group the example bundles' /apis names, so that their
# discovery is never empty (kubectl refuses an empty resource list, and kube-apiserver never
# serves one): Azure Arc's agents (connectedclusters.arc.azure.com and
# azureclusteridentityrequests.clusterconfig.azure.com, namespaced, in `kubectl get crd` of an
# Arc cluster), Calico's IP pools, and the best-known kind of each Cilium and Istio group.
# group -> (kind, plural, namespaced), served in every version /apis names.
CUSTOM_RESOURCES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "arc.azure.com": (("ConnectedCluster", "connectedclusters", True),),
    "clusterconfig.azure.com": (
        ("AzureClusterIdentityRequest", "azureclusteridentityrequests", True),
    ),
    "crd.projectcalico.org": (("IPPool", "ippools", False),),
    "cilium.io": (("CiliumNetworkPolicy", "ciliumnetworkpolicies", True),),
    "networking.istio.io": (("VirtualService", "virtualservices", True),),
    "security.istio.io": (("AuthorizationPolicy", "authorizationpolicies", True),),
    "telemetry.istio.io": (("Telemetry", "telemetries", True),),
    "extensions.istio.io": (("WasmPlugin", "wasmplugins", True),),
}
# As apiextensions-apiserver lists them for a custom resource.
_CUSTOM_RESOURCE_VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update",
                          "watch"]  # fmt: skip
METADATA_ONLY = "as=PartialObjectMetadataList"
DISCOVERY_DOCUMENTS = Path(__file__).resolve().parent / "data" / "reference" / "k8s" / "discovery"


@dataclass
class Resource:
    plural: str
    count: int
    item: Callable[[int], Json]  # the i-th object, as `kubectl get -o json` prints it
    group: str = ""
    version: str = "v1"
    kind: str = ""

    @classmethod
    def of(cls, plural: str, items: list[Json], version: str | None = None) -> Resource:
        group, default_version, kind = BUILTIN[plural]
        return cls(plural, len(items), items.__getitem__, group, version or default_version, kind)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        prefix = f"/apis/{self.group_version}" if self.group else "/api/v1"
        return f"{prefix}/{self.plural}"

    @property
    def namespaced(self) -> bool:
        return self.plural not in CLUSTER_SCOPED


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names


def status(code: int, reason: str, message: str, **extra: Any) -> Json:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
        **extra,
    }


def _token(rv: int, start: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _untoken(token: str) -> int | None:
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["start"])
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class Faults:
    """Per plural or per path; counters are used up as requests come in."""

    forbidden: set[str] = field(default_factory=set)
    expire: dict[str, int] = field(default_factory=dict)  # 410 to the next N continue tokens
    throttle: dict[str, tuple[int, int]] = field(default_factory=dict)  # (times, Retry-After)
    unavailable: dict[str, int] = field(default_factory=dict)  # 503, N times
    slow: dict[str, tuple[int, float]] = field(default_factory=dict)  # (times, seconds)
    drop: dict[str, int] = field(default_factory=dict)  # cut the body off, N times
    ignore_metadata_only: bool = False  # an old server: full Secrets despite the Accept header

    def take(self, table: dict[str, Any], key: str) -> Any:
        """The fault's value when one is left for `key`, using one up."""
        entry = table.get(key)
        if entry is None:
            return None
        times = entry[0] if isinstance(entry, tuple) else entry
        if times <= 0:
            return None
        table[key] = (times - 1, *entry[1:]) if isinstance(entry, tuple) else times - 1
        return entry


class KubeEmulator:
    def __init__(
        self,
        resources: list[Resource],
        *,
        version: Json,
        metrics: str = "",
        apis: Json | None = None,
        token: str | None = "emulator-token",
        # A trustme.CA: HTTPS with a certificate for 127.0.0.1 (None: plain HTTP, where the
        # collector, like kubectl, sends no credentials).
        tls: Any = TEST_CA,
        rv: int = 48213,
        logs: Callable[[Json, str], str] | None = None,  # (pod, container) -> its log
    ) -> None:
        self.resources = {resource.path: resource for resource in resources}
        self.version = version
        self.metrics = metrics
        self.apis = apis if apis is not None else self._discovery()
        self.token = token
        self.rv = rv
        self.logs = logs or container_log
        self.faults = Faults()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._tls = self._tls_context(tls) if tls is not None else None
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        # A short poll: shutdown() waits for the loop to look, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> KubeEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _discovery(self) -> Json:
        groups: dict[str, list[str]] = {}
        for resource in self.resources.values():
            if resource.group:
                versions = groups.setdefault(resource.group, [])
                if resource.version not in versions:
                    versions.append(resource.version)
        return discovery(groups)

    @staticmethod
    def _tls_context(ca: Any) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        ca.configure_trust(context)
        # As kube-apiserver: verify a client certificate when one is offered.
        context.verify_mode = ssl.CERT_OPTIONAL
        return context

    def resource_at(self, path: str) -> tuple[Resource | None, str | None]:
        """The resource a LIST path names, and the namespace the list is restricted to."""
        if path in self.resources:
            return self.resources[path], None
        match = _NAMESPACED_LIST.fullmatch(path)
        if match:
            resource = self.resources.get(f"{match['prefix']}/{match['plural']}")
            if resource is not None and resource.namespaced:
                return resource, match["namespace"]
        return None, None

    def discovery_document(self, path: str) -> Json | None:
        """The answer to a legacy discovery path, or None when the path is not one."""
        if path == "/api":
            # As kube-apiserver: the address clients reach it at, for any client network.
            address = self.url.split("://", 1)[1]
            cidrs = [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]
            return {**_stored_document("api.json"), "serverAddressByClientCIDRs": cidrs}
        if path == "/api/v1":
            return _stored_document("api__v1.json")
        if not path.startswith("/apis/"):
            return None
        groups = {group["name"]: group for group in self.apis.get("groups", [])}
        name, _, version = path.removeprefix("/apis/").partition("/")
        group = groups.get(name)
        if group is None or "/" in version:
            return None
        if not version:
            return {"kind": "APIGroup", "apiVersion": "v1", **group}
        if not any(entry["version"] == version for entry in group["versions"]):
            return None
        stored = _stored_document(f"apis__{name}__{version}.json")
        if stored:
            return stored
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{name}/{version}",
            "resources": [
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "namespaced": namespaced,
                    "kind": kind,
                    "verbs": _CUSTOM_RESOURCE_VERBS,
                }
                for kind, plural, namespaced in CUSTOM_RESOURCES.get(name, ())
            ],
        }

    def pod(self, namespace: str, name: str) -> Json | None:
        pods = self.resources.get("/api/v1/pods")
        for index in range(pods.count if pods else 0):
            assert pods is not None
            item = pods.item(index)
            metadata = item.get("metadata", {})
            if (metadata.get("namespace"), metadata.get("name")) == (namespace, name):
                return item
        return None

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def served(self, plural: str) -> Resource:
        return next(r for r in self.resources.values() if r.plural == plural)

    def pages_needed(self, limit: int) -> int:
        """Pages a collector needs for every served list at this page size (an empty list is
        one page)."""
        return sum(max(1, -(-r.count // limit)) for r in self.resources.values())

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


_NAMESPACED_LIST = re.compile(
    r"(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)/namespaces/(?P<namespace>[^/]+)/(?P<plural>[^/]+)"
)
_POD_LOG = re.compile(r"/api/v1/namespaces/(?P<namespace>[^/]+)/pods/(?P<name>[^/]+)/log")


@functools.cache
def _stored_document(name: str) -> Json:
    """One of kube-apiserver's discovery documents, or {} when none is stored under that name."""
    file = DISCOVERY_DOCUMENTS / name
    document: Json = json.loads(file.read_text()) if file.is_file() else {}
    return document


def container_log(pod: Json, container: str) -> str:
    """What the emulator answers for a container's log: one line naming the container."""
    metadata = pod.get("metadata", {})
    return f"{metadata.get('namespace')}/{metadata.get('name')} {container}: started\n"


def discovery(groups: dict[str, list[str]]) -> Json:
    """An APIGroupList; the first version of each group is its preferred one."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": name,
                "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in versions],
                "preferredVersion": {
                    "groupVersion": f"{name}/{versions[0]}",
                    "version": versions[0],
                },
            }
            for name, versions in groups.items()
        ],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, emulator: KubeEmulator) -> None:
        super().__init__(address, handler)
        self.emulator = emulator

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        # As Go's net/http: no Nagle delay between the headers and the body.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = self.emulator._tls
        if context is not None:
            # The handshake runs in the connection's own thread, at its first read.
            sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, failed handshakes) are part of the tests.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        emulator = self.server.emulator
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        emulator.record(Request("GET", url.path, query, headers))
        if not self._authenticated(headers):
            self._json(401, status(401, "Unauthorized", "Unauthorized"))
            return
        resource, namespace = emulator.resource_at(url.path)
        key = resource.plural if resource else url.path
        faults = emulator.faults
        slow = faults.take(faults.slow, key)
        if slow:
            time.sleep(slow[1])
        if key in faults.forbidden:
            verb = "list resource" if resource else "get path"
            what = f'"{resource.plural}" in API group "{resource.group}"' if resource else url.path
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            self._json(
                403,
                status(
                    403,
                    "Forbidden",
                    f'{key} is forbidden: User "system:serviceaccount:arcsupport:collector" '
                    f"cannot {verb} {what} {scope}",
                ),
            )
            return
        throttle = faults.take(faults.throttle, key)
        if throttle:
            self._json(
                429,
                status(429, "TooManyRequests", "Too many requests, please try again later.",
                       details={"retryAfterSeconds": throttle[1]}),
                {"Retry-After": str(throttle[1])},
            )  # fmt: skip
            return
        if faults.take(faults.unavailable, key):
            self._json(503, status(503, "ServiceUnavailable", "the server is currently unable"))
            return
        drop = bool(faults.take(faults.drop, key))
        if url.path == "/version":
            self._json(200, emulator.version, drop=drop)
        elif url.path == "/apis":
            self._json(200, emulator.apis, drop=drop)
        elif url.path == "/metrics" and emulator.metrics:
            self._send(200, emulator.metrics.encode(), "text/plain; version=0.0.4", drop=drop)
        elif resource is not None:
            self._list(resource, query, headers, drop, namespace)
        elif (document := emulator.discovery_document(url.path)) is not None:
            self._json(200, document, drop=drop)
        elif log := _POD_LOG.fullmatch(url.path):
            self._log(log["namespace"], log["name"], query.get("container", ""))
        else:
            self._json(
                404, status(404, "NotFound", "the server could not find the requested resource")
            )

    def _log(self, namespace: str, name: str, container: str) -> None:
        """As kube-apiserver answers GET pods/<name>/log: the container may be left out only
        when the pod has one; errors are a Status."""
        emulator = self.server.emulator
        pod = emulator.pod(namespace, name)
        if pod is None:
            missing = status(404, "NotFound", f'pods "{name}" not found',
                             details={"name": name, "kind": "pods"})  # fmt: skip
            self._json(404, missing)
            return
        spec = pod.get("spec", {})
        containers = [c["name"] for c in spec.get("containers") or ()]
        init_containers = [c["name"] for c in spec.get("initContainers") or ()]
        if not container and len(containers) == 1:
            container = containers[0]
        if not container:
            message = (
                f"a container name must be specified for pod {name}, "
                f"choose one of: [{' '.join(containers)}]"
            )
            self._json(400, status(400, "BadRequest", message))
        elif container not in containers + init_containers:
            message = f"container {container} is not valid for pod {name}"
            self._json(400, status(400, "BadRequest", message))
        else:
            self._send(200, emulator.logs(pod, container).encode(), "text/plain")

    def _authenticated(self, headers: dict[str, str]) -> bool:
        emulator = self.server.emulator
        if isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert():
            return True
        # As kube-apiserver's bearer token authenticator: the scheme is case-insensitive.
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return emulator.token is None or (scheme.lower() == "bearer" and token == emulator.token)

    def _list(
        self,
        resource: Resource,
        query: dict[str, str],
        headers: dict[str, str],
        drop: bool,
        namespace: str | None = None,
    ) -> None:
        emulator = self.server.emulator
        faults = emulator.faults
        start = 0
        token = query.get("continue")
        if token:
            decoded = _untoken(token)
            if decoded is None:
                self._json(400, status(400, "BadRequest", "continue key is not valid"))
                return
            if faults.take(faults.expire, resource.plural):
                message = (
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use "
                    "the continue token in this response to retrieve the remainder of the "
                    "results. Continuing with the provided token results in an inconsistent "
                    "list - objects that were created, modified, or deleted between the time "
                    "the first chunk was returned and now may show up in the list."
                )
                self._json(410, status(410, "Expired", message))
                return
            start = decoded
        limit = int(query.get("limit") or 0) or resource.count
        selector = query.get("labelSelector", "")
        wanted = dict(term.split("=", 1) for term in selector.split(",") if "=" in term)
        metadata_only = METADATA_ONLY in headers.get("accept", "") and not (
            faults.ignore_metadata_only
        )
        table_version = _table_version(headers.get("accept", ""))
        items: list[Json] = []
        index = start
        while index < resource.count and len(items) < limit:
            item = dict(resource.item(index))
            index += 1
            if namespace is not None and item.get("metadata", {}).get("namespace") != namespace:
                continue
            labels = item.get("metadata", {}).get("labels") or {}
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            # The API server leaves each item's kind and apiVersion to the list.
            item.pop("kind", None)
            item.pop("apiVersion", None)
            if metadata_only:
                item = {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": item.get("metadata", {}),
                }
            items.append(item)
        metadata: Json = {"resourceVersion": str(emulator.rv)}
        if index < resource.count:
            metadata["continue"] = _token(emulator.rv, index)
            if not selector and namespace is None:
                metadata["remainingItemCount"] = resource.count - index
        if table_version:
            rows = table(resource, items, datetime.now(UTC), query.get("includeObject"))
            self._json(200, {"kind": "Table", "apiVersion": f"meta.k8s.io/{table_version}",
                             "metadata": metadata, **rows}, drop=drop)  # fmt: skip
            return
        body = {
            "kind": "PartialObjectMetadataList" if metadata_only else f"{resource.kind}List",
            "apiVersion": "meta.k8s.io/v1" if metadata_only else resource.group_version,
            "metadata": metadata,
            "items": items,
        }
        self._json(200, body, drop=drop)

    def _json(
        self, code: int, body: Json, headers: dict[str, str] | None = None, *, drop: bool = False
    ) -> None:
        self._send(code, json.dumps(body, separators=(",", ":")).encode(), "application/json",
                   headers, drop=drop)  # fmt: skip

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        drop: bool = False,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Audit-Id", "5b7c3f1e-2d4a-4c8b-9e6f-1a2b3c4d5e6f")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if drop:
            # Half the body, then the connection goes: the client sees an incomplete read.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


# --------------------------------------------------------------------------- Tables
# What kube-apiserver answers `kubectl get` (server-side printing): its columns and cells for
# nodes and pods (pkg/printers/internalversion), and its default table (name, creation time)
# for the other kinds, which kube-apiserver prints with more columns.


def _table_version(accept: str) -> str | None:
    """The meta.k8s.io version of the Table the client accepts first, if it asks for one."""
    for media_type in accept.split(","):
        parameters = dict(
            part.strip().split("=", 1) for part in media_type.split(";")[1:] if "=" in part
        )
        table = parameters.get("as") == "Table" and parameters.get("g") == "meta.k8s.io"
        if table and parameters.get("v") in ("v1", "v1beta1"):
            return parameters["v"]
    return None


def _column(name: str, description: str, *, type: str = "string", format: str = "",
            priority: int = 0) -> Json:  # fmt: skip
    return {"name": name, "type": type, "format": format, "description": description,
            "priority": priority}  # fmt: skip


_NAME = _column("Name", "Name must be unique within a namespace.", format="name")
_AGE = _column("Age", "CreationTimestamp is a timestamp representing the server time when "
               "this object was created.")  # fmt: skip
_NODE_ROLE = "node-role.kubernetes.io/"


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: how kubectl and the API server write an age."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes, hours, days = whole // 60, whole // 3600, whole // 86400
    if minutes < 10:
        return f"{minutes}m{whole % 60}s" if whole % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return f"{days // 365}y{days % 365}d" if days % 365 else f"{days // 365}y"
    return f"{days // 365}y"


def _age(metadata: Json, now: datetime) -> str:
    created = metadata.get("creationTimestamp")
    if not created:
        return "<unknown>"
    return human_duration((now - datetime.fromisoformat(created)).total_seconds())


def _node_cells(node: Json, now: datetime) -> list[Any]:
    metadata, status = node.get("metadata", {}), node.get("status", {})
    ready = [c for c in status.get("conditions") or () if c.get("type") == "Ready"]
    states = [("Ready" if c.get("status") == "True" else "NotReady") for c in ready[-1:]]
    states = states or ["Unknown"]
    if node.get("spec", {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    labels = metadata.get("labels") or {}
    roles = {key.removeprefix(_NODE_ROLE) for key in labels if key.startswith(_NODE_ROLE)}
    roles.discard("")
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    info = status.get("nodeInfo", {})

    def address(kind: str) -> str:
        found = [a["address"] for a in status.get("addresses") or () if a.get("type") == kind]
        return found[0] if found else "<none>"

    return [
        metadata.get("name", ""),
        ",".join(states),
        ",".join(sorted(roles)) or "<none>",
        _age(metadata, now),
        info.get("kubeletVersion", ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _pod_cells(pod: Json, now: datetime) -> list[Any]:
    """printPod for a pod's regular containers (init containers are not judged here)."""
    metadata, spec, status = pod.get("metadata", {}), pod.get("spec", {}), pod.get("status", {})
    reason = status.get("reason") or status.get("phase", "")
    restarts = ready = 0
    running = False
    for container in reversed(status.get("containerStatuses") or ()):
        restarts += container.get("restartCount", 0)
        state = container.get("state", {})
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated and terminated.get("reason"):
            reason = terminated["reason"]
        elif terminated:
            signal = terminated.get("signal")
            reason = f"Signal:{signal}" if signal else f"ExitCode:{terminated.get('exitCode', 0)}"
        elif container.get("ready") and "running" in state:
            running = True
            ready += 1
    if reason == "Completed" and running:
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
        reason = "Running" if conditions.get("Ready") == "True" else "NotReady"
    if metadata.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    gates = spec.get("readinessGates") or ()
    true_conditions = {
        c.get("type") for c in status.get("conditions") or () if c.get("status") == "True"
    }
    passed = sum(1 for gate in gates if gate.get("conditionType") in true_conditions)
    ips = status.get("podIPs") or ()
    return [
        metadata.get("name", ""), f"{ready}/{len(spec.get('containers') or ())}", reason,
        str(restarts), _age(metadata, now), (ips[0].get("ip") if ips else "") or "<none>",
        spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>",
        f"{passed}/{len(gates)}" if gates else "<none>",
    ]  # fmt: skip


def _default_cells(item: Json, now: datetime) -> list[Any]:
    metadata = item.get("metadata", {})
    return [metadata.get("name", ""), metadata.get("creationTimestamp")]


_TABLES: dict[str, tuple[list[Json], Callable[[Json, datetime], list[Any]]]] = {
    "nodes": (
        [
            _NAME,
            _column("Status", "The status of the node"),
            _column("Roles", "The roles of the node"),
            _AGE,
            _column("Version", "Kubelet Version reported by the node."),
            _column("Internal-IP", "List of addresses reachable to the node.", priority=1),
            _column("External-IP", "List of addresses reachable to the node.", priority=1),
            _column("OS-Image", "OS Image reported by the node.", priority=1),
            _column("Kernel-Version", "Kernel Version reported by the node.", priority=1),
            _column(
                "Container-Runtime", "ContainerRuntime Version reported by the node.", priority=1
            ),
        ],
        _node_cells,
    ),
    "pods": (
        [
            _NAME,
            _column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            _column("Status", "The aggregate status of the containers in this pod."),
            _column(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when "
                "the last container in this pod has restarted.",
            ),
            _AGE,
            _column("IP", "IP address allocated to the pod.", priority=1),
            _column("Node", "Name of the node this pod runs on.", priority=1),
            _column("Nominated Node", "Name of the node where the pod is nominated.", priority=1),
            _column("Readiness Gates", "Reference to the pod readiness gates", priority=1),
        ],
        _pod_cells,
    ),
}
_DEFAULT_TABLE = (
    [_NAME, _column("Created At", "CreationTimestamp of the object.", type="date")],
    _default_cells,
)


def table(resource: Resource, items: list[Json], now: datetime, include: str | None) -> Json:
    """The columnDefinitions and rows of a Table; each row carries the object's metadata, the
    whole object, or nothing (includeObject=PartialObjectMetadata, the default, Object, None)."""
    columns, cells = _TABLES.get(resource.plural, _DEFAULT_TABLE)
    rows = []
    for item in items:
        row: Json = {"cells": cells(item, now)}
        if include == "Object":
            row["object"] = {"kind": resource.kind, "apiVersion": resource.group_version, **item}
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": item.get("metadata", {}),
            }
        rows.append(row)
    return {"columnDefinitions": columns, "rows": rows}


# --------------------------------------------------------------------------- fixtures

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def from_bundle(folder: Path, **options: Any) -> KubeEmulator:
    """An emulator serving a bundle's kubernetes/ folder: its lists, /version, /apis and
    /metrics (each only when the bundle has it; a missing one is answered 403)."""
    kube = folder / "kubernetes"
    apis = json.loads((kube / "apis.json").read_text()) if (kube / "apis.json").is_file() else None
    # Each group in the version its discovery prefers (a 1.28 server has flowcontrol v1beta3).
    preferred = {
        g["name"]: g["preferredVersion"]["version"] for g in (apis or {}).get("groups", [])
    }
    resources = []
    for plural, (group, _, _) in BUILTIN.items():
        file = kube / f"{plural}.json"
        items = json.loads(file.read_text())["items"] if file.is_file() else []
        resources.append(Resource.of(plural, items, preferred.get(group)))
    metrics = (kube / "metrics.txt").read_text() if (kube / "metrics.txt").is_file() else ""
    emulator = KubeEmulator(
        resources,
        version=json.loads((kube / "version.json").read_text()),
        metrics=metrics,
        apis=apis,
        **options,
    )
    if apis is None:
        emulator.faults.forbidden.add("/apis")
    if not metrics:
        emulator.faults.forbidden.add("/metrics")
    return emulator


TOKEN = "emulator-token"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_kubeconfig(
    path: Path, server: str, *, ca: trustme.CA | None = None, user: dict[str, Any] | None = None
) -> Path:
    """A kubeconfig for `server` with a token (or `user`); an https server is trusted through
    `ca`, by default the CA of the emulators that have no CA of their own."""
    if ca is None and server.startswith("https://"):
        ca = TEST_CA
    cluster: dict[str, Any] = {"server": server}
    if ca is not None:
        cluster["certificate-authority-data"] = b64(ca.cert_pem.bytes())
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "contoso-aks-01", "cluster": cluster}],
        "users": [{"name": "collector", "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [
            {"name": "contoso", "context": {"cluster": "contoso-aks-01", "user": "collector"}}
        ],
        "current-context": "contoso",
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML
    return path
