"""Bad input ends with exit code 2, one line on stderr naming the file and the problem, no
traceback, nothing on stdout and nothing written."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arcsupport.errors import InputError
from arcsupport.sources.read import read_snapshot
from helpers import (
    DATA,
    EXAMPLES,
    REFERENCE,
    kube_list,
    node,
    reference_body,
    run_cli,
    write_bundle,
)

BUNDLES = DATA / "bundles"
VERSION = (REFERENCE / "k8s" / "examples" / "sonobuoy-serverversion.json").read_bytes()
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (
            path.read_bytes() if path.is_file() else b"",
            path.lstat().st_mtime_ns,
        )
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """Run `arcsupport ARGS` in-process from an empty working directory; afterwards check
    that neither the working directory nor `tmp_path` (where inputs live) changed."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before: dict[str, tuple[bytes, int]] | None = None

    def run(*args: str) -> tuple[int, str, str]:
        nonlocal before
        before = tree(tmp_path)
        return run_cli(capsys, *args)

    yield run
    assert list(work.iterdir()) == [], "a failed run wrote into the working directory"
    if before is not None:
        assert tree(tmp_path) == before, "a failed run changed its input"


def assert_refused(result: tuple[int, str, str], *expected: str) -> str:
    code, out, err = result
    assert code == 2, err
    assert out == "", "nothing may be printed on stdout"
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("arcsupport: error: ")
    for part in expected:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    return lines[0]


def check_args(source: Path | str) -> list[str]:
    return ["check", str(source), "--at", "2025-09-15", "--output", "json"]


# --- JSON files ------------------------------------------------------------------------------

BAD_KUBERNETES_FILES: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("malformed", "nodes.json", '{"items": [}', ("malformed JSON",)),
    (
        "truncated",
        "nodes.json",
        '{"kind": "NodeList", "items": [{"metadata": ',
        ("truncated JSON",),
    ),
    ("empty file", "version.json", "", ("truncated JSON",)),
    (
        "items not a list",
        "nodes.json",
        {"kind": "NodeList", "items": {}},
        ("unexpected content", "$.items", "array"),
    ),
    (
        "label value not a string",
        "nodes.json",
        kube_list([{"kind": "Node", "metadata": {"name": "a", "labels": {"x": 1}}}]),
        ("unexpected content", "$.items[0].metadata.labels", "str"),
    ),
    (
        "replicas not a number",
        "deployments.json",
        kube_list([{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": "two"}}]),
        ("replicas",),
    ),
    ("version is a list", "version.json", ["v1.30.4"], ("object",)),
    (
        "a List of the wrong kind",
        "nodes.json",
        kube_list([{"kind": "Pod", "metadata": {"name": "web"}}]),
        ("item 0 is a Pod, expected a Node",),
    ),
    ("one object, not a List", "nodes.json", node("moc-a"), ("got a single Node",)),
    (
        "nested too deeply",
        "ingresses.json",
        '{"items": [{"spec": ' + "[" * 100_000 + "]" * 100_000 + "}]}",
        ("nested too deeply",),
    ),
    ("metrics", "metrics.txt", 'kubernetes_feature_enabled{name="A" 1\n', ("Prometheus",)),
    (
        "a node name longer than Kubernetes allows",
        "nodes.json",
        kube_list([node("moc-a"), node("n" * 254)]),
        ("$.items[1].metadata.name is longer than the 253 characters Kubernetes allows",),
    ),
    (
        "a namespace longer than Kubernetes allows",
        "pods.json",
        kube_list([{"kind": "Pod", "metadata": {"name": "web", "namespace": "n" * 64}}]),
        ("$.items[0].metadata.namespace is longer than the 63 characters",),
    ),
]


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [case[1:] for case in BAD_KUBERNETES_FILES],
    ids=[case[0] for case in BAD_KUBERNETES_FILES],
)
def test_bad_kubernetes_file(
    file: str, content: Any, expected: tuple[str, ...], tmp_path: Path, cli: Any
) -> None:
    root = write_bundle(
        tmp_path / "bundle", {"kubernetes/version.json": VERSION, f"kubernetes/{file}": content}
    )
    line = assert_refused(cli(*check_args(root)), f"kubernetes/{file}: ", *expected)
    assert str(root) in line


def test_bad_manifest(tmp_path: Path, cli: Any) -> None:
    root = write_bundle(tmp_path / "b", {"manifest.json": {"format": "something-else/v9"}})
    assert_refused(cli(*check_args(root)), "manifest.json", "arcsupport-bundle/v1")
    root = write_bundle(tmp_path / "c", {"manifest.json": {"cluster": {}}})
    assert_refused(cli(*check_args(root)), "manifest.json", "format")


# --- facts.yaml --------------------------------------------------------------------------------

BAD_FACTS = [
    ("malformed", "host_platform: [\n", ("malformed YAML at line 2",)),
    ("unknown key", "hostplatform: {kind: azure-local, version: 2508}\n", ("`hostplatform`",)),
    ("unknown nested key", "host_platform: {kind: azure-local, version: 2508, os: x}\n", ("`os`",)),
    ("bad enum", "stopped_by: someone\n", ("stopped_by",)),
    ("bad date", "stopped_since: last tuesday\n", ("stopped_since",)),
    ("impossible date", "stopped_since: 2025-02-30\n", ("malformed YAML",)),
    ("not a mapping", "- host_platform\n", ("expected a mapping",)),
    ("billion laughs", BOMB, ("aliases",)),
    ("python tag", "stopped_by: !!python/object/apply:os.system [echo hi]\n", ("malformed YAML",)),
]


@pytest.mark.parametrize(
    ("content", "expected"), [case[1:] for case in BAD_FACTS], ids=[case[0] for case in BAD_FACTS]
)
def test_bad_facts_yaml(content: str, expected: tuple[str, ...], tmp_path: Path, cli: Any) -> None:
    root = write_bundle(
        tmp_path / "bundle", {"kubernetes/version.json": VERSION, "facts.yaml": content}
    )
    assert_refused(cli(*check_args(root)), f"{root}/facts.yaml: ", *expected)


def test_yaml_bomb_as_policy(tmp_path: Path, cli: Any) -> None:
    policy = tmp_path / "overlay.yaml"
    policy.write_text("extends: aks-arc\n" + BOMB)
    assert_refused(
        cli(*check_args(BUNDLES / "version-only"), "--policy", str(policy)),
        f"{policy}: ",
        "aliases",
    )
    assert_refused(cli("policy", "show", "--policy", str(policy)), f"{policy}: ", "aliases")


# --- sources -----------------------------------------------------------------------------------


def test_missing_directory(tmp_path: Path, cli: Any) -> None:
    assert_refused(cli(*check_args(tmp_path / "nowhere")), "nowhere: ", "no such")


def test_empty_directory(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "empty").mkdir()
    assert_refused(cli(*check_args(tmp_path / "empty")), "empty: ", "holds nothing")


def test_unknown_azure_file(tmp_path: Path, cli: Any) -> None:
    root = write_bundle(tmp_path / "b", {"azure/clusters.json": {}})
    assert_refused(cli(*check_args(root)), "azure/clusters.json: ", "unknown Azure file")


@pytest.mark.parametrize(
    ("file", "example"),
    [
        ("provisioned-cluster.json", "connectedClusters-2026-05-01-GetClusterExample.json"),
        ("connected-cluster.json", "azurestackhci-2024-04-01-GetCluster.json"),
        ("azure-local-cluster.json", "hybridaks-2024-01-01-GetProvisionedClusterInstance.json"),
        ("kubernetes-versions.json", "hybridaks-2024-01-01-GetVmSkus.json"),
        ("agent-pools.json", "connectedClusters-2026-05-01-GetClusterExample.json"),
    ],
)
def test_azure_file_of_the_wrong_resource_type(
    file: str, example: str, tmp_path: Path, cli: Any
) -> None:
    content: Any = reference_body(example)
    if file == "agent-pools.json":
        content = [content]
    root = write_bundle(tmp_path / "b", {f"azure/{file}": content})
    assert_refused(cli(*check_args(root)), f"azure/{file}: ", content_type(content), "expected")


def content_type(content: Any) -> str:
    return str((content[0] if isinstance(content, list) else content)["type"])


def test_link_out_of_a_bundle_directory(tmp_path: Path, cli: Any) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"gitVersion": "v1.30.4"}')
    root = write_bundle(tmp_path / "b", {"facts.yaml": "stopped_by: manual\n"})
    (root / "kubernetes").mkdir()
    (root / "kubernetes" / "version.json").symlink_to(secret)
    assert_refused(cli(*check_args(root)), "kubernetes/version.json: ", "outside the bundle")


def test_oversized_file_in_a_directory(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "100")
    root = write_bundle(tmp_path / "b", {"kubernetes/version.json": VERSION})
    assert_refused(
        cli(*check_args(root)), "version.json: ", "over the 100 bytes limit", "MAX_MEMBER_SIZE"
    )


# --- tarballs ------------------------------------------------------------------------------


def build_tar(target: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(target, "w:gz") as out:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                out.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                out.addfile(info, io.BytesIO(member[1]))
    return target


def link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


HOSTILE: list[tuple[str, list[Any], tuple[str, ...]]] = [
    ("absolute path", [("/etc/kubernetes/version.json", VERSION)], ("absolute path",)),
    ("windows drive", [("C:/kubernetes/version.json", VERSION)], ("absolute path",)),
    ("dot-dot", [("bundle/../../kubernetes/version.json", VERSION)], ("'..'",)),
    (
        "symlink",
        [link("kubernetes/version.json", "/etc/passwd", tarfile.SYMTYPE)],
        ("is a link",),
    ),
    (
        "hardlink",
        [
            ("kubernetes/version.json", VERSION),
            link("kubernetes/nodes.json", "kubernetes/version.json", tarfile.LNKTYPE),
        ],
        ("is a link",),
    ),
    ("device", [link("kubernetes/nodes.json", "", tarfile.CHRTYPE)], ("special file",)),
]


@pytest.mark.parametrize(
    ("members", "expected"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_hostile_tarball(
    members: list[Any], expected: tuple[str, ...], tmp_path: Path, cli: Any
) -> None:
    tarball = build_tar(tmp_path / "bundle.tar.gz", members)
    assert_refused(cli(*check_args(tarball)), f"{tarball}: ", "refused", *expected)


def test_tarball_member_over_the_size_limit(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "1000")
    tarball = build_tar(
        tmp_path / "b.tar.gz", [("kubernetes/version.json", VERSION), ("facts.yaml", b"#" * 1001)]
    )
    assert_refused(
        cli(*check_args(tarball)),
        "'facts.yaml' is 1001 bytes",
        "1000 bytes member limit",
        "ARCSUPPORT_MAX_MEMBER_SIZE raises it",
    )


def test_tarball_object_over_the_size_limit(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A List in a tarball is read item by item: one object too big to be a cluster's is
    refused once the buffer reaches the limit, never read whole, and nothing is written."""
    monkeypatch.setenv("ARCSUPPORT_MAX_OBJECT_SIZE", "64KiB")
    notes = {**node("moc-a"), "notes": "x" * 100_000}
    tarball = build_tar(
        tmp_path / "b.tar.gz",
        [
            ("kubernetes/version.json", VERSION),
            ("kubernetes/nodes.json", json.dumps(kube_list([node("moc-b"), notes])).encode()),
        ],
    )
    out = tmp_path / "report.json"
    assert_refused(
        cli(*check_args(tarball), "--out", str(out)),
        f"{tarball}:kubernetes/nodes.json: item 1 of the List is over 65536 bytes",
        "ARCSUPPORT_MAX_OBJECT_SIZE raises it",
    )
    assert not out.exists()
    monkeypatch.setenv("ARCSUPPORT_MAX_OBJECT_SIZE", "1MiB")
    code, _, err = cli(*check_args(tarball))
    assert code in (0, 1), err


def test_tarball_over_the_total_limit(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCSUPPORT_MAX_BUNDLE_SIZE", "1000")
    tarball = build_tar(
        tmp_path / "b.tar.gz", [("kubernetes/version.json", VERSION), ("facts.yaml", b"#" * 900)]
    )
    assert_refused(
        cli(*check_args(tarball)), f"{tarball}: ", "more than 1000 bytes", "MAX_BUNDLE_SIZE"
    )


def _bundle_tarball(target: Path, mode: str = "w:gz") -> bytes:
    root = BUNDLES / "current"
    with tarfile.open(target, mode) as out:
        for file in sorted(root.rglob("*")):
            if file.is_file():
                out.add(file, arcname=file.relative_to(root).as_posix())
    return target.read_bytes()


def test_truncated_tarball(tmp_path: Path, cli: Any) -> None:
    data = _bundle_tarball(tmp_path / "whole.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert_refused(cli(*check_args(cut)), f"{cut}: ")


def test_every_cut_of_a_tarball_is_refused(tmp_path: Path) -> None:
    """Wherever a .tar.gz is cut, it is refused: never read as a smaller bundle."""
    data = _bundle_tarball(tmp_path / "whole.tar.gz")
    read_snapshot(tmp_path / "whole.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    for length in range(0, len(data) - 1, 7):
        cut.write_bytes(data[:length])
        with pytest.raises(InputError):
            read_snapshot(cut)
            pytest.fail(f"a tarball cut at {length} of {len(data)} bytes was read")


def test_every_block_cut_of_a_plain_tar_is_refused(tmp_path: Path) -> None:
    data = _bundle_tarball(tmp_path / "whole.tar", "w")
    read_snapshot(tmp_path / "whole.tar")
    cut = tmp_path / "cut.tar"
    # Up to the end of the last member; after it only the zero blocks of the end marker follow.
    end = len(data.rstrip(b"\0"))
    for length in range(0, end, 512):
        cut.write_bytes(data[:length])
        with pytest.raises(InputError):
            read_snapshot(cut)
            pytest.fail(f"a tar cut at {length} of {len(data)} bytes was read")


def test_garbage_after_the_first_member_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "one.tar"
    with tarfile.open(whole, "w") as out:
        info = tarfile.TarInfo("kubernetes/version.json")
        info.size = len(VERSION)
        out.addfile(info, io.BytesIO(VERSION))
    data = whole.read_bytes()
    end = 512 + (len(VERSION) + 511) // 512 * 512
    whole.write_bytes(data[:end] + b"this is not a tar header" + b"x" * 2000)
    with pytest.raises(InputError, match="end-of-archive"):
        read_snapshot(whole)


def test_not_a_tarball(tmp_path: Path, cli: Any) -> None:
    bogus = tmp_path / "bundle.tar.gz"
    bogus.write_text("this is not an archive")
    assert_refused(cli(*check_args(bogus)), f"{bogus}: ", "not a readable")


# --- flags -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "SRC", "--at", "2025-13-01"], ("--at", "2025-13-01")),
        (["check", "SRC", "--at", "yesterday"], ("--at", "yesterday")),
        (["check", "SRC", "--at", "2025-09-15T00:00:00"], ("--at", "no time zone")),
        (["versions", "--at", "15/09/2025"], ("--at",)),
        (["check", "SRC", "--lang", "fr"], ("--lang", "fr")),
        (["check", "SRC", "--output", "xml"], ("--output", "xml")),
        (["versions", "--output", "csv"], ("--output", "csv")),
        (["check", "SRC", "--fail-on", "never"], ("--fail-on", "never")),
        (["check"], ("give a bundle, a dump folder, or --live",)),
        (["explain", "VER-99"], ("VER-99", "no such clause or rule")),
        (["explain", "version-lifecycel"], ("did you mean", "version-lifecycle")),
        (["nonsense"], ("nonsense",)),
        (["policy", "show", "--policy", "MISSING"], ("MISSING", "no such policy")),
    ],
)
def test_bad_flags(args: list[str], expected: tuple[str, ...], cli: Any) -> None:
    source = str(BUNDLES / "version-only")
    assert_refused(cli(*[source if arg == "SRC" else arg for arg in args]), *expected)


# --- the installed command ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", "does-not-exist", "--at", "2025-09-15"],
        ["check", str(BUNDLES / "version-only"), "--output", "xml"],
    ],
)
def test_the_command_itself(args: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arcsupport", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_error_stays_on_one_line(tmp_path: Path, cli: Any) -> None:
    root = write_bundle(tmp_path / "b", {"kubernetes/odd\nname.json": "{"})
    line = assert_refused(cli(*check_args(root)), "odd\\nname.json", "truncated JSON")
    assert "\n" not in line


# --- nesting -----------------------------------------------------------------------------------

DEEP = 490  # where recursive code used to run out of stack (RecursionError, exit 1)
TOO_DEEP = "nested more than 128 levels deep; refused"


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def nested_bundle(
    root: Path, file: str = "azure/provisioned-cluster.json", depth: int = DEEP
) -> Path:
    """The healthy example with `depth` more levels inside one of its ARM payloads."""
    shutil.copytree(EXAMPLES / "healthy", root)
    document = json.loads((root / file).read_text())
    target = document[0] if isinstance(document, list) else document
    target.setdefault("properties", {})["extra"] = nested(depth)
    (root / file).write_text(json.dumps(document))
    return root


@pytest.mark.parametrize(
    "file", ["azure/provisioned-cluster.json", "azure/agent-pools.json", "azure/subscription.json"]
)
def test_deeply_nested_azure_payload(file: str, tmp_path: Path, cli: Any) -> None:
    bundle = nested_bundle(tmp_path / "bundle", file)
    line = assert_refused(cli(*check_args(bundle)), f"{bundle / file}: {TOO_DEEP}")
    for args in (
        ["triage", "--title", "pods restart", "--bundle", str(bundle), "--at", "2025-09-15"],
        ["advisories", "match", str(bundle), "--advisories", str(EXAMPLES / "advisories")],
        ["fleet", str(bundle), "--at", "2025-09-15"],
        ["bundle", "inspect", str(bundle)],
    ):
        assert assert_refused(cli(*args)) == line


def test_nesting_up_to_the_cap_is_read(tmp_path: Path, cli: Any) -> None:
    """The provisioned cluster is an object with `properties`: two levels before `extra`."""
    bundle = nested_bundle(tmp_path / "ok", depth=126)
    code, _, err = cli(*check_args(bundle))
    assert code in (0, 1), err
    bundle = nested_bundle(tmp_path / "over", depth=127)
    assert_refused(cli(*check_args(bundle)), TOO_DEEP)


def test_deeply_nested_resource_graph_properties(tmp_path: Path, cli: Any) -> None:
    """A null (as real rows hold) sends the row to the reading that treats nulls as absent."""
    export = json.loads((EXAMPLES / "resource-graph-export.json").read_text())
    export["data"][0]["properties"].update(agentVersion=None, extra=nested(DEEP))
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    assert_refused(
        cli("fleet", str(path), "--at", "2025-09-15"), f"{path}: row 0: properties: ", TOO_DEEP
    )


def block_nested(depth: int) -> str:
    return "\n".join(" " * level + f"k{level}:" for level in range(depth)) + " 1\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("case.json", json.dumps({"title": "x", "extra": nested(DEEP)})),
        ("case.yaml", "title: x\nextra: " + json.dumps(nested(DEEP)) + "\n"),
        ("case.yml", "title: x\nextra:\n" + block_nested(DEEP)),
    ],
)
def test_deeply_nested_triage_case(name: str, content: str, tmp_path: Path, cli: Any) -> None:
    case = tmp_path / name
    case.write_text(content)
    assert_refused(cli("triage", str(case)), f"{case}: {TOO_DEEP}")


@pytest.mark.parametrize("content", [json.dumps(nested(DEEP)), "\n" + block_nested(DEEP)])
def test_deeply_nested_yaml_documents(content: str, tmp_path: Path, cli: Any) -> None:
    bundle = write_bundle(
        tmp_path / "b", {"kubernetes/version.json": VERSION, "facts.yaml": "x: " + content}
    )
    assert_refused(cli(*check_args(bundle)), f"{bundle}/facts.yaml: {TOO_DEEP}")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("extends: aks-arc\nx: " + content)
    assert_refused(cli("policy", "show", "--policy", str(overlay)), f"{overlay}: {TOO_DEEP}")
    issues = tmp_path / "issues.yaml"
    issues.write_text("schema: arcsupport.known-issues/v1\nrecords: " + content)
    assert_refused(
        cli("known-issues", "list", "--known-issues", str(issues)), f"{issues}: {TOO_DEEP}"
    )


def test_deeply_nested_advisory_and_policy_update_inputs(tmp_path: Path, cli: Any) -> None:
    advisory = tmp_path / "GO-0000-0000.json"
    advisory.write_text(json.dumps({"id": "GO-0000-0000", "database_specific": nested(DEEP)}))
    assert_refused(
        cli("advisories", "match", str(EXAMPLES / "healthy"), "--advisories", str(advisory)),
        f"{advisory}: {TOO_DEEP}",
    )
    payload = tmp_path / "versions.json"
    payload.write_text(json.dumps({"properties": {"values": nested(DEEP)}}))
    assert_refused(
        cli("policy", "update", "--from-kubernetes-versions", str(payload)),
        f"{payload}: {TOO_DEEP}",
    )


# --- edges of --at, --out and folders ------------------------------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01", "9999-12-31", "1969-12-31", "2201-01-01"])
@pytest.mark.parametrize(
    "command",
    [
        ["check", "SRC"],
        ["fleet", "SRC"],
        ["gate", "upgrade", "SRC"],
        ["plan", "--from", "1.30.4"],
        ["versions"],
        ["triage", "--title", "x", "--bundle", "SRC"],
    ],
    ids=lambda command: command[0],
)
def test_at_outside_the_evaluated_range(moment: str, command: list[str], cli: Any) -> None:
    source = str(EXAMPLES / "healthy")
    args = [source if arg == "SRC" else arg for arg in command]
    assert_refused(
        cli(*args, "--at", moment),
        f"--at: '{moment}' is outside 1970-01-01..2200-12-31, the range arcsupport evaluates",
    )


@pytest.mark.parametrize("moment", ["1970-01-01", "2200-12-31T23:59:59Z"])
def test_at_the_ends_of_the_range_everything_is_computed(moment: str, cli: Any) -> None:
    """The range's ends with every policy term at its longest still compute every date."""
    overlay = EXAMPLES.parent / "tests" / "data" / "policy-longest-terms.yaml"
    for example in sorted(EXAMPLES.glob("*/manifest.json")):
        for output in ("json", "ical", "sarif"):
            code, _, err = cli(
                "check", str(example.parent), "--at", moment, "--output", output,
                "--policy", str(overlay), "--advisories", str(EXAMPLES / "advisories"),
            )  # fmt: skip
            assert code in (0, 1), err
    code, _, err = cli("versions", "--at", moment, "--policy", str(overlay))
    assert code == 0, err


def test_out_empty(cli: Any) -> None:
    assert_refused(
        cli(*check_args(EXAMPLES / "healthy"), "--out", ""),
        "--out: '.' names a folder, not a file (so does '')",
    )


def unprivileged(
    args: list[str], cwd: Path, environment: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Root reads every folder: without the capabilities that override file permissions (as
    util-linux's setpriv drops them), mode 000 stops it too."""
    command = [sys.executable, "-m", "arcsupport", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=environment, check=False
    )


@pytest.mark.parametrize(
    ("unreadable", "command"),
    [
        ("bundle", ["check"]),
        ("bundle/kubernetes", ["check"]),
        ("config", ["check"]),
        ("bundle", ["bundle", "inspect"]),
        ("bundle/kubernetes", ["bundle", "inspect"]),
    ],
)
def test_unreadable_folders(unreadable: str, command: list[str], tmp_path: Path) -> None:
    """Never a traceback, and never a privacy check that calls unread files clean."""
    shutil.copytree(EXAMPLES / "healthy", tmp_path / "bundle")
    (tmp_path / "config").mkdir()
    environment = {
        **os.environ,
        "ARCSUPPORT_CONFIG_DIR": str(tmp_path / "config"),
        "ARCSUPPORT_CACHE_DIR": str(tmp_path / "cache"),
    }
    (tmp_path / unreadable).chmod(0)
    try:
        result = unprivileged([*command, str(tmp_path / "bundle")], tmp_path, environment)
    finally:
        (tmp_path / unreadable).chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("arcsupport: error: ")
    assert "Permission denied" in result.stderr or "is not readable" in result.stderr
    assert str(tmp_path / unreadable) in result.stderr


def test_an_unreadable_folder_of_advisories(tmp_path: Path) -> None:
    """Its advisories would go unmatched while the cluster looked unaffected."""
    folder = Path(shutil.copytree(EXAMPLES / "advisories", tmp_path / "advisories"))
    hidden = folder / "more"
    hidden.mkdir()
    shutil.copy(folder / "CVE-2024-3744.json", hidden / "CVE-2024-3744.json")
    environment = {**os.environ, "ARCSUPPORT_CACHE_DIR": str(tmp_path / "cache")}
    args = ["advisories", "match", str(EXAMPLES / "healthy"), "--advisories", str(folder)]
    hidden.chmod(0)
    try:
        result = unprivileged(args, tmp_path, environment)
    finally:
        hidden.chmod(0o755)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr == f"arcsupport: error: {hidden}: Permission denied\n"
