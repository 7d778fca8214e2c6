"""Every command that judges with the calendar says how current it is and what it learned from
which bundle, in English and Korean, in the table and in JSON: check, fleet, versions, plan,
gate and triage. The bundle: tests/data/bundles/fresh (Kubernetes 1.33.3 on Azure Local 2605,
collected 2026-05-20, half a year after the pack's data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import DATA

FRESH = "tests/data/bundles/fresh"
AT = ("--at", "2026-06-01")
STALE = {"en": "The policy calendar is 194 days old", "ko": "정책 달력이 194일 지났습니다"}
LEARNED = {
    "en": "newer versions learned from the custom location of tests/data/bundles/fresh "
    "(collected 2026-05-20): new 1.31.12",
    "ko": "tests/data/bundles/fresh의 사용자 지정 위치(2026-05-20 수집)에서 더 새로운 버전",
}
COMMANDS: dict[str, list[str]] = {
    "check": ["check", FRESH],
    "fleet": ["fleet", FRESH, "examples/healthy"],
    "plan": ["plan", FRESH],
    "gate": ["gate", "create-nodepool", FRESH],
    "triage": ["triage", "--title", "upgrade fails", "--bundle", FRESH],
}


def one_line(text: str) -> str:
    """The table wraps long lines: compare the words."""
    return " ".join(text.split())


def json_notices(name: str, document: Any) -> list[str]:
    if name == "fleet":
        return [notice for cluster in document["clusters"] for notice in cluster["notices"]]
    return list(document["notices"])


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_the_calendar_learned(arcsupport: Any, name: str, lang: str) -> None:
    code, out, err = arcsupport(*COMMANDS[name], *AT, "--lang", lang)
    assert code in (0, 1), err
    printed = one_line(out)
    # Once each, a fleet's too (its clusters share the calendar).
    assert printed.count(one_line(STALE[lang])) == 1
    assert printed.count(one_line(LEARNED[lang])) == 1


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_json_says_what_the_calendar_learned(arcsupport: Any, name: str, lang: str) -> None:
    code, out, err = arcsupport(*COMMANDS[name], *AT, "--lang", lang, "-o", "json")
    assert code in (0, 1), err
    notices = json_notices(name, json.loads(out))
    assert any(notice.startswith(STALE[lang]) for notice in notices)
    assert any(LEARNED[lang] in notice for notice in notices)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("output", ["table", "json"])
def test_versions_and_a_plan_without_a_bundle_say_how_old_the_calendar_is(
    arcsupport: Any, lang: str, output: str
) -> None:
    for argv in (["versions"], ["plan", "--from", "1.31.10"]):
        code, out, err = arcsupport(*argv, *AT, "--lang", lang, "-o", output)
        assert code in (0, 1), err
        if output == "json":
            assert [n[: len(STALE[lang])] for n in json.loads(out)["notices"]] == [STALE[lang]]
        else:
            assert one_line(STALE[lang]) in one_line(out)
        # Before the data grows stale there is nothing to say.
        code, out, _ = arcsupport(*argv, "--at", "2025-12-01", "--lang", lang, "-o", "json")
        assert json.loads(out)["notices"] == []


def test_the_plan_runbook_carries_the_notices(arcsupport: Any) -> None:
    code, out, err = arcsupport("plan", FRESH, *AT, "-o", "markdown")
    assert code == 0, err
    assert "> ⚠️ Calendar data as of 2025-11-19; newer versions learned from" in out


def test_a_fleet_judges_a_cluster_on_what_a_bundle_of_its_release_learned(
    arcsupport: Any, tmp_path: Path
) -> None:
    """A second cluster on Azure Local 2605 without a payload of its own is judged on what
    the first one's location offers, and the table says where that came from."""
    other = tmp_path / "site-b"
    shutil.copytree(DATA / "bundles" / "fresh", other)
    (other / "azure" / "kubernetes-versions.json").unlink()
    for path in other.rglob("*.json"):  # another cluster: a fleet counts a cluster once
        path.write_text(path.read_text().replace("/test-hybridakscluster", "/site-b-cluster"))
    code, out, err = arcsupport("fleet", str(other), *AT, "-o", "json")
    assert code in (0, 1), err
    alone = json.loads(out)["clusters"][0]
    assert alone["verdict"] == "at-risk"
    code, out, err = arcsupport("fleet", str(other), FRESH, *AT, "-o", "json")
    clusters = json.loads(out)["clusters"]
    assert [cluster["verdict"] for cluster in clusters] == ["supported", "supported"]
    for cluster in clusters:
        assert any(LEARNED["en"] in notice for notice in cluster["notices"])


def test_a_malformed_payload_is_refused_as_before(arcsupport: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(DATA / "bundles" / "fresh", broken)
    (broken / "azure" / "kubernetes-versions.json").write_text('{"properties": {"values": [')
    for argv in (["check", str(broken)], ["fleet", str(broken)], ["plan", str(broken)]):
        code, out, err = arcsupport(*argv, *AT)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "kubernetes-versions.json" in err
