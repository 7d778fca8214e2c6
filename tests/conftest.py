import sys
from pathlib import Path

import pytest

# Tests import their shared builders as `helpers`.
sys.path.insert(0, str(Path(__file__).parent))


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
    """Tests never read or write the real user's policy overlay."""
    monkeypatch.setenv("ARCSUPPORT_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
