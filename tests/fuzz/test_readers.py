"""Every reader, fed near-valid and invalid documents: it returns a value or raises InputError
(one line, exit 2 at the command line), never anything else. Bundles that read are assessed
too, as `check` would. Inputs that ever broke a reader are kept in tests/data/fuzz/ and
replayed by test_corpus.py."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.lifecycle.refresh import merge_endoflife, merge_kubernetes_versions
from arcsupport.policy.loader import load_pack, pack_as_builtins
from fuzzing import (
    AT,
    PACK,
    READERS,
    damaged,
    fuzz_settings,
    json_file,
    value_or_input_error,
    yaml_file,
)
from helpers import EXAMPLES, REFERENCE, ROOT

HEALTHY = EXAMPLES / "healthy"


def _decoded(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_bytes())
    if path.suffix in (".yaml", ".yml"):
        return yaml.safe_load(path.read_bytes())
    return path.read_text()


BUNDLE = {path.relative_to(HEALTHY).as_posix(): path for path in sorted(HEALTHY.rglob("*.*"))}


@st.composite
def file_content(draw: st.DrawFn, name: str, original: Path) -> bytes:
    """The file as it is, or mutated the way its format allows."""
    if draw(st.integers(0, 3)) != 0:
        return original.read_bytes()
    if original.suffix == ".json":
        return draw(json_file(_decoded(original)))
    if original.suffix in (".yaml", ".yml"):
        return draw(yaml_file(_decoded(original)))
    return draw(metrics_text())


@st.composite
def bundle_files(draw: st.DrawFn) -> dict[str, bytes]:
    """Most of the healthy example's files, some of them mutated, perhaps an extra List."""
    names = [name for name in BUNDLE if draw(st.integers(0, 5)) != 0] or ["manifest.json"]
    files = {name: draw(file_content(name, BUNDLE[name])) for name in names}
    if draw(st.booleans()):
        plural = draw(st.sampled_from(["ingresses", "pods", "widgets", "csidrivers"]))
        document = {"kind": "List", "apiVersion": "v1", "items": [{"kind": "Ingress"}]}
        files[f"kubernetes/{plural}.json"] = draw(json_file(document))
    return files


def write(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


@fuzz_settings(300)
@given(files=bundle_files())
def test_bundle_folder(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        READERS["bundle"](write(Path(folder), files))


# --- tarballs ----------------------------------------------------------------------------------

MEMBER_TYPES = [
    tarfile.REGTYPE,
    tarfile.REGTYPE,
    tarfile.REGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.CHRTYPE,
    tarfile.FIFOTYPE,
    tarfile.GNUTYPE_SPARSE,
    tarfile.CONTTYPE,
]
NAME_SHAPES = ["{}", "bundle/{}", "./{}", "/{}", "../{}", "a/../../{}", "b/{}", "x" * 300 + "/{}"]


@st.composite
def tarball_bytes(draw: st.DrawFn) -> bytes:
    """A tar stream written header by header, so that a header may lie about its member:
    its size, its type, its name; then compressed, perhaps cut."""
    stream = io.BytesIO()
    for name, data in draw(bundle_files()).items():
        info = tarfile.TarInfo(draw(st.sampled_from(NAME_SHAPES)).format(name))
        info.type = draw(st.sampled_from(MEMBER_TYPES))
        info.linkname = draw(st.sampled_from(["", "/etc/passwd", "manifest.json"]))
        lie = draw(st.sampled_from([0, 0, 0, 1, -1, 512, 10**10]))
        info.size = max(0, len(data) + lie)
        fmt = draw(st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]))
        try:
            stream.write(info.tobuf(format=fmt))
        except ValueError:  # a name or size the format cannot hold
            continue
        stream.write(data + bytes(-len(data) % 512))
    if draw(st.booleans()):
        stream.write(bytes(1024))
    raw = stream.getvalue()
    cut = draw(st.sampled_from([None, None, None, 0, 100, 512, len(raw) // 2, len(raw) - 1]))
    raw = raw if cut is None else raw[:cut]
    compression = draw(st.sampled_from(["gz", "gz", "bz2", "xz", ""]))
    if not compression:
        return raw
    import bz2
    import gzip
    import lzma

    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compression](raw)


@fuzz_settings(300)
@given(data=tarball_bytes())
def test_tarball(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.tar.gz"
        path.write_bytes(data)
        READERS["tarball"](path)


# --- kubectl cluster-info dump -----------------------------------------------------------------


def _namespaced(plural: str) -> dict[str, dict[str, Any]]:
    """The healthy example's List split per namespace, as the dump lays it out."""
    document = json.loads((HEALTHY / "kubernetes" / f"{plural}.json").read_text())
    split: dict[str, dict[str, Any]] = {}
    for item in document["items"]:
        namespace = item["metadata"].get("namespace", "default")
        split.setdefault(namespace, {**document, "items": []})["items"].append(item)
    return split


DUMP = {
    f"{namespace}/{plural}.json": body
    for plural in ("pods", "daemonsets", "deployments", "services")
    for namespace, body in _namespaced(plural).items()
}


@st.composite
def dump_files(draw: st.DrawFn) -> dict[str, bytes]:
    nodes = json.loads((HEALTHY / "kubernetes" / "nodes.json").read_text())
    files = {"nodes.json": draw(json_file(nodes, most=2))}
    for name in draw(st.lists(st.sampled_from(sorted(DUMP)), max_size=4, unique=True)):
        files[name] = draw(json_file(DUMP[name], most=2))
    if draw(st.booleans()):
        files["azure/provisioned-cluster.json"] = (
            HEALTHY / "azure/provisioned-cluster.json"
        ).read_bytes()
    return files


@fuzz_settings(200)
@given(files=dump_files())
def test_cluster_info_dump(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        READERS["dump"](write(Path(folder), files))


# --- documents ---------------------------------------------------------------------------------

EXPORT = json.loads((EXAMPLES / "resource-graph-export.json").read_text())


def _in_file(data: bytes, name: str, reader: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        READERS[reader](path)


@fuzz_settings(300)
@given(data=st.one_of(json_file(EXPORT), json_file(EXPORT["data"])))
def test_resource_graph_export(data: bytes) -> None:
    _in_file(data, "export.json", "export")


OVERLAY = {
    "extends": "aks-arc",
    **{
        key: value
        for key, value in pack_as_builtins(PACK).items()
        if key in ("thresholds", "skew", "platforms")
    },
    "calendar": {"kubernetes": {"1.31": {"end_of_support": "2026-06-30"}}, "observed": {}},
}
WHOLE_PACK = pack_as_builtins(PACK)


@fuzz_settings(150)
@given(data=st.one_of(yaml_file(OVERLAY), yaml_file(WHOLE_PACK, most=2)))
def test_policy_overlay(data: bytes) -> None:
    _in_file(data, "overlay.yaml", "overlay")


CASE = {
    "title": "Calico pods crash after upgrade",
    "description": "Since the upgrade to 1.30 the calico-node pods restart.",
    "components": ["calico"],
    "preview_feature": False,
}


@fuzz_settings(300)
@given(data=st.one_of(json_file(CASE), yaml_file(CASE)), suffix=st.sampled_from([".json", ".yaml"]))
def test_triage_case(data: bytes, suffix: str) -> None:
    _in_file(data, f"case{suffix}", "case")


ADVISORIES = {
    path.name: json.loads(path.read_bytes())
    for path in sorted((EXAMPLES / "advisories").glob("*.json"))
}


@fuzz_settings(300)
@given(data=st.sampled_from(sorted(ADVISORIES)).flatmap(lambda name: json_file(ADVISORIES[name])))
def test_advisories_file(data: bytes) -> None:
    _in_file(data, "advisory.json", "advisories")


KNOWN_ISSUES = yaml.safe_load(
    (ROOT / "src" / "arcsupport" / "sources" / "known-issues" / "aks-arc.yaml").read_bytes()
)


@fuzz_settings(200)
@given(data=yaml_file(KNOWN_ISSUES))
def test_known_issues_file(data: bytes) -> None:
    _in_file(data, "issues.yaml", "known-issues")


METRICS = (HEALTHY / "kubernetes" / "metrics.txt").read_text().splitlines()
METRIC_LINES = [
    'kubernetes_feature_enabled{name="X",stage="ALPHA"} 1',
    'kubernetes_feature_enabled{name="X" 1',
    'kubernetes_feature_enabled{name="' + "x" * 5000 + '",stage=""} 1e400',
    'apiserver_requested_deprecated_apis{group="",version="v1",resource="x"} NaN',
    "apiserver_requested_deprecated_apis{} -Inf",
    "# TYPE kubernetes_feature_enabled counter",
    'kubernetes_feature_enabled{name="\\"} 1',
]


@st.composite
def metrics_text(draw: st.DrawFn) -> bytes:
    lines = list(METRICS)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines)))
        line = draw(st.one_of(st.sampled_from(METRIC_LINES), st.text(max_size=60)))
        lines.insert(at, line)
    return draw(damaged("\n".join(lines) + "\n"))


@fuzz_settings(300)
@given(data=metrics_text())
def test_metrics_text(data: bytes) -> None:
    _in_file(data, "metrics.txt", "metrics")


VERSIONS = json.loads(
    (REFERENCE / "azure" / "hybridaks-2024-01-01-GetKubernetesVersions.json").read_bytes()
)["responses"]["200"]["body"]
ENDOFLIFE = json.loads(
    (REFERENCE / "k8s" / "endoflife.date" / "release-data-kubernetes.json").read_bytes()
)


@fuzz_settings(200)
@given(data=json_file(VERSIONS), release_data=json_file(ENDOFLIFE, most=2))
def test_policy_update_inputs(data: bytes, release_data: bytes) -> None:
    """What `policy update` merges, then loads to check before it writes."""
    for merged in (
        value_or_input_error(
            lambda: merge_kubernetes_versions({}, PACK, data, "v.json", AT.date())
        ),
        value_or_input_error(lambda: merge_endoflife({}, PACK, release_data, "e.json")),
    ):
        if merged is not None:
            overlay = {key: value for key, value in merged[0].items() if key != "extends"}
            value_or_input_error(partial(load_pack, user_overlay=overlay))
