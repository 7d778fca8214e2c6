"""Only the command being run is imported: `arcsupport check` loads cli/check.py and what it
calls, not the other commands, and with `--output json` not rich either."""

from __future__ import annotations

import json
import subprocess
import sys

from arcsupport.cli.app import COMMANDS
from helpers import ROOT

PROBE = """
import json, sys
from arcsupport.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(*argv: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT, check=True
    )
    modules: list[str] = json.loads(run.stderr.splitlines()[-1])
    return set(modules)


def commands(modules: set[str]) -> set[str]:
    prefix = "arcsupport.cli."
    return {name.removeprefix(prefix) for name in modules if name.startswith(prefix)}


def test_check_imports_its_own_module_only() -> None:
    modules = loaded("check", "examples/healthy", "--at", "2025-09-15", "-o", "json")
    assert commands(modules) == {"app", "options", "check"}
    assert "rich" not in modules
    assert not {"sqlalchemy", "jinja2", "kubernetes", "junitparser"} & modules


def test_help_registers_every_command() -> None:
    modules = loaded("--help")
    assert commands(modules) == {"app", "options", *(name.replace("-", "_") for name in COMMANDS)}
    assert "sqlalchemy" not in modules
