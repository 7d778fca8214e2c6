"""`kubectl cluster-info dump --all-namespaces`, read in every shape kubectl writes it.

With `--output-directory DIR`: `nodes.json`, then for each namespace `<ns>/events.json`,
`replication-controllers.json`, `services.json`, `daemonsets.json`, `deployments.json`,
`replicasets.json`, `pods.json` and `<ns>/<pod>/logs.txt`. With `-o yaml` the same names end in
`.yaml`, and every file after `nodes.yaml` begins with `---` (kubectl's YAML printer separates
each document it prints from the one before, whatever file it goes to). The folder may also
hold `azure/` and `facts.yaml`, as a bundle does, and may come tarred (`.tar.gz`, with or
without the folder itself).

Without `--output-directory`, kubectl prints one stream: the NodeList, then each namespace's
seven lists in that order, each namespace followed by its containers' logs between
`==== START logs for container C of pod NS/P ====` and `==== END logs … ====` lines. JSON
documents follow one another (each opens with a `{` line and closes with a `}` line); YAML
documents are separated by `---` lines. A namespace that holds none of the dumped kinds leaves
no trace in the stream, so the stream names only the namespaces that hold something.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal

import msgspec

from arcsupport.decoding import decode_json, decode_list
from arcsupport.errors import InputError
from arcsupport.snapshot.kube import GenericMeta, Namespace, ObjectMeta
from arcsupport.snapshot.model import Part, Provenance, Snapshot
from arcsupport.sources.archive import ArchiveLimits, format_size, iter_directory
from arcsupport.sources.bundle import (
    AZURE_FILES,
    KUBE_LISTS,
    ingest_kubernetes,
    route,
)

Form = Literal["json", "yaml"]

# What kubectl writes for each namespace, in its order: file name -> list kind. Only the kinds
# arcsupport reads (KUBE_LISTS) are kept; the others still show that the namespace exists.
_NAMESPACE_FILES: dict[str, str] = {
    "events": "EventList",
    "replication-controllers": "ReplicationControllerList",
    "services": "ServiceList",
    "daemonsets": "DaemonSetList",
    "deployments": "DeploymentList",
    "replicasets": "ReplicaSetList",
    "pods": "PodList",
}
_KIND_FILES = {kind: name for name, kind in _NAMESPACE_FILES.items()}
_READ = ("pods", "daemonsets", "deployments", "services")
_CONTAINER_LOG = "logs.txt"
# Kubernetes names: lower-case alphanumerics, '-' and '.'.
_NAME = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?"
_NAMESPACE_FILE = re.compile(
    rf"(?P<namespace>{_NAME})/(?P<file>{'|'.join(_NAMESPACE_FILES)})\.(?P<form>json|yaml)"
)
_LOG_START = re.compile(rb"==== START logs for container \S+ of pod \S+/\S+ ====")


class ClusterInfoDump:
    """Gathers a dump's lists, from whichever shape, into a Snapshot: the nodes as they come,
    the namespaced lists merged in namespace order (as `kubectl get -A` lists them in a
    bundle), so that every shape of the same dump reads to the same Snapshot."""

    def __init__(self, snapshot: Snapshot, where: str) -> None:
        self.snapshot = snapshot
        self.where = where
        self.form: Form | None = None
        self.has_nodes = False
        self.namespaces: set[str] = set()
        self._lists: dict[str, dict[str, list[Any]]] = {plural: {} for plural in _READ}
        self._seen: set[str] = set()  # lists read, empty or not

    @property
    def found(self) -> bool:
        return self.form is not None

    def _check_form(self, form: Form, where: str) -> None:
        if self.form is None:
            self.form = form
        elif form != self.form:
            raise InputError(
                where,
                f"a .{form} file among the .{self.form} files of a dump: kubectl writes one "
                "format per dump, so this mixes two dumps",
            )

    def nodes(self, data: bytes, form: Form, where: str) -> None:
        self._check_form(form, where)
        if self.has_nodes:
            raise InputError(where, "a second NodeList: this holds more than one dump")
        self.has_nodes = True
        ingest_kubernetes(self.snapshot, "nodes.json", _as_json(data, form, where), where)

    def namespace(self, name: str) -> None:
        self.namespaces.add(name)

    def listing(
        self, namespace: str | None, file: str, data: bytes, form: Form, where: str
    ) -> None:
        """One of a namespace's lists; in a stream (namespace None) its items name it. Of the
        lists arcsupport does not read, only the namespaces they show are kept."""
        self._check_form(form, where)
        if namespace is not None:
            self.namespaces.add(namespace)
            if file not in self._lists:
                return
        data = _as_json(data, form, where)
        if file not in self._lists:
            others = decode_list(data, _Named, None, where)
            self.namespaces.update(item.metadata.namespace for item in others)
            return
        item_type, kind, _ = KUBE_LISTS[file]
        items = decode_list(data, item_type, kind, where)
        self._seen.add(file)
        by_namespace = self._lists[file]
        for item in items:
            name = namespace or item.metadata.namespace
            self.namespaces.add(name)
            by_namespace.setdefault(name, []).append(item)

    def finish(self, lists_at: str) -> None:
        """Set the namespaces and each list read; `lists_at` says where the lists were, with
        `{file}` for the file name."""
        if not self.has_nodes:
            raise InputError(
                self.where,
                "holds lists of a `kubectl cluster-info dump` but no nodes.json or nodes.yaml, "
                "which kubectl always writes: an incomplete dump",
            )
        self.namespaces.discard("")
        snapshot = self.snapshot
        snapshot.namespaces = [
            Namespace(metadata=ObjectMeta(name=name)) for name in sorted(self.namespaces)
        ]
        snapshot.parts["kubernetes/namespaces"] = Part(
            "kubernetes/namespaces", lists_at.format(file="*"), Provenance.OBSERVED
        )
        for plural, by_namespace in self._lists.items():
            if plural not in self._seen:
                continue  # not in the dump: not collected
            merged = [item for name in sorted(by_namespace) for item in by_namespace[name]]
            setattr(snapshot, KUBE_LISTS[plural][2], merged)
            snapshot.parts[f"kubernetes/{plural}"] = Part(
                f"kubernetes/{plural}", lists_at.format(file=plural), Provenance.OBSERVED
            )


class _Named(msgspec.Struct):
    metadata: GenericMeta = msgspec.field(default_factory=GenericMeta)


def _as_json(data: bytes, form: Form, where: str) -> bytes:
    """A document as JSON bytes: YAML is read safely (size cap, no aliases), then goes through
    the same typed decoding as JSON, so both forms of a dump read alike."""
    if form == "json":
        return data
    from arcsupport.safeyaml import load_yaml  # PyYAML costs start-up: only for YAML dumps

    loaded = load_yaml(data, where)
    if not isinstance(loaded, dict):
        raise InputError(where, "expected a Kubernetes List (a YAML mapping)")
    try:
        return msgspec.json.encode(loaded)
    except (TypeError, ValueError) as exc:
        raise InputError(where, f"YAML that has no JSON form: {exc}") from None


# --------------------------------------------------------------------------- a folder


def _nodes_files(root: Path) -> list[str]:
    return [name for name in ("nodes.json", "nodes.yaml") if (root / name).is_file()]


def is_cluster_info_dump(root: Path) -> bool:
    return (
        bool(_nodes_files(root))
        and not (root / "manifest.json").exists()
        and not (root / "kubernetes").is_dir()
    )


def read_cluster_info_dump(root: Path, snapshot: Snapshot) -> None:
    """A dump folder as `--output-directory` writes it, JSON or YAML, with its extras."""
    nodes_files = _nodes_files(root)
    if len(nodes_files) > 1:
        raise InputError(str(root), "holds both nodes.json and nodes.yaml: two dumps in one")
    form: Form = "yaml" if nodes_files[0].endswith(".yaml") else "json"
    dump = ClusterInfoDump(snapshot, str(root))
    for name, data in iter_directory(root, nodes_files):
        dump.nodes(data, form, str(root / name))
    for child in sorted(root.iterdir()):
        if not child.is_dir():
            continue
        if child.name == "azure" and any((child / name).is_file() for name in AZURE_FILES):
            continue
        if not any((child / f"{file}.{form}").is_file() for file in _NAMESPACE_FILES):
            continue  # not a namespace's folder
        dump.namespace(child.name)
        for file in _READ:
            for name, data in iter_directory(root, [f"{child.name}/{file}.{form}"]):
                dump.listing(child.name, file, data, form, str(root / name))
    dump.finish(f"{root}/*/{{file}}.{form}")
    extras = [name for name in ("facts.yaml", "facts.yml") if (root / name).exists()]
    if (root / "azure").is_dir():
        extras.extend(f"azure/{name}" for name in AZURE_FILES if (root / "azure" / name).exists())
    for name, data in iter_directory(root, extras):
        route(snapshot, name, data, str(root / name))


# --------------------------------------------------------------------------- a tarball


def is_container_log(name: str) -> bool:
    """`<ns>/<pod>/logs.txt` (under the dump's folder or not): never read, only skipped."""
    parts = PurePosixPath(name).parts
    return len(parts) in (3, 4) and parts[-1] == _CONTAINER_LOG


class DumpMembers:
    """The members of a tarball that belong to a dump folder, under one folder or none:
    `[DIR/]nodes.json` and `[DIR/]<ns>/<list>.json` (or .yaml). A bundle's
    `kubernetes/<plural>.json` is never one of them."""

    def __init__(self, dump: ClusterInfoDump) -> None:
        self.dump = dump
        self.root: str | None = None
        self.first = ""  # the first member read, to name the dump

    def offer(self, name: str, data: bytes, where: str) -> bool:
        """Read the member if it is one of the dump's; False if it is not."""
        parts = PurePosixPath(name).parts
        candidates = [("", parts)]
        if len(parts) > 1 and parts[0] != "kubernetes":  # a bundle's folder is never a dump's
            candidates.append((parts[0], parts[1:]))
        for root, rest in candidates:
            relative = "/".join(rest)
            if relative in ("nodes.json", "nodes.yaml"):
                self._enter(root, name, where)
                self.dump.nodes(data, "yaml" if relative.endswith("yaml") else "json", where)
                return True
            match = _NAMESPACE_FILE.fullmatch(relative)
            if match and match["namespace"] != "kubernetes":
                self._enter(root, name, where)
                form: Form = "yaml" if match["form"] == "yaml" else "json"
                self.dump.listing(match["namespace"], match["file"], data, form, where)
                return True
        return False

    def _enter(self, root: str, name: str, where: str) -> None:
        if self.root is None:
            self.root = root
            self.first = name
        elif root != self.root:
            folders = " and ".join(repr(folder or ".") for folder in sorted({self.root, root}))
            raise InputError(where, f"the archive holds two dump folders ({folders}); refused")


# --------------------------------------------------------------------------- the stream

_UTF8_BOM = b"\xef\xbb\xbf"
_YAML_START = re.compile(rb"(---|[A-Za-z_][\w.-]*:)(\s|$)")


def stream_form(head: bytes) -> Form | None:
    """Which stream a file's first bytes begin, if any: `{` opens kubectl's JSON, `---` or a
    top-level `key:` its YAML. Archives and anything else are None."""
    text = head.removeprefix(_UTF8_BOM).lstrip()
    if text.startswith(b"{"):
        return "json"
    if _YAML_START.match(text):
        return "yaml"
    return None


# kubectl's JSON printer writes a List's kind first.
_JSON_NODE_LIST = re.compile(rb'\{\s*"kind"\s*:\s*"NodeList"')


def is_dump_stream(head: bytes) -> bool:
    """Whether a file's first bytes are those of a dump stream rather than of another JSON
    document: YAML, or JSON that opens with the NodeList."""
    form = stream_form(head)
    text = head.removeprefix(_UTF8_BOM).lstrip()
    return form == "yaml" or (form == "json" and bool(_JSON_NODE_LIST.match(text)))


class _Document(msgspec.Struct):
    kind: str = ""


_CHUNK = 1024 * 1024  # a longer line (a log line, a huge annotation) is read in pieces


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, whether they are a whole line): markers and braces are only
    looked for in whole lines, so a piece of a long one never passes for them."""
    number = 1
    at_start = True
    while chunk := handle.readline(_CHUNK):
        ends = chunk.endswith(b"\n")
        yield number, chunk, at_start and (ends or len(chunk) < _CHUNK)
        if ends:
            number += 1
        at_start = ends


def _documents(handle: BinaryIO, form: Form, where: str) -> Iterator[tuple[int, bytes]]:
    """(first line, bytes) of each document, the container logs between them left out.

    kubectl's JSON documents open with a `{` line and close with a `}` line; a document that
    opens on a longer line (`jq -c` output) is that line. YAML documents end at `---`."""
    limit = ArchiveLimits.from_environment().member_bytes  # as one file of a bundle
    document = bytearray()
    first = 0
    one_line = False
    log_end: bytes | None = None
    log_start = 0
    for number, piece, whole in _lines(handle):
        # Windows PowerShell 5.1's `Out-File -Encoding utf8` begins the file with a BOM.
        chunk = piece.removeprefix(_UTF8_BOM) if number == 1 else piece
        text = chunk.rstrip(b"\r\n") if whole else None
        if log_end is not None:
            if text == log_end:
                log_end = None
            continue
        if text is not None and _LOG_START.fullmatch(text):
            log_end = text.replace(b"==== START", b"==== END", 1)
            log_start = number
            continue
        if form == "yaml" and text == b"---":
            if document.strip():
                yield first, bytes(document)
            document.clear()
            continue
        if not document.strip():
            document.clear()
            if not chunk.strip():
                continue
            if form == "json" and not chunk.lstrip().startswith(b"{"):
                raise InputError(
                    where,
                    f"line {number} is neither a JSON document nor container logs, as "
                    "`kubectl cluster-info dump` prints them",
                )
            first = number
            one_line = text != b"{"
        document += chunk
        if len(document) > limit:
            raise InputError(
                where, f"the document at line {first} is over the {format_size(limit)} limit"
            )
        if form == "json" and (text == b"}" if not one_line else chunk.endswith(b"\n")):
            yield first, bytes(document)
            document.clear()
    if log_end is not None:
        raise InputError(where, f"ends inside the container logs that begin at line {log_start}")
    if document.strip():
        if form == "json" and not one_line:
            raise InputError(where, f"ends inside the JSON document that begins at line {first}")
        yield first, bytes(document)


def read_dump_stream(path: Path, snapshot: Snapshot, form: Form) -> None:
    """The single stream `kubectl cluster-info dump` prints, JSON or YAML, document by
    document: memory holds one document at a time, never the logs."""
    dump = ClusterInfoDump(snapshot, str(path))
    count = 0
    try:
        with path.open("rb") as handle:
            for first, document in _documents(handle, form, str(path)):
                count += 1
                where = f"{path} (document {count}, line {first})"
                data = _as_json(document, form, where)
                kind = decode_json(data, _Document, where).kind
                if count == 1 and kind != "NodeList":
                    raise InputError(
                        str(path),
                        "is not the stream of `kubectl cluster-info dump`: its first document "
                        f"is {('a ' + kind) if kind else 'not a Kubernetes object'}, where "
                        "kubectl writes the NodeList",
                    )
                if kind == "NodeList":
                    dump.nodes(data, "json", where)
                elif kind in _KIND_FILES:
                    dump.listing(None, _KIND_FILES[kind], data, "json", where)
                else:
                    raise InputError(
                        where,
                        f"a {kind or 'document without a kind'}, which `kubectl cluster-info "
                        "dump` does not print",
                    )
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from None
    if not count:
        raise InputError(str(path), "holds no document")
    dump.finish(f"{path}: {{file}}")
