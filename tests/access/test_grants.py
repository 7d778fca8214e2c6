"""Consented support access (SHR-2, COV-IN-8): grants, checks, revocations and their RBAC, on
SQLite and on PostgreSQL; bad input and database faults end with exit 2, one line, and nothing
written."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from access_dbtools import Run, execute, held_write_lock, sqlalchemy_url
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from arcsupport.access import audit, store
from arcsupport.access.consent import (
    MAX_GRANT,
    GrantRecord,
    decide,
    parse_duration,
    request_grant,
)
from arcsupport.access.models import SCHEMA_REVISION, VERSION_TABLE, Base
from helpers import at

pytest_plugins = ["access_db"]

CLUSTER = (
    "/subscriptions/12345678-aaaa-bbbb-cccc-123456789abc/resourceGroups/rg-edge"
    "/providers/Microsoft.Kubernetes/connectedClusters/prod-01"
)
ENGINEER = "alice@support.example"
OWNER = "bob@contoso.example"


def grant(
    cli: Run,
    db: str,
    *extra: str,
    engineer: str = ENGINEER,
    actions: str = "view-logs,run-commands",
    length: str = "8h",
    start: str = "2025-09-15T08:00:00Z",
    cluster: str = CLUSTER,
) -> dict[str, Any]:
    code, out, err = cli(
        "access", "grant", "--cluster", cluster, "--engineer", engineer, "--actions", actions,
        "--for", length, "--case", "CASE-1", "--approved-by", OWNER, "--at", start,
        "--output", "json", "--db", db, *extra,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    document: dict[str, Any] = json.loads(out)
    return document


def check(
    cli: Run,
    db: str,
    action: str,
    when: str,
    engineer: str = ENGINEER,
    cluster: str = CLUSTER,
) -> tuple[int, dict[str, Any]]:
    code, out, err = cli(
        "access", "check", "--cluster", cluster, "--engineer", engineer, "--action", action,
        "--at", when, "--output", "json", "--db", db,
    )  # fmt: skip
    assert err == ""
    return code, json.loads(out)


def audit_entries(cli: Run, db: str) -> list[dict[str, Any]]:
    code, out, _ = cli("audit", "show", "--output", "json", "--db", db)
    assert code == 0
    entries: list[dict[str, Any]] = json.loads(out)["entries"]
    return entries


def verified(cli: Run, db: str) -> dict[str, Any]:
    code, out, _ = cli("audit", "verify", "--output", "json", "--db", db)
    document: dict[str, Any] = json.loads(out)
    assert code == (0 if document["intact"] else 1)
    return document


# --- the life of a grant, on both databases ------------------------------------------------


def test_grant_check_revoke_and_the_audit_trail(cli: Run, db_url: str) -> None:
    made = grant(cli, db_url)["grant"]
    assert made["id"] == 1
    assert made["actions"] == ["view-logs", "run-commands"]
    assert (made["starts_at"], made["ends_at"]) == ("2025-09-15T08:00:00Z", "2025-09-15T16:00:00Z")

    assert check(cli, db_url, "view-logs", "2025-09-15T09:00:00Z") == (
        0,
        {
            "schema": "arcsupport.access-check/v1",
            "allowed": True,
            "reason": None,
            "message": None,
            "cluster": CLUSTER,
            "engineer": ENGINEER,
            "action": "view-logs",
            "at": "2025-09-15T09:00:00Z",
            "grant": 1,
            "until": "2025-09-15T16:00:00Z",
        },
    )
    code, denied = check(cli, db_url, "node-login", "2025-09-15T09:00:00Z")
    assert (code, denied["reason"], denied["grant"]) == (1, "action-not-granted", None)
    assert "node-login" in denied["message"]
    code, early = check(cli, db_url, "view-logs", "2025-09-15T07:59:59Z")
    assert (code, early["reason"], early["grant"]) == (1, "not-yet-started", 1)
    code, late = check(cli, db_url, "run-commands", "2025-09-15T16:00:00Z")
    assert (code, late["reason"]) == (1, "expired")
    assert late["message"] == "grant 1 expired at 2025-09-15T16:00:00Z"

    code, out, err = cli(
        "access", "revoke", "1", "--by", OWNER, "--reason", "case closed",
        "--at", "2025-09-15T10:00:00Z", "--db", db_url,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Grant 1 revoked from 2025-09-15T10:00:00Z" in out
    code, revoked = check(cli, db_url, "view-logs", "2025-09-15T10:30:00Z")
    assert (code, revoked["reason"]) == (1, "revoked")
    assert revoked["message"] == f"grant 1 was revoked at 2025-09-15T10:00:00Z by {OWNER}"
    # Before the revocation the grant still allowed it (until the revocation): the record
    # keeps history answerable.
    code, before = check(cli, db_url, "view-logs", "2025-09-15T09:59:59Z")
    assert (code, before["until"]) == (0, "2025-09-15T10:00:00Z")

    entries = audit_entries(cli, db_url)
    assert [entry["action"] for entry in entries] == [
        "access.grant",
        *["access.check"] * 4,
        "access.revoke",
        "access.check",
        "access.check",
    ]
    assert [entry["seq"] for entry in entries] == list(range(1, 9))
    assert entries[0]["actor"] == OWNER and entries[1]["actor"] == ENGINEER
    assert entries[1]["details"]["allowed"] is True
    assert entries[2]["details"]["reason"] == "action-not-granted"
    assert entries[5]["details"] == {
        "id": 1,
        "revoked_at": "2025-09-15T10:00:00Z",
        "revoked_by": OWNER,
        "revoke_reason": "case closed",
    }
    result = verified(cli, db_url)
    assert (result["intact"], result["entries"]) == (True, 8)
    assert result["head"] == {"seq": 8, "hash": entries[-1]["hash"]}


def test_list_shows_each_grant_with_its_state(cli: Run, db_url: str) -> None:
    grant(cli, db_url)
    grant(cli, db_url, start="2025-09-16T08:00:00Z", engineer="carol@support.example")
    grant(cli, db_url, cluster="edge-07", length="2d")

    code, out, _ = cli(
        "access", "list", "--active-at", "2025-09-15T12:00:00Z", "--output", "json",
        "--db", db_url,
    )  # fmt: skip
    listed = json.loads(out)
    assert code == 0 and listed["schema"] == "arcsupport.access-grants/v1"
    assert [(item["id"], item["state"]) for item in listed["grants"]] == [
        (1, "active"),
        (3, "active"),
    ]
    code, out, _ = cli(
        "access", "list", "--cluster", CLUSTER.upper(), "--output", "json", "--db", db_url
    )
    assert [item["id"] for item in json.loads(out)["grants"]] == [1, 2]

    code, out, _ = cli("access", "list", "--active-at", "2025-09-16T09:00:00Z", "--db", db_url)
    assert code == 0
    assert "carol@support.example" in out and "not started" not in out
    assert "connectedClusters/prod-01" in out.replace("\n", "").replace(" ", "")
    assert max(len(line) for line in out.splitlines()) <= 80


def test_identities_and_cluster_ids_match_without_case(cli: Run, db_url: str) -> None:
    grant(cli, db_url)
    assert (
        check(cli, db_url, "view-logs", "2025-09-15T09:00:00Z", engineer=ENGINEER.upper())[0] == 0
    )
    assert check(cli, db_url, "view-logs", "2025-09-15T09:00:00Z", cluster=CLUSTER.lower())[0] == 0
    # The bare name is not the ARM id: the same name can exist in another resource group.
    code, result = check(cli, db_url, "view-logs", "2025-09-15T09:00:00Z", cluster="prod-01")
    assert (code, result["reason"]) == (1, "no-grant")
    code, result = check(cli, db_url, "view-logs", "2025-09-15T09:00:00Z", engineer="eve@x.example")
    assert (code, result["reason"]) == (1, "no-grant")


def test_human_output_in_english_and_korean(cli: Run, sqlite_db: str) -> None:
    code, out, err = cli(
        "access", "grant", "--cluster", "edge-07", "--engineer", ENGINEER, "--actions",
        "view-logs", "--for", "30m", "--case", "CASE-9", "--approved-by", OWNER,
        "--at", "2025-09-15T08:00:00Z", "--db", sqlite_db,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert " ".join(out.split()) == (
        f"Grant 1: {ENGINEER} may view-logs on edge-07 from 2025-09-15T08:00:00Z until "
        f"2025-09-15T08:30:00Z (case CASE-9, approved by {OWNER})."
    )
    code, out, _ = cli(
        "access", "check", "--cluster", "edge-07", "--engineer", ENGINEER, "--action",
        "view-logs", "--at", "2025-09-15T09:00:00Z", "--lang", "ko", "--db", sqlite_db,
    )  # fmt: skip
    assert code == 1
    assert "거부" in out and "만료" in out
    code, out, _ = cli("audit", "show", "--lang", "ko", "--db", sqlite_db)
    assert code == 0 and "승인 1" in out


# --- the decision, without a database ----------------------------------------------------------


def record(
    grant_id: int, actions: tuple[str, ...], start: str, end: str, **more: Any
) -> GrantRecord:
    return GrantRecord(
        id=grant_id,
        cluster="edge-07",
        engineer=ENGINEER,
        actions=actions,
        case="CASE-1",
        approved_by=OWNER,
        starts_at=at(start),
        ends_at=at(end),
        **more,
    )


def test_the_bounds_of_a_grant_are_start_inclusive_end_exclusive() -> None:
    only = [record(1, ("view-logs",), "2025-09-15T08:00:00Z", "2025-09-15T16:00:00Z")]
    assert decide(only, "view-logs", at("2025-09-15T08:00:00Z")).allowed
    assert decide(only, "view-logs", at("2025-09-15T15:59:59Z")).allowed
    assert decide(only, "view-logs", at("2025-09-15T16:00:00Z")).reason == "expired"
    assert decide(only, "view-logs", at("2025-09-15T07:59:59Z")).reason == "not-yet-started"
    assert decide([], "view-logs", at("2025-09-15T09:00:00Z")).reason == "no-grant"


def test_whichever_ended_the_grant_first_is_the_reason() -> None:
    early_revoke = record(
        1, ("view-logs",), "2025-09-15T08:00:00Z", "2025-09-15T16:00:00Z",
        revoked_at=at("2025-09-15T10:00:00Z"), revoked_by=OWNER,
    )  # fmt: skip
    late_revoke = record(
        2, ("view-logs",), "2025-09-15T08:00:00Z", "2025-09-15T16:00:00Z",
        revoked_at=at("2025-09-15T18:00:00Z"), revoked_by=OWNER,
    )  # fmt: skip
    cancelled = record(
        3, ("view-logs",), "2025-09-16T08:00:00Z", "2025-09-16T16:00:00Z",
        revoked_at=at("2025-09-15T12:00:00Z"), revoked_by=OWNER,
    )  # fmt: skip
    scheduled = decide([early_revoke], "view-logs", at("2025-09-15T09:00:00Z"))
    assert (scheduled.allowed, scheduled.when) == (True, at("2025-09-15T10:00:00Z"))
    moment = at("2025-09-15T20:00:00Z")
    assert early_revoke.state_at(moment) == ("revoked", at("2025-09-15T10:00:00Z"))
    assert late_revoke.state_at(moment) == ("expired", at("2025-09-15T16:00:00Z"))
    assert cancelled.state_at(at("2025-09-15T11:00:00Z"))[0] == "pending"
    assert cancelled.state_at(at("2025-09-16T09:00:00Z"))[0] == "revoked"


def test_one_active_grant_allows_and_the_latest_explains_a_denial() -> None:
    old = record(1, ("view-logs",), "2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z")
    logs_now = record(2, ("view-logs",), "2025-09-15T08:00:00Z", "2025-09-15T16:00:00Z")
    exec_later = record(3, ("run-commands",), "2025-09-20T08:00:00Z", "2025-09-20T16:00:00Z")
    grants = [old, logs_now, exec_later]
    moment = at("2025-09-15T09:00:00Z")
    allowed = decide(grants, "view-logs", moment)
    assert (allowed.allowed, allowed.grant, allowed.when) == (True, logs_now, logs_now.ends_at)
    denied = decide(grants, "run-commands", moment)
    assert (denied.reason, denied.grant, denied.when) == (
        "not-yet-started",
        exec_later,
        at("2025-09-20T08:00:00Z"),
    )
    assert decide(grants, "node-login", moment).reason == "action-not-granted"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("30m", 30), ("8h", 480), ("2d", 2880), ("1d12h", 2160), ("30d", 43200), ("90M", 90)],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)
    assert parse_duration(text) <= MAX_GRANT


# --- bad input: exit 2, one line, no database touched ----------------------------------------

BASE = {
    "--cluster": CLUSTER,
    "--engineer": ENGINEER,
    "--actions": "view-logs",
    "--for": "8h",
    "--case": "CASE-1",
    "--approved-by": OWNER,
    "--at": "2025-09-15T08:00:00Z",
}


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--actions", "view-logs,delete-cluster", "unknown action 'delete-cluster'"),
        ("--actions", ",", "name at least one"),
        ("--for", "-8h", "not a duration"),
        ("--for", "0h", "no time at all"),
        ("--for", "0m0d", "no time at all"),
        ("--for", "31d", "longer than 30d"),
        ("--for", "999999d", "longer than 30d"),
        ("--for", "99999999999999999999d", "not a duration"),
        ("--for", "8 hours", "not a duration"),
        ("--for", "", "not a duration"),
        ("--approved-by", ENGINEER, "cannot approve a grant to themselves"),
        ("--approved-by", " ALICE@support.example ", "cannot approve a grant to themselves"),
        ("--at", "2025-13-01", "is not a date"),
        ("--at", "2025-09-15T08:00:00", "no time zone"),
        ("--at", "9999-12-31T23:00:00Z", "outside 1970-01-01..2200-12-31"),
        ("--cluster", "", "neither"),
        ("--cluster", "prod cluster", "neither"),
        ("--cluster", "-prod", "neither"),
        ("--cluster", "x" * 64, "neither"),
        ("--cluster", CLUSTER.replace("Microsoft.Kubernetes", "Microsoft.Compute"), "neither"),
        ("--cluster", CLUSTER.replace("12345678-aaaa", "12345678-zzzz"), "neither"),
        ("--cluster", CLUSTER + "/", "neither"),
        ("--cluster", "../../etc/passwd", "neither"),
        ("--engineer", "", "must not be empty"),
        ("--engineer", "alice\nDENIED", "line breaks"),
        ("--engineer", "a" * 300, "longer than 256"),
        ("--case", "CASE-1\r\nforged", "line breaks"),
    ],
)
def test_a_bad_grant_is_refused_before_the_database_is_opened(
    cli: Run, tmp_path: Path, option: str, value: str, says: str
) -> None:
    db = tmp_path / "access.db"
    args = {**BASE, option: value}
    code, out, err = cli(
        "access", "grant", *[part for pair in args.items() for part in pair], "--db", str(db)
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("arcsupport: error: "), err
    assert says in err
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--action", "sudo"], "unknown action 'sudo'"),
        (["--action", "view-logs", "--at", "yesterday"], "is not a date"),
        (["--action", "view-logs", "--cluster", "a/b"], "neither"),
        (["--action", "view-logs", "--engineer", " "], "must not be empty"),
    ],
)
def test_a_bad_check_is_refused_and_not_audited(
    cli: Run, sqlite_db: str, args: list[str], says: str
) -> None:
    options = {"--cluster": CLUSTER, "--engineer": ENGINEER}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    code, _, err = cli(
        "access", "check", *[part for pair in options.items() for part in pair], "--db", sqlite_db
    )
    assert code == 2 and err.count("\n") == 1 and says in err
    assert not Path(sqlite_db).exists()


@pytest.mark.parametrize(
    "cluster",
    [
        "prod-01",
        "Edge_Cluster_7",
        "a",
        "x" * 63,
        CLUSTER,
        CLUSTER.lower(),
        CLUSTER.replace("rg-edge", "RG.with.dots(and-parens)"),
    ],
)
def test_cluster_shapes_that_are_accepted(cli: Run, sqlite_db: str, cluster: str) -> None:
    assert grant(cli, sqlite_db, cluster=cluster)["grant"]["cluster"] == cluster


def test_revoking_an_unknown_or_revoked_grant_writes_nothing(cli: Run, db_url: str) -> None:
    grant(cli, db_url)
    assert cli("access", "revoke", "1", "--by", OWNER, "--db", db_url)[0] == 0
    before = audit_entries(cli, db_url)
    for grant_id, says in (("1", "grant 1: already revoked"), ("7", "grant 7: no such grant")):
        code, _, err = cli("access", "revoke", grant_id, "--by", OWNER, "--db", db_url)
        assert code == 2 and err.count("\n") == 1 and says in err
    code, _, err = cli("access", "revoke", "x", "--by", OWNER, "--db", db_url)
    assert code == 2 and err.count("\n") == 1
    assert audit_entries(cli, db_url) == before


# --- where the database is, and what is wrong with it -----------------------------------------


def test_the_default_database_is_in_the_user_data_folder(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCSUPPORT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, _, err = cli("access", "list")
    assert (code, err) == (0, "")
    assert (tmp_path / "data" / "arcsupport" / "access.db").is_file()


def test_arcsupport_db_chooses_the_database(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "team.db"
    monkeypatch.setenv("ARCSUPPORT_DB", str(chosen))
    assert cli("access", "list")[0] == 0
    assert chosen.is_file()


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("mysql://root@localhost/x", "only SQLite and PostgreSQL"),
        ("sqlite://", "in-memory database would keep nothing"),
        ("postgresql+psycopg://u:secret@127.0.0.1:1/x", "database error"),
        ("{tmp}/missing/access.db", "its folder does not exist"),
        ("{tmp}", "is a folder"),
        ("  ", "is empty"),
    ],
)
def test_unusable_database_locations(cli: Run, tmp_path: Path, db: str, says: str) -> None:
    code, out, err = cli("access", "list", "--db", db.format(tmp=tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert says in err
    assert "secret" not in err


def test_a_file_that_is_not_sqlite_is_refused_untouched(cli: Run, tmp_path: Path) -> None:
    db = tmp_path / "access.db"
    content = b"this is not a database\n" * 500
    db.write_bytes(content)
    code, _, err = cli(
        "access", "check", "--cluster", "x", "--engineer", "y", "--action", "view-logs",
        "--db", str(db),
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "is not a usable SQLite database" in err
    assert db.read_bytes() == content


def test_another_applications_sqlite_file_is_refused(cli: Run, tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    code, _, err = cli("access", "list", "--db", str(db))
    assert code == 2 and "another application's tables" in err
    with sqlite3.connect(db) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == [("notes",)]


def test_a_locked_database_gives_up_with_one_line(
    cli: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant(cli, db_url)
    before = audit_entries(cli, db_url)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 0.3)
    with held_write_lock(db_url):
        code, out, err = cli(
            "access", "check", "--cluster", CLUSTER, "--engineer", ENGINEER, "--action",
            "view-logs", "--db", db_url,
        )  # fmt: skip
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "locked by another process (waited 0.3s)" in err
    assert audit_entries(cli, db_url) == before
    assert verified(cli, db_url)["intact"]


def test_a_database_from_a_newer_arcsupport_is_refused(cli: Run, db_url: str) -> None:
    grant(cli, db_url)
    execute(db_url, f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    code, _, err = cli("access", "list", "--db", db_url)
    assert code == 2 and err.count("\n") == 1
    assert "newer arcsupport (schema revision 9999; this one knows up to 0001)" in err


def test_a_failure_mid_command_leaves_nothing_half_written(
    cli: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant(cli, db_url)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk pulled out")

    with monkeypatch.context() as patched:
        patched.setattr(audit, "append", broken)
        code, out, err = cli(
            "access", "grant", "--cluster", CLUSTER, "--engineer", "carol@support.example",
            "--actions", "view-logs", "--for", "8h", "--case", "CASE-1", "--approved-by", OWNER,
            "--at", "2025-09-15T08:00:00Z", "--db", db_url,
        )  # fmt: skip
    # An internal error: its own exit code and one line, the transaction rolled back.
    assert (code, out) == (3, "")
    assert err.startswith("arcsupport: internal error: RuntimeError: disk pulled out;")
    assert err.count("\n") == 1
    _, out, _ = cli("access", "list", "--output", "json", "--db", db_url)
    assert [item["id"] for item in json.loads(out)["grants"]] == [1]
    assert verified(cli, db_url)["intact"]


def test_the_audit_head_gone_stops_every_write(cli: Run, db_url: str) -> None:
    grant(cli, db_url)
    execute(db_url, "DELETE FROM audit_head")
    code, _, err = cli(
        "access", "check", "--cluster", CLUSTER, "--engineer", ENGINEER, "--action",
        "view-logs", "--db", db_url,
    )  # fmt: skip
    assert code == 2 and "head record is missing" in err and err.count("\n") == 1


# --- schema and migrations -------------------------------------------------------------------


def test_the_migrations_create_exactly_the_models(cli: Run, db_url: str) -> None:
    assert cli("access", "list", "--db", db_url)[0] == 0
    engine = create_engine(sqlalchemy_url(db_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert context.get_current_heads() == ("0001",)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_the_schema_revision_the_commands_expect_is_the_migrations_head() -> None:
    """Commands compare the database with SCHEMA_REVISION instead of asking Alembic; a new
    migration must move it too, or no command would find the schema it expects."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(store.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_REVISION]


def test_the_migrations_go_down_and_up_again(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    url = sqlalchemy_url(db_url)
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(store.MIGRATIONS))
    for target in ("head", "base", "head"):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.upgrade if target == "head" else command.downgrade)(config, target)
    engine.dispose()
    with store.read_transaction(url) as session:
        assert audit.verify(session).problem is None


def test_concurrent_commands_keep_one_unbroken_chain(db_url: str) -> None:
    """Six writers start together on a new database: they race to create the schema, then to
    append; the chain comes out whole."""
    url = sqlalchemy_url(db_url)
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for round_ in range(4):
                with store.write_transaction(url) as session:
                    store.check_access(
                        session, "edge-07", f"eng{number}", "view-logs",
                        at("2025-09-15"), at(f"2025-09-15T10:0{round_}:0{number}Z"),
                    )  # fmt: skip
        except BaseException as error:  # reported below, with the thread's error
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.read_transaction(url) as session:
        result = audit.verify(session)
    assert (result.problem, result.entries) == (None, 24)


# --- RBAC ------------------------------------------------------------------------------------


def test_emit_rbac_prints_a_role_and_binding_scoped_to_the_grant(cli: Run, sqlite_db: str) -> None:
    code, out, err = cli(
        "access", "grant", "--cluster", "edge-07", "--engineer", ENGINEER, "--actions",
        "view-logs,run-commands,node-login", "--for", "8h", "--case", "CASE-1",
        "--approved-by", OWNER, "--at", "2025-09-15T08:00:00Z", "--emit-rbac",
        "--namespace", "kube-system", "--namespace", "azure-arc", "--db", sqlite_db,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "node-login has no Kubernetes RBAC equivalent" in out
    assert "kubectl delete role,rolebinding -A -l arcsupport/grant-id=1" in out
    documents = list(yaml.safe_load_all(out))
    assert [(item["kind"], item["metadata"]["namespace"]) for item in documents] == [
        ("Role", "kube-system"),
        ("RoleBinding", "kube-system"),
        ("Role", "azure-arc"),
        ("RoleBinding", "azure-arc"),
    ]
    for item in documents:
        kubernetes_validate.validate(item, "1.31", strict=True)
        assert item["metadata"]["name"] == "arcsupport-grant-1"
        assert item["metadata"]["annotations"]["arcsupport/grant-id"] == "1"
        assert item["metadata"]["annotations"]["arcsupport/expires-at"] == "2025-09-15T16:00:00Z"
    role, binding = documents[0], documents[1]
    permissions = {
        (resource, verb)
        for rule in role["rules"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    assert permissions == {
        ("pods", "get"),
        ("pods", "list"),
        ("pods/log", "get"),
        ("pods/exec", "create"),
    }
    assert all(rule["apiGroups"] == [""] for rule in role["rules"])
    assert binding["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": ENGINEER}
    ]
    assert binding["roleRef"]["name"] == "arcsupport-grant-1"


def test_emit_rbac_for_logs_only_and_for_node_login_only(cli: Run, sqlite_db: str) -> None:
    logs = grant(cli, sqlite_db, "--emit-rbac", actions="view-logs")
    (role, _binding) = logs["rbac"]
    assert role["metadata"]["namespace"] == "kube-system"
    assert {resource for rule in role["rules"] for resource in rule["resources"]} == {
        "pods",
        "pods/log",
    }
    assert grant(cli, sqlite_db, "--emit-rbac", actions="node-login")["rbac"] == []
    code, _, err = cli(*_grant_args(sqlite_db), "--emit-rbac", "--namespace", "Kube_System")
    assert code == 2 and "not a Kubernetes namespace name" in err


def _grant_args(db: str) -> list[str]:
    return ["access", "grant", *[part for pair in BASE.items() for part in pair], "--db", db]


# --- cost --------------------------------------------------------------------------------------


def test_the_other_commands_do_not_load_the_database_libraries() -> None:
    probe = (
        "import sys; import arcsupport.cli.app; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_request_grant_is_pure_and_complete() -> None:
    request = request_grant(
        cluster=" edge-07 ",
        engineer="alice",
        actions="node-login, view-logs,view-logs",
        case="C-1",
        approved_by="bob",
        start=at("2025-09-15T08:00:00Z"),
        length="1d",
    )
    assert request.cluster == "edge-07"
    assert request.actions == ("view-logs", "node-login")
    assert request.ends_at == at("2025-09-16T08:00:00Z")
