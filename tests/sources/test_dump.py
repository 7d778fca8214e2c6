"""`kubectl cluster-info dump` in every shape kubectl writes it: the JSON and YAML folders of
`--output-directory`, those folders tarred, and the JSON and YAML streams it prints without one.
The dumps under tests/data/dumps were written by the real kubectl (regenerate.py there)."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import arcsupport.sources.dump as dump_module
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import DATA, EXAMPLES, empty_dump_namespaces
from helpers import snapshot_facts as facts

DUMPS = DATA / "dumps"


def tarball(folder: Path, target: Path, top: str | None) -> Path:
    """`tar czf` of the folder: its contents at the root, or under one folder `top`."""
    with tarfile.open(target, "w:gz") as archive:
        for file in sorted(folder.rglob("*")):
            name = file.relative_to(folder).as_posix()
            archive.add(file, arcname=f"{top}/{name}" if top else name, recursive=False)
    return target


def names(snapshot: Snapshot, attribute: str) -> list[str]:
    return [item.metadata.name for item in getattr(snapshot, attribute)]


# --------------------------------------------------------------------------- every shape


def test_the_json_folder_reads_what_kubectl_wrote() -> None:
    snapshot = read_snapshot(DUMPS / "json")
    assert names(snapshot, "nodes") == ["moc-dba58bypqc2", "moc-jnaqcfya1wa"]
    # Merged across namespaces in namespace order, each typed as its list says.
    assert names(snapshot, "pods") == [
        "clusterconnect-agent-6q98xcxc7j-s7ckk",
        "calico-node-z569l",
        "coredns-fwphgl7lt5-qhhsl",
        "csi-akshcicsi-controller-brhhmf8dww-x5j5d",
        "kube-apiserver-moc-dba58bypqc2",
        "kube-proxy-262h9",
        "kube-proxy-4cnjs",
    ]
    assert snapshot.daemonsets is not None
    assert {(w.kind, w.apiVersion) for w in snapshot.daemonsets} == {("DaemonSet", "apps/v1")}
    assert names(snapshot, "namespaces") == ["azure-arc", "default", "kube-public", "kube-system"]
    assert snapshot.statefulsets is None  # kubectl does not dump them: not collected
    assert "kubernetes/statefulsets" not in snapshot.parts
    assert snapshot.nodes is not None and snapshot.nodes[0].metadata.managedFields


SHAPES = ["yaml", "json.tar.gz", "json-in-a-folder.tar.gz", "yaml-in-a-folder.tar.gz"]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_folder_shape_reads_to_the_same_snapshot(shape: str, tmp_path: Path) -> None:
    source = {
        "yaml": DUMPS / "yaml",
        "json.tar.gz": tarball(DUMPS / "json", tmp_path / "dump.tar.gz", None),
        "json-in-a-folder.tar.gz": tarball(DUMPS / "json", tmp_path / "dump.tar.gz", "dump"),
        "yaml-in-a-folder.tar.gz": tarball(DUMPS / "yaml", tmp_path / "dump.tar.gz", "dump"),
    }[shape]
    assert facts(read_snapshot(source)) == facts(read_snapshot(DUMPS / "json"))


@pytest.mark.parametrize("stream", ["stream.json", "stream.yaml"])
def test_a_stream_reads_to_the_same_snapshot_but_empty_namespaces(stream: str) -> None:
    folder = facts(read_snapshot(DUMPS / "json"))
    read = facts(read_snapshot(DUMPS / stream))
    empty = empty_dump_namespaces(DUMPS / "json")
    assert empty == {"kube-public"}
    expected_namespaces = [
        ns for ns in folder.pop("namespaces") if ns["metadata"]["name"] not in empty
    ]
    assert read.pop("namespaces") == expected_namespaces
    assert read == folder


def test_a_file_is_recognised_by_its_content_not_its_name(tmp_path: Path) -> None:
    expected = facts(read_snapshot(DUMPS / "json"))
    misnamed = {
        "stream.tar.gz": (DUMPS / "stream.json").read_bytes(),
        "stream.json": (DUMPS / "stream.yaml").read_bytes(),
        "archive.json": tarball(DUMPS / "json", tmp_path / "a.tar.gz", None).read_bytes(),
    }
    for name, data in misnamed.items():
        (tmp_path / name).write_bytes(data)
        read = facts(read_snapshot(tmp_path / name))
        if name.startswith("stream"):
            read["namespaces"] = expected["namespaces"]
        assert read == expected, name


@pytest.mark.parametrize("stream", ["stream.json", "stream.yaml"])
def test_a_stream_with_a_byte_order_mark(stream: str, tmp_path: Path) -> None:
    """What Windows PowerShell 5.1's `Out-File -Encoding utf8` writes."""
    marked = tmp_path / stream
    marked.write_bytes(b"\xef\xbb\xbf" + (DUMPS / stream).read_bytes())
    assert facts(read_snapshot(marked)) == facts(read_snapshot(DUMPS / stream))


def test_a_bundle_tarball_is_not_taken_for_a_dump(tmp_path: Path) -> None:
    """A bundle's kubernetes/ folder holds nodes.json and pods.json too."""
    source = tarball(EXAMPLES / "healthy", tmp_path / "healthy.tar.gz", "healthy")
    assert facts(read_snapshot(source)) == facts(read_snapshot(EXAMPLES / "healthy"))


def test_container_logs_are_never_read(tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    shutil.copytree(DUMPS / "json", folder)
    for log in folder.rglob("logs.txt"):
        log.write_bytes(b"\x00\xff not text, not JSON")
    assert facts(read_snapshot(tarball(folder, tmp_path / "d.tar.gz", None))) == facts(
        read_snapshot(DUMPS / "json")
    )


def test_fleet_takes_a_json_stream_for_a_dump_not_an_export(arcsupport: Any) -> None:
    code, out, err = arcsupport(
        "fleet", str(DUMPS / "stream.json"), "-o", "json", "--at", "2025-09-15"
    )
    assert (code, err) == (0, "")
    [cluster] = json.loads(out)["clusters"]
    assert cluster["source"] == str(DUMPS / "stream.json")
    assert "node-os-lifecycle" in cluster["coverage"]["evaluated"]


# --------------------------------------------------------------------------- bad shapes


def _json_documents() -> list[str]:
    """stream.json cut into its documents and log blocks, as kubectl printed them."""
    text = (DUMPS / "stream.json").read_text()
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith(("{", "==== START")):
            pieces.append(line)
        else:
            pieces[-1] += line
    return pieces


def _write(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def _tar(target: Path, files: dict[str, bytes]) -> Path:
    folder = _write(target.with_suffix(".d"), files)
    return tarball(folder, target, None)


NODES = (DUMPS / "json" / "nodes.json").read_bytes()
PODS = (DUMPS / "json" / "kube-system" / "pods.json").read_bytes()
STREAM = (DUMPS / "stream.json").read_bytes()


def bad_source(case: str, tmp_path: Path) -> Path:
    file = tmp_path / "dump"
    documents = _json_documents()
    if case == "first-is-not-nodes":
        file.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": []}, indent=4))
    elif case == "cut-in-a-document":
        file.write_bytes(STREAM[: STREAM.index(b'"kind": "PodList"')])
    elif case == "cut-in-the-logs":
        file.write_bytes(STREAM[: STREAM.index(b"==== START") + 120])
    elif case == "stray-line":
        file.write_text(
            documents[0] + "Cluster info dumped to standard output\n" + "".join(documents[1:])
        )
    elif case == "unknown-kind":
        config_maps = json.dumps(
            {"kind": "ConfigMapList", "apiVersion": "v1", "items": []}, indent=4
        )
        file.write_text("".join(documents) + config_maps + "\n")
    elif case == "second-nodelist":
        file.write_text(documents[0] + "".join(documents))
    elif case == "malformed-document":
        file.write_text(documents[0] + '{\n    "kind": "PodList",\n    "items": [\n}\n')
    elif case == "utf-16":
        file.write_bytes(STREAM.decode().encode("utf-16"))
    elif case == "yaml-alias":
        file.write_text(
            (DUMPS / "stream.yaml").read_text()
            + "---\napiVersion: v1\nitems: &all []\nkind: PodList\nmetadata: *all\n"
        )
    elif case == "yaml-not-a-mapping":
        file.write_text((DUMPS / "stream.yaml").read_text() + "---\n- just\n- a list\n")
    elif case == "yaml-too-big":
        file.write_text(
            (DUMPS / "stream.yaml").read_text()
            + "---\napiVersion: v1\nkind: PodList\nitems: []\nmetadata:\n  annotations:\n"
            + "".join(f"    k{i}: {'x' * 100}\n" for i in range(90_000))
        )
    elif case == "both-formats-in-a-folder":
        return _write(tmp_path / "d", {"nodes.json": NODES, "nodes.yaml": b"apiVersion: v1\n"})
    elif case == "two-dump-folders":
        return _tar(tmp_path / "d.tar.gz", {"a/nodes.json": NODES, "b/nodes.json": NODES})
    elif case == "a-bundle-and-a-dump":
        version = (EXAMPLES / "healthy" / "kubernetes" / "version.json").read_bytes()
        return _tar(
            tmp_path / "d.tar.gz", {"kubernetes/version.json": version, "nodes.json": NODES}
        )
    elif case == "lists-without-nodes":
        return _tar(tmp_path / "d.tar.gz", {"kube-system/pods.json": PODS})
    elif case == "json-and-yaml-lists":
        return _tar(
            tmp_path / "d.tar.gz", {"nodes.json": NODES, "kube-system/pods.yaml": b"items: []\n"}
        )
    return file


BAD = {
    "first-is-not-nodes": "is not the stream of `kubectl cluster-info dump`: its first document "
    "is a List, where kubectl writes the NodeList",
    "cut-in-a-document": "ends inside the JSON document that begins at line",
    "cut-in-the-logs": "ends inside the container logs that begin at line",
    "stray-line": "is neither a JSON document nor container logs",
    "unknown-kind": "a ConfigMapList, which `kubectl cluster-info dump` does not print",
    "second-nodelist": "a second NodeList: this holds more than one dump",
    "malformed-document": "malformed JSON",
    "utf-16": "is UTF-16 text, as Windows PowerShell 5.1's `>` writes it",
    "yaml-alias": "YAML aliases (*name) are not accepted",
    "yaml-not-a-mapping": "expected a Kubernetes List (a YAML mapping)",
    "yaml-too-big": "YAML larger than 8 MiB refused",
    "both-formats-in-a-folder": "holds both nodes.json and nodes.yaml: two dumps in one",
    "two-dump-folders": "the archive holds two dump folders ('a' and 'b'); refused",
    "a-bundle-and-a-dump": "holds both a bundle (kubernetes/version.json) and a `kubectl "
    "cluster-info dump` (nodes.json)",
    "lists-without-nodes": "no nodes.json or nodes.yaml, which kubectl always writes",
    "json-and-yaml-lists": "a .json file among the .yaml files of a dump",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_shape_is_one_line_and_exit_2(case: str, tmp_path: Path, arcsupport: Any) -> None:
    source = bad_source(case, tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, out, err = arcsupport("check", str(source), "--at", "2025-09-15")
    assert (code, out) == (2, "")
    assert err.startswith("arcsupport: error: ") and err.count("\n") == 1, err
    assert BAD[case] in err, err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


# --------------------------------------------------------------------------- the stream parser

# Printable text (PyYAML itself does not give back every control character it writes).
_printable = st.characters(categories=("L", "M", "N", "P", "S", "Zs"))
_text = st.text(_printable, max_size=120)
# Log lines hold anything but line breaks.
_log_text = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=120)
_documents = st.lists(
    st.dictionaries(
        st.text(_printable, min_size=1, max_size=8),
        st.one_of(_text, st.integers(), st.lists(_text, max_size=3)),
        max_size=4,
    ),
    min_size=1,
    max_size=4,
)
# Log lines may look like anything: braces, `---`, JSON, a START line of another container.
_log_lines = st.lists(
    st.one_of(
        _log_text,
        st.sampled_from(["{", "}", "---", "{}", "==== START logs for container x of pod a/b ===="]),
    ),
    max_size=5,
)


def _render(form: str, documents: list[dict[str, Any]], logs: list[list[str]]) -> bytes:
    """As kubectl prints them: JSON indented by four, YAML between `---` lines, each document
    followed by a container's logs between START and END lines."""
    out = []
    for index, (document, lines) in enumerate(zip(documents, logs, strict=False)):
        if form == "json":
            out.append(json.dumps(document, indent=4, ensure_ascii=False) + "\n")
        else:
            separator = "---\n" if index else ""
            out.append(separator + yaml.safe_dump(document, allow_unicode=True, width=1000))
        out.append(f"==== START logs for container c{index} of pod ns/p ====\n")
        out.extend(line + "\n" for line in lines)
        out.append(f"==== END logs for container c{index} of pod ns/p ====\n")
    return "".join(out).encode()


@settings(max_examples=200, deadline=None)
@given(
    form=st.sampled_from(["json", "yaml"]),
    documents=_documents,
    logs=st.lists(_log_lines, min_size=4, max_size=4),
)
def test_documents_come_out_whole_whatever_the_logs_hold(
    form: str, documents: list[dict[str, Any]], logs: list[list[str]]
) -> None:
    import io

    data = _render(form, documents, logs)
    # Small pieces, so that long lines are read in several.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dump_module, "_CHUNK", 64)
        found = list(dump_module._documents(io.BytesIO(data), form, "stream"))  # type: ignore[arg-type]
    decoded = [json.loads(text) if form == "json" else yaml.safe_load(text) for _, text in found]
    assert decoded == documents
