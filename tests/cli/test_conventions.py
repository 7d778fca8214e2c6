"""What a command-line tool is expected to have: `--version`, shell completion, and the exit
codes in `--help`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from arcsupport.version import __version__

Run = Callable[..., tuple[int, str, str]]
ARCSUPPORT = Path(sys.executable).parent / "arcsupport"


def test_version(arcsupport: Run) -> None:
    assert arcsupport("--version") == (0, f"arcsupport {__version__}\n", "")


def test_help_lists_every_exit_code(arcsupport: Run) -> None:
    code, out, _ = arcsupport("--help")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    for meaning in (
        "0 done",
        "1 the answer is no",
        "2 bad input or usage",
        "3 an internal error",
        "130 interrupted",
        "--debug",
        "--version",
        "--install-completion",
    ):
        assert meaning in flat, meaning


def test_show_completion_prints_a_bash_script(arcsupport: Run) -> None:
    code, out, _ = arcsupport("--show-completion", "bash")
    assert code == 0
    assert "complete -o default -F _arcsupport_completion arcsupport" in out
    assert "_ARCSUPPORT_COMPLETE=complete_bash" in out


def complete(words: str) -> list[str]:
    """What the bash script asks for on Tab: the completions of the last word."""
    environment = {
        **os.environ,
        "_ARCSUPPORT_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    run = subprocess.run(
        [ARCSUPPORT], env=environment, capture_output=True, text=True, check=True, timeout=60
    )
    return run.stdout.split()


def test_bash_completes_commands_and_options() -> None:
    assert complete("arcsupport ch") == ["check"]
    assert complete("arcsupport known") == ["known-issues"]
    assert set(complete("arcsupport check --o")) == {"--output", "--out"}
    assert set(complete("arcsupport check -o j")) == {"json", "junit"}
