"""Azure Resource Manager: the AKS Arc resources around one connected cluster, written to the
bundle's azure/ folder byte for byte as ARM returned them.

The SDK clients do the authentication, retries and transport; their models are never written:
serialising a model drops the fields its SDK version does not know and renames keys, and the
bundle reader decodes ARM's own JSON. The Azure SDK is imported inside the functions, so that
`arcsupport check` does not pay for it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

import msgspec

from arcsupport.errors import InputError
from arcsupport.hosts import is_loopback
from arcsupport.snapshot.azure import ExtendedLocation
from arcsupport.sources.live.writer import BundleWriter

if TYPE_CHECKING:
    from azure.core.credentials import (
        AccessToken,
        AccessTokenInfo,
        TokenCredential,
        TokenRequestOptions,
    )
    from azure.core.exceptions import HttpResponseError
    from azure.core.pipeline import PipelineRequest, PipelineResponse
    from azure.core.pipeline.policies import RetryPolicy
    from azure.core.pipeline.transport import HttpResponse as LegacyResponse
    from azure.core.rest import HttpResponse as RestResponse
    from azure.mgmt.azurestackhci import AzureStackHCIClient
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
    from azure.mgmt.hybridcontainerservice import HybridContainerServiceMgmtClient
    from azure.mgmt.hybridkubernetes import ConnectedKubernetesClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient


@dataclass(frozen=True)
class AzureTarget:
    resource_id: str | None = None  # the connected cluster's ARM id
    subscription: str | None = None
    resource_group: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Limits:
    """How long arcsupport waits for ARM (tests shrink these)."""

    attempts: int = 4  # tries per request on 429, 5xx, dropped connections and timeouts
    # Without a Retry-After, azure-core retries once at once, then after 2x, 4x... this (s).
    backoff: float = 1.0
    backoff_max: float = 20.0
    longest_retry_after: float = 60.0  # a longer Retry-After fails at once rather than waiting
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


LIMITS = Limits()

ARM_ENDPOINT = "https://management.azure.com"

# Pinned rather than left to the SDK defaults, so that upgrading a package does not change what
# is asked for: these are the versions whose payloads tests/data/reference holds and the snapshot
# reader is written against.
API_VERSIONS = {
    "Microsoft.Kubernetes": "2026-05-01",
    "Microsoft.HybridContainerService": "2024-01-01",
    "Microsoft.AzureStackHCI": "2024-04-01",
    "Microsoft.Resources": "2022-12-01",
}

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Resource group names: letters, digits, '_', '-', '.', '(' and ')' (not ending in '.').
_GROUP = r"[-\w.()]{0,89}[-\w()]"
_NAME = r"[A-Za-z0-9][-\w.]{0,252}"
_CONNECTED_ID = re.compile(
    rf"/subscriptions/(?P<subscription>{_GUID})/resourceGroups/(?P<group>{_GROUP})"
    rf"/providers/Microsoft\.Kubernetes/connectedClusters/(?P<name>{_NAME})",
    re.IGNORECASE,
)
_CUSTOM_LOCATION_ID = re.compile(
    rf"/subscriptions/(?P<subscription>{_GUID})/resourceGroups/(?P<group>{_GROUP})"
    rf"/providers/Microsoft\.ExtendedLocation/customLocations/(?P<name>{_NAME})",
    re.IGNORECASE,
)
_TRIO = "--subscription, --resource-group and --name"
_EXAMPLE_ID = (
    "/subscriptions/<subscription id>/resourceGroups/<group>"
    "/providers/Microsoft.Kubernetes/connectedClusters/<name>"
)


@dataclass(frozen=True)
class _Located:
    """An ARM resource of a resource group, by the parts of its id."""

    id: str
    subscription: str
    group: str
    name: str

    @property
    def uri(self) -> str:
        # The hybridaks operations put the id after a '/' of their own.
        return self.id.lstrip("/")


def _resolve_cluster(target: AzureTarget) -> _Located:
    """The connected cluster's id from either form; nothing is asked of Azure yet."""
    parts = {
        "--subscription": target.subscription,
        "--resource-group": target.resource_group,
        "--name": target.name,
    }
    given = [flag for flag, value in parts.items() if value]
    if target.resource_id:
        if given:
            raise InputError("--azure-resource-id", f"give either it or {_TRIO}, not both")
        return _parse_cluster_id(target.resource_id.strip())
    if not given:
        raise InputError(
            "Azure", f"name the connected cluster with --azure-resource-id, or with {_TRIO}"
        )
    if len(given) < len(parts):
        missing = ", ".join(flag for flag in parts if flag not in given)
        raise InputError(", ".join(given), f"{_TRIO} go together; missing {missing}")
    subscription, group, name = (str(value).strip() for value in parts.values())
    if not re.fullmatch(_GUID, subscription):
        raise InputError("--subscription", f"{subscription!r} is not a subscription id (a GUID)")
    if not re.fullmatch(_GROUP, group):
        raise InputError("--resource-group", f"{group!r} is not a resource group name")
    if not re.fullmatch(_NAME, name):
        raise InputError("--name", f"{name!r} is not a connected cluster name")
    return _Located(
        f"/subscriptions/{subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.Kubernetes/connectedClusters/{name}",
        subscription,
        group,
        name,
    )


def _parse_cluster_id(resource_id: str) -> _Located:
    found = _CONNECTED_ID.fullmatch("/" + resource_id.strip("/"))
    if found is None:
        raise InputError(
            "--azure-resource-id",
            f"{resource_id!r} is not the id of a Microsoft.Kubernetes/connectedClusters "
            f"resource ({_EXAMPLE_ID}; `az connectedk8s show --query id` prints it)",
        )
    return _Located(found.group(0), found["subscription"], found["group"], found["name"])


def _endpoint(base_url: str | None) -> tuple[str, bool]:
    """The ARM endpoint, and whether it may be plain HTTP (a loopback stand-in only: anywhere
    else the bearer token would travel in clear)."""
    if base_url is None:
        return ARM_ENDPOINT, False
    parts = urlsplit(base_url)
    endpoint = base_url.rstrip("/")
    if parts.scheme == "https" and parts.hostname:
        return endpoint, False
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return endpoint, True
    raise InputError(
        base_url, "Azure Resource Manager is reached over https only (plain http on loopback)"
    )


# --- failures -----------------------------------------------------------------------------------


class _SignInFailed(Exception):
    """The credential gave no token (raised from inside the SDK pipeline, so it cannot be
    confused with an HTTP 401 that ARM answered)."""


class _Offsite(Exception):
    """A request (a nextLink) aimed away from the ARM endpoint; the token is not sent there."""


class _NotARead(Exception):
    """A request that is not a GET. The only one the SDK makes on its own is the POST that
    registers a resource provider, after ARM answered MissingSubscriptionRegistration."""

    def __init__(self, method: str, url: str) -> None:
        super().__init__(method)
        found = re.search(r"/providers/([^/?]+)/register", url)
        self.provider = found.group(1) if found else ""


class _Failed(Exception):
    """One request failed. `absent` when ARM said there is nothing to read, or nothing this
    caller may read (403, 404): a part past the connected cluster is then recorded as not
    collected instead of ending the collection."""

    def __init__(self, sentence: str, *, absent: bool = False, signed_in: bool = True) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.absent = absent
        self.signed_in = signed_in

    def error(self, resource_id: str) -> InputError:
        # Not being signed in is about Azure as a whole, not the resource that was first read.
        return InputError(resource_id if self.signed_in else "Azure", self.sentence)


@dataclass(frozen=True)
class _Resource:
    part: str  # the bundle part, azure/<part>.json
    what: str  # what it is, for messages
    id: str  # what is read (a resource id, or a collection's path)
    scope: str  # where the Reader role is needed
    missing: str = ""  # what a 404 usually means


_SIGN_IN = (
    "not signed in (the credential gave no token): run `az login`, or set AZURE_* variables "
    "(AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE)"
)


class _HasHeaders(Protocol):
    """Either kind of azure-core response: HttpResponseError types it as a base that has no
    headers."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def _arm_code(error: HttpResponseError) -> str:
    odata = error.error
    code = odata.code if odata is not None else None
    return f" {code}" if code else ""


def _explain(error: HttpResponseError, resource: _Resource, limits: Limits) -> _Failed:
    status = error.status_code or 0
    code = _arm_code(error)
    if status == 401:
        sentence = (
            f"Azure Resource Manager refused the token (HTTP 401{code}) reading the "
            f"{resource.what}: it has expired or is for another tenant; run `az login` again"
        )
    elif status == 403:
        sentence = (
            f"no access to the {resource.what} (HTTP 403{code}): "
            f"reading it needs the Reader role on {resource.scope}"
        )
    elif status == 404:
        sentence = f"the {resource.what} was not found (HTTP 404{code}){resource.missing}"
    elif status == 429:
        answered = cast("_HasHeaders | None", error.response)
        wait = answered.headers.get("Retry-After", "") if answered is not None else ""
        if wait.isdigit() and float(wait) > limits.longest_retry_after:
            sentence = (
                f"Azure Resource Manager is throttling requests (HTTP 429) and asks to wait "
                f"{wait} s before reading the {resource.what}; try again later"
            )
        else:
            sentence = (
                f"Azure Resource Manager kept throttling requests (HTTP 429) for the "
                f"{resource.what} in {limits.attempts} attempts; try again in a few minutes"
            )
    elif status >= 500:
        sentence = (
            f"Azure Resource Manager failed (HTTP {status}{code}) reading the {resource.what} "
            f"in {limits.attempts} attempts; try again later"
        )
    else:
        sentence = f"Azure Resource Manager answered HTTP {status}{code} for the {resource.what}"
    return _Failed(sentence, absent=status in (403, 404))


@contextmanager
def _failures(resource: _Resource, endpoint: str, limits: Limits) -> Iterator[None]:
    """Every way a request can fail, as one sentence."""
    from azure.core.exceptions import (
        DecodeError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
        ServiceResponseTimeoutError,
    )

    host = urlsplit(endpoint).netloc
    try:
        yield
    except _SignInFailed:
        raise _Failed(_SIGN_IN, signed_in=False) from None
    except _NotARead as write:
        provider = write.provider or "its resource provider"
        raise _Failed(
            f"the {resource.what} cannot be read: {provider} is not registered in the "
            "subscription (MissingSubscriptionRegistration), and arcsupport does not register it",
            absent=True,
        ) from None
    except _Offsite as offsite:
        raise _Failed(
            f"Azure Resource Manager pointed the {resource.what} to another host ({offsite}); "
            "arcsupport sends its Azure token only to the ARM endpoint"
        ) from None
    except DecodeError:
        raise _Failed(
            f"Azure Resource Manager answered the {resource.what} with something other than "
            "the expected JSON"
        ) from None
    except HttpResponseError as error:
        raise _explain(error, resource, limits) from None
    except ServiceResponseTimeoutError:
        raise _Failed(
            f"Azure Resource Manager at {host} did not answer for the {resource.what} within "
            f"{limits.read_timeout:g} s, {limits.attempts} times; try again later"
        ) from None
    except ServiceResponseError:
        raise _Failed(
            f"Azure Resource Manager at {host} dropped the connection reading the "
            f"{resource.what}, {limits.attempts} times; try again later"
        ) from None
    except ServiceRequestError:
        raise _Failed(
            f"cannot connect to Azure Resource Manager at {host} "
            f"({limits.attempts} attempts); check the network and proxy settings"
        ) from None


# --- the SDK side -------------------------------------------------------------------------------


class _SharedToken:
    """Stands between the SDK clients and the user's credential.

    Each client asks for its own token, and the Azure CLI credential (the usual one) starts `az`
    for every request and keeps nothing, so one token is kept here for all of them; and a
    credential that cannot give a token raises _SignInFailed, told apart from ARM's 401.
    """

    _MARGIN = 300.0  # seconds: a token this close to expiry is fetched again

    def __init__(self, inner: TokenCredential) -> None:
        self._inner = inner
        self._kept: dict[tuple[object, ...], AccessTokenInfo] = {}

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        from azure.core.credentials import AccessToken, TokenRequestOptions

        options = TokenRequestOptions(enable_cae=enable_cae)
        if claims:
            options["claims"] = claims
        if tenant_id:
            options["tenant_id"] = tenant_id
        info = self.get_token_info(*scopes, options=options)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        from azure.core.credentials import AccessTokenInfo, SupportsTokenInfo

        wanted = options or {}
        key = (scopes, wanted.get("tenant_id"), wanted.get("enable_cae", False))
        kept = self._kept.get(key)
        # A claims challenge asks for a new token by definition.
        if (
            kept is not None
            and kept.expires_on - self._MARGIN > time.time()
            and not wanted.get("claims")
        ):
            return kept
        try:
            # As azure-core decides which of the two to call.
            if hasattr(self._inner, "get_token_info"):
                info = cast(SupportsTokenInfo, self._inner).get_token_info(*scopes, options=options)
            else:
                token = self._inner.get_token(
                    *scopes,
                    claims=wanted.get("claims"),
                    tenant_id=wanted.get("tenant_id"),
                    enable_cae=wanted.get("enable_cae", False),
                )
                info = AccessTokenInfo(token.token, token.expires_on)
        except Exception:
            # Whatever the credential says (DefaultAzureCredential lists every credential it
            # tried, over many lines) comes down to "not signed in".
            raise _SignInFailed from None
        self._kept[key] = info
        return info


def _retry_policy(limits: Limits) -> RetryPolicy[Any, Any]:
    from azure.core.pipeline.policies import RetryPolicy

    class BoundedRetry(RetryPolicy[Any, Any]):
        """azure-core waits out any Retry-After, however long; beyond the bound it is better
        to stop and say that ARM is throttling."""

        def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
            wait = self.get_retry_after(response)
            if wait is not None and wait > limits.longest_retry_after:
                return False
            return bool(super().is_retry(settings, response))

    retries = max(limits.attempts - 1, 0)
    return BoundedRetry(
        retry_total=retries,
        retry_connect=retries,
        retry_read=retries,
        retry_status=retries,
        retry_backoff_factor=limits.backoff,
        retry_backoff_max=limits.backoff_max,
    )


def _authentication_policy(
    credential: TokenCredential, endpoint: str
) -> ARMChallengeAuthenticationPolicy:
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    home = urlsplit(endpoint)

    class ReadOnly(ARMChallengeAuthenticationPolicy):
        """Where the token is put on a request, the last place to stop one: arcsupport only
        reads, and only from the ARM endpoint. This stops the SDK's own resource provider
        registration (a POST) and a paging link that points elsewhere."""

        def on_request(self, request: PipelineRequest[Any]) -> None:
            http = request.http_request
            if http.method != "GET":
                raise _NotARead(http.method, http.url)
            target = urlsplit(http.url)
            if (target.scheme, target.netloc) != (home.scheme, home.netloc):
                raise _Offsite(target.netloc)
            super().on_request(request)

    return ReadOnly(credential, f"{ARM_ENDPOINT}/.default")


def _body(response: PipelineResponse[Any, LegacyResponse | RestResponse]) -> bytes:
    """The bytes ARM sent: older generated clients (hybridcontainerservice) give a transport
    response, newer ones an `azure.core.rest` response."""
    from azure.core.rest import HttpResponse

    http = response.http_response
    if isinstance(http, HttpResponse):
        return http.read()
    return http.body()


class _Arm:
    """The SDK clients, built on first use and closed together."""

    def __init__(
        self,
        credential: TokenCredential,
        endpoint: str,
        plain_http: bool,
        subscription: str,
        limits: Limits,
        stack: ExitStack,
    ) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self._credential = credential
        self._subscription = subscription
        self._stack = stack
        self._hci: dict[str, AzureStackHCIClient] = {}
        self._kubernetes: ConnectedKubernetesClient | None = None
        self._hybridaks: HybridContainerServiceMgmtClient | None = None
        self._subscriptions: SubscriptionClient | None = None
        # Per operation call, as the SDK wants it: https is enforced everywhere but on loopback.
        self.call_options: dict[str, object] = {"enforce_https": False} if plain_http else {}

    def _client_options(self, provider: str) -> dict[str, Any]:
        return {
            "base_url": self.endpoint,
            "api_version": API_VERSIONS[provider],
            "retry_policy": _retry_policy(self.limits),
            "authentication_policy": _authentication_policy(self._credential, self.endpoint),
            "connection_timeout": self.limits.connect_timeout,
            "read_timeout": self.limits.read_timeout,
        }

    @property
    def kubernetes(self) -> ConnectedKubernetesClient:
        if self._kubernetes is None:
            from azure.mgmt.hybridkubernetes import ConnectedKubernetesClient

            self._kubernetes = self._stack.enter_context(
                ConnectedKubernetesClient(
                    self._credential,
                    self._subscription,
                    **self._client_options("Microsoft.Kubernetes"),
                )
            )
        return self._kubernetes

    @property
    def hybridaks(self) -> HybridContainerServiceMgmtClient:
        if self._hybridaks is None:
            from azure.mgmt.hybridcontainerservice import HybridContainerServiceMgmtClient

            # The subscription is required by the constructor but unused: every operation
            # read here takes a full resource id.
            self._hybridaks = self._stack.enter_context(
                HybridContainerServiceMgmtClient(
                    self._credential,
                    self._subscription,
                    **self._client_options("Microsoft.HybridContainerService"),
                )
            )
        return self._hybridaks

    def hci(self, subscription: str) -> AzureStackHCIClient:
        if subscription not in self._hci:
            from azure.mgmt.azurestackhci import AzureStackHCIClient

            self._hci[subscription] = self._stack.enter_context(
                AzureStackHCIClient(
                    self._credential,
                    subscription,
                    **self._client_options("Microsoft.AzureStackHCI"),
                )
            )
        return self._hci[subscription]

    @property
    def subscriptions(self) -> SubscriptionClient:
        if self._subscriptions is None:
            from azure.mgmt.resource.subscriptions import SubscriptionClient

            self._subscriptions = self._stack.enter_context(
                SubscriptionClient(self._credential, **self._client_options("Microsoft.Resources"))
            )
        return self._subscriptions

    def get(self, resource: _Resource, operation: Callable[..., object]) -> bytes:
        """One GET through an SDK operation; the bytes come from its `cls` hook, which is
        handed the pipeline response next to the model it has deserialised."""
        captured: list[bytes] = []

        def keep(response: PipelineResponse[Any, Any], model: object, headers: object) -> None:
            del model, headers
            captured.append(_body(response))

        with _failures(resource, self.endpoint, self.limits):
            operation(cls=keep, **self.call_options)
        return captured[-1]

    def list_pages(
        self, resource: _Resource, operation: Callable[..., Iterable[object]]
    ) -> list[bytes]:
        """Every page of a paged list, as sent: a paged operation's `cls` sees models only, so
        the pages are taken from the pipeline's response hook (which also sees the 429s and
        5xx answers that were retried; those are not pages)."""
        pages: list[bytes] = []

        def keep(response: PipelineResponse[Any, Any]) -> None:
            if response.http_response.status_code == 200:
                pages.append(_body(response))

        with _failures(resource, self.endpoint, self.limits):
            for _ in operation(raw_response_hook=keep, **self.call_options):
                pass
        return pages


class _Page(msgspec.Struct):
    value: list[msgspec.Raw] = []


def _one_list(pages: list[bytes], where: str) -> bytes:
    """A single page is written as it came; several become one {"value": [...]} whose items
    are still the bytes ARM sent."""
    if len(pages) == 1:
        return pages[0]
    try:
        items = [item for page in pages for item in msgspec.json.decode(page, type=_Page).value]
    except msgspec.DecodeError:
        raise _Failed(f"Azure Resource Manager sent a page of {where} that is not a list") from None
    return msgspec.json.encode({"value": items}) + b"\n"


class _Named(Protocol):
    """An SDK model of a listed resource, as far as it is read here."""

    @property
    def name(self) -> str | None: ...


class _Identity(msgspec.Struct):
    id: str = ""
    name: str = ""


class _Placed(msgspec.Struct):
    extendedLocation: ExtendedLocation | None = None


# --- the collection -----------------------------------------------------------------------------


class _Collection:
    def __init__(
        self,
        writer: BundleWriter,
        arm: _Arm,
        cluster: _Located,
        say: Callable[[str], None],
    ) -> None:
        self.writer = writer
        self.arm = arm
        self.cluster = cluster
        self.say = say

    def run(self) -> None:
        cluster = self.cluster
        group_scope = f"resource group {cluster.group}"
        connected = _Resource(
            "connected-cluster",
            f"connected cluster {cluster.name}",
            cluster.id,
            group_scope,
            "; check the name, resource group and subscription (`az connectedk8s list`)",
        )
        self.say(f"Azure: {connected.what}")
        try:
            body = self.arm.get(
                connected,
                lambda **options: self.arm.kubernetes.connected_cluster.get(
                    cluster.group, cluster.name, **options
                ),
            )
        except _Failed as failed:
            raise failed.error(cluster.id) from None
        self._write(connected, body)
        self._name_cluster(body)

        custom_location = self._provisioned_cluster(group_scope)
        if custom_location is not None:
            self._custom_location_parts(custom_location)
        self._subscription()

    def _name_cluster(self, body: bytes) -> None:
        try:
            identity = msgspec.json.decode(body, type=_Identity)
        except msgspec.DecodeError:
            identity = _Identity()
        manifest = self.writer.cluster
        if not manifest.resource_id:
            manifest.resource_id = identity.id or self.cluster.id
        if not manifest.name:
            manifest.name = identity.name or self.cluster.name

    def _write(self, resource: _Resource, body: bytes) -> None:
        self.writer.write_bytes(f"azure/{resource.part}.json", body)

    def _part(self, resource: _Resource, read: Callable[[], bytes]) -> bytes | None:
        """Read and write one part; a 403 or 404 is recorded as not collected (the rules that
        need it are then reported as not evaluated), anything else ends the collection."""
        self.say(f"Azure: {resource.what}")
        try:
            body = read()
        except _Failed as failed:
            if failed.absent:
                self.writer.not_collected(f"azure/{resource.part}", failed.sentence)
                return None
            raise failed.error(resource.id) from None
        self._write(resource, body)
        return body

    def _skip(self, parts: Iterable[str], reason: str) -> None:
        for part in parts:
            self.writer.not_collected(f"azure/{part}", reason)

    def _provisioned_cluster(self, group_scope: str) -> _Located | None:
        """The AKS Arc cluster and its agent pools; returns its custom location."""
        cluster = self.cluster
        provisioned = _Resource(
            "provisioned-cluster",
            f"provisioned cluster instance of {cluster.name}",
            f"{cluster.id}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default",
            group_scope,
            "; a connected cluster without one is not an AKS Arc cluster",
        )
        hybridaks = self.arm.hybridaks
        body = self._part(
            provisioned,
            lambda: self.arm.get(
                provisioned,
                lambda **options: hybridaks.provisioned_cluster_instances.get(
                    cluster.uri, **options
                ),
            ),
        )
        if body is None:
            # The agent pools sit under the provisioned cluster (same scope, same answer), and
            # the custom location is only named by it.
            self._skip(
                ("agent-pools", "kubernetes-versions", "vm-skus", "azure-local-cluster"),
                "not read: the provisioned cluster instance could not be read",
            )
            return None
        pools = _Resource(
            "agent-pools",
            f"agent pools of {cluster.name}",
            f"{provisioned.id}/agentPools",
            group_scope,
        )
        self._part(
            pools,
            lambda: _one_list(
                self.arm.list_pages(
                    pools,
                    lambda **options: hybridaks.agent_pool.list_by_provisioned_cluster(
                        cluster.uri, **options
                    ),
                ),
                pools.what,
            ),
        )
        return self._custom_location(body)

    def _custom_location(self, provisioned: bytes) -> _Located | None:
        try:
            placed = msgspec.json.decode(provisioned, type=_Placed).extendedLocation
        except msgspec.DecodeError:
            placed = None
        name = placed.name if placed is not None else ""
        found = _CUSTOM_LOCATION_ID.fullmatch(name)
        if found is None:
            self._skip(
                ("kubernetes-versions", "vm-skus", "azure-local-cluster"),
                "the provisioned cluster instance names no custom location "
                f"(extendedLocation.name is {name!r})",
            )
            return None
        return _Located(name, found["subscription"], found["group"], found["name"])

    def _custom_location_parts(self, location: _Located) -> None:
        scope = f"resource group {location.group} (the custom location's)"
        hybridaks = self.arm.hybridaks
        versions = _Resource(
            "kubernetes-versions",
            f"Kubernetes versions of custom location {location.name}",
            f"{location.id}/providers/Microsoft.HybridContainerService/kubernetesVersions/default",
            scope,
            " (`az aksarc get-versions` creates it)",
        )
        self._part(
            versions,
            lambda: self.arm.get(
                versions,
                lambda **options: hybridaks.get_kubernetes_versions(location.uri, **options),
            ),
        )
        skus = _Resource(
            "vm-skus",
            f"VM sizes of custom location {location.name}",
            f"{location.id}/providers/Microsoft.HybridContainerService/skus/default",
            scope,
            " (`az aksarc vmsize list` creates it)",
        )
        self._part(
            skus,
            lambda: self.arm.get(
                skus, lambda **options: hybridaks.get_vm_skus(location.uri, **options)
            ),
        )
        self._azure_local(location, scope)

    def _azure_local(self, location: _Located, scope: str) -> None:
        """The Azure Local instance behind the custom location.

        ARM links neither way between a custom location and its Azure Local instance (the
        custom location's host is the Arc resource bridge). An Azure Local deployment puts the
        instance, its resource bridge and its custom location in one resource group, so the
        instance is looked for there, and taken only when it is the only one.
        """
        hci = self.arm.hci(location.subscription)
        listing = _Resource(
            "azure-local-cluster",
            f"Azure Local instances in resource group {location.group}",
            f"/subscriptions/{location.subscription}/resourceGroups/{location.group}"
            "/providers/Microsoft.AzureStackHCI/clusters",
            scope,
        )
        self.say(f"Azure: {listing.what}")
        try:
            names = sorted(
                {
                    found.name
                    for found in self._listed(
                        listing,
                        lambda **options: hci.clusters.list_by_resource_group(
                            location.group, **options
                        ),
                    )
                    if found.name
                }
            )
        except _Failed as failed:
            if failed.absent:
                self.writer.not_collected("azure/azure-local-cluster", failed.sentence)
                return
            raise failed.error(listing.id) from None
        if len(names) != 1:
            held = f"holds {len(names)} ({', '.join(names)})" if names else "holds none"
            self.writer.not_collected(
                "azure/azure-local-cluster",
                f"the Azure Local instance behind custom location {location.name} could not be "
                f"identified: its resource group {location.group} {held}",
            )
            return
        name = names[0]
        instance = _Resource(
            "azure-local-cluster",
            f"Azure Local instance {name}",
            f"{listing.id}/{name}",
            scope,
        )
        self._part(
            instance,
            lambda: self.arm.get(
                instance,
                lambda **options: hci.clusters.get(location.group, name, **options),
            ),
        )

    def _listed(
        self, resource: _Resource, operation: Callable[..., Iterable[_Named]]
    ) -> list[_Named]:
        with _failures(resource, self.arm.endpoint, self.arm.limits):
            return list(operation(**self.arm.call_options))

    def _subscription(self) -> None:
        subscription = self.cluster.subscription
        resource = _Resource(
            "subscription",
            f"subscription {subscription}",
            f"/subscriptions/{subscription}",
            f"subscription {subscription} or on a resource group in it",
        )
        self._part(
            resource,
            lambda: self.arm.get(
                resource,
                lambda **options: self.arm.subscriptions.subscriptions.get(subscription, **options),
            ),
        )


def collect_azure(
    writer: BundleWriter,
    target: AzureTarget,
    *,
    credential: TokenCredential | None = None,
    base_url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Read the connected cluster and the AKS Arc resources around it into writer's azure/.

    Failing to read the connected cluster, not being signed in, throttling beyond the retries
    and network failures raise InputError; a later part that answers 403 or 404 is recorded in
    the manifest as not collected.
    """
    cluster = _resolve_cluster(target)
    endpoint, plain_http = _endpoint(base_url)
    say = progress or (lambda _message: None)
    with ExitStack() as stack:
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = stack.enter_context(DefaultAzureCredential())
        arm = _Arm(
            _SharedToken(credential), endpoint, plain_http, cluster.subscription, LIMITS, stack
        )
        _Collection(writer, arm, cluster, say).run()
