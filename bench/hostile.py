"""Hostile inputs thrown at the readers: the exit code, peak memory and time of each.

    python bench/hostile.py [--only NAME ...] [--pythonpath SRC] [--memory-limit-mib 4096]
                            [--timeout 120] [--json OUT]

Every input is built under a temporary folder, then `python -m arcsupport ...` runs on it in a
fresh process; its peak RSS comes from os.wait4 (that process only, as bench/run.py measures).
The table says, per input class, what a user sees: the exit code, the peak memory, the time,
whether a traceback was printed, and the first line of stderr.

`--pythonpath` runs another checkout's code with this script's inputs, e.g. the state before a
change: `git archive <commit> src | tar -x -C /tmp/before` then `--pythonpath /tmp/before/src`.
The address-space limit (`--memory-limit-mib`) keeps a reader that does not bound its memory
from taking the machine down: it then ends in MemoryError, as on a smaller machine.

tests/sources/test_limits.py builds its inputs with the same functions (loaded by path).
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HEALTHY = EXAMPLES / "healthy"
AT = "2025-09-15"
_CHUNK = 16 * 1024 * 1024


# --- tarballs ----------------------------------------------------------------------------------


def _header(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    info.mode = 0o644
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _zeros_into(compressor: zlib._Compress, out: io.BufferedWriter, count: int, crc: int) -> int:
    """Compress `count` zero bytes; returns the running CRC-32 (for the gzip trailer)."""
    block = bytes(min(count, _CHUNK))
    while count:
        piece = block if count >= len(block) else bytes(count)
        out.write(compressor.compress(piece))
        crc = zlib.crc32(piece, crc)
        count -= len(piece)
    return crc


def write_gzip(target: Path, parts: list[bytes | int]) -> Path:
    """A gzip file of the given parts: bytes as they are, an int as that many zero bytes,
    compressed at level 6, where runs of zeros already reach deflate's ratio of about 1000:1."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = 0
    size = 0
    with target.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for part in parts:
            if isinstance(part, int):
                crc = _zeros_into(compressor, out, part, crc)
                size += part
            else:
                out.write(compressor.compress(part))
                crc = zlib.crc32(part, crc)
                size += len(part)
        out.write(compressor.flush())
        out.write(crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little"))
    return target


def _padding(size: int) -> int:
    return -size % 512


END_OF_ARCHIVE = bytes(1024)


def gzip_bomb(target: Path, size: int = 4_200_000_000) -> Path:
    """One member of `size` zero bytes (just under the old 4 GiB member limit): 4.2 GB in
    about 4 MB of gzip."""
    return write_gzip(
        target,
        [_header("kubernetes/pods.json", size), size, bytes(_padding(size)), END_OF_ARCHIVE],
    )


def trailing_bomb(target: Path, size: int = 4_600_000_000) -> Path:
    """A correct bundle, then gigabytes of zeros after its end-of-archive marker."""
    members = _bundle_members(HEALTHY, "")
    return write_gzip(target, [*members, END_OF_ARCHIVE, size])


def many_members(target: Path, count: int = 1_000_000) -> Path:
    """`count` empty members with distinct names (512 bytes of header each)."""
    template = bytearray(_header("m" + "0" * 9, 0))
    checksum_base = sum(template) - sum(template[148:156]) + 8 * 32 - sum(b"m" + b"0" * 9)
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    with target.open("wb") as out:
        batch = bytearray()
        for index in range(count):
            name = b"m%09d" % index
            template[0:10] = name
            template[148:156] = b"%06o\0 " % (checksum_base + sum(name))
            batch += template
            if len(batch) >= _CHUNK:
                out.write(compressor.compress(bytes(batch)))
                batch.clear()
        out.write(compressor.compress(bytes(batch) + END_OF_ARCHIVE))
        out.write(compressor.flush())
    return target


def lying_header(target: Path, declared: int = 3 * 1024**3) -> Path:
    """A member whose header declares 3 GiB; 1 KiB of data follows, then the archive ends."""
    with gzip.open(target, "wb") as out:
        out.write(_header("kubernetes/pods.json", declared) + b"{" * 1024)
    return target


def long_name(target: Path, levels: int = 500_000) -> Path:
    """A member 500,000 folders deep: a 1 MB path in a PAX header."""
    info = tarfile.TarInfo("a/" * levels + "manifest.json")
    info.size = 2
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as out:
        out.addfile(info, io.BytesIO(b"{}"))
    return target


def name_bomb(target: Path, size: int = 4_000_000_000) -> Path:
    """A GNU long-name header whose "name" is 4 GB of zeros."""
    return write_gzip(
        target,
        [_header("././@LongLink", size, tarfile.GNUTYPE_LONGNAME), size, bytes(_padding(size))],
    )


def sparse(target: Path, size: int = 16 * 1024**3, fmt: str = "gnu") -> Path:
    """A sparse member of 16 GiB holding a few bytes (GNU tar --sparse)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "kubernetes"
        work.mkdir()
        hollow = work / "pods.json"
        with hollow.open("wb") as out:
            out.truncate(size)
            out.seek(size - 2)
            out.write(b"{}")
        subprocess.run(
            ["tar", f"--format={fmt}", "--sparse", "-czf", str(target), "-C", folder, "kubernetes"],
            check=True,
        )
    return target


def _bundle_members(root: Path, prefix: str) -> list[bytes | int]:
    parts: list[bytes | int] = []
    for file in sorted(root.rglob("*")):
        if file.is_file():
            data = file.read_bytes()
            parts.append(_header(prefix + file.relative_to(root).as_posix(), len(data)))
            parts.append(data + bytes(_padding(len(data))))
    return parts


def two_roots(target: Path) -> Path:
    """Two bundles under two top-level folders of one tarball."""
    members = _bundle_members(EXAMPLES / "deprecated-version", "cluster-a/")
    members += _bundle_members(HEALTHY, "cluster-b/")
    return write_gzip(target, [*members, END_OF_ARCHIVE])


def _tuned_block(ratio: int, size: int = 1 << 20) -> bytes:
    """Letters in random runs, the longest run chosen so that deflate compresses the block
    about `ratio`-fold. Deflate looks back 32 KiB only, so repeating the block keeps its ratio."""
    import random

    low, high = 1, 1024
    block = b""
    while low < high:
        longest = (low + high) // 2
        rng = random.Random(longest)
        pieces = bytearray()
        while len(pieces) < size:
            pieces += bytes([97 + rng.randrange(16)]) * rng.randrange(1, longest + 1)
        block = bytes(pieces[:size])
        if len(block) / len(zlib.compress(block, 6)) < ratio:
            low = longest + 1
        else:
            high = longest
    return block


def ratio_edge(
    target: Path, compressed: int = 4_600_000, ratio: int = 45, field: str = "junk"
) -> Path:
    """A List whose one item holds a long string compressing about `ratio`-fold: the most a
    cap on the compression ratio lets through from an archive of `compressed` bytes. In an
    unknown field (`junk`) the readers skip it; as the node's name it reaches every report."""
    block = _tuned_block(ratio)
    copies = max(1, compressed * ratio // len(block))
    item = b'{"metadata":{"name":"n"},"' + field.encode() + b'":"' + block * copies + b'"}'
    if field == "name":
        item = b'{"metadata":{"name":"' + block * copies + b'"}}'
    body = b'{"kind":"NodeList","items":[' + item + b"]}"
    end = [bytes(_padding(len(body))), END_OF_ARCHIVE]
    return write_gzip(target, [_header("kubernetes/nodes.json", len(body)), body, *end])


def long_node_name(target: Path, length: int = 1_000_000) -> Path:
    """A node whose name no API server would accept, small enough to pass the limit on one
    object: refused by the length Kubernetes allows a name."""
    body = b'{"kind":"NodeList","items":[{"metadata":{"name":"' + b"n" * length + b'"}}]}'
    end = [bytes(_padding(len(body))), END_OF_ARCHIVE]
    return write_gzip(target, [_header("kubernetes/nodes.json", len(body)), body, *end])


# --- documents ---------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _copy_bundle(target: Path) -> Path:
    shutil.copytree(HEALTHY, target)
    return target


def nested_azure(target: Path, depth: int = 490) -> Path:
    bundle = _copy_bundle(target)
    file = bundle / "azure" / "provisioned-cluster.json"
    document = json.loads(file.read_text())
    text = json.dumps(document)
    marker = '"properties": {'
    file.write_text(text.replace(marker, marker + f'"extra": {nested(depth)}, ', 1))
    return bundle


def nested_export(target: Path, depth: int = 490) -> Path:
    """A Resource Graph export whose first row's properties hold a null (as real rows do,
    which sends them to the reading that treats nulls as absent) and a nested value."""
    export = json.loads((EXAMPLES / "resource-graph-export.json").read_text())
    properties = export["data"][0]["properties"]
    properties["agentVersion"] = None
    properties["extra"] = "@@"
    target.write_text(json.dumps(export).replace('"@@"', nested(depth), 1))
    return target


def nested_case(target: Path, depth: int = 490) -> Path:
    target.write_text(
        '{"title": "pods restart", "description": "x", "extra": ' + nested(depth) + "}"
    )
    return target


def nested_yaml(target: Path, depth: int = 490, head: str = "") -> Path:
    target.write_text(head + "extra: " + nested(depth) + "\n")
    return target


def block_nested_yaml(target: Path, depth: int = 490, head: str = "") -> Path:
    lines = [head.rstrip("\n")] if head else []
    lines += [" " * level + f"k{level}:" for level in range(depth)]
    target.write_text("\n".join(lines) + " 1\n")
    return target


def nested_facts(target: Path, depth: int = 490) -> Path:
    bundle = _copy_bundle(target)
    nested_yaml(bundle / "facts.yaml", depth)
    return bundle


def utf16(target: Path, source: Path, encoding: str = "utf-16") -> Path:
    """What Windows PowerShell 5.1's `>` writes: UTF-16 LE with a BOM ("utf-16" in Python)."""
    text = source.read_text(encoding="utf-8")
    if encoding == "utf-16-be":
        target.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        target.write_bytes(text.encode(encoding))
    return target


def utf16_bundle(
    target: Path, file: str = "azure/provisioned-cluster.json", encoding: str = "utf-16"
) -> Path:
    bundle = _copy_bundle(target)
    utf16(bundle / file, HEALTHY / file, encoding)
    return bundle


def bom_bundle(target: Path) -> Path:
    bundle = _copy_bundle(target)
    for file in sorted(bundle.rglob("*.json")):
        file.write_bytes(codecs.BOM_UTF8 + file.read_bytes())
    return bundle


# --- the runs ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    command: str
    exit_code: int
    peak_mib: float
    seconds: float
    traceback: bool
    first_line: str


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]  # builds the inputs, returns the command's arguments
    # Root reads everything: without the capabilities that override file permissions, a
    # folder with mode 000 is unreadable to it too (util-linux's setpriv drops them).
    unprivileged: bool = False


def _check(path: Path) -> list[str]:
    return ["check", str(path), "--at", AT, "--output", "json"]


def _cases() -> list[Case]:
    def with_overlay(text: str) -> Callable[[Path], list[str]]:
        def build(folder: Path) -> list[str]:
            overlay = folder / "overlay.yaml"
            overlay.write_text(text)
            return ["check", str(HEALTHY), "--at", AT, "--policy", str(overlay)]

        return build

    def unreadable(folder: Path) -> list[str]:
        bundle = _copy_bundle(folder / "bundle")
        (bundle / "kubernetes").chmod(0)
        return _check(bundle)

    def unreadable_config(folder: Path) -> list[str]:
        config = folder / "config"  # the run's ARCSUPPORT_CONFIG_DIR
        config.mkdir()
        config.chmod(0)
        return _check(HEALTHY)

    return [
        Case("gzip bomb (4.2 GB of zeros)", lambda f: _check(gzip_bomb(f / "b.tar.gz"))),
        Case("zeros after the end of the archive", lambda f: _check(trailing_bomb(f / "b.tar.gz"))),
        Case("1,000,000 tiny members", lambda f: _check(many_members(f / "b.tar.gz"))),
        Case("header declares 3 GiB, holds 1 KiB", lambda f: _check(lying_header(f / "b.tar.gz"))),
        Case("path 500,000 folders deep", lambda f: _check(long_name(f / "b.tar.gz"))),
        Case("GNU long name of 4 GB of zeros", lambda f: _check(name_bomb(f / "b.tar.gz"))),
        Case("sparse member, 16 GiB (GNU)", lambda f: _check(sparse(f / "b.tar.gz"))),
        Case(
            "sparse member, 16 GiB (PAX 1.0)", lambda f: _check(sparse(f / "b.tar.gz", fmt="pax"))
        ),
        Case("two bundle roots in one tarball", lambda f: _check(two_roots(f / "b.tar.gz"))),
        Case(
            "4.6 MB tarball near the ratio cap, skipped field",
            lambda f: _check(ratio_edge(f / "b.tar.gz")),
        ),
        Case(
            "4.6 MB tarball near the ratio cap, as a node name",
            lambda f: _check(ratio_edge(f / "b.tar.gz", field="name")),
        ),
        Case(
            "node name of 1,000,000 characters (Kubernetes allows 253)",
            lambda f: _check(long_node_name(f / "b.tar.gz")),
        ),
        Case(
            "bundle inspect: gzip bomb",
            lambda f: ["bundle", "inspect", str(gzip_bomb(f / "b.tar.gz"))],
        ),
        Case("check: azure/*.json nested 490", lambda f: _check(nested_azure(f / "bundle"))),
        Case(
            "fleet: export properties nested 490",
            lambda f: ["fleet", str(nested_export(f / "export.json")), "--at", AT],
        ),
        Case(
            "triage --bundle: azure nested 490",
            lambda f: [
                "triage",
                "--title",
                "x",
                "--bundle",
                str(nested_azure(f / "b")),
                "--at",
                AT,
            ],
        ),
        Case(
            "advisories match: azure nested 490",
            lambda f: [
                "advisories",
                "match",
                str(nested_azure(f / "b")),
                "--advisories",
                str(EXAMPLES / "advisories"),
                "--at",
                AT,
            ],
        ),
        Case("triage: case.json nested 490", lambda f: ["triage", str(nested_case(f / "c.json"))]),
        Case(
            "triage: case.yaml nested 490",
            lambda f: ["triage", str(nested_yaml(f / "c.yaml", head="title: x\n"))],
        ),
        Case(
            "triage: case.yaml block-nested 490",
            lambda f: ["triage", str(block_nested_yaml(f / "c.yaml", head="title: x\n"))],
        ),
        Case("check: facts.yaml nested 490", lambda f: _check(nested_facts(f / "bundle"))),
        Case(
            "overlay nested 490",
            with_overlay("extends: aks-arc\n" + "extra: " + nested(490) + "\n"),
        ),
        Case("check: UTF-8 BOM on every JSON file", lambda f: _check(bom_bundle(f / "bundle"))),
        Case("check: azure/*.json in UTF-16 LE", lambda f: _check(utf16_bundle(f / "bundle"))),
        Case(
            "check: azure/*.json in UTF-16 BE",
            lambda f: _check(utf16_bundle(f / "bundle", encoding="utf-16-be")),
        ),
        Case(
            "check: facts.yaml in UTF-16 LE",
            lambda f: _check(utf16_bundle(f / "bundle", "facts.yaml")),
        ),
        Case(
            "fleet: export in UTF-16 LE",
            lambda f: [
                "fleet",
                str(utf16(f / "e.json", EXAMPLES / "resource-graph-export.json")),
                "--at",
                AT,
            ],
        ),
        Case("check --at 0001-01-01", lambda f: ["check", str(HEALTHY), "--at", "0001-01-01"]),
        Case("check --at 9999-12-31", lambda f: ["check", str(HEALTHY), "--at", "9999-12-31"]),
        Case("versions --at 9999-12-31", lambda f: ["versions", "--at", "9999-12-31"]),
        Case(
            "plan --at 9999-12-31",
            lambda f: ["plan", "--from", "1.30.4", "--at", "9999-12-31"],
        ),
        Case(
            "overlay: support_window_days 10**15",
            with_overlay(
                "extends: aks-arc\nthresholds:\n  support_window_days: 1000000000000000\n"
            ),
        ),
        Case(
            "overlay: azure_local_support_months 10**9",
            with_overlay(
                "extends: aks-arc\nthresholds:\n  azure_local_support_months: 1000000000\n"
            ),
        ),
        Case("check --out ''", lambda f: ["check", str(HEALTHY), "--at", AT, "--out", ""]),
        Case("unreadable kubernetes/ folder", unreadable, unprivileged=True),
        Case("unreadable config folder", unreadable_config, unprivileged=True),
    ]


@dataclass
class Measured:
    exit_code: int
    peak_mib: float
    seconds: float
    stderr: str


def measure(
    arguments: list[str],
    cwd: Path,
    environment: dict[str, str],
    limit_mib: int = 4096,
    timeout: float = 120,
    unprivileged: bool = False,
    from_a_small_process: bool = False,
) -> Measured:
    """`python -m arcsupport ARGUMENTS` in a fresh process: its exit code, its own peak RSS
    (os.wait4 reports exactly this child's rusage), its wall time and its stderr.

    A child counts, in its peak, the pages of the process it was forked from: measured from a
    big one (a test run), even `--help` peaks at that size. `from_a_small_process` starts a
    fresh launcher (this script, `--measure`) that forks the child instead."""
    if from_a_small_process:
        request = {
            "arguments": arguments, "cwd": str(cwd), "environment": environment,
            "limit_mib": limit_mib, "timeout": timeout, "unprivileged": unprivileged,
        }  # fmt: skip
        launched = subprocess.run(
            [sys.executable, __file__, "--measure"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=True,
        )
        return Measured(**json.loads(launched.stdout))
    command = [sys.executable, "-m", "arcsupport", *arguments]
    if unprivileged and os.geteuid() == 0:
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]

    def address_space() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mib << 20, limit_mib << 20))

    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=cwd,
            env=environment,
            preexec_fn=address_space,
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        text = stderr.read().decode(errors="replace")
    return Measured(process.returncode, usage.ru_maxrss / 1024, seconds, text)


def run(case: Case, folder: Path, pythonpath: str | None, limit_mib: int, timeout: float) -> Result:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARCSUPPORT_")}
    environment["ARCSUPPORT_CONFIG_DIR"] = str(folder / "config")
    environment["ARCSUPPORT_CACHE_DIR"] = str(folder / "cache")
    if pythonpath:
        environment["PYTHONPATH"] = pythonpath
    arguments = case.build(folder)
    measured = measure(arguments, folder, environment, limit_mib, timeout, case.unprivileged)
    lines = measured.stderr.strip().splitlines()
    return Result(
        case.name,
        " ".join(["arcsupport", *(a if len(a) < 40 else "..." + a[-30:] for a in arguments)]),
        measured.exit_code,
        measured.peak_mib,
        measured.seconds,
        "Traceback" in measured.stderr,
        lines[-1][:160] if lines else "",
    )


def _readable_again(folder: Path) -> None:
    """Folders made unreadable on purpose must be removable."""
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


def _measure_as_asked() -> None:
    """The launcher of `measure(from_a_small_process=True)`: the request on stdin, the
    result on stdout, both as JSON."""
    request = json.loads(sys.stdin.read())
    request["cwd"] = Path(request["cwd"])
    print(json.dumps(asdict(measure(**request))))


def main() -> None:
    if sys.argv[1:] == ["--measure"]:
        _measure_as_asked()
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", default=[], help="substrings of case names")
    parser.add_argument("--pythonpath", help="run the code of this src/ folder instead")
    parser.add_argument("--memory-limit-mib", type=int, default=4096)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results: list[Result] = []
    print("| input | exit | peak | time | traceback | stderr (last line) |")
    print("|---|---|---|---|---|---|")
    for case in _cases():
        if args.only and not any(part in case.name for part in args.only):
            continue
        with tempfile.TemporaryDirectory(prefix="arcsupport-hostile-") as folder:
            Path(folder).chmod(0o755)
            result = run(case, Path(folder), args.pythonpath, args.memory_limit_mib, args.timeout)
            _readable_again(Path(folder))
        results.append(result)
        traceback = "yes" if result.traceback else "no"
        print(
            f"| {result.name} | {result.exit_code} | {result.peak_mib:.0f} MiB | "
            f"{result.seconds:.1f} s | {traceback} | {result.first_line} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(result) for result in results], indent=1))


if __name__ == "__main__":
    main()
