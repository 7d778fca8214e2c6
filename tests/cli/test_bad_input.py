"""Bad input ends with exit code 2, one line on stderr naming the file and the problem, no
traceback, nothing on stdout and nothing written."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arcsupport.errors import InputError
from arcsupport.sources import archive
from arcsupport.sources.read import read_snapshot
from helpers import DATA, REFERENCE, kube_list, node, reference_body, run_cli, write_bundle

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
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100)
    root = write_bundle(tmp_path / "b", {"kubernetes/version.json": VERSION})
    assert_refused(cli(*check_args(root)), "version.json: ", "over the 100 byte limit")


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
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1000)
    tarball = build_tar(
        tmp_path / "b.tar.gz", [("kubernetes/version.json", VERSION), ("facts.yaml", b"#" * 1001)]
    )
    assert_refused(cli(*check_args(tarball)), "'facts.yaml' is 1001 bytes", "1000 byte limit")


def test_tarball_over_the_total_limit(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)
    tarball = build_tar(
        tmp_path / "b.tar.gz", [("kubernetes/version.json", VERSION), ("facts.yaml", b"#" * 900)]
    )
    assert_refused(cli(*check_args(tarball)), f"{tarball}: ", "more than 1000 bytes")


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
