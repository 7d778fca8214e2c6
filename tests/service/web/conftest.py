"""Fixtures of the dashboard tests (the fleet they share is built in dashboard_kit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dashboard_kit import Fleet, load_fleet
from service_kit import make_service
from sqlalchemy.engine import URL


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    folder = tmp_path_factory.mktemp("dashboard")
    service = make_service(URL.create("sqlite", database=str(folder / "service.db")))
    yield load_fleet(service)
    service.database.dispose()
