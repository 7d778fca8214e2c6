"""The audit log is a hash chain that `audit verify` checks: every direct edit of the database
(a changed field, a deleted, moved or forged row, a cut tail, a grant edited behind the log's
back) is caught and named, on SQLite and on PostgreSQL. What it cannot catch is shown too."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

import pytest
from access_dbtools import Run, execute
from sqlalchemy.exc import DBAPIError

pytest_plugins = ["access_db"]

OWNER = "bob@contoso.example"
ENGINEER = "alice@support.example"
GENESIS = "0" * 64


def populate(cli: Run, db: str) -> None:
    """Eight entries: two grants, five checks, one revocation."""
    for engineer, cluster in ((ENGINEER, "edge-07"), ("carol@support.example", "edge-08")):
        code, _, err = cli(
            "access", "grant", "--cluster", cluster, "--engineer", engineer, "--actions",
            "view-logs", "--for", "8h", "--case", "CASE-1", "--approved-by", OWNER,
            "--at", "2025-09-15T08:00:00Z", "--db", db,
        )  # fmt: skip
        assert (code, err) == (0, "")
    for when in ("09", "10", "11"):
        code, _, _ = cli(
            "access", "check", "--cluster", "edge-07", "--engineer", ENGINEER, "--action",
            "view-logs", "--at", f"2025-09-15T{when}:00:00Z", "--db", db,
        )  # fmt: skip
        assert code == 0
    code, _, _ = cli(
        "access", "revoke", "2", "--by", OWNER, "--reason", "done",
        "--at", "2025-09-15T12:00:00Z", "--db", db,
    )  # fmt: skip
    assert code == 0
    for action in ("run-commands", "view-logs"):
        code, _, _ = cli(
            "access", "check", "--cluster", "edge-08", "--engineer", "carol@support.example",
            "--action", action, "--at", "2025-09-15T13:00:00Z", "--db", db,
        )  # fmt: skip
        assert code == 1


def shown(cli: Run, db: str) -> list[dict[str, Any]]:
    code, out, _ = cli("audit", "show", "--output", "json", "--db", db)
    assert code == 0
    entries: list[dict[str, Any]] = json.loads(out)["entries"]
    return entries


def verify(cli: Run, db: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = cli("audit", "verify", "--output", "json", "--db", db, *extra)
    assert err == ""
    return code, json.loads(out)


def recompute(entry: dict[str, Any], seq: int | None = None, prev: str | None = None) -> str:
    """The documented formula (docs/support-access.md), written out independently."""
    payload = {
        "seq": entry["seq"] if seq is None else seq,
        "recorded_at": entry["recorded_at"],
        "actor": entry["actor"],
        "action": entry["action"],
        "details": entry["details"],
        "prev_hash": entry["prev_hash"] if prev is None else prev,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def details_text(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- an intact log -----------------------------------------------------------------------------


def test_the_chain_can_be_recomputed_from_the_exported_log(cli: Run, db_url: str) -> None:
    populate(cli, db_url)
    entries = shown(cli, db_url)
    assert len(entries) == 8
    previous = GENESIS
    for number, entry in enumerate(entries, start=1):
        assert entry["seq"] == number
        assert entry["prev_hash"] == previous
        assert entry["hash"] == recompute(entry)
        assert len(entry["recorded_at"]) == len("2025-09-15T08:00:00.000000Z")
        previous = entry["hash"]
    code, result = verify(cli, db_url)
    assert code == 0
    assert result == {
        "schema": "arcsupport.audit-verify/v1",
        "intact": True,
        "entries": 8,
        "head": {"seq": 8, "hash": previous},
        "problem": None,
    }
    code, out, _ = cli("audit", "verify", "--db", db_url)
    assert code == 0
    assert " ".join(out.split()) == f"Audit log intact: 8 entries; head 8 {previous}."


def test_an_empty_log_verifies(cli: Run, db_url: str) -> None:
    code, result = verify(cli, db_url)
    assert (code, result["entries"], result["head"]) == (0, 0, {"seq": 0, "hash": GENESIS})
    code, out, _ = cli("audit", "show", "--db", db_url)
    assert (code, out) == (0, "The audit log is empty.\n")


def test_show_since_and_the_table(cli: Run, sqlite_db: str) -> None:
    populate(cli, sqlite_db)
    entries = shown(cli, sqlite_db)
    assert len(entries) == 8
    code, out, _ = cli(
        "audit", "show", "--since", "2999-01-01", "--output", "json", "--db", sqlite_db,
    )  # fmt: skip
    assert json.loads(out)["entries"] == []
    code, out, _ = cli(
        "audit", "show", "--since", entries[0]["recorded_at"], "--output", "json",
        "--db", sqlite_db,
    )  # fmt: skip
    assert len(json.loads(out)["entries"]) == 8
    code, out, _ = cli("audit", "show", "--db", sqlite_db)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    words = " ".join(out.split())
    assert "view-logs on edge-07 at 2025-09-15T09:00:00Z: allowed by grant 1" in words
    assert "run-commands on edge-08 at 2025-09-15T13:00:00Z: denied (action-not-granted)" in words
    code, _, err = cli("audit", "show", "--since", "last week", "--db", sqlite_db)
    assert code == 2 and "--since" in err


def test_the_database_refuses_edits_of_the_log(db_url: str, cli: Run) -> None:
    populate(cli, db_url)
    for statement in (
        "UPDATE audit_entry SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_entry WHERE seq = 8",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            execute(db_url, statement, drop_guards=False)
    assert verify(cli, db_url)[0] == 0


# --- every direct edit is caught -------------------------------------------------------------


def forged_tail(entries: list[dict[str, Any]]) -> str:
    """A well-formed entry 9 with a correct hash, as a forger who read the docs would write."""
    last = entries[-1]
    forged = {
        "seq": 9,
        "recorded_at": "2025-09-15T14:00:00.000000Z",
        "actor": OWNER,
        "action": "access.check",
        "details": {"cluster": "edge-07", "engineer": "mallory", "allowed": True},
        "prev_hash": last["hash"],
    }
    digest = recompute(forged)
    return (
        "INSERT INTO audit_entry (seq, recorded_at, actor, action, details, prev_hash, hash) "
        f"VALUES (9, '{forged['recorded_at']}', '{OWNER}', 'access.check', "
        f"{quoted(details_text(forged['details']))}, '{last['hash']}', '{digest}')"
    )


def rehashed(entries: list[dict[str, Any]], seq: int, **changes: Any) -> list[str]:
    """Change entry `seq` and recompute its hash (and nothing after it)."""
    entry = {**entries[seq - 1], **changes}
    return [
        f"UPDATE audit_entry SET actor = {quoted(entry['actor'])}, "
        f"details = {quoted(details_text(entry['details']))}, hash = '{recompute(entry)}' "
        f"WHERE seq = {seq}"
    ]


# Each case: the statements (given the exported log), the problem verify must name.
TAMPERING: dict[str, tuple[Any, dict[str, Any]]] = {
    "field changed": (
        lambda entries: ["UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"],
        {"kind": "changed", "seq": 3},
    ),
    "details changed": (
        lambda entries: [
            "UPDATE audit_entry SET details = "
            + quoted(details_text({**entries[7]["details"], "allowed": True}))
            + " WHERE seq = 8"
        ],
        {"kind": "changed", "seq": 8},
    ),
    "details respelled": (
        lambda entries: [
            "UPDATE audit_entry SET details = "
            + quoted(json.dumps(entries[3]["details"], indent=1))
            + " WHERE seq = 4"
        ],
        {"kind": "changed", "seq": 4},
    ),
    "time changed": (
        lambda entries: [
            "UPDATE audit_entry SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 5"
        ],
        {"kind": "changed", "seq": 5},
    ),
    "changed and re-hashed": (
        lambda entries: rehashed(entries, 3, actor="mallory"),
        {"kind": "changed", "seq": 3},
    ),
    "last entry changed and re-hashed": (
        lambda entries: rehashed(entries, 8, actor="mallory"),
        {"kind": "changed", "seq": 8},
    ),
    "row deleted": (
        lambda entries: ["DELETE FROM audit_entry WHERE seq = 4"],
        {"kind": "missing", "seq": 4},
    ),
    "first row deleted": (
        lambda entries: ["DELETE FROM audit_entry WHERE seq = 1"],
        {"kind": "missing", "seq": 1},
    ),
    "two rows swapped": (
        lambda entries: [
            "UPDATE audit_entry SET seq = -1 WHERE seq = 4",
            "UPDATE audit_entry SET seq = 4 WHERE seq = 5",
            "UPDATE audit_entry SET seq = 5 WHERE seq = -1",
        ],
        {"kind": "reordered", "seq": 4, "other": "5"},
    ),
    "forged row appended": (
        lambda entries: [forged_tail(entries)],
        {"kind": "added", "seq": 9},
    ),
    "forged row before the first": (
        lambda entries: [forged_tail(entries).replace("VALUES (9,", "VALUES (0,")],
        {"kind": "added", "seq": 0},
    ),
    "tail truncated": (
        lambda entries: ["DELETE FROM audit_entry WHERE seq > 6"],
        {"kind": "truncated", "seq": 7, "other": "8"},
    ),
    "everything deleted": (
        lambda entries: ["DELETE FROM audit_entry"],
        {"kind": "truncated", "seq": 1, "other": "8"},
    ),
    "head deleted": (
        lambda entries: ["DELETE FROM audit_head"],
        {"kind": "head-missing", "seq": None},
    ),
    "grant extended": (
        lambda entries: ["UPDATE access_grant SET ends_at = '2025-12-31 00:00:00' WHERE id = 1"],
        {"kind": "grant-changed", "seq": 1, "grant": 1, "other": "ends_at"},
    ),
    "revocation undone": (
        lambda entries: [
            "UPDATE access_grant SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL "
            "WHERE id = 2"
        ],
        {"kind": "grant-changed", "seq": 2, "grant": 2, "other": "revoked_at"},
    ),
    "action added to a grant": (
        lambda entries: [
            "UPDATE access_grant SET actions = 'view-logs,run-commands,node-login' WHERE id = 1"
        ],
        {"kind": "grant-changed", "seq": 1, "grant": 1, "other": "actions"},
    ),
    "grant moved to another cluster by its lookup key": (
        lambda entries: ["UPDATE access_grant SET cluster_key = 'edge-99' WHERE id = 1"],
        {"kind": "grant-changed", "seq": 1, "grant": 1, "other": "cluster_key"},
    ),
    "grant forged": (
        lambda entries: [
            "INSERT INTO access_grant (cluster, cluster_key, engineer, engineer_key, actions, "
            "case_id, approved_by, starts_at, ends_at) VALUES ('edge-07', 'edge-07', 'mallory', "
            "'mallory', 'node-login', 'C', 'bob', '2025-09-15 00:00:00', '2025-09-20 00:00:00')"
        ],
        {"kind": "grant-added", "seq": None, "grant": 3},
    ),
    "grant deleted": (
        lambda entries: ["DELETE FROM access_grant WHERE id = 1"],
        {"kind": "grant-missing", "seq": 1, "grant": 1},
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_verify_names_the_first_tampered_entry(cli: Run, db_url: str, case: str) -> None:
    populate(cli, db_url)
    entries = shown(cli, db_url)
    statements, expected = TAMPERING[case]
    execute(db_url, *statements(entries))
    code, result = verify(cli, db_url)
    assert code == 1
    assert result["intact"] is False
    problem = result["problem"]
    assert {key: problem[key] for key in expected} == expected
    assert problem["message"]
    code, out, _ = cli("audit", "verify", "--db", db_url)
    assert code == 1 and out.startswith("Audit log TAMPERED: ")


def test_the_messages_name_the_entry(cli: Run, sqlite_db: str) -> None:
    populate(cli, sqlite_db)
    execute(
        sqlite_db,
        "UPDATE audit_entry SET seq = -1 WHERE seq = 4",
        "UPDATE audit_entry SET seq = 4 WHERE seq = 5",
        "UPDATE audit_entry SET seq = 5 WHERE seq = -1",
    )
    code, out, _ = cli("audit", "verify", "--db", sqlite_db)
    assert code == 1
    assert " ".join(out.split()) == (
        "Audit log TAMPERED: entry 4 was moved: it was written as entry 5."
    )
    code, out, _ = cli("audit", "verify", "--lang", "ko", "--db", sqlite_db)
    assert code == 1 and "항목 4" in out and "변조" in out


def test_a_plain_sqlite3_edit_is_caught(cli: Run, sqlite_db: str) -> None:
    """The edit a curious administrator would make with the sqlite3 shell."""
    populate(cli, sqlite_db)
    with sqlite3.connect(sqlite_db) as connection:
        connection.execute("DROP TRIGGER audit_entry_no_update")
        connection.execute(
            "UPDATE audit_entry SET details = replace(details, 'alice', 'carol') WHERE seq = 3"
        )
    assert verify(cli, sqlite_db)[1]["problem"]["seq"] == 3


def test_values_sqlite_would_not_store_in_their_columns_are_caught(
    cli: Run, sqlite_db: str
) -> None:
    populate(cli, sqlite_db)
    execute(sqlite_db, "UPDATE audit_entry SET details = 42 WHERE seq = 2")
    assert verify(cli, sqlite_db)[1]["problem"] == {
        "kind": "changed",
        "seq": 2,
        "grant": None,
        "other": None,
        "message": "entry 2 was changed",
    }
    code, _, _ = cli("audit", "show", "--db", sqlite_db)
    assert code == 0


def test_an_unreadable_grant_date_is_caught(cli: Run, sqlite_db: str) -> None:
    populate(cli, sqlite_db)
    execute(sqlite_db, "UPDATE access_grant SET ends_at = 'next year' WHERE id = 1")
    assert verify(cli, sqlite_db)[1]["problem"]["kind"] == "grant-unreadable"


def test_appending_after_tampering_keeps_the_evidence(cli: Run, db_url: str) -> None:
    populate(cli, db_url)
    execute(db_url, "DELETE FROM audit_entry WHERE seq > 6")
    # New entries continue from the head, not from the cut.
    code, _, _ = cli(
        "access", "check", "--cluster", "edge-07", "--engineer", ENGINEER, "--action",
        "view-logs", "--at", "2025-09-15T09:00:00Z", "--db", db_url,
    )  # fmt: skip
    assert code == 0
    assert [entry["seq"] for entry in shown(cli, db_url)] == [1, 2, 3, 4, 5, 6, 9]
    code, result = verify(cli, db_url)
    assert (code, result["problem"]["kind"], result["problem"]["seq"]) == (1, "missing", 7)


# --- what verify cannot catch, and what an anchor adds -----------------------------------------


def test_a_full_rewrite_passes_verify_but_not_an_anchor(cli: Run, db_url: str) -> None:
    """Without a secret, whoever can write the database can rewrite the chain from an entry
    onwards and the head with it; only a hash recorded elsewhere shows it."""
    populate(cli, db_url)
    entries = shown(cli, db_url)
    anchor = f"{entries[5]['seq']}:{entries[5]['hash']}"

    rewritten = []
    previous = GENESIS
    statements = []
    for entry in entries:
        changed = dict(entry, prev_hash=previous)
        if entry["seq"] == 3:
            changed["details"] = {**entry["details"], "engineer": "mallory"}
        changed["hash"] = recompute(changed)
        statements.append(
            f"UPDATE audit_entry SET details = {quoted(details_text(changed['details']))}, "
            f"prev_hash = '{changed['prev_hash']}', hash = '{changed['hash']}' "
            f"WHERE seq = {entry['seq']}"
        )
        rewritten.append(changed)
        previous = changed["hash"]
    statements.append(f"UPDATE audit_head SET hash = '{previous}' WHERE id = 1")
    execute(db_url, *statements)

    assert verify(cli, db_url)[0] == 0  # the documented limit
    code, result = verify(cli, db_url, "--anchor", anchor)
    assert (code, result["problem"]["kind"], result["problem"]["seq"]) == (1, "anchor", 6)
    assert verify(cli, db_url, "--anchor", f"6:{rewritten[5]['hash']}")[0] == 0


def test_anchors_past_the_end_and_malformed_anchors(cli: Run, sqlite_db: str) -> None:
    populate(cli, sqlite_db)
    code, result = verify(cli, sqlite_db, "--anchor", f"20:{'a' * 64}")
    assert (code, result["problem"]["kind"], result["problem"]["seq"]) == (1, "missing", 20)
    code, _, err = cli("audit", "verify", "--anchor", "6-abc", "--db", sqlite_db)
    assert code == 2 and "SEQ:HASH" in err and err.count("\n") == 1
