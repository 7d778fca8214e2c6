"""What a short command loads, run as a user runs it (a fresh interpreter each time), and that
the cache folder changes how fast it answers, never what it answers.

No timing here (bench/startup.py measures): the modules a command imports are what its
start-up costs, and they do not vary with the machine's load."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arcsupport.cli import app, run
from arcsupport.cli.app import COMMANDS
from helpers import ROOT

CHECK = ("check", "examples/healthy", "--at", "2025-09-15")

# Run a command in this interpreter, then list every module it imported.
_PROBE = """
import contextlib, io, json, sys
from arcsupport.cli.app import main
output = io.StringIO()
try:
    with contextlib.redirect_stdout(output):
        main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "output": output.getvalue(), "modules": sorted(sys.modules)}))
"""


def probe(*args: str) -> tuple[int, str, set[str]]:
    """(exit code, what the command printed, the modules loaded)."""
    finished = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(finished.stdout)
    return result["code"], result["output"], set(result["modules"])


def command_modules(modules: set[str]) -> set[str]:
    names = {f"arcsupport.cli.{name.replace('-', '_')}" for name in COMMANDS}
    return modules & names


def test_version_alone_registers_no_command() -> None:
    code, output, modules = probe("--version")
    assert code == 0
    assert output.startswith("arcsupport ")
    assert command_modules(modules) == set()
    assert "rich" not in modules


def test_version_before_help_prints_the_version() -> None:
    code, output, _ = probe("--version", "--help")
    assert code == 0
    assert output.startswith("arcsupport ")


def test_help_before_version_lists_every_command() -> None:
    code, output, _ = probe("--help", "--version")
    assert code == 0
    for name in COMMANDS:
        assert f" {name} " in output


# Modules `check` on a bundle has no use for: other commands' databases, servers, clients and
# analysers, the readers of other sources, and (with the cache filled) the TOML and YAML
# parsers.
_NOT_FOR_CHECK = (
    "alembic",
    "sqlalchemy",
    "kiwipiepy",
    "fastapi",
    "jinja2",
    "prometheus_client",
    "kubernetes",
    "azure",
    "markdown_it",
    "zipfile",
    "tarfile",
    "gzip",
    "importlib.resources",
    "tomllib",
    "yaml",
    "arcsupport.snapshot.advisory",
    "arcsupport.sources.advisories",
    "arcsupport.sources.inventory",
    "arcsupport.lifecycle.planner",
)


def test_check_loads_only_what_it_uses() -> None:
    probe(*CHECK)  # fills the cache folder (ARCSUPPORT_CACHE_DIR, set by conftest)
    code, _, modules = probe(*CHECK)
    assert code == 0
    assert command_modules(modules) == {"arcsupport.cli.check"}
    loaded = {
        name for name in _NOT_FOR_CHECK for module in modules
        if module == name or module.startswith(f"{name}.")
    }  # fmt: skip
    assert loaded == set()


def run_check(*options: str, cache: Path) -> tuple[int, bytes]:
    environment = {**os.environ, "ARCSUPPORT_CACHE_DIR": str(cache)}
    finished = subprocess.run(
        [sys.executable, "-m", "arcsupport", *CHECK, *options],
        cwd=ROOT, env=environment, capture_output=True, check=False,
    )  # fmt: skip
    assert finished.stderr == b""
    return finished.returncode, finished.stdout


@pytest.mark.parametrize("options", [(), ("--output", "json", "--lang", "ko")], ids=str)
def test_the_cache_never_changes_the_answer(options: tuple[str, ...], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = run_check(*options, cache=cache)
    assert {path.name.split("-")[0] for path in cache.iterdir()} == {"catalog", "facts", "pack"}
    assert run_check(*options, cache=cache) == cold, "read from the cache"
    for file in cache.iterdir():
        data = bytearray(file.read_bytes())
        data[len(data) // 2] ^= 0x01
        file.write_bytes(bytes(data))
    assert run_check(*options, cache=cache) == cold, "every kept file damaged"
    for file in cache.iterdir():
        file.write_bytes(b"")
    assert run_check(*options, cache=cache) == cold, "every kept file empty"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert run_check(*options, cache=blocker / "cache") == cold, "a folder it cannot make"


def test_the_collector_is_paused_for_the_start_up_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """`arcsupport` (cli.run) registers the command with the collector paused, and runs it
    with the collector on again: a long command must not pile up garbage."""
    states: list[tuple[str, bool]] = []
    real = app.registered

    def recording(argv: list[str]) -> Callable[..., object]:
        command = real(argv)
        states.append(("registered", gc.isenabled()))

        def invoke(**kwargs: object) -> object:
            states.append(("command", gc.isenabled()))
            return command(**kwargs)

        return invoke

    monkeypatch.setattr(app, "registered", recording)
    monkeypatch.setattr(sys, "argv", ["arcsupport", "--version"])
    try:
        with pytest.raises(SystemExit) as exited:
            run()
        assert exited.value.code == 0
        assert states == [("registered", False), ("command", True)]
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
