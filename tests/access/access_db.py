"""Databases for the access and audit tests: a SQLite file, or a database on a throwaway
PostgreSQL server started from Debian's binaries on loopback (one server per test session, one
fresh database per test). Loaded by `pytest_plugins` in test_access.py and test_audit.py.

Without PostgreSQL installed, the PostgreSQL tests fail (not skip) and say what to install:
CI must run them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from access_dbtools import Run
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from helpers import run_cli

INSTALL_HINT = (
    "install Debian's `postgresql` package (apt-get install -y --no-install-recommends postgresql)"
)


def postgres_bindir() -> Path:
    """The newest server under /usr/lib/postgresql/*/bin, where Debian puts initdb and pg_ctl
    (they are not on PATH)."""
    found = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if (path.parent / "pg_ctl").exists()
    ]
    if not found:
        pytest.fail(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {INSTALL_HINT}")
    return max(found, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)


# Runs beside the test session and waits for it to end. If the session is killed before its
# teardown (a timeout, SIGKILL), the watchdog shuts the server down (SIGQUIT: immediate) and
# removes its folder, so no server outlives the run that started it.
_WATCHDOG = """
import os, shutil, signal, sys, time
parent, data, base = int(sys.argv[1]), sys.argv[2], sys.argv[3]
while os.getppid() == parent:
    time.sleep(0.5)
try:
    with open(os.path.join(data, "postmaster.pid")) as pidfile:
        os.kill(int(pidfile.readline()), signal.SIGQUIT)
except (OSError, ValueError):
    pass
time.sleep(2)
shutil.rmtree(base, ignore_errors=True)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """initdb into a private folder, start on a free loopback port, trust authentication.

    initdb and postgres refuse to run as root. As root, the server runs as `nobody`, in a
    folder of its own under the system temporary directory (pytest's tmp folders are private to
    root, so `nobody` could not enter them); as anyone else it runs as that user."""

    def __init__(self, base: Path) -> None:
        self.bindir = postgres_bindir()
        self.account: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self.account = pwd.getpwnam("nobody")
            base = Path(tempfile.mkdtemp(prefix="arcsupport-pg-"))
            os.chown(base, self.account.pw_uid, self.account.pw_gid)
        self.base = base
        self.data = base / "data"
        self.port = 0
        self._names = count(1)
        self._watchdog: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        options: dict[str, Any] = {}
        if self.account is not None:
            options = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.base,
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"},
            check=False,
            **options,
        )

    def start(self) -> None:
        made = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-locale",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        if made.returncode != 0:
            pytest.fail(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
        last = ""
        for _ in range(5):  # a free port can be taken between the probe and the start
            self.port = _free_port()
            settings = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"),
                "-o", settings, "-w", "-t", "60", "start",
            )  # fmt: skip
            if started.returncode == 0:
                self._watchdog = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _WATCHDOG,
                        str(os.getpid()),
                        str(self.data),
                        str(self.base),
                    ],
                    start_new_session=True,  # a Ctrl-C to the session must not stop it first
                )
                return
            last = started.stderr.strip() or started.stdout.strip()
        log = self.base / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        pytest.fail(f"PostgreSQL did not start: {last}\n{tail}")

    def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> URL:
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            host="127.0.0.1",
            port=self.port,
            database=database,
        )

    def _administer(self, statement: str) -> None:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
        engine.dispose()

    @contextlib.contextmanager
    def new_database(self) -> Iterator[URL]:
        """A fresh database, dropped afterwards (each copy of the template takes ~8 MB)."""
        name = f"arcsupport_test_{next(self._names)}"
        self._administer(f"CREATE DATABASE {name}")
        try:
            yield self.url(name)
        finally:
            self._administer(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is not installed: pip install -e '.[dev]' (it brings psycopg[binary])")
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each kind, as the string `--db` takes."""
    if request.param == "sqlite":
        yield str(tmp_path / "access.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.new_database() as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return str(tmp_path / "access.db")


@pytest.fixture(autouse=True)
def _no_user_database(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """Tests never read or write the user's real access database."""
    monkeypatch.setenv("ARCSUPPORT_DB", str(tmp_path_factory.mktemp("userdb") / "access.db"))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `arcsupport ARGS` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run
