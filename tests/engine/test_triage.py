"""Case triage: the labelled case set (accuracy printed, at least 90%), each decision, Korean
and English matching, precedence, business hours, access grants, upgrade-first with its plan,
known issues, the pack's own checks, and the command's output and bad input."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from arcsupport.cli.app import main
from arcsupport.engine.known_issues import match_known_issues
from arcsupport.engine.triage import (
    Case,
    ClusterContext,
    TriageDecision,
    cluster_for_triage,
    parse_case,
    triage,
)
from arcsupport.errors import PolicyError
from arcsupport.i18n import LANGS, Lang, catalog, render
from arcsupport.policy.loader import load_pack
from arcsupport.policy.model import Pack
from arcsupport.report.documents.triage import SCHEMA, triage_document
from arcsupport.report.triage import render_triage_table
from arcsupport.rules.facts import Facts
from arcsupport.sources.case import MAX_CASE_BYTES
from arcsupport.sources.known_issues import builtin_known_issues
from arcsupport.sources.read import read_snapshot
from helpers import DATA, ROOT, at, default_pack

CASES = DATA / "triage" / "cases.yaml"
EXAMPLES = ROOT / "examples"
DAY = "2025-09-15"
DECISIONS = ("in-scope", "best-effort", "out-of-scope", "upgrade-first")
FLAGS = ("business_hours_only", "requires_access_grant")
MIN_ACCURACY = 0.9
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CASE_FIELDS = ("title", "description", "components", "preview_feature")
JSON_KEYS = [
    "schema",
    "decision",
    "clauses",
    "reasons",
    "rule",
    "business_hours_only",
    "requires_access_grant",
    "known_issues",
    "assessment",
    "notices",
]


def triage_data(result: TriageDecision, lang: Lang) -> Any:
    """The triage document as its JSON reads."""
    return msgspec.to_builtins(triage_document(result, lang))


@cache
def cluster(name: str) -> ClusterContext:
    return cluster_for_triage(
        read_snapshot(EXAMPLES / name), default_pack(), at(DAY), builtin_known_issues()
    )


def labelled() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text())["cases"]
    return cases


def make_case(title: str, description: str = "", **extra: Any) -> Case:
    return parse_case({"title": title, "description": description, **extra}, "test")


def decide(
    title: str,
    description: str = "",
    *,
    bundle: str | None = None,
    pack: Pack | None = None,
    **extra: Any,
) -> TriageDecision:
    return on_cluster(make_case(title, description, **extra), bundle, pack or default_pack())


def on_cluster(case: Case, bundle: str | None, pack: Pack) -> TriageDecision:
    """Triage as the command does: with --bundle, the cluster's context is attached."""
    if bundle is None:
        return triage(case, pack)
    context = cluster(bundle)
    return triage(
        case,
        pack,
        assessment=context.assessment,
        plan=context.plan,
        known_issues=context.known_issues,
    )


def keys(result: TriageDecision) -> list[str]:
    return [reason.key for reason in result.reasons]


# --- the labelled set ------------------------------------------------------------------------


def decide_labelled(entry: dict[str, Any]) -> TriageDecision:
    fields = {name: entry[name] for name in CASE_FIELDS if name in entry}
    return on_cluster(parse_case(fields, entry["id"]), entry.get("bundle"), default_pack())


def problems(entry: dict[str, Any], result: TriageDecision) -> list[str]:
    expect = entry["expect"]
    found = []
    if result.decision != expect["decision"]:
        found.append(f"decided {result.decision}")
    missing = [clause for clause in expect.get("clauses", []) if clause not in result.clauses]
    if missing:
        found.append(f"does not cite {', '.join(missing)}")
    if "rule" in expect and result.rule != expect["rule"]:
        found.append(f"rule {result.rule}")
    for flag in FLAGS:
        if flag in expect and getattr(result, flag) != expect[flag]:
            found.append(f"{flag} {getattr(result, flag)}")
    return found


def test_the_case_set_is_large_bilingual_and_covers_every_decision() -> None:
    cases = labelled()
    assert len(cases) >= 40
    ids = [entry["id"] for entry in cases]
    assert len(set(ids)) == len(ids)
    korean = [entry for entry in cases if HANGUL.search(entry["title"] + entry["description"])]
    assert 0.4 <= len(korean) / len(cases) <= 0.6
    assert {entry["expect"]["decision"] for entry in cases} == set(DECISIONS)
    assert any("rule" in entry["expect"] for entry in cases), "no 'needs a human look' case"
    for entry in cases:
        assert set(entry) <= {"id", "bundle", "expect", *CASE_FIELDS}, entry["id"]
        assert set(entry["expect"]) <= {"decision", "clauses", "rule", *FLAGS}, entry["id"]
        assert entry["expect"]["decision"] in DECISIONS, entry["id"]


def test_triage_accuracy_on_the_labelled_cases(record_property: Any) -> None:
    cases = labelled()
    confusion: Counter[tuple[str, str]] = Counter()
    wrong: dict[str, list[str]] = {}
    for entry in cases:
        result = decide_labelled(entry)
        confusion[(entry["expect"]["decision"], result.decision)] += 1
        found = problems(entry, result)
        if found:
            wrong[entry["id"]] = found
    right = len(cases) - len(wrong)
    width = max(map(len, DECISIONS)) + 2
    report = [
        f"triage accuracy: {right}/{len(cases)} ({right / len(cases):.0%})",
        f"{'  expected / decided':<22}" + "".join(f"{name:>{width}}" for name in DECISIONS),
    ]
    for expected in DECISIONS:
        counts = "".join(f"{confusion[(expected, got)]:>{width}}" for got in DECISIONS)
        report.append(f"  {expected:<20}{counts}")
    report += [f"  miss {case_id}: {'; '.join(found)}" for case_id, found in wrong.items()]
    print("\n".join(report))
    # conftest.py prints it after the run, where `make test` shows it.
    record_property("summary", "\n".join(report))
    assert right / len(cases) >= MIN_ACCURACY, wrong


# --- one decision each -------------------------------------------------------------------------


def test_in_scope_names_the_rule_and_its_clauses() -> None:
    result = decide("etcd member keeps losing its leader", "mvcc errors since Monday")
    assert (result.decision, result.rule) == ("in-scope", "etcd")
    assert result.clauses == ("COV-IN-3",)
    assert keys(result) == ["triage.reason.etcd"]
    assert (result.business_hours_only, result.requires_access_grant) == (False, False)


def test_best_effort_for_helm() -> None:
    result = decide("helm rollback fails", "Error: no revision for release")
    assert (result.decision, result.rule, result.clauses) == ("best-effort", "helm", ("COV-OUT-2",))


def test_best_effort_for_calico_beyond_the_basics() -> None:
    result = decide("Calico BGP peering with our ToR switches")
    assert (result.decision, result.rule, result.clauses) == (
        "best-effort",
        "cni-advanced",
        ("COV-IN-7",),
    )
    basic = decide("Calico network policy does not apply to a namespace")
    assert (basic.decision, basic.rule) == ("in-scope", "cni-basic")


@pytest.mark.parametrize(
    ("title", "rule", "clause"),
    [
        ("Linkerd viz dashboard empty", "third-party-open-source", "COV-OUT-2"),
        ("Qualys sensor cannot start", "closed-source-third-party", "COV-OUT-3"),
        ("Pods need a second NIC with Multus", "network-customisation", "COV-OUT-4"),
        ("How do we write a CronJob for our app?", "kubernetes-how-to", "COV-OUT-1"),
    ],
)
def test_out_of_scope(title: str, rule: str, clause: str) -> None:
    result = decide(title)
    assert (result.decision, result.rule, result.clauses) == ("out-of-scope", rule, (clause,))


def test_a_case_that_matches_nothing_needs_a_human_look() -> None:
    result = decide("Weird behaviour", "Something is off since Tuesday, please have a look.")
    assert (result.decision, result.rule, result.clauses) == ("in-scope", None, ())
    assert keys(result) == ["triage.note.needs-human-look"]
    assert "human look" in render("en", result.reasons[0])


def test_a_named_product_outranks_the_symptom_it_shows() -> None:
    result = decide("Istio sidecar breaks DNS", "lookups fail only in pods with istio-proxy")
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")
    assert keys(result) == ["triage.reason.oss-out-of-scope", "triage.note.also-matched"]
    assert "networking" in result.reasons[1].args["rules"]


def test_a_how_to_question_about_a_covered_area_stays_in_scope() -> None:
    result = decide("How do we expose our application through the ingress?")
    assert (result.decision, result.rule) == ("in-scope", "load-balancing")


def test_rules_of_equal_priority_that_disagree_leave_it_to_a_human() -> None:
    pack = default_pack()
    rules = [
        msgspec.structs.replace(rule, priority=80) if rule.id == "helm" else rule
        for rule in pack.triage.rules
    ]
    tied = msgspec.structs.replace(pack, triage=msgspec.structs.replace(pack.triage, rules=rules))
    result = decide("Istio installed with Helm does not start", pack=tied)
    assert (result.decision, result.rule, result.clauses) == ("in-scope", None, ())
    assert keys(result) == ["triage.note.disagree"]
    assert "helm (best-effort)" in render("en", result.reasons[0])


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "rule"),
    [
        (
            "Istio를 설치한 뒤 서비스 호출이 실패합니다",
            "third-party-open-source",
        ),  # Latin + particle
        ("미리보기 기능에서 오류가 납니다", "preview-feature"),  # no space
        ("미리 보기 기능에서 오류가 납니다", "preview-feature"),  # with a space
        ("노드 간 패킷손실이 발생합니다", "networking"),  # inside a longer word
        ("이스티오 사이드카 주입이 안 됩니다", "third-party-open-source"),
        ("헬름 차트 배포 실패", "helm"),
        ("청구서 금액이 이상합니다", "billing"),
        ("ＩＳＴＩＯ ingress gateway 404", "third-party-open-source"),  # full-width letters
        ("Upgrading from 1.30 stalls", "upgrade"),  # `upgrad*`
        ("kube-apiserver unreachable", "api-server-connectivity"),
        ("API server unreachable", "api-server-connectivity"),  # spaces optional
    ],
)
def test_terms_are_found_in_korean_and_english(title: str, rule: str) -> None:
    assert decide(title).rule == rule


def test_english_terms_are_whole_words() -> None:
    # "node" is not found in "nodepool", but plurals count.
    assert not decide("nodepool logs question").requires_access_grant
    assert decide(
        "Please check the kubelet on our nodes", "the logs show errors"
    ).requires_access_grant
    # "arc" alone is the product name, not an Arc problem.
    assert decide("AKS Arc question about quotas").rule is None


def test_the_case_components_list_counts() -> None:
    result = decide("Traffic between services fails", components=["istio"])
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")


# --- business hours (PRV-3) ------------------------------------------------------------------


def test_a_preview_flag_makes_the_case_best_effort_in_business_hours() -> None:
    result = decide("Token exchange fails", preview_feature=True)
    assert (result.decision, result.rule) == ("best-effort", "preview-feature")
    assert result.business_hours_only
    assert result.clauses == ("PRV-3",)


def test_preview_still_limits_the_hours_when_another_rule_decides() -> None:
    result = decide("Calico eBPF dataplane in the preview release")
    assert (result.decision, result.rule) == ("best-effort", "cni-advanced")
    assert result.business_hours_only
    assert result.clauses == ("COV-IN-7", "PRV-3")
    assert "triage.note.business-hours" in keys(result)


def test_an_out_of_scope_preview_case_has_no_hours() -> None:
    result = decide("Istio ambient mode", preview_feature=True)
    assert result.decision == "out-of-scope"
    assert not result.business_hours_only


# --- access grants (SHR-2, COV-IN-8) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description", "needed"),
    [
        ("Please SSH into node moc-abc", "", True),
        ("노드 로그를 확인해 주세요", "컨테이너가 계속 재시작됩니다", True),
        ("kubelet keeps crashing on one node", "", True),
        ("Upgrade path from 1.30 to 1.31", "Is there downtime?", False),
        ("Billing question", "Why were we charged twice?", False),
        # Support does not take the case, so it needs no access either.
        ("Please SSH into the node to debug Istio", "", False),
    ],
)
def test_access_grant(title: str, description: str, needed: bool) -> None:
    result = decide(title, description)
    assert result.requires_access_grant is needed
    assert ("SHR-2" in result.clauses) is needed
    assert ("COV-IN-8" in result.clauses) is needed


# --- the cluster: upgrade-first, other unsupported states, known issues -----------------------


def test_an_unsupported_version_turns_the_case_into_upgrade_first_with_the_plan() -> None:
    result = decide("DNS lookups fail intermittently", bundle="deprecated-version")
    assert result.decision == "upgrade-first"
    assert result.rule == "networking"  # what the case is about, still named
    assert result.clauses[:2] == ("SVP-2", "VER-2")
    assert "COV-IN-6" in result.clauses
    assert keys(result)[0] == "triage.note.upgrade-first"
    assert result.plan is not None and result.plan.reaches_supported
    data = triage_data(result, "en")
    assert list(data) == [*JSON_KEYS, "plan"]
    assert data["plan"]["schema"] == "arcsupport.plan/v1"
    assert data["plan"]["from"] == "1.28.14"
    assert data["assessment"]["verdict"] == "unsupported"
    assert "1.28.14" in data["reasons"][0] and data["plan"]["steps"][-1]["to"] in data["reasons"][0]


def test_out_of_scope_is_not_turned_into_upgrade_first() -> None:
    result = decide("Istio VirtualService returns 404", bundle="deprecated-version")
    assert result.decision == "out-of-scope"
    assert result.plan is None
    assert keys(result)[-1] == "triage.note.cluster-unsupported"
    assert "plan" not in triage_data(result, "en")


def test_upgrade_first_names_what_an_upgrade_does_not_fix() -> None:
    # Stopped for 45 days (STOP-3) on a dropped patch (VER-6).
    result = decide("Cannot scale the node pool", bundle="stopped")
    assert result.decision == "upgrade-first"
    assert "VER-6" in result.clauses
    assert keys(result)[-1] == "triage.note.also-unsupported"
    assert "STOP-3" in result.reasons[-1].args["clauses"]


def test_unsupported_for_reasons_an_upgrade_does_not_fix_keeps_the_scope_decision() -> None:
    result = decide("DNS lookups fail", bundle="changed-system-labels")
    assert (result.decision, result.rule) == ("in-scope", "networking")
    assert result.plan is None
    assert keys(result)[-1] == "triage.note.cluster-unsupported"
    assert "SHR-4" in result.reasons[-1].args["clauses"]


def test_a_supported_cluster_changes_nothing_but_is_attached() -> None:
    result = decide("CoreDNS pods restart", bundle="healthy")
    assert (result.decision, result.rule) == ("in-scope", "coredns")
    assert result.assessment is not None and result.assessment.verdict == "supported"
    assert triage_data(result, "en")["assessment"]["schema"] == "arcsupport.assessment/v1"


@dataclass(frozen=True)
class Issue:
    id: str
    title: str
    workaround: str


def test_known_issues_are_attached_and_cite_ups_2() -> None:
    issues = [Issue("KI-7", "CoreDNS restarts after a host update", "Restart the pods.")]
    result = triage(make_case("CoreDNS pods restart"), default_pack(), known_issues=list(issues))
    assert result.known_issues == tuple(issues)
    assert "UPS-2" in result.clauses
    assert keys(result)[-1] == "triage.note.known-issues"
    data = triage_data(result, "ko")
    assert data["known_issues"] == [
        {
            "id": "KI-7",
            "title": "CoreDNS restarts after a host update",
            "workaround": "Restart the pods.",
        }
    ]
    assert "KI-7" in data["reasons"][-1]


# --- messages --------------------------------------------------------------------------------


def test_every_triage_message_renders_in_both_languages() -> None:
    english, korean = catalog("en"), catalog("ko")
    for table in ("triage.reason", "triage.note", "triage.decision", "triage.table"):
        assert set(english[table]) == set(korean[table]), table
        for name, template in korean[table].items():
            assert HANGUL.search(template), f"{table}.{name} is not Korean"
    for rule in default_pack().triage.rules:
        assert rule.reason in english["triage.reason"], rule.id


@pytest.mark.parametrize("lang", LANGS)
def test_tables_render_without_raw_keys(lang: Any) -> None:
    from rich.console import Console

    issues = [Issue("KI-1", "title", "workaround")]
    for result in (
        decide("DNS lookups fail", bundle="deprecated-version"),
        decide("Nothing recognisable"),
        triage(make_case("CoreDNS", preview_feature=True), default_pack(), known_issues=issues),
    ):
        console = Console(width=80, color_system=None, record=True)
        with console.capture() as captured:
            for renderable in render_triage_table(result, lang):
                console.print(renderable)
        shown = captured.get()
        assert "triage." not in shown
        assert "{" not in shown
        data = triage_data(result, lang)
        assert all("{" not in reason for reason in data["reasons"])


# --- the pack's checks -----------------------------------------------------------------------

RULE = """\
    - id: {id}
      decision: in-scope
      clauses: [{clause}]
      priority: 10
      reason: {reason}
      match:
        - phrases: {{en: [{term}]}}
"""


def rules_overlay(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text("extends: aks-arc\ntriage:\n  rules:\n" + "".join(rules))
    return path


def rule(
    id: str = "mine", clause: str = "COV-IN-6", reason: str = "networking", term: str = "dns"
) -> str:
    return RULE.format(id=id, clause=clause, reason=reason, term=term)


def test_a_support_team_can_replace_the_rules_with_an_overlay(tmp_path: Path) -> None:
    pack = load_pack(rules_overlay(tmp_path, rule(term="wobbly")))
    result = triage(make_case("The wobbly thing"), pack)
    assert (result.rule, result.clauses) == ("mine", ("COV-IN-6",))


@pytest.mark.parametrize(
    ("rules", "field", "reason"),
    [
        ((rule(clause="COV-IN-99"),), "triage.rules[0].clauses", "unknown clause COV-IN-99"),
        ((rule(), rule()), "triage.rules[1].id", "'mine' is already the id of triage.rules[0]"),
        ((rule(reason="nope"),), "triage.rules[0].reason", "triage.reason.nope is missing"),
        ((rule(term='"*"'),), "triage.rules[0].match[0]", "holds an empty term"),
        (
            (rule().replace("phrases: {en: [dns]}", "phrases: {patterns: ['(']}"),),
            "triage.rules[0].match[0].phrases.patterns",
            "is not a regular expression",
        ),
        (
            (rule().replace("phrases: {en: [dns]}", "requires: {en: [x]}"),),
            "triage.rules[0].match[0]",
            "finds nothing",
        ),
        ((rule().replace("priority:", "priorty:"),), "triage.rules[0]", "unknown field"),
        (
            (rule().replace("decision: in-scope", "decision: maybe"),),
            "triage.rules[0].decision",
            "Invalid enum value 'maybe'",
        ),
    ],
)
def test_a_bad_rule_is_refused_with_its_field(
    rules: tuple[str, ...], field: str, reason: str, tmp_path: Path
) -> None:
    path = rules_overlay(tmp_path, *rules)
    with pytest.raises(PolicyError) as refused:
        load_pack(path)
    assert refused.value.where == str(path)
    assert f"field {field}" in refused.value.problem
    assert reason in refused.value.problem


# --- the command -----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["triage", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_the_command_reads_a_yaml_case_and_prints_the_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "title: 파드에서 DNS 조회가 실패합니다\n"
        "description: 노드에 SSH로 접속해서 확인해 주세요\n"
        "components: [coredns]\n"
    )
    code, out, err = run(capsys, str(path), "-o", "json", "--lang", "ko")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == JSON_KEYS
    assert data["schema"] == SCHEMA
    assert (data["decision"], data["rule"]) == ("in-scope", "coredns")
    assert data["requires_access_grant"] is True
    assert data["assessment"] is None and data["known_issues"] == []
    assert HANGUL.search(data["reasons"][0])


def test_the_command_reads_a_json_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"title": "Workload identity", "preview_feature": True}))
    code, out, _ = run(capsys, str(path), "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["decision"], data["business_hours_only"]) == ("best-effort", True)


def test_the_command_takes_the_case_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "--title", "Istio sidecar breaks DNS", "--description", "istio-proxy injected"
    )
    assert (code, err) == (0, "")
    assert out.startswith("Triage: OUT OF SCOPE  (rule: third-party-open-source)")
    assert "COV-OUT-2" in out


def test_the_command_turns_an_unsupported_cluster_into_upgrade_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = str(EXAMPLES / "deprecated-version")
    code, out, _ = run(
        capsys, "--title", "Pods restart", "--bundle", bundle, "--at", DAY, "-o", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert list(data) == [*JSON_KEYS, "plan"]
    assert (data["decision"], data["rule"]) == ("upgrade-first", None)
    assert data["plan"]["reaches_supported"] is True
    code, out, _ = run(capsys, "--title", "Pods restart", "--bundle", bundle, "--at", DAY)
    assert code == 0
    assert out.startswith("Triage: UPGRADE FIRST")
    assert "Upgrade plan from 1.28.14" in out


def test_the_command_attaches_the_known_issues_that_concern_the_cluster(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The healthy example on an older host release, which several known issues concern.
    bundle = tmp_path / "healthy-on-2503"
    shutil.copytree(EXAMPLES / "healthy", bundle)
    facts_file = bundle / "facts.yaml"
    facts_file.write_text(facts_file.read_text().replace("2508", "2503"))
    facts = Facts(read_snapshot(bundle), default_pack())
    matches = match_known_issues(facts, builtin_known_issues(), at(DAY))
    expected = [m for m in matches if m.certainty != "general"]
    assert expected, "the starter set has no issue for Azure Local 2503 any more"
    assert any(m.certainty == "general" for m in matches)  # ... which triage leaves out
    code, out, _ = run(
        capsys, "--title", "CoreDNS restarts", "--bundle", str(bundle), "--at", DAY, "-o", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["known_issues"] == [
        {"id": m.issue.id, "title": m.issue.title, "workaround": m.issue.workaround}
        for m in expected
    ]
    assert "UPS-2" in data["clauses"]


BAD_CASES: list[tuple[str, str, str]] = [
    ("malformed yaml", "title: [unclosed\n", "malformed YAML"),
    ("unknown key", "title: x\nseverity: high\n", "unknown field `severity`"),
    ("missing title", "description: only a description\n", "missing required field `title`"),
    ("blank title", "title: '   '\n", "field title: must not be blank"),
    ("title not text", "title: 42\n", "field title: Expected `str`"),
    ("flag not a boolean", "title: x\npreview_feature: sometimes\n", "field preview_feature"),
    ("not a mapping", "- title: x\n", "a case must be a mapping"),
    ("empty file", "", "a case must be a mapping"),
    ("title too long", f"title: {'x' * 301}\n", "field title: Expected `str` of length <= 300"),
    ("too many components", f"title: x\ncomponents: [{', '.join(['a'] * 51)}]\n", "components"),
    ("yaml alias", "title: &t x\ndescription: *t\n", "aliases"),
]


@pytest.mark.parametrize(
    ("content", "reason"), [case[1:] for case in BAD_CASES], ids=[case[0] for case in BAD_CASES]
)
def test_a_bad_case_file_exits_2_with_one_line(
    content: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(content)
    code, out, err = run(capsys, str(path), "-o", "json")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"arcsupport: error: {path}: ")
    assert reason in err


def test_bad_json_and_oversized_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "case.json"
    broken.write_text('{"title": ')
    big = tmp_path / "big.yaml"
    big.write_text("title: x\ndescription: " + "y" * MAX_CASE_BYTES + "\n")
    for path, reason in ((broken, "malformed JSON"), (big, "larger than 256 KiB")):
        code, out, err = run(capsys, str(path))
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert reason in err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((), "give a CASE file, or the case's --title"),
        (("--description", "no title"), "give a CASE file, or the case's --title"),
        (("case.yaml", "--title", "x"), "not both"),
        (("--title", ""), "--title: field title: Expected `str` of length >= 1"),
        (("--title", "x", "--description", "y" * 20_001), "field description"),
        (("missing.yaml",), "missing.yaml: No such file or directory"),
        (("--title", "x", "--at", "yesterday"), "yesterday"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: tuple[str, ...],
    reason: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "case.yaml").write_text("title: x\n")
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert reason in err
    assert sorted(item.name for item in tmp_path.iterdir()) == ["case.yaml"]  # nothing written
