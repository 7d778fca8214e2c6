"""Collecting a cluster through the Kubernetes API into the kubernetes/ part of a bundle.

The official `kubernetes` client does what is hard to get right: kubeconfig files with their
contexts, exec credential plugins (kubelogin for Entra ID), the in-cluster service account, TLS
with client certificates. It is used for that and as transport only: arcsupport builds each
request, reads the raw bytes and never builds the client's models, which cost about seven times
the JSON parse and three times its memory (research/python-stack.md, section 1.2).

Every kind of `KINDS` is listed cluster-wide in pages (`limit` plus `continue`), and each page
is redacted and appended to kubernetes/<plural>.json before the next one is asked for, so memory
stays flat however big the cluster is. A kind the credentials may not list, or the server does
not serve, is recorded in the manifest as not collected: the assessment then says which rules
could not be evaluated instead of failing. Anything that makes the whole collection impossible
(no server, bad credentials, a broken kubeconfig, a full disk) raises InputError, and the
BundleWriter leaves nothing behind.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import msgspec

from arcsupport.errors import InputError
from arcsupport.snapshot.kube import LAST_APPLIED
from arcsupport.sources.live.kinds import HELM_SECRETS, KINDS, Kind
from arcsupport.sources.live.progress import Progress
from arcsupport.sources.live.writer import BundleWriter

PAGE_SIZE = 500
TIMEOUT_SECONDS = 30.0

# Transient failures (connection errors, 429, 5xx) are retried this many times in all per
# request, waiting _BACKOFF_SECONDS * 2**n between tries (or what Retry-After asks, capped).
_ATTEMPTS = 5
_BACKOFF_SECONDS = 0.5
_MAX_WAIT_SECONDS = 60.0
# A list whose continue token keeps expiring (410 Gone) is restarted at most this many times.
_RESTARTS = 3
# Small on purpose: one big list (pods) dominates, and an API server applies priority and
# fairness per client, so more parallel lists mostly mean more 429s.
_WORKERS = 4

_JSON = "application/json"
# Only the metadata of each Secret is served; the payload never leaves the API server.
_METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
_HELM_SELECTOR = "owner=helm"
_HELM_PART = "kubernetes/helm-releases"

_LIST_HEADER = b'{"apiVersion":"v1","kind":"List","items":[\n'
_LIST_FOOTER = b"\n]}\n"

REDACTED_ENV = "environment variable values (containers[].env[].value)"
REDACTED_LAST_APPLIED = f"{LAST_APPLIED} annotations (apiVersion and kind kept)"

# Where pod specs sit: a Pod, a workload's template, a CronJob's job template.
_POD_SPEC_PATHS: tuple[tuple[str, ...], ...] = (
    ("spec",),
    ("spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "spec"),
)
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    kubeconfig: Path | None = None  # default: $KUBECONFIG, else ~/.kube/config
    context: str | None = None  # default: the kubeconfig's current-context
    in_cluster: bool = False  # the pod's service account instead of a kubeconfig
    helm_secrets: bool = False  # also list Helm release Secrets, metadata only
    page_size: int = PAGE_SIZE
    timeout: float = TIMEOUT_SECONDS  # to connect, and between bytes of an answer


# --------------------------------------------------------------------------- wire shapes


class _ListMeta(msgspec.Struct):
    continue_: str = msgspec.field(name="continue", default="")
    remainingItemCount: int | None = None


class _ListPage(msgspec.Struct):
    kind: str = ""
    apiVersion: str = ""
    metadata: _ListMeta = msgspec.field(default_factory=_ListMeta)
    # Undecoded: each item becomes a dict only while it is redacted and written, so memory
    # holds one page of bytes and one item, not a page of dicts (five to ten times the bytes).
    items: list[msgspec.Raw] | None = None


class _Status(msgspec.Struct):
    """The body of an error answer (metav1.Status)."""

    message: str = ""
    reason: str = ""


class _TypeMeta(msgspec.Struct):
    apiVersion: str = ""
    kind: str = ""


class _Preferred(msgspec.Struct):
    version: str = ""


class _Group(msgspec.Struct):
    name: str = ""
    preferredVersion: _Preferred | None = None


class _GroupList(msgspec.Struct):
    groups: list[_Group] = []


class _Version(msgspec.Struct):
    gitVersion: str = ""


_decode_page = msgspec.json.Decoder(_ListPage).decode
_decode_item = msgspec.json.Decoder(dict[str, Any]).decode
_decode_status = msgspec.json.Decoder(_Status).decode
_decode_type_meta = msgspec.json.Decoder(_TypeMeta).decode
_encode = msgspec.json.Encoder().encode


# --------------------------------------------------------------------------- redaction


@dataclass(slots=True)
class _Redactions:
    env_values: int = 0
    last_applied: int = 0


def _applied_type(text: object) -> str | None:
    """What the rules read from a last-applied-configuration (apiVersion and kind), as the
    annotation's replacement; None when it is not the JSON kubectl writes."""
    if not isinstance(text, str):
        return None
    try:
        applied = _decode_type_meta(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return _encode({"apiVersion": applied.apiVersion, "kind": applied.kind}).decode()


def _dig(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = item
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def redact(item: dict[str, Any], counts: _Redactions) -> None:
    """Drop environment variable values (their names and valueFrom references stay) and
    replace last-applied-configuration annotations by their apiVersion and kind, in place.
    managedFields stay: the system-metadata rule reads them."""
    annotations = _dig(item, ("metadata", "annotations"))
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        kept = _applied_type(annotations[LAST_APPLIED])
        if kept is None:
            del annotations[LAST_APPLIED]
        else:
            annotations[LAST_APPLIED] = kept
        counts.last_applied += 1
    for path in _POD_SPEC_PATHS:
        spec = _dig(item, path)
        if not isinstance(spec, dict):
            continue
        for list_name in _CONTAINER_LISTS:
            for container in spec.get(list_name) or ():
                env = container.get("env") if isinstance(container, dict) else None
                for variable in env or ():
                    if isinstance(variable, dict) and "value" in variable:
                        del variable["value"]
                        counts.env_values += 1


# --------------------------------------------------------------------------- credentials


class _Scrubber:
    """Removes credentials from every line the collector produces: a server or proxy message
    may echo what it was sent, a credential plugin may print its secrets when it fails, and
    the kubeconfig loader quotes whole user entries. Nothing that reaches stderr or the
    manifest goes around this."""

    _MIN_LENGTH = 6  # shorter strings are field names and flags, not secrets

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._configuration: Any = None

    def add_user(self, user: object) -> None:
        """Every string of a kubeconfig user entry (token, client key, password, exec
        arguments and env values, auth-provider config) except the plugin's command."""
        if isinstance(user, dict):
            for key, value in user.items():
                if key not in ("command", "apiVersion"):
                    self.add_user(value)
        elif isinstance(user, list):
            for value in user:
                self.add_user(value)
        elif isinstance(user, str) and len(user) >= self._MIN_LENGTH:
            self._secrets.add(user)

    def add_url_password(self, url: str) -> None:
        password = urlsplit(url).password
        if password:
            self._secrets.add(password)

    def watch(self, configuration: Any) -> None:
        """The tokens the client holds, read at each use: exec plugins and projected
        service-account tokens are refreshed while the collection runs."""
        self._configuration = configuration

    def __call__(self, text: str) -> str:
        secrets = set(self._secrets)
        configuration = self._configuration
        if configuration is not None:
            for value in (*configuration.api_key.values(), configuration.password or ""):
                token = str(value).split(" ", 1)[-1]  # without "Bearer "
                if len(token) >= self._MIN_LENGTH:
                    secrets.add(token)
        # Longest first, so that a secret containing another is removed whole.
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "[redacted]")
        return " ".join(text.split())


class _LibraryMessages(logging.Filter):
    """The client reports a failed exec plugin with `logging.error` (the plugin's stderr, over
    several lines, secrets and all). Its records are kept here, never handed to a handler, to
    be turned into one clear, scrubbed error."""

    def __init__(self, package: str) -> None:
        super().__init__()
        self._package = package
        self.errors: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.pathname.startswith(self._package):
            return True
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())
        return False


@contextmanager
def _library_output_captured() -> Iterator[_LibraryMessages]:
    package = str(Path(_kube("kubernetes").__file__).parent)
    captured = _LibraryMessages(package)
    root = logging.getLogger()
    # A handler of its own on the root logger: otherwise the client's `logging.error` would
    # configure logging for the whole process on its way (basicConfig, printing to stderr).
    quiet = logging.NullHandler()
    root.addHandler(quiet)
    root.addFilter(captured)
    try:
        with warnings.catch_warnings():
            # urllib3 warns on every request when a kubeconfig turns TLS verification off.
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            yield captured
    finally:
        root.removeFilter(captured)
        root.removeHandler(quiet)


# --------------------------------------------------------------------------- connecting


def _kube(module: str) -> Any:
    """The client ships py.typed without annotations; reached through Any, so that strict
    typing stays on for arcsupport's own code. Imported here, not at module level: `check`
    never pays for it."""
    return importlib.import_module(module)


@dataclass(slots=True)
class _Connection:
    client: Any  # kubernetes.client.ApiClient
    server: str
    cluster_name: str
    scrub: _Scrubber


def _kubeconfig_paths(options: ClusterOptions) -> str:
    if options.kubeconfig is not None:
        return str(options.kubeconfig)
    return os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())


def _load_kubeconfig(
    options: ClusterOptions, configuration: Any, scrub: _Scrubber, messages: _LibraryMessages
) -> str:
    """Fill `configuration` from the kubeconfig; return the name of the context's cluster."""
    paths = _kubeconfig_paths(options)
    where = f"kubeconfig {paths}"
    files = [p for p in paths.split(os.pathsep) if p and Path(p).expanduser().is_file()]
    if not files:
        raise InputError(
            paths, "no such kubeconfig file; pass --kubeconfig PATH, or --in-cluster in a pod"
        )
    kube_config = _kube("kubernetes.config.kube_config")
    try:
        merged = kube_config.KubeConfigMerger(paths).config
    except Exception as exc:  # a user's file: YAML errors, wrong shapes, unreadable files
        raise InputError(where, f"cannot be read: {_first_line(exc)}") from None
    if merged is None or not isinstance(merged.value, dict):
        raise InputError(where, "holds no kubeconfig (clusters, contexts, users)")
    # The merger wraps each entry in a ConfigNode; its `value` is the entry as written.
    entries = {
        section: [getattr(entry, "value", entry) for entry in merged.value.get(section) or ()]
        for section in ("users", "clusters", "contexts")
    }
    for entry in entries["users"]:
        if isinstance(entry, dict):
            scrub.add_user(entry.get("user"))
    for entry in entries["clusters"]:
        cluster = entry.get("cluster") if isinstance(entry, dict) else None
        if isinstance(cluster, dict):
            scrub.add_url_password(str(cluster.get("proxy-url") or ""))
    contexts = [entry.get("name", "") for entry in entries["contexts"] if isinstance(entry, dict)]
    context = options.context or merged.value.get("current-context")
    if not context:
        raise InputError(where, "names no current-context; pass --context NAME")
    if context not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise InputError(where, f"has no context named {context!r} (it has: {known})")
    _refuse_credentials_over_http(entries, context, where)
    try:
        loader = kube_config.KubeConfigLoader(
            config_dict=merged, active_context=context, config_base_path=None
        )
        loader.load_and_set(configuration)
    except Exception as exc:  # ConfigException, and KeyError or TypeError on odd shapes
        # The loader names entries by their Python repr, secrets and all: keep the path.
        problem = re.sub(r"\{.*\}", "{…}", _first_line(exc))
        raise InputError(where, scrub(f"context {context!r}: {problem}")) from None
    if messages.errors:
        # The exec plugin failed; without credentials every request would be refused.
        problem = _first_line(messages.errors[0])
        raise InputError(where, scrub(f"the credential plugin of context {context!r}: {problem}"))
    return str(loader.current_context.get("context", {}).get("cluster", ""))


# What a kubeconfig user entry authenticates with, by the Authorization header it ends in.
_CREDENTIALS = {
    "token": "a bearer token",
    "tokenFile": "a bearer token (tokenFile)",
    "exec": "the token of a credential plugin (exec)",
    "auth-provider": "the token of an auth provider",
    "username": "a user name and password",
    "password": "a user name and password",
}


def _refuse_credentials_over_http(entries: dict[str, list[Any]], context: str, where: str) -> None:
    """As kubectl, never send credentials to a server over plain HTTP, where anyone on the way
    reads them: refused before a credential plugin runs or any request is made. kubectl drops
    them silently and the server then answers 401; one clear line says why instead. A
    kubeconfig without credentials (`kubectl proxy`'s address) is still fine over HTTP."""

    def named(section: str, name: object) -> dict[str, Any]:
        for entry in entries[section]:
            if isinstance(entry, dict) and entry.get("name") == name:
                value = entry.get(section.removesuffix("s"))
                return value if isinstance(value, dict) else {}
        return {}

    selected = named("contexts", context)
    server = str(named("clusters", selected.get("cluster")).get("server") or "")
    if urlsplit(server).scheme.lower() != "http":
        return
    user = named("users", selected.get("user"))
    found = [kind for key, kind in _CREDENTIALS.items() if user.get(key)]
    if found:
        raise InputError(
            where,
            f"context {context!r} would send {found[0]} to {server} over plain HTTP, where "
            "anyone on the way can read it; refused (kubectl does not send credentials over "
            "HTTP either): use the API server's https:// address",
        )


def _connect(options: ClusterOptions, messages: _LibraryMessages) -> _Connection:
    client_module = _kube("kubernetes.client")
    configuration = client_module.Configuration()
    scrub = _Scrubber()
    cluster_name = ""
    if options.in_cluster:
        try:
            _kube("kubernetes.config.incluster_config").load_incluster_config(
                client_configuration=configuration
            )
        except Exception as exc:  # ConfigException: not in a pod, or no token mounted
            raise InputError(
                "--in-cluster", f"no service account here: {_first_line(exc)}"
            ) from None
    else:
        cluster_name = _load_kubeconfig(options, configuration, scrub, messages)
    scrub.watch(configuration)
    if configuration.proxy:
        scrub.add_url_password(configuration.proxy)
    # arcsupport owns the retries (bounded, Retry-After honoured, the last failure named in the
    # error); urllib3's own would retry silently, out of that count.
    configuration.retries = False
    return _Connection(
        client_module.ApiClient(configuration), configuration.host, cluster_name, scrub
    )


def _first_line(problem: object) -> str:
    lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
    return lines[0] if lines else type(problem).__name__


# --------------------------------------------------------------------------- transport


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    reason: str
    body: bytes
    retry_after: float | None = None

    def problem(self) -> str:
        """The server's own words for a failure (its Status message), or the HTTP reason."""
        message = ""
        with suppress(msgspec.DecodeError, msgspec.ValidationError):
            message = _decode_status(self.body).message
        return _first_line(message or self.reason or f"HTTP {self.status}")


class _Stopped(Exception):
    """Another part failed fatally; this worker gives up before its next request."""


class _Transient(Exception):
    """Worth another try: the connection failed, was dropped, or timed out."""


_RETRIED_STATUSES = (429, 500, 502, 503, 504)


def _network_problem(exc: BaseException) -> str:
    """A short reason for a connection-level failure: the OS error when there is one."""
    name = type(exc).__name__
    if "ReadTimeout" in name:
        return "no answer in time (read timed out)"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    if "ConnectTimeout" in name:
        return "connection timed out"
    if "Protocol" in name or "IncompleteRead" in name:
        return "the connection was closed before the answer was complete"
    return _first_line(exc)


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), _MAX_WAIT_SECONDS)
    except ValueError:
        return None  # an HTTP date; the API server sends seconds, so back off instead


class _Transport:
    """GET requests through the client's ApiClient, with bounded retries."""

    def __init__(self, connection: _Connection, timeout: float, stop: threading.Event) -> None:
        self._client = connection.client
        self.server = connection.server
        self.scrub = connection.scrub
        self._timeout = (timeout, timeout)
        self._stop = stop
        # The client refreshes an expiring token while it builds a request (running an exec
        # plugin): one thread at a time, so a refresh runs once rather than once per worker.
        self._auth_lock = threading.Lock()

    def fail(self, problem: str) -> InputError:
        return InputError(self.server, self.scrub(problem))

    def get(
        self, path: str, query: list[tuple[str, str]] | None = None, accept: str = _JSON
    ) -> _Answer:
        """200, or the error answer for the caller to judge (after retries for 429 and 5xx).
        Raises InputError when the server cannot be used at all: unreachable after retries,
        TLS failing, credentials refused."""
        problem = ""
        wait = 0.0
        for attempt in range(_ATTEMPTS):
            if attempt:
                self._stop.wait(wait)  # a sleep that ends early when the collection stops
            if self._stop.is_set():
                raise _Stopped
            wait = _BACKOFF_SECONDS * 2**attempt
            try:
                answer = self._send(path, query, accept)
            except _Transient as exc:
                problem = str(exc)
                continue
            if answer.status == 401:
                raise self.fail(
                    "the API server refused the credentials (401 Unauthorized): the token has "
                    "expired or is not valid; get new credentials (for Entra ID: kubelogin, or "
                    "`az aksarc get-credentials`) and try again"
                )
            if answer.status not in _RETRIED_STATUSES or attempt == _ATTEMPTS - 1:
                return answer
            if answer.retry_after is not None:
                wait = answer.retry_after
        raise self.fail(f"cannot reach the API server: {problem} (GET {path}, {_ATTEMPTS} tries)")

    def _send(self, path: str, query: list[tuple[str, str]] | None, accept: str) -> _Answer:
        with self._auth_lock:
            method, url, headers, _, _ = self._client.param_serialize(
                method="GET",
                resource_path=path,
                query_params=query or None,
                header_params={"Accept": accept},
                auth_settings=["BearerToken"],
            )
        try:
            response = self._client.call_api(
                method, url, header_params=headers, _request_timeout=self._timeout
            )
            raw = response.response
            body: bytes = raw.data
        except Exception as exc:
            raise self._classify(exc) from None
        return _Answer(raw.status, raw.reason or "", body, _retry_after(raw.headers))

    def _classify(self, exc: Exception) -> Exception:
        urllib3_errors = importlib.import_module("urllib3.exceptions")
        api_exception = _kube("kubernetes.client.exceptions").ApiException
        if isinstance(exc, api_exception | urllib3_errors.SSLError):
            # The client turns TLS failures into ApiException(status=0, reason="SSLError\n…").
            lines = str(getattr(exc, "reason", None) or exc).splitlines()
            detail = re.sub(r"\s*\(_ssl\.c:\d+\)", "", lines[-1] if lines else "")
            return self.fail(
                f"TLS with the API server failed ({detail or 'handshake failed'}); check the "
                "kubeconfig's certificate-authority-data and client certificate"
            )
        if isinstance(exc, urllib3_errors.LocationValueError):
            return self.fail(f"the server URL cannot be used: {_first_line(exc)}")
        if isinstance(exc, urllib3_errors.HTTPError | ConnectionError | TimeoutError):
            return _Transient(_network_problem(exc))
        return exc


# --------------------------------------------------------------------------- collecting


@dataclass(slots=True)
class _Outcome:
    part: str
    reason: str = ""  # why the part was not collected; empty when it was
    items: int = 0
    pages: int = 0
    redactions: _Redactions = field(default_factory=_Redactions)


class _Silent:
    def update(self, part: str, *, items: int, pages: int, total: int | None = None) -> None:
        pass

    def finish(self, part: str, outcome: str) -> None:
        pass


def _unavailable(answer: _Answer) -> str:
    if answer.status == 403:
        return f"forbidden (403): {answer.problem()}; see `arcsupport rbac`"
    if answer.status == 404:
        return f"not served by this API server (404): {answer.problem()}"
    if answer.status in _RETRIED_STATUSES:
        return f"the API server kept answering {answer.status} ({_ATTEMPTS} tries): " + (
            answer.problem()
        )
    return f"the API server answered {answer.status}: {answer.problem()}"


def _path(kind: Kind, version: str) -> str:
    prefix = f"/apis/{kind.group}/{version}" if kind.group else f"/api/{version}"
    return f"{prefix}/{kind.plural}"


class _Collection:
    def __init__(
        self,
        connection: _Connection,
        options: ClusterOptions,
        writer: BundleWriter,
        progress: Progress,
    ) -> None:
        self.stop = threading.Event()
        self.transport = _Transport(connection, options.timeout, self.stop)
        self.options = options
        self.writer = writer
        self.progress = progress

    def run(self) -> None:
        version = self._version()
        apis, preferred = self._discovery()
        tasks: list[tuple[str, Callable[[], _Outcome]]] = [
            ("kubernetes/metrics", self._metrics),
        ]
        for kind in KINDS:
            tasks.append((f"kubernetes/{kind.plural}", self._lister(kind, preferred)))
        if self.options.helm_secrets:
            tasks.append((_HELM_PART, self._lister(HELM_SECRETS, preferred, metadata_only=True)))
        results: dict[str, _Outcome] = {}
        pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="arcsupport-collect")
        try:
            futures: list[Future[_Outcome]] = [pool.submit(task) for _, task in tasks]
            for future in as_completed(futures):
                outcome = future.result()
                results[outcome.part] = outcome
        finally:
            # On a fatal error (or Ctrl-C) the other workers stop at their next request.
            self.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
        for outcome in (version, apis, *(results[part] for part, _ in tasks)):
            self._record(outcome)

    def _lister(
        self, kind: Kind, preferred: dict[str, str] | None, *, metadata_only: bool = False
    ) -> Callable[[], _Outcome]:
        def task() -> _Outcome:
            part = _HELM_PART if metadata_only else f"kubernetes/{kind.plural}"
            if kind.group and preferred is not None and kind.group not in preferred:
                outcome = _Outcome(
                    part, f"not served by this API server (no {kind.group} in /apis)"
                )
            else:
                version = (preferred or {}).get(kind.group) or kind.version
                outcome = self._list(part, _path(kind, version), metadata_only)
            self.progress.finish(part, "done" if not outcome.reason else "not collected")
            return outcome

        return task

    def _record(self, outcome: _Outcome) -> None:
        if outcome.reason:
            self.writer.not_collected(outcome.part, self.transport.scrub(outcome.reason))
        if outcome.redactions.env_values:
            self.writer.redacted(REDACTED_ENV, outcome.redactions.env_values)
        if outcome.redactions.last_applied:
            self.writer.redacted(REDACTED_LAST_APPLIED, outcome.redactions.last_applied)

    def _document(self, part: str, path: str, file: str, accept: str) -> tuple[_Outcome, bytes]:
        answer = self.transport.get(path, accept=accept)
        if answer.status != 200:
            outcome = _Outcome(part, _unavailable(answer))
            self.progress.finish(part, "not collected")
            return outcome, b""
        self.writer.write_bytes(file, answer.body)
        self.progress.finish(part, "done")
        return _Outcome(part), answer.body

    def _version(self) -> _Outcome:
        outcome, body = self._document(
            "kubernetes/version", "/version", "kubernetes/version.json", _JSON
        )
        if not outcome.reason:
            try:
                looks_right = bool(msgspec.json.decode(body, type=_Version).gitVersion)
            except (msgspec.DecodeError, msgspec.ValidationError):
                looks_right = False
            if not looks_right:
                raise self.transport.fail(
                    "does not answer like a Kubernetes API server (GET /version has no gitVersion)"
                )
        return outcome

    def _discovery(self) -> tuple[_Outcome, dict[str, str] | None]:
        """The preferred version of each group, or None when /apis could not be read (then
        each kind is asked for in its default version)."""
        outcome, body = self._document("kubernetes/apis", "/apis", "kubernetes/apis.json", _JSON)
        if outcome.reason:
            return outcome, None
        try:
            groups = msgspec.json.decode(body, type=_GroupList).groups
        except (msgspec.DecodeError, msgspec.ValidationError):
            return outcome, None
        return outcome, {
            group.name: group.preferredVersion.version if group.preferredVersion else ""
            for group in groups
        }

    def _metrics(self) -> _Outcome:
        # The API server's metrics in the Prometheus text format (feature gates, requested
        # deprecated APIs); a few megabytes at most, whatever the cluster's size.
        outcome, _ = self._document(
            "kubernetes/metrics", "/metrics", "kubernetes/metrics.txt", "text/plain"
        )
        return outcome

    def _list(self, part: str, path: str, metadata_only: bool) -> _Outcome:
        """LIST in pages, each written as it arrives; on 410 Gone (the continue token
        expired) start again from the first page, discarding what was written."""
        accept = _METADATA_ONLY if metadata_only else _JSON
        outcome = _Outcome(part)
        token = ""
        restarts = 0
        with _ListFile(self.writer, f"{part}.json") as listing:
            while True:
                query = [("limit", str(self.options.page_size))]
                if metadata_only:
                    query.append(("labelSelector", _HELM_SELECTOR))
                if token:
                    query.append(("continue", token))
                answer = self.transport.get(path, query, accept)
                if answer.status == 410 and token and restarts < _RESTARTS:
                    restarts += 1
                    token = ""
                    continue
                page = self._page(answer, metadata_only) if answer.status == 200 else None
                if page is not None and not token:
                    listing.start()
                    outcome = _Outcome(part)
                try:
                    if page is not None:
                        for item in _items(page, outcome.redactions, metadata_only):
                            listing.add(item)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    page = None  # an item that is not an object
                if page is None:
                    listing.discard()
                    outcome.reason = (
                        _unavailable(answer)
                        if answer.status != 200
                        else (
                            f"the answer to GET {path} is not a "
                            + ("metadata-only list" if metadata_only else "Kubernetes list")
                        )
                    )
                    return outcome
                outcome.items = listing.items
                outcome.pages += 1
                remaining = page.metadata.remainingItemCount
                total = outcome.items + remaining if remaining is not None else None
                self.progress.update(part, items=outcome.items, pages=outcome.pages, total=total)
                token = page.metadata.continue_
                if not token:
                    listing.finish()
                    return outcome

    @staticmethod
    def _page(answer: _Answer, metadata_only: bool) -> _ListPage | None:
        try:
            page = _decode_page(answer.body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        if page.items is None or not page.kind.endswith("List"):
            return None
        if metadata_only and page.kind != "PartialObjectMetadataList":
            # A server that ignored the metadata-only request sent whole Secrets: keep nothing.
            return None
        return page


class _ListFile:
    """kubernetes/<plural>.json as `kubectl get -A -o json` prints a List, written item by
    item: emptied when the list starts again, removed when it cannot be completed."""

    def __init__(self, writer: BundleWriter, name: str) -> None:
        self._writer = writer
        self._name = name
        self._files = ExitStack()
        self._handle: BinaryIO | None = None
        self.items = 0

    def __enter__(self) -> _ListFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._files.close()

    def start(self) -> None:
        if self._handle is None:
            self._handle = self._files.enter_context(self._writer.open(self._name))
        else:
            self._handle.seek(0)
            self._handle.truncate()
        self._handle.write(_LIST_HEADER)
        self.items = 0

    def add(self, item: bytes) -> None:
        assert self._handle is not None, "start() first"
        self._handle.write(b",\n" + item if self.items else item)
        self.items += 1

    def finish(self) -> None:
        assert self._handle is not None, "start() first"
        self._handle.write(_LIST_FOOTER)
        self._files.close()

    def discard(self) -> None:
        if self._handle is not None:
            self._files.close()
            self._writer.path(self._name).unlink()


def _items(page: _ListPage, counts: _Redactions, metadata_only: bool) -> Iterator[bytes]:
    """The page's items as `kubectl get -o json` prints them, one at a time: each with its
    apiVersion and kind (the API server leaves them to the list), redacted."""
    api_version = page.apiVersion
    kind = page.kind.removesuffix("List")
    for raw in page.items or ():
        item = _decode_item(raw)
        if metadata_only:
            metadata = item.get("metadata") or {}
            item = {
                "apiVersion": item.get("apiVersion", api_version),
                "kind": item.get("kind", kind),
                "metadata": {
                    key: metadata[key] for key in ("name", "namespace", "labels") if key in metadata
                },
            }
        else:
            redact(item, counts)
            item = {
                "apiVersion": item.pop("apiVersion", api_version),
                "kind": item.pop("kind", kind),
                **item,
            }
        yield _encode(item)


def collect_cluster(
    options: ClusterOptions, writer: BundleWriter, progress: Progress | None = None
) -> None:
    """Write kubernetes/*.json, version.json, apis.json and metrics.txt into `writer`, record
    what could not be collected and what was redacted. Raises InputError when the cluster
    cannot be read at all; the caller's BundleWriter then leaves nothing behind."""
    with _library_output_captured() as messages:
        connection = _connect(options, messages)
        try:
            if connection.cluster_name and not writer.cluster.name:
                writer.cluster.name = connection.cluster_name
            _Collection(connection, options, writer, progress or _Silent()).run()
        finally:
            connection.client.close()
