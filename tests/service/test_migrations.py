"""The schema: `db upgrade` migrates the access and service tables together on SQLite and on
PostgreSQL, the migrations create exactly the models, and a second run changes nothing."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from service_kit import FRESH, Service, fresh_site, tarball, upload
from sqlalchemy import inspect, select

from arcsupport.access.models import Base as AccessBase
from arcsupport.service.db import MIGRATIONS, Database, database_url
from arcsupport.service.models import Base, Cluster
from helpers import at


def test_the_migrations_create_exactly_the_models(any_service: Service) -> None:
    with any_service.database.engine.connect() as connection:
        for metadata in (Base.metadata, AccessBase.metadata):
            # Each compared with its own tables: the other schema's are not "extra".
            context = MigrationContext.configure(
                connection,
                opts={"include_name": lambda name, kind, parent, m=metadata: kind != "table"
                      or name in m.tables},
            )  # fmt: skip
            assert compare_metadata(context, metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert {"arcsupport_schema_version", "arcsupport_service_version", "access_grant"} <= tables
    assert any_service.database.schema_current()
    any_service.database.upgrade()  # a second run finds nothing to do
    assert any_service.database.schema_current()


def test_the_service_migrations_are_one_chain() -> None:
    """Branches that each added a revision are merged into one line: one head, one base, and
    every revision revises the one before it."""
    script = ScriptDirectory(str(MIGRATIONS))
    chain = [revision.revision for revision in script.walk_revisions()]
    assert script.get_heads() == [chain[0]] and script.get_bases() == [chain[-1]]
    assert chain == sorted(chain, reverse=True)
    for newer, older in pairwise(chain):
        assert script.get_revision(newer).down_revision == older


def test_db_upgrade_on_a_new_file_and_token_commands(arcsupport: object, tmp_path: Path) -> None:
    run = arcsupport
    path = tmp_path / "new.db"
    code, _, err = run("db", "upgrade", "--db", str(path))  # type: ignore[operator]
    assert code == 0 and "up to date" in err
    database = Database(database_url(str(path)))
    assert database.schema_current()
    database.dispose()
    code, token, err = run("token", "create", "--tenant", "contoso", "--role", "viewer",
                           "--db", str(path))  # type: ignore[operator]  # fmt: skip
    assert code == 0 and token.startswith("arcs_") and "shown only this once" in err
    code, listing, _ = run("token", "list", "--db", str(path))  # type: ignore[operator]
    assert "contoso  viewer" in listing and token.strip() not in listing
    code, _, _ = run("token", "revoke", "1", "--db", str(path))  # type: ignore[operator]
    assert code == 0
    code, _, err = run("token", "revoke", "1", "--db", str(path))  # type: ignore[operator]
    assert code == 2 and err.count("\n") == 1 and "already revoked" in err
    for bad in (
        ("--tenant", "Not A Name", "--role", "viewer"),
        ("--tenant", "x", "--role", "root"),
    ):
        code, _, err = run("token", "create", *bad, "--db", str(path))  # type: ignore[operator]
        assert code == 2 and err.count("\n") == 1


def test_another_applications_sqlite_file_is_refused(arcsupport: object, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE their_table (id INTEGER)")
    code, _, err = arcsupport("db", "upgrade", "--db", str(path))  # type: ignore[operator]
    assert code == 2 and "another application's tables" in err


def test_the_offering_of_clusters_stored_before_s0005_is_filled_in(
    any_service: Service, tmp_path: Path
) -> None:
    """Clusters stored before their offering's day was kept share it from the first
    re-assessment on, not only after their next upload."""
    from alembic import command
    from alembic.config import Config

    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at("2026-06-01T09:00:00Z")
    upload(client, token, tarball(FRESH))
    upload(client, token, tarball(fresh_site(tmp_path, "site-bare", "2026-05-21T08:00:00Z", None)))
    upload(client, token, "healthy")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    for target in ("s0004", "head"):
        with any_service.database.engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.upgrade if target == "head" else command.downgrade)(config, target)
    with any_service.database.reading() as session:
        found = dict(session.execute(select(Cluster.name, Cluster.offering_collected)).all())
    assert found == {
        "test-hybridakscluster": date(2026, 5, 20),
        "site-bare": None,
        "contoso-healthy": date(2025, 9, 14),
    }
