"""The README's commands run, so that it cannot drift from the program again.

- Every `$ arcsupport ...` line of a README code block is run with bash from a scratch folder,
  and what it prints must match the lines shown under it. A line `...` stands for any number
  of lines (none included), so a transcript may show only the lines that matter. When the
  output changes on purpose, the failure prints the whole new output to paste in.
- Every other `arcsupport` command line of a code block is run the same way and must end with
  the exit code the README implies: 0, or for the commands that answer a question (ANSWERING:
  is it supported, may the operation run...) 0 or 1, both documented answers, never 2 (bad
  input) or 3. Most of these lines leave out `--at`, so their answer is today's. The commands
  that need a live cluster, Azure, the network or the access database are listed in SKIPPED
  with the reason, and the test fails on a listed command the README no longer has.

The scratch folder holds what the README's placeholders name: `bundle/` (examples/healthy),
`bundles/` (every example bundle), `fleet.json` (the example Resource Graph export), the
advisory folder and feed, and `my-policy.yaml` as the README writes it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT

README = ROOT / "README.md"
BIN = Path(sys.executable).parent

# Commands (matched by their start) that are not run, and why.
SKIPPED = {
    "arcsupport check $B": "reads the bundle that the kubectl and az commands above it write",
    "arcsupport rbac | kubectl": "applies the RBAC to a live cluster",
    "arcsupport collect": "reads a live cluster and Azure",
    "arcsupport bundle inspect bundle.tar.gz": "reads the bundle `arcsupport collect` writes",
    "arcsupport check bundle.tar.gz": "reads the bundle `arcsupport collect` writes",
    "arcsupport check --live": "reads a live cluster",
    "arcsupport policy update --from-kubernetes-versions": "reads what `az aksarc` printed",
    "arcsupport policy update --from-endoflife": "reads what curl downloaded",
    "arcsupport access": "needs the access database (tests/access runs these commands)",
    "arcsupport audit": "needs the access database (tests/access runs these commands)",
}
# Commands whose exit code 1 is an answer (findings, a block, a plan short of support).
ANSWERING = ("arcsupport check ", "arcsupport fleet ", "arcsupport gate ", "arcsupport plan ",
             "arcsupport advisories match ")  # fmt: skip
ELISION = "..."


@dataclass(frozen=True)
class Command:
    line: int  # in README.md
    text: str
    shown: tuple[str, ...] | None  # the transcript's output, or None for a plain command line


def _blocks(lines: list[str]) -> list[tuple[str, list[tuple[int, str]]]]:
    blocks: list[tuple[str, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            if current is None:
                current = []
                blocks.append((line[3:].strip(), current))
            else:
                current = None
        elif current is not None:
            current.append((number, line))
    return blocks


def _joined(block: list[tuple[int, str]], index: int) -> tuple[str, int]:
    """The command starting at block[index] with its `\\` continuations, and the next index."""
    text = block[index][1]
    while text.endswith("\\") and index + 1 < len(block):
        index += 1
        text = text[:-1].rstrip() + " " + block[index][1].strip()
    return text, index + 1


def readme_commands() -> list[Command]:
    commands: list[Command] = []
    for _, block in _blocks(README.read_text().splitlines()):
        transcript = any(line.startswith("$ ") for _, line in block)
        index = 0
        while index < len(block):
            number, line = block[index]
            if transcript and line.startswith("$ "):
                text, index = _joined(block, index)
                shown: list[str] = []
                while index < len(block) and not block[index][1].startswith("$ "):
                    shown.append(block[index][1])
                    index += 1
                while shown and not shown[-1].strip():
                    shown.pop()
                commands.append(Command(number, text[2:], tuple(shown)))
            elif not transcript and re.match(r"\s*arcsupport ", line):
                text, index = _joined(block, index)
                commands.append(Command(number, re.sub(r"\s+#\s.*$", "", text).strip(), None))
            else:
                index += 1
    return commands


def skip_reason(command: Command) -> str | None:
    return next((why for start, why in SKIPPED.items() if command.text.startswith(start)), None)


def matches(shown: tuple[str, ...], printed: list[str]) -> bool:
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line.strip() == ELISION else re.escape(line.rstrip()) + r"\n"
        for line in shown
    )
    return re.fullmatch(pattern, "".join(f"{line}\n" for line in printed)) is not None


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A working folder with what the README's placeholders stand for."""
    (tmp_path / "examples").symlink_to(EXAMPLES)
    (tmp_path / "bundle").symlink_to(EXAMPLES / "healthy")
    (tmp_path / "bundles").mkdir()
    for manifest in EXAMPLES.glob("*/manifest.json"):
        (tmp_path / "bundles" / manifest.parent.name).symlink_to(manifest.parent)
    (tmp_path / "fleet.json").symlink_to(EXAMPLES / "resource-graph-export.json")
    (tmp_path / "osv-folder").symlink_to(EXAMPLES / "advisories")
    feed = EXAMPLES / "advisories" / "k8s-official-cve-feed" / "k8s-db.json"
    (tmp_path / "k8s-cve-feed.json").symlink_to(feed)
    policy = re.search(r"```yaml\n# my-policy.yaml\n(.*?)```", README.read_text(), re.S)
    assert policy is not None, "the README's overlay example is gone"
    (tmp_path / "my-policy.yaml").write_text(policy[1])
    return tmp_path


def run(command: Command, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


COMMANDS = readme_commands()


def test_the_readme_has_commands_of_both_kinds() -> None:
    assert sum(command.shown is not None for command in COMMANDS) >= 10
    assert sum(command.shown is None for command in COMMANDS) >= 20
    assert all(command.text.startswith("arcsupport ") for command in COMMANDS)


def test_every_skip_names_a_readme_command() -> None:
    texts = [command.text for command in COMMANDS]
    assert [start for start in SKIPPED if not any(t.startswith(start) for t in texts)] == []


@pytest.mark.parametrize(
    "command", COMMANDS, ids=[f"README.md:{command.line}" for command in COMMANDS]
)
def test_the_readme_command_runs_as_shown(command: Command, scratch: Path) -> None:
    reason = skip_reason(command)
    if reason is not None:
        pytest.skip(f"{command.text}: {reason}")
    done = run(command, scratch)
    printed = [line.rstrip() for line in done.stdout.splitlines()]
    while printed and not printed[-1]:
        printed.pop()
    if command.shown is None:
        expected = (0, 1) if command.text.startswith(ANSWERING) else (0,)
        assert done.returncode in expected, f"{command.text}\n{done.stderr}"
        return
    assert done.returncode in (0, 1), f"{command.text}\n{done.stderr}"
    assert done.stderr == "", done.stderr
    assert matches(command.shown, printed), (
        f"README.md:{command.line}: `$ {command.text}` printed something else. If the change "
        "is intended, paste this (keeping `...` for what the README leaves out):\n"
        + "\n".join(printed)
    )
