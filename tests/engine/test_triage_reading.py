"""How triage reads a case: sentences, clauses and what each says of the terms in it
(negations and failures, removals, 'X is fine', plans, questions, hedges), in English and in
Korean with the morphological analyser; and the facts a case states in passing (the cluster's
Kubernetes version, how long something lasted)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.engine.triage.reading import (
    Modality,
    Reading,
    compact,
    find_korean,
    in_address,
    normalise,
    read,
)
from arcsupport.engine.triage.stated import stated_days, stated_versions
from arcsupport.textanalysis import Morpheme, korean_morphology
from helpers import default_pack

TODAY = date(2025, 9, 15)


def reading(title: str, description: str = "") -> Reading:
    return read(title, description, default_pack().triage.reading, korean_morphology())


def said(text: str, term: str, title: str = "case") -> Modality:
    """What `text` (the description) says of the first `term` in it."""
    result = reading(title, text)
    return result.modality(result.text.index(term.casefold(), len(title)))[0]


@pytest.mark.parametrize(
    ("text", "term", "modality"),
    [
        # Denied: not done, not there, not this.
        ("We did not change CoreDNS or any kube-system settings.", "coredns", "denied"),
        ("Nothing custom, no custom DaemonSets on the nodes.", "daemonsets", "denied"),
        ("This is Azure Key Vault, NOT HashiCorp Vault.", "hashicorp", "denied"),
        ("We are not using Istio.", "istio", "denied"),
        ("CoreDNS ConfigMap untouched.", "coredns", "denied"),
        ("Nobody touched the VMs in Hyper-V.", "hyper-v", "denied"),
        # A negated verb of working is a failure: the term stays asserted.
        ("CoreDNS does not start after the patch.", "coredns", "asserted"),
        ("We cannot reach the API server.", "api server", "asserted"),
        ("No CoreDNS pods are running.", "coredns", "asserted"),
        # What a component does, negated with a thing as subject, fails; done by a person, or
        # in the passive, it was not done.
        ("The Vault agent injector does not inject the sidecar.", "vault", "asserted"),
        ("Helm doesn't install the Istio CRDs.", "istio", "asserted"),
        ("Istio sidecars not injected any more.", "istio", "asserted"),
        ("Istio was not installed on this cluster.", "istio", "denied"),
        ("Istio not installed.", "istio", "denied"),
        ("The admins did not install Istio.", "istio", "denied"),
        ("We did not enable any Istio feature.", "istio", "denied"),
        ("The cluster does not use Istio.", "istio", "denied"),
        ("A Deployment shows 0/3 and no ReplicaSet is ever created.", "replicaset", "asserted"),
        ("Istio sidecars are not injected into new pods.", "istio", "asserted"),
        ("We did not create any Istio resources.", "istio", "denied"),
        ("kubectl rollout restart does nothing either.", "rollout", "asserted"),
        # The subject before a parenthesis is still the subject after it.
        ("Our APM agent (licensed per host) doesn't report the new nodes.", "apm", "asserted"),
        ("The APM agent shows no data for new nodes.", "apm", "asserted"),
        ("We see no Istio sidecars.", "istio", "denied"),
        # Removed, cleared, planned, asked, hedged.
        ("Linkerd was uninstalled two months ago.", "linkerd", "removed"),
        ("The Helm release is fine and deployed.", "helm", "cleared"),
        ("If we enable Calico eBPF, what breaks?", "calico", "hypothetical"),
        ("How do we add a forwarder to CoreDNS?", "coredns", "question"),
        ("There is possibly a mesh in one namespace.", "mesh", "uncertain"),
        ("Not sure if they changed the VMs in Hyper-V.", "hyper-v", "uncertain"),
        # Korean: endings and auxiliaries, read with the analyser.
        ("CoreDNS나 kube-system 설정은 건드리지 않았습니다.", "coredns", "denied"),
        ("저희는 Helm 안 쓰고 kustomize로만 배포합니다.", "helm", "denied"),
        ("서비스 메시(Istio 등)도 설치 안 했습니다.", "istio", "denied"),
        ("Hyper-V에서 VM 설정 바꾼 적도 없습니다.", "hyper-v", "denied"),
        ("커스텀 DaemonSet 없음, 보안 에이전트도 없습니다.", "daemonset", "denied"),
        ("Helm이나 Redis 문제는 아닌 것 같습니다.", "helm", "denied"),
        ("API 서버에 접속이 안 됩니다.", "api", "asserted"),
        ("kube-proxy 파드가 뜨지 않습니다.", "kube-proxy", "asserted"),
        ("ArgoCD 자체는 정상 동작합니다.", "argocd", "cleared"),
        ("기본 Calico를 지우고 Cilium을 설치했습니다.", "calico", "removed"),
        ("다른 팀이 메시를 깔았을 수도 있습니다.", "메시", "uncertain"),
        ("CoreDNS에 전달자를 추가하려고 합니다.", "coredns", "hypothetical"),
        ("CoreDNS에 전달자를 추가하는 방법이 있을까요?", "coredns", "question"),
        # A person not running something did not do it; a thing not running fails.
        ("We are NOT running Istio or any other mesh.", "istio", "denied"),
        ("The coredns pods are not running.", "coredns", "asserted"),
        # Hearsay and "it seems" hedge in Korean too.
        ("인프라팀이 VM의 CPU를 조정한 것 같다고 합니다.", "cpu", "uncertain"),
    ],
)
def test_what_a_clause_says_of_a_term(text: str, term: str, modality: Modality) -> None:
    assert said(text, term) == modality


def test_a_negation_stays_in_its_clause() -> None:
    text = "We did not change anything, but since the patch CoreDNS crashes."
    assert said(text, "anything") == "denied"
    assert said(text, "coredns") == "asserted"
    korean = "ArgoCD는 argocd 네임스페이스에만 있고 kube-system은 건드리지 않습니다."
    assert said(korean, "argocd") == "asserted"
    assert said(korean, "kube-system") == "denied"


def test_korean_inside_is_not_korean_not() -> None:
    # 안 is "not" as an adverb (MAG) and "inside" as a noun (NNG).
    assert said("같은 노드 안에서는 CoreDNS 응답이 빠릅니다.", "coredns") == "asserted"
    assert said("CoreDNS 설정은 안 바꿨습니다.", "coredns") == "denied"


def test_focus_is_the_title_and_what_fails_or_is_asked() -> None:
    result = reading(
        "containerd dead on 2 nodes (Istio installed)",
        "We run Istio 1.24 for the shop. Since Monday containerd crashes every hour.",
    )
    text = result.text
    assert result.in_focus(text.index("containerd"))  # the title's own words
    assert not result.in_focus(text.index("istio"))  # a side remark in the title
    assert not result.in_focus(text.index("istio", text.index("\n")))  # merely mentioned
    assert result.in_focus(text.rindex("containerd"))  # reported failing
    korean = reading(
        "미리 보기 기능 오류", "cert-manager도 설치돼 있지만 게이트웨이 파드가 실패합니다."
    )
    assert not korean.in_focus(korean.text.index("cert-manager"))  # only says it is there


def test_sentences_follow_lines_punctuation_and_korean_endings() -> None:
    result = reading("title", "첫 문장입니다 둘째 문장은 여기\nthird line. Fourth one")
    bodies = [result.text[s.start : s.end].strip() for s in result.sentences]
    assert bodies == ["title", "첫 문장입니다", "둘째 문장은 여기", "third line.", "fourth one"]


def test_a_quoted_korean_sentence_does_not_end_the_sentence() -> None:
    result = reading("t", '인프라팀은 "몇 가지 조정했다"고만 하고 VM에서 직접 했는지 모르겠습니다.')
    inside = result.sentence_of(result.text.index("조정"))
    assert inside is result.sentence_of(result.text.index("vm에서"))
    assert inside.uncertain == "모르겠"


def test_korean_terms_can_name_a_morpheme_of_their_own() -> None:
    result = reading("서비스 메시 문의", "메시지 큐가 느립니다. 설정이 이상합니다. 설정했습니다.")
    assert result.find_morpheme("메시/NN") == [(4, 6)]  # not the 메시 of 메시지
    setting = result.find_morpheme("설정/NN 하/XSV")  # the verb, not the noun
    assert [result.text[a:b] for a, b in setting] == ["설정했"]


class _NoKorean:
    def morphemes(self, text: str) -> list[Morpheme]:
        raise AssertionError("an English case is read without the Korean analyser")


@pytest.mark.parametrize(
    ("text", "word", "address"),
    [
        ("pull from harbor.contoso.local/pay/api:1.9.3 fails", "harbor", True),
        ('Head "https://harbor.hanbit.local/v2/pay/api/manifests/1.9.3"', "harbor", True),
        ("see https://coredns.io/plugins/loop#troubleshooting", "coredns", True),
        ("vault.corp.example.com answers 403", "vault", True),
        # A product named beside an address, or a file of its own, is still named.
        ("Harbor at harbor.contoso.local rejects pushes", "harbor", False),
        ("edited /etc/kubernetes/manifests/kube-apiserver.yaml", "kube-apiserver", False),
        ("containerd.service exits on two nodes", "containerd", False),
        ("annotation sidecar.istio.io/inject is set", "istio", False),
    ],
)
def test_a_word_inside_a_url_or_host_name_names_the_machine(
    text: str, word: str, address: bool
) -> None:
    start = text.casefold().index(word)
    assert in_address(text.casefold(), start, start + len(word)) is address


def test_an_english_case_does_not_need_the_korean_analyser() -> None:
    result = read(
        "CoreDNS fails", "we did not touch it", default_pack().triage.reading, _NoKorean()
    )
    assert result.modality(result.text.index("touch"))[0] == "denied"


# --- stated facts ------------------------------------------------------------------------------


def versions(title: str, description: str = "") -> list[str]:
    words = default_pack().triage.upgrade_first.from_text
    return [v.minor for v in stated_versions(reading(title, description), words)]


@pytest.mark.parametrize(
    ("title", "description", "minors"),
    [
        ("pods can't pull images - v1.27", "Server Version: v1.27.3", ["1.27", "1.27"]),
        ("still on 1.24", "We are still running 1.24.11 on this cluster.", ["1.24", "1.24"]),
        ("1.26 클러스터 etcd 지연", "가장 오래된 클러스터(아직 1.26.6)입니다.", ["1.26", "1.26"]),
        ("kubelet 인증서 만료", "서버 v1.28.5 클러스터입니다.", ["1.28"]),
        # Another product's version, a client's, an API's lifecycle, the old side of an
        # upgrade done, an agent's: none is the cluster's.
        ("Istio 1.24 routing", "We use Istio 1.24 and cert-manager v1.15.", []),
        ("kubectl", "Client Version: v1.26.1", []),
        ("Ingress API", "extensions/v1beta1 Ingress was removed in 1.22.", []),
        ("After the upgrade", "We upgraded the cluster from 1.28.9 to 1.30.4.", ["1.30"]),
        ("Arc agents", "The Arc agents are on version 1.21.10.", []),
        # The goal of an upgrade not yet done, or a version only imagined, is not what runs.
        ("DNS slow", "We run 1.27.4 and plan the upgrade to 1.29 next month.", ["1.27"]),
        ("etcd 문의", "현재 1.27.2 입니다. 다음 주에 1.30으로 올릴 예정입니다.", ["1.27"]),
        ("etcd", "We are on 1.26.3; answer as if the cluster were on 1.30.", ["1.26"]),
        ("pool", "az aksarc nodepool list shows kubernetesVersion 1.27.9.", ["1.27"]),
        ("DNS", "We are going to 1.30 next month, currently 1.27.", ["1.27"]),
        ("DNS", "We upgraded to 1.30.2 last week and DNS fails since.", ["1.30"]),
        ("Addresses", "The nodes are 10.1.28.5 and 192.168.1.20 on this cluster.", []),
    ],
)
def test_the_kubernetes_version_a_case_states(
    title: str, description: str, minors: list[str]
) -> None:
    assert versions(title, description) == minors


def days(text: str) -> int | None:
    normalised = normalise(text)
    return stated_days(normalised, [(0, len(normalised))], TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("off since 2025-07-20", 57),
        ("stopped on July 28 and kept off until Sept 10 (about 6 weeks)", 44),
        ("two weeks later we started them", 14),
        ("7/25부터 전부 꺼져 있습니다", 52),
        ("3주 뒤 다시 켰습니다", 21),
        ("since July", 46),
        ("nothing about time", None),
    ],
)
def test_how_long_a_case_says_something_lasted(text: str, expected: int | None) -> None:
    assert days(text) == expected


@given(st.integers(min_value=0, max_value=3000))
def test_an_iso_date_counts_the_days_up_to_today(back: int) -> None:
    since = TODAY - timedelta(days=back)
    assert days(f"stopped since {since.isoformat()}") == back


@given(st.integers(min_value=1, max_value=99), st.sampled_from(["day", "week", "month"]))
def test_a_duration_counts_its_days(count: int, unit: str) -> None:
    per = {"day": 1, "week": 7, "month": 30}[unit]
    assert days(f"kept off for {count} {unit}s") == count * per


def test_latin_letters_at_a_korean_terms_edge_end_a_word() -> None:
    text = normalise("Multus macvlan 인터페이스와 VLAN 태그, aptitude 말고 apt로 설치")
    squeezed, offsets = compact(text)
    assert [text[a:b] for a, b in find_korean("VLAN", text, squeezed, offsets)] == ["vlan"]
    assert [a for a, _ in find_korean("VLAN", text, squeezed, offsets)] == [text.index(" vlan") + 1]
    assert len(find_korean("apt", text, squeezed, offsets)) == 1
    assert find_korean("태그", text, squeezed, offsets)


def test_a_clause_naming_the_cause() -> None:
    result = reading(
        "Helm fails", "Helm fails. The root cause is the API server.\n알고 보니 etcd 문제였습니다."
    )
    assert result.named_as_cause(result.text.index("api server"))
    assert result.named_as_cause(result.text.index("etcd"))
    assert not result.named_as_cause(result.text.index("helm fails."))
