"""Fixtures of the service tests (the kit itself is service_kit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from access_db import (
    PostgresServer,
    postgres_server,  # noqa: F401 - the session's PostgreSQL server
)
from service_kit import Service, make_service
from sqlalchemy.engine import URL


@pytest.fixture(autouse=True)
def _no_user_service_database(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the user's real service database."""
    monkeypatch.setenv(
        "ARCSUPPORT_SERVICE_DB", str(tmp_path_factory.mktemp("userdb") / "service.db")
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """The app on a fresh SQLite file."""
    made = make_service(URL.create("sqlite", database=str(tmp_path / "service.db")))
    yield made
    made.database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The app on a fresh database of each kind."""
    if request.param == "sqlite":
        made = make_service(URL.create("sqlite", database=str(tmp_path / "service.db")))
        yield made
        made.database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.new_database() as url:
        made = make_service(url)
        yield made
        made.database.dispose()
