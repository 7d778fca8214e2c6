"""An unexpected error inside a command is a bug: exit code 3 and one line on stderr that says
so, never a traceback; `--debug` (a global option, before the command) adds the traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from arcsupport.cli import check as check_command
from arcsupport.cli.app import EXIT_INTERNAL, main
from helpers import ROOT

Run = Callable[..., tuple[int, str, str]]
CHECK = ("check", "examples/healthy", "--at", "2025-09-15")


def _explode(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("boom\nsecond line")


@pytest.fixture
def broken_assess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_command, "assess", _explode)


@pytest.mark.usefixtures("broken_assess")
def test_an_internal_error_is_one_line_and_its_own_exit_code(arcsupport: Run) -> None:
    code, out, err = arcsupport(*CHECK)
    assert code == EXIT_INTERNAL == 3
    assert out == ""
    assert err.splitlines() == [
        "arcsupport: internal error: RuntimeError: boom\\nsecond line; run with --debug for "
        "the traceback, and report it"
    ]


@pytest.mark.usefixtures("broken_assess")
def test_debug_shows_the_traceback(arcsupport: Run) -> None:
    code, out, err = arcsupport("--debug", *CHECK)
    assert code == 3
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert any("in _explode" in line for line in lines), err
    assert lines[-1] == (
        "arcsupport: internal error: RuntimeError: boom\\nsecond line; please report it"
    )


def test_debug_after_the_command_is_not_a_global_option(arcsupport: Run) -> None:
    code, _, err = arcsupport(*CHECK, "--debug")
    assert code == 2
    assert err.splitlines() == ["arcsupport: error: No such option: --debug"]


def test_a_long_error_text_is_cut(monkeypatch: pytest.MonkeyPatch, arcsupport: Run) -> None:
    def huge(*_args: object, **_kwargs: object) -> None:
        raise ValueError("x" * 10_000_000)

    monkeypatch.setattr(check_command, "assess", huge)
    code, _, err = arcsupport(*CHECK)
    assert code == 3
    assert len(err) < 500
    assert err.count("\n") == 1


def test_ctrl_c_is_exit_130(monkeypatch: pytest.MonkeyPatch, arcsupport: Run) -> None:
    """As shells report a command stopped by SIGINT, without a traceback."""

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(check_command, "assess", interrupted)
    code, out, err = arcsupport(*CHECK)
    assert (code, out) == (130, "")
    assert "Traceback" not in err


def test_a_real_process_prints_no_traceback() -> None:
    """Through the interpreter's own error path, not the test's: nothing reaches the hook."""
    script = (
        "import sys, arcsupport.cli.check as check\n"
        "def explode(*a, **k): raise MemoryError\n"
        "check.assess = explode\n"
        "from arcsupport.cli.app import main\n"
        "main(sys.argv[1:])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, *CHECK], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 3
    assert run.stdout == ""
    assert run.stderr == (
        "arcsupport: internal error: MemoryError; run with --debug for the traceback, and "
        "report it\n"
    )


def test_main_without_arguments_reads_sys_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["arcsupport", "--version"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
