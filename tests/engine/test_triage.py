"""Case triage: the labelled case set's shape (its score: test_triage_corpus.py), each decision,
Korean and English matching, precedence, business hours, access grants, upgrade-first with its plan,
known issues, the pack's own checks, and the command's output and bad input."""

from __future__ import annotations

import json
import re
import shutil
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
from arcsupport.textanalysis import korean_morphology
from helpers import DATA, ROOT, at, default_pack

CASES = DATA / "triage" / "cases.yaml"
EXAMPLES = ROOT / "examples"
DAY = "2025-09-15"
DECISIONS = ("in-scope", "best-effort", "out-of-scope", "upgrade-first", "needs-review")
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
    "confidence",
    "evidence",
    "candidates",
    "questions",
    "notices",
]


def triage_data(result: TriageDecision, lang: Lang) -> Any:
    """The triage document as its JSON reads."""
    return msgspec.json.decode(msgspec.json.encode(triage_document(result, lang)))


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
        return triage(case, pack, morphology=korean_morphology(), at=at(DAY))
    context = cluster(bundle)
    return triage(
        case,
        pack,
        morphology=korean_morphology(),
        at=at(DAY),
        assessment=context.assessment,
        plan=context.plan,
        known_issues=context.known_issues,
    )


def plain(case: Case, pack: Pack | None = None, **context: Any) -> TriageDecision:
    """Triage without a bundle, with the known issues or other context given."""
    return triage(
        case, pack or default_pack(), morphology=korean_morphology(), at=at(DAY), **context
    )


def keys(result: TriageDecision) -> list[str]:
    return [reason.key for reason in result.reasons]


# --- the labelled set ------------------------------------------------------------------------


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
    # Calico's BGP node-to-node mesh is not a service mesh.
    for title in (
        "Calico BGP peering with our ToR: how do we disable the node-to-node mesh?",
        "Calico BGP 피어링을 구성하고 노드 간 메시를 끄고 싶습니다",
    ):
        mesh = decide(title)
        assert (mesh.decision, mesh.rule) == ("best-effort", "cni-advanced")


def test_a_conditional_forwarder_is_a_coredns_customisation_in_korean_too() -> None:
    result = decide(
        "CoreDNS에 조건부 전달 추가",
        "corp.local 도메인을 사내 DNS로 보내고 싶습니다. 업그레이드 후에도 유지되려면 어떤 "
        "ConfigMap을 수정해야 하나요?",
    )
    assert (result.decision, result.rule) == ("in-scope", "control-plane-customisation")
    assert "COV-IN-5" in result.clauses


@pytest.mark.parametrize(
    ("title", "rule", "clause"),
    [
        ("Linkerd viz dashboard empty", "third-party-open-source", "COV-OUT-2"),
        ("Qualys sensor cannot start", "closed-source-third-party", "COV-OUT-3"),
        ("Pods need a second NIC with Multus", "network-customisation", "COV-OUT-4"),
        ("How do we write a CronJob for our app?", "kubernetes-how-to", "COV-OUT-1"),
        # Closed-source software described, not named.
        (
            "Our commercial APM agent, licensed per host, does not register the new nodes",
            "closed-source-third-party",
            "COV-OUT-3",
        ),
        (
            "호스트당 라이선스인 APM 에이전트가 새 노드를 인식 못 합니다",
            "closed-source-third-party",
            "COV-OUT-3",
        ),
        (
            "Vault agent injector does not inject the sidecar any more",
            "third-party-open-source",
            "COV-OUT-2",
        ),
    ],
)
def test_out_of_scope(title: str, rule: str, clause: str) -> None:
    result = decide(title)
    assert (result.decision, result.rule, result.clauses) == ("out-of-scope", rule, (clause,))


def test_a_case_that_matches_nothing_needs_review_with_the_questions_to_ask() -> None:
    result = decide("Weird behaviour", "Something is off since Tuesday, please have a look.")
    assert (result.decision, result.rule, result.clauses) == ("needs-review", None, ())
    assert result.candidates == ()
    assert keys(result) == ["triage.note.needs-review"]
    assert [q.key for q in result.questions] == [
        "triage.question.what-fails",
        "triage.question.version-and-bundle",
    ]
    assert result.confidence < 0.5
    assert "needs review" in render("en", result.reasons[0])


def test_a_named_product_outranks_the_symptom_it_shows() -> None:
    result = decide("Istio sidecar breaks DNS", "lookups fail only in pods with istio-proxy")
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")
    assert keys(result) == ["triage.reason.oss-out-of-scope", "triage.note.also-matched"]
    assert "networking" in result.reasons[1].args["rules"]


def test_a_how_to_question_about_a_covered_area_stays_in_scope() -> None:
    result = decide("How do we expose our application through the ingress?")
    assert (result.decision, result.rule) == ("in-scope", "load-balancing")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "Liveness probe failed - is kubelet killing our pod?",
            "Our health endpoint checks the database and takes 5 s at peak. What timeoutSeconds "
            "and failureThreshold should we use for the liveness probe?",
        ),
        (
            "liveness probe 실패로 재시작 - kubelet 문제?",
            "앱 health 엔드포인트가 DB를 조회해서 5초 넘게 걸립니다. probe timeout을 얼마로 잡는 "
            "게 좋은지 문의드립니다.",
        ),
    ],
)
def test_asking_what_to_set_a_timeout_to_is_a_how_to(title: str, description: str) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("out-of-scope", "kubernetes-how-to")
    # ...while a timeout the app reports, with "what should we do", stays a symptom.
    symptom = decide("App calls time out", "DNS lookups from our app time out. What should we do?")
    assert (symptom.decision, symptom.rule) == ("in-scope", "networking")


PYTHON_TRACEBACK = """Traceback (most recent call last):
  File "/app/orders/views.py", line 77, in create_order
    price = catalog_client.get_price(item["sku"])
  File "/app/orders/clients.py", line 31, in get_price
    return resp.json()["price"]
KeyError: 'price'"""
JAVA_TRACE = """java.net.UnknownHostException: orders-db.shop.svc.cluster.local
	at java.base/java.net.InetAddress.getAllByName0(InetAddress.java:1534)
	at com.contoso.orders.Db.connect(Db.java:42)"""


def test_a_traceback_of_the_applications_own_logic_is_the_application() -> None:
    english = decide("Orders API returns 500 - cluster problem?", PYTHON_TRACEBACK)
    korean = decide(
        "앱 500 에러 - 클러스터 문제인가요?",
        f"배포 후 500 에러가 납니다. 파드 로그:\n{PYTHON_TRACEBACK}\n"
        "쿠버네티스 쪽 문제인지 봐주세요.",
    )
    for result in (english, korean):
        assert (result.decision, result.rule, result.clauses) == (
            "out-of-scope",
            "application-runtime",
            ("COV-OUT-1",),
        )
    # A trace that ends in a name that does not resolve is a DNS case.
    dns = decide("Orders API returns 500", f"The pod log shows:\n{JAVA_TRACE}")
    assert (dns.decision, dns.rule) == ("in-scope", "networking")


def test_rules_of_equal_priority_that_disagree_leave_it_to_a_human() -> None:
    pack = default_pack()
    rules = [
        msgspec.structs.replace(rule, priority=80) if rule.id == "helm" else rule
        for rule in pack.triage.rules
    ]
    tied = msgspec.structs.replace(pack, triage=msgspec.structs.replace(pack.triage, rules=rules))
    result = decide("Istio installed with Helm does not start", pack=tied)
    assert (result.decision, result.rule, result.clauses) == ("needs-review", None, ())
    assert keys(result) == ["triage.note.disagree"]
    assert "helm (best-effort)" in render("en", result.reasons[0])
    assert {candidate.rule for candidate in result.candidates} == {
        "third-party-open-source",
        "helm",
    }
    assert "triage.question.third-party-software" in [q.key for q in result.questions]


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


def test_the_case_components_list_counts_but_never_outranks_what_fails() -> None:
    # Named nowhere else, the product the customer picked decides...
    listed = decide("Weird behaviour since Tuesday", components=["istio"])
    assert (listed.decision, listed.rule) == ("out-of-scope", "third-party-open-source")
    assert "listed" in {word.how for score in listed.scoring for word in score.words_for}
    # ...but customers pick the product they suspect first: what the text says fails wins.
    failing = decide("Traffic between services fails", components=["istio"])
    assert (failing.decision, failing.rule) == ("in-scope", "networking")
    statuses = {score.rule: score.status for score in failing.scoring}
    assert statuses["third-party-open-source"] == "fired"


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
    assert data["evidence"][0] == {
        "clauses": ["SVP-2", "VER-2", "VER-5", "VER-4"],
        "source": "bundle",
        "words": ["version-lifecycle"],
    }
    assert data["confidence"] == 0.95
    assert data["plan"]["schema"] == "arcsupport.plan/v1"
    assert data["plan"]["from"] == "1.28.14"
    assert data["assessment"]["verdict"] == "unsupported"
    assert "1.28.14" in data["reasons"][0] and data["plan"]["steps"][-1]["to"] in data["reasons"][0]


def test_a_request_out_of_scope_on_an_unsupported_version_is_upgrade_first_and_says_so() -> None:
    # SVP-2 answers every request with upgrade first; Istio stays out of scope after it.
    result = decide("Istio VirtualService returns 404", bundle="deprecated-version")
    assert result.decision == "upgrade-first"
    assert result.rule == "third-party-open-source"
    assert result.clauses[:2] == ("SVP-2", "VER-2") and "COV-OUT-2" in result.clauses
    assert result.plan is not None
    note = next(r for r in result.reasons if r.key == "triage.note.out-of-scope-after-upgrade")
    assert note.args == {"clauses": "COV-OUT-2"}
    stated = decide("Istio VirtualService returns 404", "Our cluster runs Kubernetes 1.27.3.")
    assert stated.decision == "upgrade-first" and "COV-OUT-2" in stated.clauses


def test_a_change_made_by_hand_is_not_turned_into_upgrade_first() -> None:
    # An upgrade would not undo it.
    result = decide(
        "Node NotReady after VM resize",
        "We changed the worker VMs directly in Hyper-V Manager from 4 to 8 vCPU. The cluster "
        "runs Kubernetes 1.27.3.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "node-vm-changed-by-hand")
    assert "SVP-2" not in result.clauses
    on_bundle = decide(
        "Node NotReady after VM resize",
        "We changed the worker VMs directly in Hyper-V Manager from 4 to 8 vCPU.",
        bundle="deprecated-version",
    )
    assert on_bundle.decision == "out-of-scope"
    assert on_bundle.plan is None
    assert keys(on_bundle)[-1] == "triage.note.cluster-unsupported"
    assert "plan" not in triage_data(on_bundle, "en")


def test_a_cluster_also_unsupported_for_what_an_upgrade_does_not_fix_needs_review() -> None:
    # Stopped for 45 days (STOP-3: its control plane cannot even be updated) on a dropped
    # patch (VER-6): upgrade-first would send the customer where the cluster cannot go.
    result = decide("Cannot scale the node pool", bundle="stopped")
    assert result.decision == "needs-review"
    assert keys(result)[0] == "triage.note.upgrade-blocked"
    assert "STOP-3" in result.reasons[0].args["clauses"]
    assert ("cluster-unsupported", ("STOP-3",)) in [
        (candidate.rule, candidate.clauses) for candidate in result.candidates
    ]
    assert "triage.question.cluster-unsupported" in [q.key for q in result.questions]
    assert result.plan is None


def test_a_cluster_changed_by_hand_is_out_of_scope_whatever_the_symptom() -> None:
    # The bundle shows kubernetes.io/os overwritten with kubectl label (SHR-4).
    result = decide("DNS lookups fail", bundle="changed-system-labels")
    assert (result.decision, result.rule) == ("out-of-scope", "networking")
    assert result.clauses[0] == "SHR-4"
    assert keys(result)[0] == "triage.note.changed-by-hand"
    assert result.evidence[0].source == "bundle"
    assert result.plan is None
    # The same symptom on a healthy cluster is an ordinary networking case.
    healthy = decide("DNS lookups fail", bundle="healthy")
    assert (healthy.decision, healthy.clauses) == ("in-scope", ("COV-IN-6",))


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
    result = plain(make_case("CoreDNS pods restart"), known_issues=list(issues))
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
    tables = (
        "triage.reason",
        "triage.note",
        "triage.decision",
        "triage.table",
        "triage.question",
        "triage.how",
        "triage.status",
    )
    for table in tables:
        assert set(english[table]) == set(korean[table]), table
        for name, template in korean[table].items():
            assert HANGUL.search(template), f"{table}.{name} is not Korean"
    for rule in default_pack().triage.rules:
        assert rule.reason in english["triage.reason"], rule.id
        assert rule.question is None or rule.question in english["triage.question"], rule.id


@pytest.mark.parametrize("lang", LANGS)
def test_tables_render_without_raw_keys(lang: Any) -> None:
    from rich.console import Console

    issues = [Issue("KI-1", "title", "workaround")]
    for result in (
        decide("DNS lookups fail", bundle="deprecated-version"),
        decide("Nothing recognisable"),
        decide("Cannot scale the node pool", bundle="stopped"),
        decide("Calls time out", "There is possibly a service mesh in one namespace."),
        plain(make_case("CoreDNS", preview_feature=True), known_issues=issues),
    ):
        console = Console(width=80, color_system=None, record=True)
        with console.capture() as captured:
            for renderable in render_triage_table(result, lang, explain=True):
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
    result = plain(make_case("The wobbly thing"), pack=pack)
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
            (rule().replace("match:", "question: nope\n      match:"),),
            "triage.rules[0].question",
            "triage.question.nope is missing",
        ),
        (
            (rule().replace("{en: [dns]}", "{en: [dns]}\n          component: nope"),),
            "triage.rules[0].match[0].component",
            "unknown component 'nope'",
        ),
        (
            (rule().replace("phrases: {en: [dns]}", "phrases: {ko: [메시/XYZ]}"),),
            "triage.rules[0].match[0]",
            "'XYZ' is not a Sejong tag",
        ),
        (
            (rule().replace("{en: [dns]}", "{en: [dns]}\n          weight: 0"),),
            "triage.rules[0].match[0].weight",
            "must be positive",
        ),
        (
            (rule().replace("{en: [dns]}", "{en: [dns]}\n          near: [{}]"),),
            "triage.rules[0].match[0].near[0]",
            "is empty",
        ),
        (
            (rule().replace("match:", "lasting: {over_days: 0, clauses: [CONN-5]}\n      match:"),),
            "triage.rules[0].lasting.over_days",
            "must be positive",
        ),
        (
            (rule().replace("match:", "bundle: {findings: [NOPE-1]}\n      match:"),),
            "triage.rules[0].bundle.findings",
            "unknown clause NOPE-1",
        ),
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
    # The failing lookups decide; the CoreDNS the customer picked is cited only as a word.
    assert (data["decision"], data["rule"]) == ("in-scope", "networking")
    assert "COV-IN-6" in data["clauses"]
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
    assert out.startswith("Triage: OUT OF SCOPE  (rule: third-party-open-source · confidence 70%)")
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
    for path, reason in ((broken, "truncated JSON"), (big, "larger than 256 KiB")):
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


# --- changes made by hand (out of scope, whatever the symptom) -------------------------------


@pytest.mark.parametrize(
    ("title", "description", "clauses"),
    [
        (
            "Worker VMs resized in Hyper-V",
            "We changed the worker VMs directly in Hyper-V Manager from 4 to 8 vCPU. One node "
            "stays NotReady.",
            ("SHR-3", "CUST-1"),
        ),
        (
            "Hyper-V에서 워커 VM 메모리 증설",
            "Hyper-V 관리자에서 워커 VM 메모리를 16GB에서 32GB로 변경하였습니다. "
            "노드 하나가 NotReady입니다.",
            ("SHR-3", "CUST-1"),
        ),
        (
            "Node VM changes lost after the upgrade",
            "We configured things on the worker VMs from the Hyper-V console (an agent, NTP, a "
            "local user); after the upgrade all of it is gone.",
            ("SHR-3", "CUST-1"),
        ),
        (
            "Hyper-V 콘솔에서 설정한 내용이 사라짐",
            "Hyper-V 콘솔에서 워커 VM에 NTP와 로컬 계정을 설정했는데 업그레이드 후 사라졌습니다.",
            ("SHR-3", "CUST-1"),
        ),
        (
            "VLAN on the node VMs",
            "We tagged the worker VMs' network adapters directly with VLAN 212. Two nodes are "
            "NotReady.",
            ("CUST-2", "NET-1"),
        ),
        (
            "노드 MTU 변경",
            "ssh로 워커 노드에 접속해서 eth0 MTU를 9000으로 바꿨습니다. 큰 패킷이 유실됩니다.",
            ("CUST-2", "NET-1"),
        ),
        (
            "Taint removed from the control plane",
            "We removed the node-role.kubernetes.io/control-plane taint with kubectl taint.",
            ("SHR-4",),
        ),
        (
            "노드 라벨 수정",
            "kubectl edit node로 msft.microsoft/nodepool-name 라벨을 바꿨습니다.",
            ("SHR-4",),
        ),
        (
            "Feature gate on the API server",
            "We enabled --feature-gates=ClusterTrustBundle=true on kube-apiserver over ssh.",
            ("PRV-1",),
        ),
        (
            "기능 게이트 활성화",
            "API 서버 매니페스트에 알파 기능 게이트를 활성화하였습니다.",
            ("PRV-1",),
        ),
        (
            "All VMs stopped in Hyper-V for two weeks",
            "We stopped all cluster VMs with Stop-VM, not through az aksarc, for two weeks.",
            ("STOP-1",),
        ),
        (
            "모든 VM 6주간 꺼둠",
            "장애조치 클러스터 관리자에서 클러스터 VM을 모두 껐고 6주 동안 꺼져 있었습니다.",
            ("STOP-1", "CONN-5"),
        ),
        (
            "Packages installed on the nodes",
            "We logged into each worker over ssh and ran tdnf install to add our agent.",
            ("CUST-1",),
        ),
    ],
)
def test_a_change_made_by_hand_is_out_of_scope_citing_its_clauses(
    title: str, description: str, clauses: tuple[str, ...]
) -> None:
    result = decide(title, description)
    assert result.decision == "out-of-scope"
    assert result.clauses[: len(clauses)] == clauses
    assert not result.requires_access_grant  # support does not take the case
    assert result.evidence[0].clauses[: len(clauses)] == clauses
    assert result.evidence[0].words


@pytest.mark.parametrize(
    ("title", "description"),
    [
        # Denied...
        ("Node NotReady", "Nobody changed the VMs: we did not touch anything in Hyper-V."),
        ("노드 NotReady", "Hyper-V에서 VM 설정을 바꾼 적이 없습니다."),
        # ...a user's own label (SHR-4 covers system metadata only)...
        ("Pods pending", "We added our own label team=payments with kubectl label."),
        # ...the hosts changed, not the node VMs...
        ("etcd slow", "We added memory to both Hyper-V hosts. etcd logs slow fdatasync."),
        # ...VMs stopped by a host update, which is maintenance.
        (
            "API unreachable",
            "All VMs were shut down in Hyper-V maintenance mode during the update.",
        ),
    ],
)
def test_no_change_made_by_hand_when_the_case_does_not_say_one_was_done(
    title: str, description: str
) -> None:
    result = decide(title, description)
    assert result.decision != "out-of-scope"
    by_hand = {"SHR-3", "SHR-4", "CUST-1", "CUST-2", "NET-1", "PRV-1", "STOP-1", "CONN-5"}
    assert not by_hand.intersection(result.clauses)


def test_a_change_only_asked_about_is_not_a_change() -> None:
    asked = decide(
        "API server slow",
        "The API server answers in ten seconds. Can we restart the control plane VM from Hyper-V?",
    )
    assert (asked.decision, asked.rule) == ("in-scope", "control-plane")
    alone = decide("Memory", "Can we change the memory of the worker VMs in Hyper-V directly?")
    assert alone.decision == "needs-review"
    assert ("SHR-3", "CUST-1") in [candidate.clauses for candidate in alone.candidates]


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "node settings lost",
            "Infra adjusted some things; not sure if through az or directly on the VMs.",
        ),
        ("노드 설정 변경", "인프라팀이 VM에서 직접 조정했는지 모르겠습니다."),
    ],
)
def test_a_change_named_with_doubt_needs_review_and_asks(title: str, description: str) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert result.candidates[0].clauses == ("SHR-3", "CUST-1")
    assert result.questions[0].key == "triage.question.hyper-v-changes"
    assert "hyper-v" in render("en", result.questions[0]).casefold()
    assert "hyper-v" in render("ko", result.questions[0]).casefold()


# --- vendor-managed components (in scope) -----------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "New deployments create no pods",
            "A new Deployment shows 0/3 and no ReplicaSet is ever created for it. kubectl "
            "rollout restart on existing ones does nothing either.",
        ),
        (
            "Deployment을 만들어도 파드가 안 생겨요",
            "deployment는 생기는데 ReplicaSet이 안 생기고 파드도 0개입니다. scale 바꿔도 반응이 "
            "없습니다.",
        ),
    ],
)
def test_controllers_that_do_not_do_their_work_are_the_control_plane(
    title: str, description: str
) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule, result.clauses) == (
        "in-scope",
        "control-plane-symptoms",
        ("COV-IN-2",),
    )


@pytest.mark.parametrize(
    ("title", "description", "clause"),
    [
        (
            "CSI controller crashloops",
            "kube-system/csi-akshcicsi-controller restarts; PVCs Pending.",
            "MGD-1",
        ),
        (
            "csi-smb-node 파드 재시작",
            "kube-system의 csi-smb-node가 CrashLoopBackOff 입니다.",
            "MGD-1",
        ),
        (
            "Volume never attaches",
            "FailedAttachVolume: AttachVolume.Attach failed for volume.",
            "MGD-1",
        ),
        ("kube-proxy crashloops", "kube-proxy pods restart on two nodes.", "NODE-V-2"),
        ("containerd 재시작 반복", "워커 노드에서 containerd가 계속 재시작됩니다.", "NODE-V-2"),
        ("kubelet PLEG not healthy", "Nodes flap NotReady: PLEG is not healthy.", "NODE-V-2"),
    ],
)
def test_vendor_managed_components_are_in_scope(title: str, description: str, clause: str) -> None:
    result = decide(title, description)
    assert result.decision == "in-scope"
    assert clause in result.clauses


# --- what fails outranks what is named -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description", "rule"),
    [
        # A product said to work, removed or denied does not decide...
        (
            "CoreDNS crashloops (Helm)",
            "The Helm release is fine. CoreDNS pods crashloop.",
            "coredns",
        ),
        (
            "Pods can't reach storage",
            "Linkerd was fully removed. Pods time out to storage.",
            "networking",
        ),
        (
            "파드 간 통신 장애",
            "저희는 Istio를 사용하지 않습니다. 다른 노드의 파드끼리 통신이 안 됩니다.",
            "networking",
        ),
        (
            "ArgoCD 설치 후 CoreDNS 재시작",
            "ArgoCD 자체는 정상 동작합니다. CoreDNS가 계속 죽습니다.",
            "coredns",
        ),
        # ...nor one merely installed beside a failing component...
        (
            "containerd dead on 2 nodes (Istio installed)",
            "containerd.service exits on two nodes.",
            "node-components",
        ),
        # ...nor Azure Key Vault read as HashiCorp Vault.
        (
            "Key Vault secrets not mounted",
            "This is Azure Key Vault, NOT HashiCorp Vault. Lookups time out.",
            "networking",
        ),
    ],
)
def test_the_failing_component_outranks_a_product_merely_named(
    title: str, description: str, rule: str
) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("in-scope", rule)


def test_a_product_that_is_itself_the_subject_still_decides() -> None:
    result = decide("Istio gateway returns 502", "How do we debug the Envoy config of our mesh?")
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")
    helm = decide("helm install of Istio fails", "The istio-base chart fails with a CRD conflict.")
    assert helm.rule == "third-party-open-source"  # Istio, not the tool that installs it


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "Image pulls time out",
            "Pulls from harbor.contoso.local/shop/api:2.1 time out: dial tcp 10.0.0.9:443: "
            "i/o timeout.",
        ),
        (
            "이미지 pull 실패",
            'Head "https://harbor.hanbit.local/v2/pay/api/manifests/1.9.3": dial tcp '
            "172.20.9.15:443: i/o timeout 오류가 납니다.",
        ),
    ],
)
def test_a_host_name_is_not_the_product_it_looks_like(title: str, description: str) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("in-scope", "networking")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "Linkerd proxy init fails",
            "To be clear, we are NOT using Istio (removed it last year). New pods fail with "
            "linkerd-init errors and stay in CrashLoopBackOff.",
        ),
        (
            "Linkerd 프록시 init 실패",
            "Istio는 쓰지 않습니다. Linkerd를 쓰는데 새 파드가 linkerd-init 오류로 뜨지 않습니다.",
        ),
    ],
)
def test_a_denial_rules_out_the_product_it_names_not_the_others_of_its_rule(
    title: str, description: str
) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")
    assert result.reasons[0].args["matched"].casefold().startswith("linkerd")
    assert "triage.note.ruled-out" in keys(result)
    scored = {entry.rule: entry for entry in result.scoring}["third-party-open-source"]
    assert {word.text.casefold() for word in scored.words_against} == {"istio"}


def test_denying_the_kind_of_product_rules_out_its_whole_rule() -> None:
    result = decide(
        "CoreDNS SERVFAIL; will Istio matter later?",
        "CoreDNS answers SERVFAIL for 2% of lookups. If we install Istio next quarter, does "
        "that change your support? For now there is no mesh, no sidecars, a plain cluster.",
    )
    assert (result.decision, result.rule) == ("in-scope", "coredns")


def test_a_preview_feature_that_fails_outranks_a_product_installed_beside_it() -> None:
    result = decide(
        "Preview feature fails (cert-manager also installed)",
        "The Arc gateway public preview certificate rotation fails. cert-manager is also "
        "installed, only for our ingress, and it does not touch azure-arc.",
    )
    assert (result.decision, result.business_hours_only) == ("best-effort", True)
    assert "PRV-3" in result.clauses


def test_a_name_or_namespace_called_preview_is_not_a_preview_feature() -> None:
    result = decide(
        "ingress 404 in the preview namespace",
        "Our namespace is named preview (not a preview feature, a GA cluster). The ingress "
        "returns 404.",
    )
    assert (result.decision, result.business_hours_only) == ("in-scope", False)


# --- needs review --------------------------------------------------------------------------------


def test_a_symptom_with_a_product_named_with_doubt_needs_review() -> None:
    result = decide(
        "network weirdness",
        "Some calls time out between services. There is possibly a mesh in one namespace and "
        "a third-party firewall between zones.",
    )
    assert result.decision == "needs-review"
    assert [c.rule for c in result.candidates] == [
        "closed-source-third-party",
        "third-party-open-source",
        "networking",
    ]
    assert keys(result)[0] == "triage.note.unsure"
    keys_asked = [question.key for question in result.questions]
    assert keys_asked[:2] == [
        "triage.question.third-party-software",
        "triage.question.network-path",
    ]
    assert result.clauses == ()
    assert result.confidence == 0.3


def test_a_component_named_outright_is_not_stopped_by_a_suspected_product() -> None:
    result = decide("CoreDNS crashloops", "Maybe the service mesh plays a part, we are not sure.")
    assert (result.decision, result.rule) == ("in-scope", "coredns")


def test_a_bare_upgrade_question_needs_review_but_one_with_versions_does_not() -> None:
    bare = decide("upgrade question", "We want to upgrade. What should we do?")
    assert bare.decision == "needs-review"
    assert [c.rule for c in bare.candidates] == ["upgrade"]
    assert "triage.question.upgrade-details" in [q.key for q in bare.questions]
    versioned = decide("Upgrade path from 1.30 to 1.31", "Is there downtime?")
    assert (versioned.decision, versioned.rule) == ("in-scope", "upgrade")


# --- a version the case states --------------------------------------------------------------


def test_a_version_out_of_support_stated_in_the_case_is_upgrade_first() -> None:
    result = decide("kubelet certificates expired", "Our cluster runs Kubernetes 1.27.9.")
    assert result.decision == "upgrade-first"
    assert result.clauses[:2] == ("SVP-2", "VER-2")
    assert keys(result)[0] == "triage.note.version-stated"
    assert result.evidence[0].source == "version" and result.evidence[0].words == ("1.27.9",)
    assert result.confidence == 0.85
    assert result.plan is None  # no bundle to plan from: the reason points to `plan`
    supported = decide("kubelet certificates expired", "Our cluster runs Kubernetes 1.31.4.")
    assert supported.decision == "in-scope"
    korean = decide("API 느림", "클러스터는 아직 1.24.9 입니다.")
    assert korean.decision == "upgrade-first"


def test_a_version_in_pasted_tool_output_counts_only_in_a_node_row() -> None:
    # `helm list` prints the chart's version, an image reference its tag: not the cluster's.
    helm = decide(
        "azure-arc release stuck in pending-upgrade",
        "helm list -n azure-arc-release -a:\nazure-arc  azure-arc-release  pending-upgrade  1.24.5",
    )
    assert helm.decision != "upgrade-first"
    image = decide("Image pull fails", "Our cluster cannot pull registry.local/shop/api:v1.25.3.")
    assert image.decision != "upgrade-first"
    nodes = decide(
        "Node NotReady",
        "kubectl get nodes\nmoc-lx1   NotReady   <none>   90d   v1.27.3\n"
        "moc-lx2   Ready   <none>   90d   v1.27.3",
    )
    assert nodes.decision == "upgrade-first"
    assert set(nodes.evidence[0].words) == {"v1.27.3"}


def test_a_version_the_bundle_gives_wins_over_the_text() -> None:
    result = decide("DNS fails", "We are on 1.31.4.", bundle="deprecated-version")
    assert result.decision == "upgrade-first"
    assert result.evidence[0].source == "bundle"


# --- the bundle grounds the decision ---------------------------------------------------------


def test_a_product_the_bundle_does_not_show_counts_only_where_the_case_is_about_it() -> None:
    # Istio named in passing, and the bundle shows no Istio: the failing DNS decides.
    passing = decide("DNS lookups fail", "We also have Istio.", bundle="healthy")
    assert (passing.decision, passing.rule) == ("in-scope", "networking")
    words = [w for s in passing.scoring for w in s.words_against if w.how == "not-in-bundle"]
    assert [w.text for w in words] == ["istio"]
    # The same words with a bundle that runs Istio: Istio counts (and is not in focus).
    installed = decide("DNS lookups fail", "We also have Istio.", bundle="istio-custom-cni")
    assert not [w for s in installed.scoring for w in s.words_against]


def test_bundle_findings_speak_for_a_rule() -> None:
    # No word of the case names Arc; the bundle shows the cluster disconnected (CONN-1).
    result = decide(
        "Node pool scaling fails", "It fails with a validation error.", bundle="disconnected-40d"
    )
    assert (result.decision, result.rule) == ("in-scope", "arc-integration")
    assert "COV-IN-4" in result.clauses
    support = [w for s in result.scoring if s.rule == "arc-integration" for w in s.words_for]
    assert {w.text for w in support} == {"CONN-1", "CONN-3"}


def test_an_alpha_gate_in_the_bundle_makes_the_case_out_of_scope() -> None:
    result = decide("Pod resize stuck", "Bundle attached.", bundle="alpha-gates")
    assert (result.decision, result.clauses[0]) == ("out-of-scope", "PRV-1")
    assert result.confidence == 0.95


# --- explain -------------------------------------------------------------------------------------


def test_explain_shows_every_rule_its_score_and_the_words_for_and_against(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "--title", "Istio sidecar breaks DNS",
        "--description", "We did not change CoreDNS. Lookups fail in pods with istio-proxy.",
        "-o", "json", "--explain",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    scoring = {entry["rule"]: entry for entry in data["scoring"]}
    assert scoring["third-party-open-source"]["status"] == "decided"
    assert scoring["networking"]["status"] == "fired"
    coredns = scoring["coredns"]
    assert coredns["status"] == "weak" and coredns["score"] == 0
    assert coredns["against"] == [
        {"text": "coredns", "how": "denied", "cue": "not change", "focused": False}
    ]
    code, table, _ = run(
        capsys,
        "--title", "Istio sidecar breaks DNS",
        "--description", "We did not change CoreDNS.",
        "--explain", "--lang", "ko",
    )  # fmt: skip
    assert code == 0
    assert "점수:" in table and "coredns (부정: not change)" in table
    code, plain_json, _ = run(capsys, "--title", "Istio sidecar breaks DNS", "-o", "json")
    assert "scoring" not in json.loads(plain_json)


def test_every_answer_validates_against_the_published_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import jsonschema

    from arcsupport.schema import load_schema

    validator = jsonschema.Draft202012Validator(load_schema("triage"))
    bundles = {"deprecated-version": "DNS fails", "stopped": "Scaling fails"}
    for bundle, title in bundles.items():
        code, out, _ = run(
            capsys, "--title", title, "--bundle", str(EXAMPLES / bundle), "--at", DAY, "-o", "json"
        )
        assert code == 0
        validator.validate(json.loads(out))
    for title in ("Istio breaks DNS", "Nothing recognisable", "Calico BGP peering tuning"):
        code, out, _ = run(capsys, "--title", title, "-o", "json", "--explain")
        assert code == 0
        validator.validate(json.loads(out))


# --- the Korean analyser is loaded only for triage -------------------------------------------

_LOADED = """
import sys
from arcsupport.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("kiwipiepy" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["check", str(EXAMPLES / "healthy"), "--at", DAY], False),
        (["triage", "--title", "Istio breaks DNS", "--description", "sidecar"], False),
        (["triage", "--title", "이스티오 사이드카 때문에 DNS 조회가 실패합니다"], True),
    ],
)
def test_the_korean_analyser_is_imported_only_to_read_korean(args: list[str], loaded: bool) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.stderr.strip().splitlines()[-1] == str(loaded), result.stderr


# --- what the case says is the cause, named products, doubts between two answers -----------


@pytest.mark.parametrize(
    ("title", "description", "clause"),
    [
        (
            "Helm releases fail",
            "Every helm upgrade fails. The root cause is the API server: kubectl get pods times "
            "out too, and /readyz reports etcd failed.",
            "COV-IN-2",
        ),
        (
            "Helm 배포 실패",
            "Helm으로 배포할 때마다 실패합니다. 알고 보니 etcd 쪽이었습니다: etcdserver: request "
            "timed out 이 kubectl에서도 납니다.",
            "COV-IN-3",
        ),
    ],
)
def test_what_the_case_names_as_the_cause_outranks_a_product(
    title: str, description: str, clause: str
) -> None:
    result = decide(title, description)
    assert result.decision == "in-scope"
    assert clause in result.clauses


def test_a_cause_in_a_pasted_stack_trace_is_not_the_case_naming_one() -> None:
    result = decide(
        "worker pod crashloops",
        "Caused by: java.lang.NullPointerException at com.contoso.invoice.Loader.run. What is "
        "wrong with the cluster?",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "application-runtime")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Trivy scanner reports nothing", "The open-source Trivy scanner writes no reports."),
        ("Kubescape 스캐너 결과 없음", "오픈소스 Kubescape 스캐너가 결과를 만들지 않습니다."),
    ],
)
def test_a_named_product_outranks_a_word_for_its_kind(title: str, description: str) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "GitOps sync stuck",
            "Kustomizations stay not ready. We do not know whether the Arc agents or Flux "
            "itself are at fault.",
        ),
        (
            "GitOps 동기화 멈춤",
            "kustomization이 계속 대기 상태입니다. Arc 에이전트 문제인지 Flux 자체 문제인지 "
            "모르겠습니다.",
        ),
    ],
)
def test_a_sentence_doubting_between_two_answers_needs_review(title: str, description: str) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert {"arc-integration", "third-party-open-source"} <= {c.rule for c in result.candidates}


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Our shop is slow since Monday", "Users complain. Nothing changed that we know of."),
        ("서비스가 느려졌습니다", "월요일부터 응답 시간이 길어졌다는 민원이 있습니다."),
    ],
)
def test_slowness_with_nothing_named_asks_whether_network_or_application(
    title: str, description: str
) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert {"networking", "application-runtime"} <= {c.rule for c in result.candidates}


def test_a_namespace_called_billing_is_not_azure_billing() -> None:
    result = decide(
        "DB timeouts from one namespace",
        "Pods in namespace billing get connect timeouts to our database; other pods are fine.",
    )
    assert (result.decision, result.rule) == ("in-scope", "networking")
    assert decide("Invoice too high", "Our Azure invoice charges twice the vCPUs.").rule == (
        "billing"
    )


def test_aks_arc_the_product_name_is_not_the_arc_integration() -> None:
    result = decide(
        "컨테이너 메트릭 수집 안 됨",
        "유료 모니터링 SaaS 에이전트를 설치했습니다. AKS Arc 노드에서 cgroup 경로를 어떻게 "
        "지정해야 하는지 알려주세요.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "closed-source-third-party")


def test_an_out_of_scope_answer_cites_every_reason_in_focus() -> None:
    result = decide(
        "Writing our own ingress controller",
        "We want to write a controller that programs our F5 BIG-IP. How do we update the "
        "Ingress status from it?",
    )
    assert result.decision == "out-of-scope"
    assert {"COV-OUT-3", "COV-OUT-1"} <= set(result.clauses)


# --- states the policy leaves to an engineer ---------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description", "rule", "clause"),
    [
        (
            "Is AKS on Windows Server 2019 still supported?",
            "Our hosts run Windows Server 2019 Datacenter; node pool creation fails.",
            "host-platform-lifecycle",
            "SVP-3",
        ),
        (
            "Feature flag from the product group",
            "A PM gave us a feature flag for a new autoscaler mode. Is it supported?",
            "pre-release-feature",
            "PRV-2",
        ),
    ],
)
def test_a_state_the_policy_leaves_to_an_engineer_needs_review(
    title: str, description: str, rule: str, clause: str
) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert result.candidates[0].rule == rule
    assert clause in result.candidates[0].clauses
    assert "triage.note.policy-needs-review" in keys(result)
    assert result.clauses == ()  # candidates, not an answer
    assert result.evidence[0].source == rule and result.evidence[0].words
    assert {s.rule: s.status for s in result.scoring}[rule] == "decided"
    own = default_pack().triage.rules
    question = next(r.question for r in own if r.id == rule)
    assert f"triage.question.{question}" in [q.key for q in result.questions]


@pytest.mark.parametrize(
    ("title", "description", "decision"),
    [
        # Ten days into SUB-1's 60: the Arc and billing side is answered, SUB-1 cited.
        (
            "Subscription suspended",
            "Our subscription was suspended on Sept 5; what now?",
            "in-scope",
        ),
        ("구독 정지", "결제 문제로 구독이 9/5에 정지되었습니다. 어떻게 되나요?", "in-scope"),
        # Fifty days in: the deadline is near, whatever else is asked.
        (
            "Ingress fails",
            "The subscription is suspended since July 25. Can you help with our ingress?",
            "needs-review",
        ),
        (
            "인그레스 문의",
            "7/25부터 구독이 정지된 상태입니다. ingress 문제를 도와줄 수 있나요?",
            "needs-review",
        ),
    ],
)
def test_a_suspended_subscription_needs_review_near_its_deadline(
    title: str, description: str, decision: str
) -> None:
    result = decide(title, description)
    assert result.decision == decision
    cited = result.clauses if decision != "needs-review" else result.candidates[0].clauses
    assert "SUB-1" in cited
    if decision == "needs-review":
        assert "triage.note.lasting-review" in keys(result)


@pytest.mark.parametrize(
    "description",
    [
        "Our hosts still run Azure Stack HCI 22H2 and the API server restarts. Still covered?",
        "호스트가 Azure Local 2405에 멈춰 있습니다. 이 상태에서도 지원을 받을 수 있나요?",
    ],
)
def test_a_host_release_asked_about_is_a_host_lifecycle_review(description: str) -> None:
    result = decide("Host platform", description)
    assert result.decision == "needs-review"
    assert "SVP-3" in result.candidates[0].clauses


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "Services fail after a kube-proxy change",
            "We switched kube-proxy to ipvs with kubectl edit on its ConfigMap in kube-system.",
        ),
        ("CoreDNS keeps reverting", "We did kubectl set image on coredns to our own build."),
        (
            "kube-proxy 설정",
            "kube-proxy ConfigMap을 kubectl edit로 수정한 뒤 서비스 호출이 실패합니다.",
        ),
    ],
)
def test_a_managed_component_changed_by_hand_is_out_of_scope(title: str, description: str) -> None:
    result = decide(title, description)
    assert (result.decision, result.rule) == ("out-of-scope", "managed-component-changed")
    assert "MGD-3" in result.clauses


@pytest.mark.parametrize(
    ("title", "description", "clause"),
    [
        # CoreDNS's configuration is the customisation the policy allows.
        (
            "Forwarder in CoreDNS",
            "How do we edit the CoreDNS ConfigMap to add a forwarder?",
            "COV-IN-5",
        ),
        ("kube-proxy crashes", "We did not edit kube-proxy; it crashes on two nodes.", "NODE-V-2"),
        # A change beside the component is not a change of it.
        (
            "kube-proxy errors",
            "After we changed the MTU on the switch, kube-proxy logs errors on every node.",
            "NODE-V-2",
        ),
        (
            "kube-proxy 오류",
            "kube-proxy 로그를 보고 네트워크 설정을 바꿨는데도 서비스가 안 됩니다.",
            "NODE-V-2",
        ),
        # An add-on that came with the cluster is the vendor's to maintain.
        ("kubectl top broken", "metrics-server is in CrashLoopBackOff in kube-system.", "MGD-1"),
    ],
)
def test_a_managed_component_not_changed_by_hand_stays_in_scope(
    title: str, description: str, clause: str
) -> None:
    result = decide(title, description)
    assert result.decision == "in-scope"
    assert clause in result.clauses


def test_several_problems_with_different_answers_are_split_by_a_person() -> None:
    result = decide(
        "Two things",
        "Two things: (1) etcd leader changes every hour and writes are slow; (2) Istio "
        "sidecars fail to get certificates and return 503.",
    )
    assert result.decision == "needs-review"
    assert {"etcd", "third-party-open-source"} <= {c.rule for c in result.candidates}
    assert "triage.note.several-problems" in keys(result)


def test_no_other_problem_is_not_several_problems() -> None:
    result = decide(
        "etcd 지연", "다른 문제는 없고 etcd만 느립니다. Istio는 사이드카 설정만 문의합니다."
    )
    assert "triage.note.several-problems" not in keys(result)


def test_several_problems_with_one_answer_are_answered() -> None:
    result = decide(
        "Two issues",
        "Two issues: (1) etcd leader changes every hour; (2) the API server restarts.",
    )
    assert (result.decision, result.rule) == ("in-scope", "etcd")


@pytest.mark.parametrize(
    ("title", "description", "rule"),
    [
        # Korean puts words between the subscription and the verb.
        (
            "구독 문의",
            "어제 구독을 정리하다가 실수로 삭제했습니다. 복구할 수 있나요?",
            "subscription-deleted",
        ),
        # Saving every node VM in Hyper-V takes the cluster down by hand as stopping does.
        (
            "VM 저장",
            "클러스터 VM 전부를 Hyper-V에서 저장 상태로 내렸다가 켰습니다.",
            "stopped-by-hand",
        ),
        (
            "Saved VMs",
            "We ran Save-VM on all the moc- VMs before the power work.",
            "stopped-by-hand",
        ),
    ],
)
def test_a_state_named_in_other_words_is_recognised(
    title: str, description: str, rule: str
) -> None:
    result = decide(title, description)
    assert {s.rule: s.status for s in result.scoring}[rule] == "decided"


@pytest.mark.parametrize(
    ("title", "description", "decision"),
    [
        # COV-OUT-1 keeps advice on the cluster's own features and tuning in scope...
        (
            "Sizing advice",
            "Should we turn on the cluster autoscaler, and which max-pods value?",
            "in-scope",
        ),
        (
            "사이징 문의",
            "노드 풀 크기와 클러스터 오토스케일러 설정을 어떻게 하면 좋을까요?",
            "in-scope",
        ),
        # ...but not how to write one's own workloads.
        ("HPA", "How do we write the HPA manifest for our app's Deployment?", "out-of-scope"),
    ],
)
def test_advice_on_cluster_features_is_in_scope_even_as_a_how_to(
    title: str, description: str, decision: str
) -> None:
    result = decide(title, description)
    assert result.decision == decision
    assert "COV-OUT-1" in result.clauses


def test_a_cni_swap_named_with_doubt_beside_the_failure_needs_review() -> None:
    result = decide(
        "CoreDNS가 안 뜨는데 누가 CNI를 바꾼 것 같습니다",
        "kube-system에 calico-node가 없고 cilium DaemonSet이 보입니다.",
    )
    assert result.decision == "needs-review"
    assert "COV-OUT-4" in {c for candidate in result.candidates for c in candidate.clauses}


def test_a_bundle_of_another_distribution_needs_a_person_to_route_the_case() -> None:
    case = ("Arc extension install fails", "The Azure Monitor extension fails to install.")
    assert decide(*case).decision == "in-scope"
    result = decide(*case, bundle="k3s")
    assert (result.decision, result.clauses) == ("needs-review", ())
    assert "triage.note.not-aks-arc" in keys(result)
    assert [candidate.rule for candidate in result.candidates] == ["arc-integration"]


def test_a_public_preview_enabled_by_a_flag_stays_a_public_preview() -> None:
    result = decide("Public preview fails", "We enabled the public preview feature flag.")
    assert (result.decision, result.business_hours_only) == ("best-effort", True)


def test_a_cluster_stopped_with_az_aksarc_brings_the_stop_clauses_to_the_review() -> None:
    result = decide(
        "Restarting a stopped cluster",
        "We stopped the cluster with az aksarc stop on 1 August. Can we start it in October?",
        bundle="stopped",
    )
    assert result.decision == "needs-review"
    cited = {clause for candidate in result.candidates for clause in candidate.clauses}
    assert {"STOP-3", "STOP-2"} <= cited


def test_a_stopped_cluster_only_asked_about_does_not_stop_the_answer() -> None:
    result = decide("요금 문의", "중지된 클러스터도 vCPU 요금이 과금되는지 궁금합니다.")
    assert (result.decision, result.rule) == ("in-scope", "billing")


def test_a_host_platform_named_in_another_request_is_not_a_lifecycle_question() -> None:
    result = decide(
        "DNS lookups fail", "Our hosts run Windows Server 2022. Pods get SERVFAIL; please support."
    )
    assert result.decision == "in-scope"


def test_an_upgrade_with_a_version_at_the_end_of_a_sentence_is_in_scope() -> None:
    result = decide(
        "노드 이미지 업그레이드 실패", "노드 이미지 업그레이드가 실패합니다. 클러스터 1.30.9."
    )
    assert (result.decision, result.rule) == ("in-scope", "upgrade")


# --- a deleted subscription ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (
            "Subscription deleted - can we reattach the cluster?",
            "Someone deleted the subscription the cluster was registered in. How do we "
            "re-register it?",
        ),
        (
            "move cluster to new subscription",
            'Finance cancelled our old "IT-Edge-01" subscription and it was removed last month. '
            "We want to point the cluster at a new one.",
        ),
        (
            "구독이 삭제되었습니다",
            "실수로 구독을 삭제했습니다. 클러스터를 새 구독에 다시 등록할 수 있나요?",
        ),
        (
            "구독 재연결",
            "예전 구독을 취소했고 그 구독은 이미 완전히 삭제됐다고 합니다. "
            "새 구독에 붙일 수 있나요?",
        ),
    ],
)
def test_a_deleted_subscription_is_out_of_scope_redeploy_required(
    title: str, description: str
) -> None:
    # SUB-2: a deleted subscription cannot be reconnected; the request cannot be met.
    result = decide(title, description)
    assert (result.decision, result.rule) == ("out-of-scope", "subscription-deleted")
    assert "SUB-2" in result.clauses


def test_a_subscription_perhaps_deleted_needs_review() -> None:
    result = decide(
        "subscription shows Disabled",
        "Finance is not sure whether the subscription was deleted or only suspended.",
    )
    assert result.decision == "needs-review"
    assert any("SUB-2" in candidate.clauses for candidate in result.candidates)


# --- what a ticket says in passing -----------------------------------------------------------


def test_prose_wrapped_at_a_fixed_width_reads_as_one_sentence() -> None:
    wrapped = (
        "Our app pool VMs were too small so I shut them down one at a time in Hyper-V Manager,\n"
        "changed processors 4 -> 8 and memory 16 -> 32 GB, and started them again."
    )
    result = decide("node pool scale fails after we gave workers more CPU", wrapped)
    assert (result.decision, result.rule) == ("out-of-scope", "node-vm-changed-by-hand")
    assert "SHR-3" in result.clauses
    # A line of its own that ends a sentence is not joined with the next one.
    apart = (
        "The VMs were opened in Hyper-V Manager to look at them.\n"
        "Someone changed processors on the Hyper-V hosts' own BIOS for another project."
    )
    assert decide("nodes slow", apart).rule != "node-vm-changed-by-hand"


def test_pasted_log_records_are_not_joined_as_wrapped_prose() -> None:
    reading_pack = default_pack().triage.reading
    from arcsupport.engine.triage.reading import read

    text = (
        "kubelet logs show the same line over and over on the worker since this morning\n"
        "E0911 14:22:07.410 kubelet.go:1520] failed to sync pod\n"
        "I0911 14:22:08.000 kubelet.go:1521] retrying"
    )
    reading = read("kubelet loops", text, reading_pack, korean_morphology())
    lines = [reading.text[s.start : s.end] for s in reading.sentences if not s.aside]
    assert any(line.startswith("e0911") for line in lines)
    assert any(line.startswith("i0911") for line in lines)


def test_a_parenthesis_after_a_korean_sentence_ending_belongs_to_that_sentence() -> None:
    result = decide(
        "[긴급] etcd 리더 변경이 계속 일어납니다",
        "지원 끝난 버전인 건 알고 있습니다 (1.28.9). 지금 당장 etcd 가 leader changed 를 찍으면서 "
        "kubectl apply 가 자주 실패해요.",
    )
    assert result.decision == "upgrade-first"
    assert "SVP-2" in result.clauses


def test_a_pasted_command_is_about_what_its_failing_output_says() -> None:
    description = (
        "calico-node is Ready on all 4 nodes and the felix logs are clean.\n\n"
        "$ kubectl -n kube-system logs kube-proxy-4cnjs | tail -2\n"
        'E0913 10:02:11.773 proxier.go:1494] "Failed to execute iptables-restore" err="exit 4"\n'
        'I0913 10:02:11.773 proxier.go:823] "Sync failed" retryingTime="30s"\n'
    )
    result = decide("services unreachable from one node after reboot", description)
    assert result.decision == "in-scope"
    assert "NODE-V-2" in result.clauses


@pytest.mark.parametrize(
    ("description", "helm_counts"),
    [
        ("Can someone help us get Helm out of this state without deleting the release?", True),
        ("We deploy everything without Helm, plain manifests only.", False),
    ],
)
def test_without_denies_only_what_it_names(description: str, helm_counts: bool) -> None:
    result = decide("helm upgrade stuck: another operation is in progress", description)
    assert (result.rule == "helm") is helm_counts


def test_a_mesh_the_case_says_not_to_blame_does_not_decide() -> None:
    result = decide(
        "Intermittent name resolution failures to external hosts",
        "5% of outbound lookups fail with no such host. We ran Istio last year but it was "
        "removed in March, so please don't blame the mesh.",
    )
    assert result.decision == "in-scope"
    assert "COV-IN-6" in result.clauses


def test_a_product_first_suspected_then_cleared_does_not_decide() -> None:
    result = decide(
        "HPA not scaling, kubectl top broken",
        "We first thought KEDA was at fault but the plain HPAs are stuck too. metrics-server "
        "in kube-system is in CrashLoopBackOff.",
    )
    assert result.decision == "in-scope"
    assert "MGD-1" in result.clauses


# --- clauses cited beside the deciding one ---------------------------------------------------


@pytest.mark.parametrize(
    ("title", "description", "clause"),
    [
        (
            "port-forward keeps dropping",
            "kubectl port-forward dies after a few minutes. It looks like an open "
            "kubernetes/kubernetes GitHub issue in the kubelet streaming code. Is there a "
            "workaround, and when will a fixed kubelet ship?",
            "UPS-2",
        ),
        (
            "kubelet 메모리 증가",
            "노드에서 kubelet 메모리가 계속 늘어납니다. kubernetes GitHub 에 같은 증상의 upstream "
            "이슈가 열려 있습니다. 우회 방법과 수정 일정을 알려주세요.",
            "UPS-2",
        ),
        (
            "runc CVE on our agent nodes",
            "Our scanner output lists a runc container-escape CVE on the node image versions. "
            "Are the AKS Arc node images affected and what is the remediation?",
            "SEC-2",
        ),
        (
            "노드 이미지 커널 취약점",
            "리눅스 커널 권한상승 취약점이 저희 AKS Arc 노드 이미지에 해당되는지, "
            "조치 방법을 알려주세요.",
            "SEC-2",
        ),
    ],
)
def test_upstream_bugs_and_security_flaws_are_in_scope_and_cited(
    title: str, description: str, clause: str
) -> None:
    result = decide(title, description)
    assert result.decision == "in-scope"
    assert clause in result.clauses


def test_an_upstream_resolver_is_not_an_upstream_bug() -> None:
    result = decide(
        "external names fail",
        "CoreDNS forwards to our upstream DNS server, and lookups of public names time out.",
    )
    assert "UPS-2" not in result.clauses


def test_a_bundle_showing_operations_blocked_is_cited_with_an_in_scope_answer() -> None:
    result = decide(
        "scale out of apppool fails",
        "az aksarc nodepool scale fails with OperationNotAllowed. Bundle attached.",
        bundle="disconnected-40d",
    )
    assert result.decision == "in-scope"
    assert {"CONN-1", "CONN-3"} <= set(result.clauses)
    assert "triage.note.blocked" in keys(result)
    healthy = decide("scale out of apppool fails", "Bundle attached.", bundle="healthy")
    assert "triage.note.blocked" not in keys(healthy)


# --- states an engineer checks first ---------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "decision"),
    [
        (
            "Our subscription was suspended on Aug 20. Are the clusters still supported?",
            "needs-review",
        ),
        ("구독이 8월 초부터 일시 중단 상태입니다. 지원은 언제까지 받을 수 있나요?", "needs-review"),
        (
            "Our subscription was suspended on Sep 5; how do we resync Arc after reactivation?",
            "in-scope",
        ),
    ],
)
def test_asking_whether_a_suspended_subscription_is_still_supported_needs_review(
    description: str, decision: str
) -> None:
    result = decide("subscription suspended", description)
    assert result.decision == decision
    cited = result.clauses or tuple(c for x in result.candidates for c in x.clauses)
    assert "SUB-1" in cited or "COV-IN-4" in cited


@pytest.mark.parametrize(
    ("title", "description", "rule"),
    [
        (
            "nodes NotReady after host work",
            'Somebody from the datacenter team did "some work on the hyper-v hosts". I don\'t '
            "know what. Since then 2 of 4 nodes are NotReady.",
            "host-work-unknown",
        ),
        (
            "협력업체 작업 이후 노드 이상",
            '협력업체가 "VM 설정 최적화"를 했다고만 보고했습니다. '
            "무슨 설정인지는 아직 못 받았어요. 그 뒤로 노드 두 대가 가끔 NotReady 가 됩니다.",
            "host-work-unknown",
        ),
        (
            "kube-proxy sync failures",
            "kube-proxy logs Sync failed every 30 s. I'm not sure which version we run.",
            "version-unknown",
        ),
        (
            "파드가 Pending",
            "버전은 잘 모르겠고 새 파드들이 Pending 에서 안 넘어가요.",
            "version-unknown",
        ),
    ],
)
def test_what_nobody_can_tell_yet_needs_review(title: str, description: str, rule: str) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert result.candidates[0].rule == rule


def test_known_host_maintenance_is_not_doubted_work() -> None:
    result = decide(
        "2 nodes NotReady",
        "The hosts were patched and rebooted on Saturday by the usual cluster-aware update. "
        "Since then 2 nodes are NotReady.",
    )
    assert result.decision == "in-scope"


# --- versions said in passing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "decision"),
    [
        (
            "We are on 1.28.5 and planning to go to 1.29 next quarter. Ingress returns 503s.",
            "upgrade-first",
        ),
        (
            "현재 1.28.5 이고, 다음 분기에 1.29 -> 1.30 -> 1.31 순서로 올릴 예정입니다. "
            "PV 문제를 봐주세요.",
            "upgrade-first",
        ),
        (
            "nodepool1 upgraded fine to 1.29.13, but apppool failed and is still on 1.28.12.",
            "upgrade-first",
        ),
        # Two clusters, or nodes mid-upgrade: the case does not say its cluster is out of support.
        ("fab-dev runs 1.31.5 and fab-prod runs 1.28.12. Ingress returns 503s.", "in-scope"),
        (
            "If the cluster were on 1.28 would this be supported? We run 1.30.9. Ingress 503s.",
            "in-scope",
        ),
        (
            "Pods lose endpoints.\n\n"
            "  Name       OsType   KubernetesVersion   Count   ProvisioningState\n"
            "  nodepool1  Linux    1.28.12             2       Succeeded\n",
            "upgrade-first",
        ),
    ],
)
def test_a_version_stated_for_the_cluster_decides_upgrade_first(
    description: str, decision: str
) -> None:
    result = decide("service problem", description)
    assert result.decision == decision


def test_how_long_nodes_were_stopped_by_hand_may_be_said_in_another_sentence() -> None:
    result = decide(
        "plant line back, AKS won't recover",
        "The line was idle from mid-July to early September. To save power the host team shut "
        "down all the cluster's virtual machines from Hyper-V Manager. Nodes came back NotReady.",
    )
    assert result.decision == "out-of-scope"
    assert {"STOP-1", "CONN-5"} <= set(result.clauses)


def test_a_sysctl_named_vm_is_not_the_set_vm_cmdlet() -> None:
    result = decide(
        "Nodes NotReady after rolling out node-tuner",
        "Our node-tuner DaemonSet (privileged, hostPID) sets vm.max_map_count; 3 of 4 nodes "
        "went NotReady right after.",
    )
    assert (result.decision, result.rule) == ("best-effort", "custom-daemonset-node")
    via_hyper_v = decide("VMs resized", "We ran Set-VM -ProcessorCount 8 on the worker VMs.")
    assert via_hyper_v.rule == "node-vm-changed-by-hand"


def test_not_yet_generally_available_says_preview_it_denies_nothing() -> None:
    result = decide(
        "new node pool option behaving inconsistently",
        "The docs page says the GPU partitioning option is not yet generally available and falls "
        "under the supplemental terms. Sometimes the pool comes up with 0 allocatable GPUs.",
    )
    assert (result.decision, result.business_hours_only) == ("best-effort", True)
    assert "PRV-3" in result.clauses


def test_a_scanner_the_case_says_it_is_not_asking_about_does_not_decide() -> None:
    result = decide(
        "Scanner flags runc CVE on worker nodes",
        "Our Qualys scan reports a runc vulnerability on the agent nodes. We are not asking for "
        "help with Qualys itself. Are the node images affected, and what is the remediation?",
    )
    assert result.decision == "in-scope"
    assert "SEC-2" in result.clauses


def test_no_before_a_noun_denies_the_noun_not_what_came_before_it() -> None:
    result = decide(
        "hubble shows drops between retail pods",
        "We moved the cluster to Cilium. hubble observe shows policy drops between the frontend "
        "and cart pods even with no CiliumNetworkPolicy in that namespace.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "network-customisation")
    denied = decide("DNS fails", "There is no mesh on this cluster; CoreDNS pods restart.")
    assert denied.rule != "third-party-open-source"


def test_no_errors_in_korean_clears_rather_than_denies() -> None:
    # "istiod 로그엔 에러가 없어요": istiod looks fine, Istio is still what the case is about.
    result = decide(
        "VirtualService 가중치 라우팅이 적용이 안됩니다",
        "VirtualService 에 weight 90/10 을 줬는데 트래픽이 50:50 으로 갑니다. istiod 로그엔 "
        "에러가 없어요.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")


def test_a_line_that_introduces_failing_output_is_about_it() -> None:
    result = decide(
        "특정 노드에서만 서비스 IP 접속 불가",
        "처음에는 방화벽 문제인 줄 알았습니다. kube-system 의 kube-proxy-7qz4m 파드 로그:\n\n"
        '  E0912 02:11:45.903  1 proxier.go:1564] "Failed to sync iptables rules"\n',
    )
    assert result.decision == "in-scope"
    assert "MGD-1" in result.clauses


def test_a_product_removed_later_in_the_sentence_does_not_decide() -> None:
    for description in (
        "We ran Linkerd until last year but removed it in March. Calls between nodes take 3 s.",
        "작년까지 Linkerd 를 썼었는데 올해 초에 완전히 걷어냈습니다. "
        "노드가 다르면 호출이 3초 걸립니다.",
    ):
        result = decide("service calls slow", description)
        assert result.rule != "third-party-open-source", description
    kept = decide("Linkerd proxy crashes", "The linkerd-proxy sidecar crashes on every pod.")
    assert kept.rule == "third-party-open-source"


@pytest.mark.parametrize(
    ("description", "decision"),
    [
        (
            "Our cluster runs 1.26.10. Another cluster (1.30) is fine. config-agent restarts.",
            "upgrade-first",
        ),
        (
            "클러스터는 1.28.12 로 쭉 써 왔어요. 새 파드가 Pending 에서 안 넘어갑니다.",
            "upgrade-first",
        ),
        (
            "If we were to upgrade from our current 1.28.5 to 1.31, would the pull errors go away?",
            "upgrade-first",
        ),
    ],
)
def test_versions_said_to_work_elsewhere_or_kept_are_read_as_such(
    description: str, decision: str
) -> None:
    assert decide("cluster problem", description).decision == decision


def test_an_empty_bundle_cannot_ground_an_in_scope_answer() -> None:
    result = decide("kubectl is slow", "Deployments are slow too. Bundle attached.", bundle="empty")
    assert result.decision == "needs-review"
    assert "triage.note.bundle-undetermined" in keys(result)
    assert decide("kubectl is slow", bundle="healthy").decision == "in-scope"


@pytest.mark.parametrize(
    ("title", "description", "decision"),
    [
        (
            "are we still supported on 1.29?",
            "On the 1.29.12 cluster the metrics API returns 503.",
            "needs-review",
        ),
        (
            "1.29 버전 클러스터 지원 여부",
            "1.29.10 인데 이 버전으로도 지원 받을 수 있는지 먼저 알고 싶습니다.",
            "needs-review",
        ),
        (
            "metrics API returns 503",
            "Cluster on 1.30.9; v1beta1.metrics.k8s.io FailedDiscoveryCheck.",
            "in-scope",
        ),
    ],
)
def test_asking_whether_the_version_is_still_supported_needs_review(
    title: str, description: str, decision: str
) -> None:
    result = decide(title, description)
    assert result.decision == decision
    if decision == "needs-review":
        assert result.candidates[0].rule == "version-support-asked"


def test_kube_proxys_own_iptables_rules_are_not_a_network_customisation() -> None:
    ours = decide(
        "traffic to partner range dropped",
        "After we added our own iptables rules on each node, traffic to the partner range drops.",
    )
    assert "COV-OUT-4" in (ours.clauses or [c for x in ours.candidates for c in x.clauses])
    theirs = decide(
        "ClusterIP unreachable on one node",
        'kube-proxy logs "Failed to sync iptables rules" every 30 s on moc-xlk8fgq2nib.',
    )
    assert theirs.decision == "in-scope"


def test_a_resize_nobody_can_place_needs_review() -> None:
    result = decide(
        "worker VMs have different sizes now",
        "Someone changed the size of the workers last week, but nobody remembers whether it was "
        "done with az aksarc or in Hyper-V.",
    )
    assert result.decision == "needs-review"
    assert any("SHR-3" in candidate.clauses for candidate in result.candidates)


@pytest.mark.parametrize(
    ("title", "description", "rule"),
    [
        (
            "cluster stopped for ~5 weeks won't come back",
            "The colleague who did it has left and I don't know whether he stopped it with the az "
            "command or just switched the VMs off. Now the nodes stay NotReady.",
            "stop-method-unknown",
        ),
        (
            "etcd errors on a cluster nobody has touched in a while",
            "Built in February 2024; no idea whether anyone upgraded it since, and I can't run "
            'kubectl version right now. The apps log "etcdserver: request timed out".',
            "version-unknown",
        ),
        (
            "인프라팀 작업 후 파드끼리 통신 안됨",
            '인프라팀 말로는 "VM 쪽 네트워크 좀 정리했다" 는데 구체적으로 뭘 했는지는 모릅니다. '
            "그 뒤로 다른 노드의 파드끼리 통신이 안 됩니다.",
            "host-work-unknown",
        ),
    ],
)
def test_more_of_what_nobody_can_tell_yet_needs_review(
    title: str, description: str, rule: str
) -> None:
    result = decide(title, description)
    assert result.decision == "needs-review"
    assert result.candidates[0].rule == rule


def test_a_subscription_deleted_or_suspended_nobody_knows_needs_review_in_korean() -> None:
    result = decide(
        "구독 문제로 포털에서 클러스터가 안 보임",
        "재무팀에서 구독을 삭제한 건지 일시 중지한 건지 답을 안 주네요. 클러스터는 돌아갑니다.",
    )
    assert result.decision == "needs-review"


@pytest.mark.parametrize(
    ("description", "decision"),
    [
        (
            "Kubernetes version 1.28.9 is not available. Supported versions: 1.29.12, 1.30.9, "
            "1.31.5. The cluster itself is 1.28.9 and works.",
            "upgrade-first",
        ),
        (
            "쿠버네티스 1.27.7 이고, 같은 사이트의 1.30 클러스터는 멀쩡합니다. Arc 가 끊깁니다.",
            "upgrade-first",
        ),
        (
            "The 1.28 cluster at the other site is fine; this one runs 1.31.5 and DNS fails.",
            "in-scope",
        ),
    ],
)
def test_offered_versions_and_other_clusters_versions_are_not_the_clusters(
    description: str, decision: str
) -> None:
    assert decide("cluster problem", description).decision == decision


def test_a_product_named_only_in_an_aside_does_not_decide() -> None:
    result = decide(
        "kube-apiserver에 사내 OIDC 연동 설정 가능한지 문의",
        "사내 IdP(Keycloak) 계정으로 kubectl 인증을 하고 싶습니다. AKS Arc 에서 API 서버 "
        "파라미터를 저희가 바꿀 수 있는지 궁금합니다.",
    )
    assert result.decision == "in-scope"
    assert "COV-IN-5" in result.clauses
    named = decide("Keycloak login loop", "Keycloak redirects in a loop after the login page.")
    assert named.rule == "third-party-open-source"


def test_a_workaround_for_an_upstream_bug_is_not_a_how_to() -> None:
    result = decide(
        "kubelet 업스트림 버그로 보이는 현상 - 우회 방법 문의",
        'ConfigMap 을 subPath 로 마운트한 파드가 "failed to prepare subPath" 로 못 뜹니다. '
        "쿠버네티스 GitHub 에 같은 증상으로 열려 있는 이슈가 있습니다. "
        "우회 방법이 있는지 알려주세요.",
    )
    assert result.decision == "in-scope"
    assert "UPS-2" in result.clauses


def test_a_managed_component_scaled_to_zero_by_hand_is_out_of_scope() -> None:
    result = decide(
        "akshci-telemetry 0 으로 줄인 후 업데이트 실패",
        "kube-system 의 akshci-telemetry 디플로이먼트를 kubectl scale --replicas=0 으로 "
        "내려놨었습니다. 그 후로 클러스터 업데이트가 실패합니다.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "managed-component-changed")
    assert "MGD-3" in result.clauses


def test_an_active_removal_removes_what_follows_it() -> None:
    result = decide(
        "NetworkPolicies ignored after switching CNI",
        "We wanted eBPF and Hubble so we removed calico and installed cilium 1.16 with helm. "
        "Our default-deny NetworkPolicies don't block anything anymore.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "network-customisation")
    passive = decide(
        "calls slow", "Linkerd was uninstalled in March. Calls between nodes are slow."
    )
    assert passive.rule != "third-party-open-source"


def test_a_first_guess_that_was_ruled_out_does_not_decide() -> None:
    result = decide(
        "pods stuck ContainerCreating on one node",
        "Our first guess was the Datadog agent, but we rolled that back and nothing changed. "
        "containerd restarts every 90 s on that node.",
    )
    assert result.decision == "in-scope"
    assert "NODE-V-2" in result.clauses


def test_nodes_turned_off_in_windows_admin_center_for_weeks_are_stopped_by_hand() -> None:
    result = decide(
        "restart after site relocation",
        "The ops team turned off every worker VM of the cluster in WAC in mid July; the servers "
        "came back online on 4 Sept.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "stopped-by-hand")
    assert {"STOP-1", "CONN-5"} <= set(result.clauses)


def test_no_service_mesh_in_a_list_of_denials_denies_the_mesh() -> None:
    result = decide(
        "pods can't reach storage account private endpoint",
        "From pods the name resolves to the public IP and then gets 403. No proxy, no service "
        "mesh, nothing special in between. 1.30.9.",
    )
    assert result.decision == "in-scope"
    assert "COV-IN-6" in result.clauses


def test_istios_own_versions_are_not_the_clusters() -> None:
    result = decide(
        "envoy sidecars returning 503 UF after upgrade",
        "After upgrading our istio control plane from 1.22 to 1.24 many requests get 503 UF in "
        "the istio-proxy logs. Kubernetes itself looks healthy.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "third-party-open-source")


@pytest.mark.parametrize(
    ("title", "description", "decision", "clause"),
    [
        (
            "엔지니어분이 노드 직접 보셔도 됩니다",
            "워커 노드 로그를 직접 확인하셔도 된다고 내부 승인 받았습니다. 접속 계정이랑 시간대 "
            "정해주시면 열어드리겠습니다.",
            "in-scope",
            "COV-IN-8",
        ),
        (
            "워커 VM vCPU 늘린 후 노드풀 업그레이드 실패",
            "하이퍼브이 관리자에서 apppool 워커 VM 두 대의 가상 프로세서를 "
            "4개에서 8개로 늘려놨습니다.",
            "out-of-scope",
            "SHR-3",
        ),
        (
            "캘리코 BGP 모드로 전환하고 싶어요",
            "오버레이 말고 캘리코 BGP 로 라우팅하고 싶습니다. 피어링 설정 순서를 알려주세요.",
            "best-effort",
            "COV-IN-7",
        ),
    ],
)
def test_korean_wordings_of_consent_hyper_v_and_calico(
    title: str, description: str, decision: str, clause: str
) -> None:
    result = decide(title, description)
    assert result.decision == decision
    assert clause in result.clauses


def test_an_ellipsis_in_a_pasted_name_does_not_end_the_sentence() -> None:
    result = decide(
        "run workloads on control plane node",
        "We removed the NoSchedule taint from the control plane node (kubectl taint nodes "
        "moc-... node-role.kubernetes.io/control-plane:NoSchedule-) so batch jobs run there.",
    )
    assert (result.decision, result.rule) == ("out-of-scope", "system-metadata-changed")
    assert "SHR-4" in result.clauses


def test_korean_conditional_forwarding_and_a_hand_edited_coredns() -> None:
    asked = decide(
        "사내 DNS 로 조건부 전달 설정 문의",
        "*.corp.local 을 사내 DNS 로 보내고 싶은데 지원되는 방법으로 하고 싶습니다.",
    )
    assert (asked.decision, asked.rule) == ("in-scope", "control-plane-customisation")
    edited = decide(
        "coredns 디플로이먼트 수정 후 DNS 장애",
        "kubectl edit 으로 coredns deployment replicas 를 1 로 줄이고 이미지도 docker hub 최신 "
        "coredns 로 바꿨습니다. 이후 DNS 질의가 간헐적으로 실패합니다.",
    )
    assert (edited.decision, edited.rule) == ("out-of-scope", "managed-component-changed")
