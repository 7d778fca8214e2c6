"""`--out` never destroys what its path names: a regular file (or a missing path) is replaced
atomically, through symlinks, keeping its permissions; a character device, a FIFO, a pipe and
an open descriptor are written straight through; a folder, a block device and the run's own
inputs are refused with one line and exit code 2. Never against the real /dev/null: the
devices and pipes here are made in a temporary folder."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT, run_cli

Run = Callable[..., tuple[int, str, str]]
ARCSUPPORT = Path(sys.executable).parent / "arcsupport"
AT = ("--at", "2025-09-15")
JSON = ("-o", "json")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run


@pytest.fixture
def report(cli: Run) -> str:
    """What `check examples/healthy -o json` prints on stdout: what every --out must hold."""
    code, out, _ = cli("check", str(EXAMPLES / "healthy"), *AT, *JSON)
    assert code == 0
    return out


def check_to(cli: Run, out: Path | str, *extra: str) -> tuple[int, str, str]:
    return cli("check", str(EXAMPLES / "healthy"), *AT, *JSON, "--out", str(out), *extra)


def assert_refused(result: tuple[int, str, str], *expected: str) -> None:
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("arcsupport: error: ")
    for part in expected:
        assert part in err, err


# --- regular files and symlinks: replaced atomically ------------------------------------------


def test_a_missing_file_is_created(cli: Run, report: str, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    assert check_to(cli, target)[0] == 0
    assert target.read_text() == report
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"], "a temporary file left"


def test_a_file_is_replaced_whole_and_keeps_its_permissions(
    cli: Run, report: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    before = target.stat().st_ino
    assert check_to(cli, target)[0] == 0
    assert target.read_text() == report
    assert target.stat().st_ino != before, "not renamed over: a reader could see half a file"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_is_followed_and_kept(cli: Run, report: str, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(Path("real") / "report.json")
    before = target.stat().st_ino
    assert check_to(cli, link)[0] == 0
    assert link.is_symlink()
    assert link.readlink() == Path("real") / "report.json"
    assert target.read_text() == report
    assert target.stat().st_ino != before, "the file behind the link was not replaced atomically"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.json", "real"]


def test_a_dangling_symlink_gets_its_file(cli: Run, report: str, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    assert check_to(cli, link)[0] == 0
    assert link.is_symlink()
    assert (tmp_path / "made.json").read_text() == report


def test_dash_is_stdout(cli: Run, report: str) -> None:
    code, out, _ = check_to(cli, "-")
    assert (code, out) == (0, report)


# --- devices, FIFOs, pipes and descriptors: written straight through --------------------------


def test_a_fifo_is_written_through_and_stays_a_fifo(cli: Run, report: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        code = check_to(cli, fifo)[0]
    finally:
        reader.join(timeout=30)
    assert code == 0
    assert b"".join(received).decode() == report
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["fifo"]


def _drain(master: int) -> Iterator[bytes]:
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the other side is closed
            return
        if not chunk:
            return
        yield chunk


def test_a_terminal_is_written_through(cli: Run, tmp_path: Path) -> None:
    master, slave = os.openpty()
    terminal = os.ttyname(slave)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(_drain(master)))
    reader.start()
    try:
        code = check_to(cli, terminal)[0]
        still = Path(terminal).stat()  # a pty's node goes away when it is closed
    finally:
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
    assert code == 0
    # The terminal turns \n into \r\n on the way out.
    text = b"".join(received).decode().replace("\r\n", "\n")
    assert '"schema": "arcsupport.assessment/v1"' in text
    assert stat.S_ISCHR(still.st_mode)


def test_a_character_device_is_not_replaced(cli: Run, tmp_path: Path) -> None:
    """As root, `--out /dev/null` once replaced /dev/null with a regular file."""
    if os.geteuid() != 0:
        pytest.skip("making a device node (a /dev/null twin in tmp) needs root")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the numbers of /dev/null
    before = null.lstat()
    assert check_to(cli, null)[0] == 0
    after = null.lstat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert [path.name for path in tmp_path.iterdir()] == ["null"]


def test_process_substitution(report: str, tmp_path: Path) -> None:
    """bash's `>(cmd)` names a pipe the shell opened for us (/dev/fd/63)."""
    received = tmp_path / "received.json"
    script = (
        f"{ARCSUPPORT} check {EXAMPLES / 'healthy'} --at 2025-09-15 -o json "
        f'--out >(cat > {received}); status=$?; wait; exit "$status"'
    )
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert (run.returncode, run.stderr, run.stdout) == (0, "", "")
    assert received.read_text() == report


def test_dev_stdout_when_reopening_it_is_impossible(report: str) -> None:
    """stdout a socket: /dev/stdout cannot be opened again (ENXIO, for root too, as a pipe of
    another user is for an unprivileged user), so it is written to as the open descriptor."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        process = subprocess.Popen(
            [ARCSUPPORT, "check", str(EXAMPLES / "healthy"), *AT, *JSON, "--out", "/dev/stdout"],
            stdout=theirs.fileno(),
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        theirs.close()
        received = b""
        while chunk := ours.recv(65536):
            received += chunk
        _, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (0, b"")
    assert received.decode() == report


# --- refused --------------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    copy = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "healthy", copy)
    return copy


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize(
    "inside", ["manifest.json", "kubernetes/nodes.json", "report.json", "kubernetes"]
)
def test_a_file_of_the_bundle_is_refused(cli: Run, bundle: Path, inside: str) -> None:
    before = snapshot_of(bundle)
    result = cli("check", str(bundle), *AT, "--out", str(bundle / inside))
    assert_refused(result, str(bundle / inside), "inside the run's input", str(bundle))
    assert snapshot_of(bundle) == before


def test_the_bundle_through_a_symlink_is_refused(cli: Run, bundle: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(bundle / "manifest.json")
    before = snapshot_of(bundle)
    assert_refused(cli("check", str(bundle), *AT, "--out", str(link)), "inside the run's input")
    assert snapshot_of(bundle) == before


def test_the_tarball_read_is_refused(cli: Run, bundle: Path, tmp_path: Path) -> None:
    tarball = tmp_path / "bundle.tar.gz"
    subprocess.run(["tar", "czf", tarball, "-C", tmp_path, "bundle"], check=True)
    before = tarball.read_bytes()
    assert_refused(
        cli("check", str(tarball), *AT, "--out", str(tarball)), f"is the run's input {tarball}"
    )
    assert tarball.read_bytes() == before


def test_a_hard_link_to_an_input_is_refused(cli: Run, tmp_path: Path) -> None:
    export = tmp_path / "fleet.json"
    shutil.copy(EXAMPLES / "resource-graph-export.json", export)
    alias = tmp_path / "alias.json"
    alias.hardlink_to(export)
    before = export.read_bytes()
    assert_refused(cli("fleet", str(export), *AT, "--out", str(alias)), "is the run's input")
    assert export.read_bytes() == before


def test_the_policy_and_the_advisories_are_inputs(cli: Run, bundle: Path, tmp_path: Path) -> None:
    policy = tmp_path / "my-policy.yaml"
    policy.write_text("extends: aks-arc\nthresholds:\n  warning_horizon_days: 90\n")
    advisory = tmp_path / "GO-2024-3286.json"
    shutil.copy(EXAMPLES / "advisories" / "GO-2024-3286.json", advisory)
    for args, target in (
        (("--policy", str(policy)), policy),
        (("--advisories", str(advisory)), advisory),
    ):
        before = target.read_bytes()
        assert_refused(cli("check", str(bundle), *AT, *args, "--out", str(target)))
        assert target.read_bytes() == before
    plan = cli("plan", "--from", "1.28.9", *AT, "--policy", str(policy), "--out", str(policy))
    assert_refused(plan, "is the run's input")
    match = cli(
        "advisories", "match", str(bundle), "--advisories", str(advisory), *AT,
        "--out", str(advisory),
    )  # fmt: skip
    assert_refused(match, "is the run's input")


def test_the_user_overlay_is_an_input(cli: Run, tmp_path: Path) -> None:
    overlay = Path(os.environ["ARCSUPPORT_CONFIG_DIR"]) / "overlay.yaml"
    overlay.write_text("extends: aks-arc\n")
    assert_refused(
        cli("plan", "--from", "1.28.9", *AT, "--out", str(overlay)), "is the run's input"
    )
    assert overlay.read_text() == "extends: aks-arc\n"


def test_a_folder_is_refused(cli: Run, tmp_path: Path) -> None:
    assert_refused(check_to(cli, tmp_path), "is a folder")


def test_a_block_device_is_refused(cli: Run, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    device = tmp_path / "disk"
    # A device number no driver serves: if the refusal failed, opening it would still fail.
    os.mknod(device, stat.S_IFBLK | 0o600, os.makedev(240, 254))
    assert_refused(check_to(cli, device), "is a block device")


def test_a_missing_folder_is_one_line(cli: Run, tmp_path: Path) -> None:
    assert_refused(check_to(cli, tmp_path / "no" / "such" / "report.json"), "No such file")
