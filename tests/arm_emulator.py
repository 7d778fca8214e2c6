"""A loopback stand-in for Azure Resource Manager that the Azure SDK clients are pointed at.

It routes ARM URL paths (case-insensitively, as ARM does) and checks the api-version and the
bearer token of every request, like ARM. Bodies are served as bytes, so a test can tell whether
the collector wrote what ARM sent or a re-serialised SDK model. Scripted answers stand in for
throttling, authorisation failures, server errors, slow answers and dropped connections.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

from helpers import reference_body


def arm_error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


@dataclass(frozen=True)
class Answer:
    """One scripted answer; `body=None` serves the resource registered at the path."""

    status: int = 200
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    drop: bool = False  # close the connection without a response (a reset)

    @classmethod
    def throttled(cls, retry_after: str) -> Answer:
        message = "Number of 'read' requests for subscription exceeded the limit."
        return cls(
            429,
            arm_error("SubscriptionRequestsThrottled", message),
            (("Retry-After", retry_after),),
        )

    @classmethod
    def error(cls, status: int, code: str, message: str = "scripted") -> Answer:
        return cls(status, arm_error(code, message))

    @classmethod
    def forbidden(cls, action: str) -> Answer:
        return cls.error(
            403,
            "AuthorizationFailed",
            "The client 'someone@example.com' with object id '00000000-0000-0000-0000-000000000001'"
            f" does not have authorization to perform action '{action}' over scope '...'",
        )

    @classmethod
    def not_found(cls) -> Answer:
        return cls.error(404, "ResourceNotFound", "The Resource was not found.")

    @classmethod
    def slow(cls, seconds: float) -> Answer:
        return cls(delay=seconds)


DROPPED = Answer(drop=True)
# As ARM answers a token it does not accept: a challenge without claims, so no new token helps.
UNAUTHORISED = Answer(
    401,
    arm_error("InvalidAuthenticationToken", "The access token is invalid."),
    (
        (
            "WWW-Authenticate",
            'Bearer authorization_uri="https://login.microsoftonline.com/common", '
            'error="invalid_token", error_description="The access token is invalid."',
        ),
    ),
)
SERVER_ERROR = Answer.error(500, "InternalServerError")


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    api_version: str | None
    query: dict[str, list[str]]
    authorization: str | None
    host: str | None


@dataclass
class _Route:
    api_version: str
    body: bytes


@dataclass
class ArmEmulator:
    token: str
    requests: list[Seen] = field(default_factory=list)
    _routes: dict[str, _Route] = field(default_factory=dict)
    _scripts: dict[str, deque[Answer]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def resource(self, path: str, api_version: str, body: bytes) -> None:
        self._routes[path.lower()] = _Route(api_version, body)

    def script(self, path: str, *answers: Answer) -> None:
        """Answer the next requests for `path` with these, in turn, then serve it normally."""
        self._scripts.setdefault(path.lower(), deque()).extend(answers)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ArmEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in separate writes; with Nagle, each answer on a kept-alive
            # connection would wait for a delayed ACK.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                emulator._answer(self)

            def do_POST(self) -> None:
                # Recorded, then refused: ARM is only ever read here.
                emulator._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def calls(self) -> list[tuple[str, str | None]]:
        return [(seen.path, seen.api_version) for seen in self.requests]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        versions = query.get("api-version")
        seen = Seen(
            handler.command,
            path,
            versions[0] if versions else None,
            query,
            handler.headers.get("Authorization"),
            handler.headers.get("Host"),
        )
        with self._lock:
            self.requests.append(seen)
            queue = self._scripts.get(path.lower())
            scripted = queue.popleft() if queue else None
        route = self._routes.get(path.lower())
        if seen.authorization != f"Bearer {self.token}":
            answer = UNAUTHORISED
        elif seen.method != "GET":
            answer = Answer.error(405, "MethodNotAllowed", "This emulation is read-only.")
        elif scripted is not None:
            answer = scripted
        elif route is None:
            answer = Answer.error(404, "ResourceNotFound", f"No resource at {path}.")
        elif seen.api_version != route.api_version:
            answer = Answer.error(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{seen.api_version}' is invalid here.",
            )
        else:
            answer = Answer()
        if answer.delay:
            time.sleep(answer.delay)
        if answer.drop:
            handler.close_connection = True
            return
        body = answer.body if answer.body is not None else route.body if route else b""
        handler.send_response(answer.status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("x-ms-request-id", "00000000-0000-0000-0000-0000000000aa")
        for name, value in answer.headers:
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)  # a client that timed out may have gone


# --- an AKS Arc cluster and what surrounds it ---------------------------------------------------

SUBSCRIPTION = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
RESOURCE_GROUP = "aks-rg"
CLUSTER = "aks-arc-1"
CLUSTER_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.Kubernetes/connectedClusters/{CLUSTER}"
)
HCI_GROUP = "local-rg"
HCI_CLUSTER = "local-1"
# As ARM returns it in extendedLocation.name: lower-case segments, in the Azure Local group.
CUSTOM_LOCATION_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{HCI_GROUP}"
    "/providers/microsoft.extendedlocation/customlocations/local-1-cl"
)
PROVISIONED = (
    f"{CLUSTER_ID}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default"
)
AGENT_POOLS = f"{PROVISIONED}/agentPools"
VERSIONS = (
    f"{CUSTOM_LOCATION_ID}/providers/Microsoft.HybridContainerService/kubernetesVersions/default"
)
SKUS = f"{CUSTOM_LOCATION_ID}/providers/Microsoft.HybridContainerService/skus/default"
HCI_LIST = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{HCI_GROUP}"
    "/providers/Microsoft.AzureStackHCI/clusters"
)
HCI = f"{HCI_LIST}/{HCI_CLUSTER}"
SUBSCRIPTION_PATH = f"/subscriptions/{SUBSCRIPTION}"

# The api-versions the collector asks for.
API = {
    "connected": "2026-05-01",
    "hybridaks": "2024-01-01",
    "hci": "2024-04-01",
    "subscription": "2022-12-01",
}


def _encode(body: Any) -> bytes:
    # ARM's own spacing and key order, plus a field no SDK model knows: a re-serialised model
    # would differ from these bytes.
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"


def _agent_pool(name: str) -> dict[str, Any]:
    pool = copy.deepcopy(reference_body("hybridaks-2024-01-01-GetAgentPool.json"))
    pool["id"] = f"{AGENT_POOLS}/{name}"
    pool["name"] = name
    pool["properties"]["x-future-field"] = {"kept": True}
    return pool


def hci_cluster_body(name: str) -> dict[str, Any]:
    body = copy.deepcopy(reference_body("azurestackhci-2024-04-01-GetCluster.json"))
    body["id"] = f"{HCI_LIST}/{name}"
    body["name"] = name
    return body


def aks_arc_bodies(last_connected: str = "2025-06-20T08:15:00Z") -> dict[str, bytes]:
    """What ARM holds, by the bundle file the collector writes it to (and a few more)."""
    connected = copy.deepcopy(reference_body("connectedClusters-2026-05-01-GetClusterExample.json"))
    connected["id"] = CLUSTER_ID
    connected["name"] = CLUSTER
    connected["kind"] = "ProvisionedCluster"
    connected["properties"]["connectivityStatus"] = "Offline"
    connected["properties"]["lastConnectivityTime"] = last_connected
    connected["properties"]["kubernetesVersion"] = "1.30.4"

    provisioned = copy.deepcopy(
        reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    )
    provisioned["id"] = PROVISIONED
    provisioned["name"] = "default"
    provisioned["extendedLocation"]["name"] = CUSTOM_LOCATION_ID
    provisioned["properties"]["kubernetesVersion"] = "1.30.4"
    provisioned["properties"]["status"] = {"currentState": "Succeeded", "ünknown": "ß"}

    subscription = copy.deepcopy(reference_body("subscription-2022-12-01-GetSubscription.json"))
    subscription["id"] = SUBSCRIPTION_PATH
    subscription["subscriptionId"] = SUBSCRIPTION

    hci = hci_cluster_body(HCI_CLUSTER)
    return {
        "connected-cluster.json": _encode(connected),
        "provisioned-cluster.json": _encode(provisioned),
        "agent-pools.json": _encode({"value": [_agent_pool("linuxpool"), _agent_pool("winpool")]}),
        "kubernetes-versions.json": _encode(
            reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
        ),
        "vm-skus.json": _encode(reference_body("hybridaks-2024-01-01-GetVmSkus.json")),
        "azure-local-cluster.json": _encode(hci),
        "azure-local-clusters.list": _encode({"value": [hci]}),
        "subscription.json": _encode(subscription),
    }


def serve_aks_arc(emulator: ArmEmulator, bodies: dict[str, bytes]) -> None:
    emulator.resource(CLUSTER_ID, API["connected"], bodies["connected-cluster.json"])
    emulator.resource(PROVISIONED, API["hybridaks"], bodies["provisioned-cluster.json"])
    emulator.resource(AGENT_POOLS, API["hybridaks"], bodies["agent-pools.json"])
    emulator.resource(VERSIONS, API["hybridaks"], bodies["kubernetes-versions.json"])
    emulator.resource(SKUS, API["hybridaks"], bodies["vm-skus.json"])
    emulator.resource(HCI_LIST, API["hci"], bodies["azure-local-clusters.list"])
    emulator.resource(HCI, API["hci"], bodies["azure-local-cluster.json"])
    emulator.resource(SUBSCRIPTION_PATH, API["subscription"], bodies["subscription.json"])


# Every request of a full collection, in order.
FULL_RUN = [
    (CLUSTER_ID, API["connected"]),
    (PROVISIONED, API["hybridaks"]),
    (AGENT_POOLS, API["hybridaks"]),
    (VERSIONS, API["hybridaks"]),
    (SKUS, API["hybridaks"]),
    (HCI_LIST, API["hci"]),
    (HCI, API["hci"]),
    (SUBSCRIPTION_PATH, API["subscription"]),
]


TOKEN = "eyJ0eXAi.fake-arm-token.c2lnbmF0dXJl"


class FakeCredential:
    """Implements both token protocols, as azure-identity's credentials do."""

    def __init__(self, token: str = TOKEN, error: Exception | None = None) -> None:
        self.token = token
        self.error = error
        self.requested: list[tuple[str, ...]] = []
        self.closed = False

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        self.requested.append(scopes)
        if self.error is not None:
            raise self.error
        return AccessTokenInfo(self.token, int(time.time()) + 3600)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeCredential:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
