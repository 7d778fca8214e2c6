"""What a tarball may unpack to (sources/archive.py ArchiveLimits): hostile archives are
refused with one line naming the file, the member and the limit, in bounded time and memory
(measured as the peak RSS of a fresh `arcsupport` process, as bench/run.py measures,
forked from a small launcher so that this test run's own memory does not count); real
bundles pass at the defaults; every limit can be raised from the environment."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from arcsupport.errors import InputError
from arcsupport.sources.archive import ArchiveLimits, iter_tarball, parse_size
from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, ROOT, run_cli

HEALTHY = EXAMPLES / "healthy"
# The bound for any hostile tarball of a few MB.
PEAK_MIB = 300
SECONDS = 60  # generous on a loaded machine: unbounded readers took minutes or died


def _load(name: str) -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the script by its path.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


hostile = _load("hostile")


def _environment(tmp_path: Path, **limits: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARCSUPPORT_")}
    environment["ARCSUPPORT_CONFIG_DIR"] = str(tmp_path / "config")
    environment["ARCSUPPORT_CACHE_DIR"] = str(tmp_path / "cache")
    environment.update(limits)
    return environment


def assert_refused_within_bounds(
    tmp_path: Path, tarball: Path, *expected: str, member: str = ""
) -> str:
    """`arcsupport check TARBALL` in its own process: exit 2, one line naming the tarball (and
    the member, for what is wrong inside one) and the expected words, peak memory under
    PEAK_MIB, done within SECONDS."""
    measured = hostile.measure(
        ["check", str(tarball), "--at", "2025-09-15", "--output", "json"],
        tmp_path,
        _environment(tmp_path),
        timeout=SECONDS * 2,
        from_a_small_process=True,
    )
    lines = measured.stderr.splitlines()
    assert measured.exit_code == 2, measured.stderr[-2000:]
    assert len(lines) == 1, measured.stderr[-2000:]
    assert lines[0].startswith(f"arcsupport: error: {tarball}{':' + member if member else ''}: ")
    for part in expected:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    assert measured.peak_mib < PEAK_MIB, f"peak {measured.peak_mib:.0f} MiB"
    assert measured.seconds < SECONDS, f"took {measured.seconds:.1f} s"
    return lines[0]


# --- hostile tarballs, each in a fresh process -------------------------------------------------


@pytest.mark.slow
def test_gzip_bomb(tmp_path: Path) -> None:
    """100 MB of zeros in a 100 KB .tar.gz: refused from the member's header, nothing
    unpacked (bench/hostile.py throws the issue's 4 GB)."""
    tarball = hostile.gzip_bomb(tmp_path / "bomb.tar.gz", size=100_000_000)
    assert tarball.stat().st_size < 200_000
    assert_refused_within_bounds(
        tmp_path,
        tarball,
        "member 'kubernetes/pods.json' says it holds 100000000 bytes",
        "compression ratio limit (ARCSUPPORT_MAX_COMPRESSION_RATIO raises it)",
    )


@pytest.mark.slow
def test_zeros_after_the_end_of_the_archive(tmp_path: Path) -> None:
    """The ratio is checked on everything decompressed, whatever tarfile thinks it is."""
    tarball = hostile.trailing_bomb(tmp_path / "bomb.tar.gz", size=100_000_000)
    assert_refused_within_bounds(
        tmp_path,
        tarball,
        "after the end-of-archive marker: the archive expands more than 50-fold",
    )


@pytest.mark.slow
def test_a_long_name_header_full_of_zeros(tmp_path: Path) -> None:
    """tarfile reads a GNU long name whole, whatever size its header declares."""
    tarball = hostile.name_bomb(tmp_path / "bomb.tar.gz", size=100_000_000)
    assert_refused_within_bounds(
        tmp_path, tarball, "a member's header: the archive expands more than 50-fold"
    )


@pytest.mark.slow
def test_a_million_tiny_members(tmp_path: Path) -> None:
    tarball = hostile.many_members(tmp_path / "many.tar.gz", count=1_000_000)
    assert_refused_within_bounds(
        tmp_path, tarball, "holds more than 10000 members", "ARCSUPPORT_MAX_MEMBERS raises it"
    )


def test_a_header_that_lies_about_its_size(tmp_path: Path) -> None:
    tarball = hostile.lying_header(tmp_path / "lies.tar.gz", declared=3 * 1024**3)
    assert_refused_within_bounds(
        tmp_path, tarball, "'kubernetes/pods.json' says it holds 3221225472 bytes"
    )


def test_a_path_500000_folders_deep(tmp_path: Path) -> None:
    tarball = hostile.long_name(tmp_path / "deep.tar.gz", levels=500_000)
    assert_refused_within_bounds(
        tmp_path, tarball, "has a name of 1000013 characters, over the 4096"
    )


@pytest.mark.parametrize("fmt", ["gnu", "pax"])
def test_a_sparse_member(tmp_path: Path, fmt: str) -> None:
    if shutil.which("tar") is None:
        pytest.skip("GNU tar writes the sparse members")
    tarball = hostile.sparse(tmp_path / "sparse.tar.gz", size=16 * 1024**3, fmt=fmt)
    assert_refused_within_bounds(
        tmp_path, tarball, "member 'kubernetes/pods.json' is a sparse file; refused"
    )


def test_near_the_ratio_cap_memory_stays_bounded(tmp_path: Path) -> None:
    """What the ratio lets through from a few MB is read with one copy of it in memory (a
    1.2 MB archive expanding 45-fold into a field the readers skip)."""
    tarball = hostile.ratio_edge(tmp_path / "edge.tar.gz", compressed=1_200_000, ratio=45)
    measured = hostile.measure(
        ["check", str(tarball), "--at", "2025-09-15", "--output", "json"],
        tmp_path,
        _environment(tmp_path),
        from_a_small_process=True,
    )
    assert measured.exit_code in (0, 1), measured.stderr[-2000:]
    # About 54 MB unpacked: the interpreter and imports, plus the member once.
    assert measured.peak_mib < 150, f"peak {measured.peak_mib:.0f} MiB"


def test_near_the_ratio_cap_a_name_is_refused_within_bounds(tmp_path: Path) -> None:
    """The same 54 MB as a node's name, which would reach every report: refused by the length
    Kubernetes allows a name, the member never held whole beside the name decoded."""
    tarball = hostile.ratio_edge(tmp_path / "e.tar.gz", compressed=1_200_000, field="name")
    assert_refused_within_bounds(
        tmp_path,
        tarball,
        "$.items[0].metadata.name is longer than the 253 characters",
        member="kubernetes/nodes.json",
    )


def test_at_the_ratio_cap_one_object_is_refused_within_bounds(tmp_path: Path) -> None:
    """bench/hostile.py's 4.6 MB archive: 207 MB in one object, over the limit of one."""
    tarball = hostile.ratio_edge(tmp_path / "e.tar.gz", compressed=4_600_000, field="name")
    assert_refused_within_bounds(
        tmp_path,
        tarball,
        "item 0 of the List is over 67108864 bytes",
        "ARCSUPPORT_MAX_OBJECT_SIZE raises it",
        member="kubernetes/nodes.json",
    )


# --- real bundles, at the defaults -------------------------------------------------------------


def _tar(source: Path, target: Path, mode: str, top: str = "") -> Path:
    with tarfile.open(target, mode) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=top + path.relative_to(source).as_posix())
    return target


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_real_bundles_pass_at_the_defaults(tmp_path: Path, mode: str) -> None:
    for example in sorted(EXAMPLES.glob("*/manifest.json")):
        folder = example.parent
        tarball = _tar(folder, tmp_path / f"{folder.name}.tar", mode, f"{folder.name}/")
        assert read_snapshot(tarball).cluster_name == read_snapshot(folder).cluster_name


def test_a_generated_bundle_of_kubectl_json_passes(tmp_path: Path) -> None:
    """bench/generate.py's objects, indented as kubectl prints them, compress about 25-fold
    with gzip: within the default ratio."""
    generate = _load("generate")
    generate.generate(tmp_path / "bundle", nodes=40, pods=1200, seed=1, indent=True)
    tarball = _tar(tmp_path / "bundle", tmp_path / "bundle.tar.gz", "w:gz")
    unpacked = sum(path.stat().st_size for path in (tmp_path / "bundle").rglob("*"))
    assert unpacked > 16 * 1024**2, "past the allowance, so that the ratio applies"
    assert len(read_snapshot(tarball).pods) == 1200


# --- the limits and their variables ------------------------------------------------------------


def _dense_nodes(nodes: int = 30_000) -> bytes:
    """About 30 MB of identical nodes: a List that gzip squeezes some 300-fold."""
    node = b'{"kind":"Node","metadata":{"name":"moc-node"},"notes":"' + b"x" * 1000 + b'"},'
    return b'{"kind":"NodeList","items":[' + node * nodes + b'{"kind":"Node"}]}'


def _tarball_of(target: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


def _repetitive(tmp_path: Path) -> Path:
    return _tarball_of(tmp_path / "dense.tar.gz", {"kubernetes/nodes.json": _dense_nodes()})


def test_the_ratio_refuses_and_its_variable_raises_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tarball = _repetitive(tmp_path)
    code, out, err = run_cli(capsys, "check", str(tarball), "--at", "2025-09-15")
    assert (code, out) == (2, "")
    assert err.startswith(f"arcsupport: error: {tarball}: ")
    assert "over the compression ratio limit (ARCSUPPORT_MAX_COMPRESSION_RATIO raises it)" in err
    monkeypatch.setenv("ARCSUPPORT_MAX_COMPRESSION_RATIO", "1000")
    assert len(read_snapshot(tarball).nodes) == 30_001


def test_a_dense_member_is_stopped_while_it_is_read(tmp_path: Path) -> None:
    """The archive as a whole is within the ratio (random bytes follow), so the header
    passes; the member itself is stopped once what it unpacks to outruns what was read."""
    tarball = _tarball_of(
        tmp_path / "mixed.tar.gz",
        {"kubernetes/nodes.json": _dense_nodes(), "notes.bin": os.urandom(3_000_000)},
    )
    with pytest.raises(InputError) as refused:
        read_snapshot(tarball)
    assert "member 'kubernetes/nodes.json': the archive expands more than 50-fold" in str(
        refused.value
    )


def test_the_total_and_member_limits_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tarball = _tar(HEALTHY, tmp_path / "b.tar.gz", "w:gz")
    monkeypatch.setenv("ARCSUPPORT_MAX_BUNDLE_SIZE", "100KiB")
    with pytest.raises(InputError, match=r"unpacks to more than 100 KiB, the limit"):
        read_snapshot(tarball)
    monkeypatch.setenv("ARCSUPPORT_MAX_BUNDLE_SIZE", "1 MiB")
    # Of what is read whole: the Lists (pods.json is 61 KiB) are read item by item.
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "4k")
    with pytest.raises(InputError, match=r"is 4121 bytes, over the 4 KiB member limit"):
        read_snapshot(tarball)
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "1MB")
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBERS", "5")
    with pytest.raises(InputError, match=r"holds more than 5 members"):
        read_snapshot(tarball)
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBERS", "100")
    assert read_snapshot(tarball).parts


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ARCSUPPORT_MAX_BUNDLE_SIZE", "lots"),
        ("ARCSUPPORT_MAX_BUNDLE_SIZE", "0"),
        ("ARCSUPPORT_MAX_MEMBER_SIZE", "-5MiB"),
        ("ARCSUPPORT_MAX_MEMBER_SIZE", "5 parsecs"),
        ("ARCSUPPORT_MAX_MEMBERS", "1.5"),
        ("ARCSUPPORT_MAX_COMPRESSION_RATIO", "0"),
    ],
)
def test_a_bad_limit_is_one_line(
    variable: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    tarball = _tar(HEALTHY, tmp_path / "b.tar.gz", "w:gz")
    code, out, err = run_cli(capsys, "check", str(tarball), "--at", "2025-09-15")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"arcsupport: error: {variable}: {value!r} is not ")


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("123", 123),
        ("8GiB", 8 * 1024**3),
        ("8 gib", 8 * 1024**3),
        ("500MiB", 500 * 1024**2),
        ("2G", 2 * 1024**3),
        ("1.5GB", 1_500_000_000),
        ("10kb", 10_000),
        ("", None),
        ("GiB", None),
        ("8 GiBs", None),
        ("-1", None),
    ],
)
def test_sizes(text: str, size: int | None) -> None:
    assert parse_size(text) == size


def test_the_defaults_admit_the_largest_cluster_and_bound_a_few_mb() -> None:
    """5,000 nodes and 150,000 pods make a bundle of about 1.7 GiB (bench/README.md), whose
    pods.json is the largest file; 4.6 MB of archive may unpack to less than 300 MB."""
    limits = ArchiveLimits()
    assert limits.total_bytes >= 1.7 * 1024**3 * 4
    assert limits.member_bytes >= 1.3 * 1024**3 * 2
    assert limits.allowed(4_600_000) < 300 * 1000**2 - 50 * 1024**2  # room for the interpreter


# --- two bundles in one tarball ----------------------------------------------------------------


@pytest.mark.parametrize("first", ["", "cluster-a/"])
def test_two_bundle_roots_are_refused_naming_them(
    first: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "two.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for source, top in ((EXAMPLES / "deprecated-version", first), (HEALTHY, "cluster-b/")):
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=top + path.relative_to(source).as_posix())
    where = "one at the top level" if not first else "one under 'cluster-a/'"
    for args in (["check", str(target), "--at", "2025-09-15"], ["bundle", "inspect", str(target)]):
        code, out, err = run_cli(capsys, *args)
        assert (code, out) == (2, "")
        assert err.splitlines() == [
            f"arcsupport: error: {target}: holds two bundles, {where} and one under "
            "'cluster-b/'; give each bundle on its own"
        ]


def test_one_bundle_with_other_files_beside_it_is_fine(tmp_path: Path) -> None:
    """Files outside the layout (a README, a notes folder) are no second bundle."""
    with tarfile.open(tmp_path / "one.tar", "w") as archive:
        for path in sorted(HEALTHY.rglob("*")):
            if path.is_file():
                archive.add(path, arcname="bundle/" + path.relative_to(HEALTHY).as_posix())
        for name in ("README.txt", "notes/kubernetes.txt"):
            info = tarfile.TarInfo(name)
            info.size = 2
            archive.addfile(info, io.BytesIO(b"hi"))
    assert read_snapshot(tmp_path / "one.tar").parts.keys() == read_snapshot(HEALTHY).parts.keys()


def _names(path: Path) -> list[str]:
    return [name for name, _ in iter_tarball(path)]


def test_members_are_read_whole_and_in_order(tmp_path: Path) -> None:
    target = _tar(HEALTHY, tmp_path / "b.tar.gz", "w:gz")
    expected = sorted(path.relative_to(HEALTHY).as_posix() for path in HEALTHY.rglob("*.*"))
    assert _names(target) == expected
    for name, data in iter_tarball(target):
        assert data == (HEALTHY / name).read_bytes()


def test_memory_running_out_while_reading_names_the_file(tmp_path: Path) -> None:
    """Five million empty pods (15 MB) decode to about 2 GB: with 400 MiB of address space
    the reader runs out of memory, and says so about the file, in one line."""
    bundle = tmp_path / "bundle"
    (bundle / "kubernetes").mkdir(parents=True)
    pods = bundle / "kubernetes" / "pods.json"
    pods.write_bytes(b'{"kind":"PodList","items":[' + b"{}," * 5_000_000 + b"{}]}")
    measured = hostile.measure(
        ["check", str(bundle), "--at", "2025-09-15"],
        tmp_path,
        _environment(tmp_path),
        limit_mib=400,
    )
    assert measured.exit_code == 2, measured.stderr[-2000:]
    assert measured.stderr.splitlines() == [
        f"arcsupport: error: {pods}: does not fit in the memory available"
    ]
