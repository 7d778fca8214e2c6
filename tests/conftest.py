from collections.abc import Callable
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected outputs in tests/golden/ from what the code prints now",
    )


@pytest.fixture(autouse=True)
def _no_user_overlay(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real user's policy overlay or cache."""
    monkeypatch.setenv("ARCSUPPORT_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("ARCSUPPORT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def unwritable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ARCSUPPORT_CACHE_DIR below a plain file, where no cache folder can be made; returns the
    folder holding that file, which must hold nothing else afterwards."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ARCSUPPORT_CACHE_DIR", str(blocker / "cache"))
    return tmp_path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the lines tests record with `record_property("summary", line)` at the end of the
    run (e.g. "triage accuracy: N/M"), whether or not output capture hid their prints."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "summary":
                    terminalreporter.write_line(str(value))


@pytest.fixture
def arcsupport(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run the command in-process from the repository root: (exit code, stdout, stderr)."""
    from helpers import ROOT, run_cli

    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run
