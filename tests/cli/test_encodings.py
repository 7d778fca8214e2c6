"""Every reader takes its JSON and YAML (and metrics text) in UTF-8 with or without a byte-order
mark, and in UTF-16 as Windows PowerShell 5.1's `>` writes it (with a BOM, either byte order):
the same document in another encoding gives the same result."""

from __future__ import annotations

import codecs
import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import EXAMPLES, REFERENCE, run_cli

HEALTHY = EXAMPLES / "healthy"
AT = "2025-09-15"
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8 bom": lambda text: codecs.BOM_UTF8 + text.encode(),
    "utf-16 (PowerShell 5.1)": lambda text: text.encode("utf-16"),
    "utf-16-be bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run


def reencode(path: Path, encoding: str) -> None:
    path.write_bytes(ENCODINGS[encoding](path.read_text(encoding="utf-8")))


def reencode_all(root: Path, encoding: str) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".yaml", ".yml", ".txt"):
            reencode(path, encoding)


def same_result(cli: Run, args: list[str], change: Callable[[], None]) -> tuple[int, str]:
    """The command's result before and after `change` (the inputs re-encoded in place)."""
    before = cli(*args)
    assert before[0] in (0, 1), before[2]
    change()
    after = cli(*args)
    assert after == before, after[2]
    return before[0], before[1]


def copy_healthy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HEALTHY, tmp_path / "bundle"))


def _tar(root: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.add(path, arcname="bundle/" + path.relative_to(root).as_posix())
    return target


@pytest.fixture(params=list(ENCODINGS))
def encoding(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_bundle_folder(cli: Run, tmp_path: Path, encoding: str) -> None:
    """Every file of the bundle: manifest, Lists, ARM payloads, facts.yaml, metrics.txt."""
    bundle = copy_healthy(tmp_path)
    args = ["check", str(bundle), "--at", AT, "--output", "json"]
    _, out = same_result(cli, args, lambda: reencode_all(bundle, encoding))
    needed = [gap["needs"] for gap in json.loads(out)["coverage"]["not_evaluated"]]
    assert needed == [["advisories (check --advisories PATH)"]], "every part was read"


def test_tarball(cli: Run, tmp_path: Path, encoding: str) -> None:
    bundle = copy_healthy(tmp_path)
    tarball = _tar(bundle, tmp_path / "bundle.tar.gz")

    def change() -> None:
        reencode_all(bundle, encoding)
        _tar(bundle, tarball)

    same_result(cli, ["check", str(tarball), "--at", AT, "--output", "json"], change)


def test_cluster_info_dump(cli: Run, tmp_path: Path, encoding: str) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(HEALTHY / "kubernetes" / "nodes.json", dump / "nodes.json")
    pods = json.loads((HEALTHY / "kubernetes" / "pods.json").read_text())
    for namespace in sorted({pod["metadata"]["namespace"] for pod in pods["items"]}):
        items = [pod for pod in pods["items"] if pod["metadata"]["namespace"] == namespace]
        (dump / namespace).mkdir()
        (dump / namespace / "pods.json").write_text(json.dumps({**pods, "items": items}))
    args = ["check", str(dump), "--at", AT, "--output", "json"]
    same_result(cli, args, lambda: reencode_all(dump, encoding))


def test_resource_graph_export(cli: Run, tmp_path: Path, encoding: str) -> None:
    export = Path(shutil.copy(EXAMPLES / "resource-graph-export.json", tmp_path / "e.json"))
    args = ["fleet", str(export), "--at", AT, "--output", "json"]
    same_result(cli, args, lambda: reencode(export, encoding))


def test_policy_overlay(cli: Run, tmp_path: Path, encoding: str) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("extends: aks-arc\nthresholds:\n  disconnected_days: 20  # é\n")
    args = ["policy", "show", "--policy", str(overlay), "--output", "json"]
    _, out = same_result(cli, args, lambda: reencode(overlay, encoding))
    assert json.loads(out)["thresholds"]["disconnected_days"] == 20


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_triage_case(cli: Run, tmp_path: Path, encoding: str, suffix: str) -> None:
    case = tmp_path / f"case{suffix}"
    fields = {"title": "Pods fail after upgrade", "description": "Calico 오류 on 1.30"}
    case.write_text(json.dumps(fields, ensure_ascii=False))  # JSON is YAML too
    same_result(cli, ["triage", str(case), "--output", "json"], lambda: reencode(case, encoding))


def test_advisories_file(cli: Run, tmp_path: Path, encoding: str) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "advisories", tmp_path / "advisories"))
    bundle = EXAMPLES / "deprecated-version"
    args = ["advisories", "match", str(bundle), "--advisories", str(folder), "--at", AT]
    code, _ = same_result(cli, [*args, "--output", "json"], lambda: reencode_all(folder, encoding))
    assert code == 1, "the example advisories affect this example"


def test_known_issues_file(cli: Run, tmp_path: Path, encoding: str) -> None:
    shipped = Path(str(EXAMPLES.parent / "src/arcsupport/sources/known-issues/aks-arc.yaml"))
    records = Path(shutil.copy(shipped, tmp_path / "issues.yaml"))
    args = ["known-issues", "list", "--known-issues", str(records), "--output", "json"]
    same_result(cli, args, lambda: reencode(records, encoding))


@pytest.mark.parametrize(
    ("option", "payload"),
    [
        (
            "--from-kubernetes-versions",
            REFERENCE / "azure" / "hybridaks-2024-01-01-GetKubernetesVersions.json",
        ),
        ("--from-endoflife", REFERENCE / "k8s" / "endoflife.date" / "release-data-kubernetes.json"),
    ],
)
def test_policy_update_inputs(
    cli: Run,
    tmp_path: Path,
    encoding: str,
    option: str,
    payload: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = Path(shutil.copy(payload, tmp_path / payload.name))
    if payload.name.startswith("hybridaks"):  # the REST example wraps the body
        body = json.loads(source.read_text())["responses"]["200"]["body"]
        source.write_text(json.dumps(body))
    overlays = []
    for round_ in ("utf-8", encoding):
        monkeypatch.setenv("ARCSUPPORT_CONFIG_DIR", str(tmp_path / round_))
        if round_ != "utf-8":
            reencode(source, encoding)
        code, _, err = cli("policy", "update", option, str(source), "--at", AT)
        assert (code, err) == (0, "")
        overlays.append((tmp_path / round_ / "overlay.yaml").read_text())
    assert overlays[0] == overlays[1]


def test_privacy_check_reads_utf16(cli: Run, tmp_path: Path) -> None:
    """A file saved as UTF-16 must not pass the privacy check for want of reading it."""
    bundle = copy_healthy(tmp_path)
    pods = json.loads((bundle / "kubernetes" / "pods.json").read_text())
    container = pods["items"][0]["spec"]["containers"][0]
    container["env"] = [{"name": "DB_PASSWORD", "value": "hunter2-hunter2"}]
    (bundle / "kubernetes" / "pods.json").write_text(json.dumps(pods))
    code, out, _ = cli("bundle", "inspect", str(bundle), "--output", "json")
    reencode(bundle / "kubernetes" / "pods.json", "utf-16 (PowerShell 5.1)")
    code_16, out_16, _ = cli("bundle", "inspect", str(bundle), "--output", "json")
    assert code == code_16 == 1
    assert json.loads(out)["privacy"] == json.loads(out_16)["privacy"]
