"""What a rule needs, in Korean (issue 10 §5): coverage in every human format, the operation
reasons of a rule that could not run and the JSON document say it in Korean; file and field
names stay the bundle's own, and no English phrase of the English catalog is left."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import msgspec
import pytest
from rich.console import Console

from arcsupport.api import render as render_report
from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message, catalog, render, text
from arcsupport.report.documents.assessment import assessment_document
from arcsupport.report.table import render_assessment
from arcsupport.rules.facts import NEEDS_VERSION
from arcsupport.rules.needs import PARTS, names_part
from arcsupport.rules.registry import RULES
from arcsupport.sources.read import read_snapshot
from helpers import DATA, EXAMPLES, aks_arc_connected, default_pack, make_snapshot, run_assess

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Bundles that lack most parts (only a manifest; only /version), and some that lack a few.
SPARSE = [EXAMPLES / "empty", DATA / "bundles" / "version-only"]
SOURCES = [
    *SPARSE,
    *(DATA / "bundles" / name for name in ("current", "removed")),
    *(EXAMPLES / name for name in ("cluster-info-dump", "healthy", "alpha-gates")),
]
DATES = ["2025-09-15", "2026-06-01"]
# What stays as written in every language: paths, field names, flags and commands.
_VERBATIM = re.compile(r"kubectl [^)]*|--\S+|\S*(?:[/._=<>\[\]]|:\w)\S*|\b[a-z]+[A-Z]\w*")
_PHRASE = re.compile(r"\b[a-z']+(?: [a-z']+)+\b")
# The labels that carry what a rule needs in Korean reports (ui.not-evaluated and its kin).
_GAP_LINE = ("평가하지 못함", "일부만 평가함")
# An English need names a file and then says what of it is read: "kubernetes/pods.json (".
_ENGLISH_AFTER_FILE = re.compile(r"kubernetes/\S+\.json \(")


@cache
def english_phrases() -> frozenset[str]:
    """Every run of two or more English words in the English needs, placeholders and what
    stays verbatim left out: none of them may be in a Korean need."""
    phrases = set()
    for key, entry in catalog("en").items():
        if key != "needs":
            continue
        for template in entry.values():
            for literal, *_ in string.Formatter().parse(template):
                phrases.update(_PHRASE.findall(_VERBATIM.sub(" ", literal)))
    return frozenset(phrases)


def assessments() -> Iterator[tuple[str, Assessment]]:
    pack = default_pack()
    for source in SOURCES:
        snapshot = read_snapshot(source)
        for day in DATES:
            yield f"{source.name}@{day}", run_assess(snapshot, day, pack)


def needs_of(assessment: Assessment) -> Iterator[Message]:
    for gap in assessment.coverage.not_evaluated:
        yield from gap.needs


def not_collected() -> Assessment:
    snap = make_snapshot(connected_cluster=aks_arc_connected(), version={"gitVersion": "v1.31.5"})
    snap.not_collected = {"kubernetes/nodes": "forbidden (403): nodes is forbidden"}
    return run_assess(snap, "2025-09-15")


def test_the_phrases_are_found() -> None:
    phrases = english_phrases()
    assert {"the nodes", "with a patch number", "not collected", "feature gate stages"} <= phrases
    assert "get nodes" not in phrases  # a command, typed as it is in every language


def test_every_need_is_korean() -> None:
    """Every need a rule declares or a run reports, with its data, reads as Korean."""
    needs = {need for spec in RULES for need in spec.needs}
    for _, assessment in assessments():
        needs.update(needs_of(assessment))
    needs.update(needs_of(not_collected()))
    keys = {need.key for need in needs}
    assert len(keys) >= 30 and "needs.not-collected" in keys
    for need in needs:
        english, korean = render("en", need), render("ko", need)
        assert HANGUL.search(korean), f"{need.key}: {korean!r}"
        left = [phrase for phrase in english_phrases() if phrase in korean.casefold()]
        assert left == [], f"{need.key}: English left in {korean!r}"
        assert not _ENGLISH_AFTER_FILE.search(korean), korean
        # The data a need carries is not translated: file names, node and pool names.
        for value in need.args.values():
            if isinstance(value, str):
                assert value in korean and value in english


def test_data_in_a_need_is_kept_and_worded_around() -> None:
    need = Message("needs.node-subnets-invalid", {"values": "lan"})
    assert render("en", need).endswith("not CIDRs: lan")
    assert render("ko", need) == (
        "facts.yaml의 node_subnets(노드 주소가 속해야 하는 CIDR): CIDR이 아닌 값 lan"
    )
    addons = Message("needs.addon-versions", {"minor": "1.30"})
    assert "Kubernetes 1.30과 함께" in render("ko", addons)  # 삼십: a consonant
    assert "Kubernetes 1.29와 함께" in render("ko", Message(addons.key, {"minor": "1.29"}))


def test_a_need_inside_a_need_is_said_in_the_same_language() -> None:
    """The collector's reason is the collector's; the need it explains is translated."""
    (skew,) = [gap for gap in not_collected().coverage.not_evaluated if gap.rule == "version-skew"]
    (need,) = skew.needs
    assert render("en", need) == (
        "kubernetes/nodes.json (status.nodeInfo.kubeletVersion) (not collected: "
        "kubernetes/nodes: forbidden (403): nodes is forbidden)"
    )
    assert render("ko", need) == (
        "kubernetes/nodes.json의 status.nodeInfo.kubeletVersion (수집되지 않음: "
        "kubernetes/nodes: forbidden (403): nodes is forbidden)"
    )


def test_the_reason_of_an_operation_lists_the_needs_in_korean() -> None:
    """A rule that could not run warns on its operations with what it needs; the particle
    follows the last need as said in Korean."""
    assessment = run_assess(read_snapshot(EXAMPLES / "empty"), "2025-09-15")
    reasons = [
        render("ko", reason)
        for decision in assessment.operations.values()
        for reason in decision.reasons
        if reason.key == "engine.op.not-evaluated"
    ]
    assert (
        "평가하지 못함: 규칙 host-platform에 facts.yaml의 host_platform(종류와 버전), 또는 "
        "properties.reportedProperties.clusterVersion에 솔루션 버전이 있는 "
        "azure/azure-local-cluster.json이 필요합니다"
    ) in reasons
    for reason in reasons:
        assert not [phrase for phrase in english_phrases() if phrase in reason.casefold()], reason


def _table(assessment: Assessment, lang: Lang) -> str:
    console = Console(width=2000, color_system=None, record=True)
    with console.capture() as captured:
        for renderable in render_assessment(assessment, lang):
            console.print(renderable)
    return captured.get()


def _formats(assessment: Assessment, lang: Lang) -> dict[str, str]:
    pack = default_pack()
    out = {"table": _table(assessment, lang)}
    for fmt in ("markdown", "html", "junit"):
        rendered = render_report(assessment, pack, fmt, lang=lang)
        out[fmt] = rendered.decode() if isinstance(rendered, bytes) else rendered
    return out


@pytest.mark.parametrize("source", SPARSE, ids=lambda path: Path(path).name)
def test_korean_reports_say_what_is_needed_in_korean(source: Path) -> None:
    assessment = run_assess(read_snapshot(source), "2025-09-15")
    assert len(assessment.coverage.not_evaluated) >= 10
    for fmt, output in _formats(assessment, "ko").items():
        lines = [line for line in output.splitlines() if any(mark in line for mark in _GAP_LINE)]
        assert len(lines) >= 10, fmt
        for line in lines:
            left = [phrase for phrase in english_phrases() if phrase in line.casefold()]
            assert left == [], f"{fmt}: English {left} in {line!r}"
            assert not _ENGLISH_AFTER_FILE.search(line), f"{fmt}: {line!r}"
        # The nodes are needed by several rules; what they need is named in Korean.
        assert "노드 정보(kubernetes/nodes.json)" in output, fmt
        assert "DaemonSet 목록(kubernetes/daemonsets.json)" in output, fmt


@pytest.mark.parametrize("source", SPARSE, ids=lambda path: Path(path).name)
def test_english_reports_keep_their_words(source: Path) -> None:
    """The same search finds the English: the Korean test above can fail."""
    assessment = run_assess(read_snapshot(source), "2025-09-15")
    for fmt, output in _formats(assessment, "en").items():
        assert "the nodes (kubernetes/nodes.json)" in output, fmt
        assert _ENGLISH_AFTER_FILE.search(output), fmt


def test_the_json_document_says_the_needs_in_its_language() -> None:
    """`arcsupport.assessment/v1` writes every text in its `lang`: what a rule needs too, in the
    same shape (a list of strings per rule)."""
    assessment = run_assess(read_snapshot(EXAMPLES / "empty"), "2025-09-15")
    documents = {
        lang: msgspec.to_builtins(assessment_document(assessment, lang)) for lang in ("en", "ko")
    }
    english, korean = (documents[lang]["coverage"]["not_evaluated"] for lang in ("en", "ko"))
    assert [(gap["rule"], len(gap["needs"])) for gap in english] == [
        (gap["rule"], len(gap["needs"])) for gap in korean
    ]
    for gap in korean:
        assert all(HANGUL.search(need) for need in gap["needs"]), gap
    nodes = next(gap for gap in english if gap["rule"] == "node-not-ready")
    assert list(nodes["needs"]) == ["the nodes (kubernetes/nodes.json)"]
    assert text("ko", "needs.nodes") in next(
        gap["needs"] for gap in korean if gap["rule"] == "node-not-ready"
    )


def test_equal_messages_key_the_same_cache_entry() -> None:
    """The engine keys the effects of a rule that could not run on what it needs."""
    first = Message("needs.pool-taints", {"pool": "np1", "written": "a=b"})
    second = Message("needs.pool-taints", {"written": "a=b", "pool": "np1"})
    assert first == second and hash(first) == hash(second)
    assert (
        len({first, second, Message("needs.pool-taints", {"pool": "np2", "written": "a=b"})}) == 2
    )
    listed = Message("engine.op.not-evaluated", {"rule": "cni", "needs": (first, first)})
    assert render("ko", listed).count("노드 풀 np1의 nodeTaints") == 2


def test_the_parts_each_need_names_are_those_its_english_names() -> None:
    """The engine adds a collector's reason to the needs that name its part (rules/needs.py)
    without wording them; the table it reads is the English catalog's."""
    named = {
        f"needs.{key}": tuple(dict.fromkeys(re.findall(r"(?:kubernetes|azure)/[\w<>-]+", words)))
        for key, words in catalog("en")["needs"].items()
    }
    assert dict(PARTS) == {key: parts for key, parts in named.items() if parts}
    assert names_part(Message("needs.kubelet-version"), "kubernetes/nodes")
    assert not names_part(Message("needs.kubelet-version"), "kubernetes/pods")
    # A part named by the data a need carries, or by a need inside it.
    found = Message("needs.azure-local-release", {"known": "", "source": "azure/x", "found": ""})
    assert names_part(found, "azure/x")
    inner = Message("needs.exact-images", {"need": NEEDS_VERSION, "names": "kube-proxy"})
    assert names_part(inner, "kubernetes/version") and not names_part(inner, "azure/vm-skus")
