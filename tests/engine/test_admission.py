"""The admission guard's judgement (engine/admission.py) of AdmissionReview requests as the API
server sends them, read by sources/admission.py and answered by report/admission.py: each
refusal cites its clause, the platform's own identities pass, status updates pass."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from admission_payloads import (
    ALICE,
    CAPI,
    GARBAGE_COLLECTOR,
    GITOPS,
    NODE_CONTROLLER,
    aks_arc_worker,
    coredns,
    encoded,
    kind_node,
    kubelet,
    node_update,
    review,
    scale_update,
    workload_delete,
    workload_update,
)
from arcsupport.engine.admission import AdmissionGuard
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.report.admission import admission_response
from arcsupport.sources.admission import read_review
from arcsupport.types import Lang

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def guard() -> AdmissionGuard:
    return AdmissionGuard(load_pack(None))


def respond(guard: AdmissionGuard, payload: JSON, lang: Lang = "en") -> JSON:
    reply: JSON = json.loads(admission_response(guard.decide(read_review(encoded(payload))), lang))
    assert reply["apiVersion"] == "admission.k8s.io/v1"
    assert reply["kind"] == "AdmissionReview"
    assert reply["response"]["uid"] == payload["request"]["uid"]
    response: JSON = reply["response"]
    return response


def causes(response: JSON) -> list[tuple[str, str]]:
    return [(cause["reason"], cause["field"]) for cause in response["status"]["details"]["causes"]]


# --- SHR-4: system node metadata --------------------------------------------------------------


def test_a_person_changing_a_system_label_is_refused_citing_shr4(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    response = respond(guard, node_update(old, new, ALICE))
    assert response["allowed"] is False
    status = response["status"]
    assert (status["code"], status["reason"]) == (403, "Forbidden")
    assert status["message"].startswith("[SHR-4] alice@contoso.com may not change")
    assert "label kubernetes.io/os from linux to windows" in status["message"]
    assert causes(response) == [("SHR-4", "metadata.labels[kubernetes.io/os]")]


def test_removing_a_system_taint_and_annotation_is_refused(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["spec"]["taints"] = []  # `kubectl taint node kind-control-plane node-role...-`
    del new["metadata"]["annotations"]["volumes.kubernetes.io/controller-managed-attach-detach"]
    response = respond(guard, node_update(old, new, GITOPS))
    assert response["allowed"] is False
    assert causes(response) == [
        ("SHR-4", "metadata.annotations[volumes.kubernetes.io/controller-managed-attach-detach]"),
        ("SHR-4", "spec.taints[node-role.kubernetes.io/master:NoSchedule]"),
    ]
    assert (
        "taint node-role.kubernetes.io/master:NoSchedule removed" in response["status"]["message"]
    )


def test_a_taint_whose_effect_changes_is_a_removal(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["spec"]["taints"][0]["effect"] = "PreferNoSchedule"
    response = respond(guard, node_update(old, new, ALICE))
    assert response["allowed"] is False
    assert causes(response) == [("SHR-4", "spec.taints[node-role.kubernetes.io/master:NoSchedule]")]
    # The new taint is the caution of an added system taint, said beside the refusal.
    assert response["warnings"] == [
        "[SHR-4] taint node-role.kubernetes.io/master:PreferNoSchedule added to node "
        "kind-control-plane is a system taint: the platform may remove it"
    ]


def test_an_aks_arc_pool_label_and_calico_annotation_are_system_keys(guard: AdmissionGuard) -> None:
    old = aks_arc_worker()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["msft.microsoft/nodepool-name"] = "renamed"
    new["metadata"]["annotations"]["projectcalico.org/IPv4Address"] = "10.0.0.9/24"
    response = respond(guard, node_update(old, new, ALICE))
    assert response["allowed"] is False
    assert [field for _, field in causes(response)] == [
        "metadata.labels[msft.microsoft/nodepool-name]",
        "metadata.annotations[projectcalico.org/IPv4Address]",
    ]


def test_a_users_own_label_passes_and_a_new_system_key_only_warns(guard: AdmissionGuard) -> None:
    old = aks_arc_worker()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["team"] = "retail"  # SHR-4 lets users add their own metadata
    new["metadata"]["labels"]["workload"] = "batch"  # and change it
    assert (
        respond(guard, node_update(old, new, ALICE))
        == {
            "uid": respond(guard, node_update(old, new, ALICE))["uid"],
            "allowed": True,
        }
        or respond(guard, node_update(old, new, ALICE))["allowed"] is True
    )
    new["metadata"]["labels"]["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    response = respond(guard, node_update(old, new, ALICE))
    assert response["allowed"] is True
    assert "status" not in response
    assert response["warnings"] == [
        "[SHR-4] label node.kubernetes.io/exclude-from-external-load-balancers added to node "
        f"{old['metadata']['name']} is a system key: the platform may overwrite it"
    ]


def test_cordoning_a_node_passes(guard: AdmissionGuard) -> None:
    old = aks_arc_worker()
    new = copy.deepcopy(old)
    new["spec"]["unschedulable"] = True
    response = respond(guard, node_update(old, new, ALICE))
    assert response == {"uid": response["uid"], "allowed": True}


@pytest.mark.parametrize(
    "user",
    [kubelet("kind-control-plane"), NODE_CONTROLLER, CAPI],
    ids=["the node itself", "node lifecycle controller", "Cluster API"],
)
def test_the_platform_changes_system_metadata(guard: AdmissionGuard, user: JSON) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["spec"]["taints"].append({"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"})
    new["metadata"]["labels"]["kubernetes.io/os"] = "linux2"
    response = respond(guard, node_update(old, new, user))
    assert response == {"uid": response["uid"], "allowed": True}


def test_another_nodes_kubelet_is_not_the_platform_for_this_node(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/hostname"] = "kind-worker"
    response = respond(guard, node_update(old, new, kubelet("kind-worker")))
    assert response["allowed"] is False
    assert causes(response) == [("SHR-4", "metadata.labels[kubernetes.io/hostname]")]


def test_a_group_alone_or_a_name_without_its_group_is_not_the_platform(
    guard: AdmissionGuard,
) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/arch"] = "arm64"
    masters_member = {"username": "bob", "groups": ["system:masters", "system:authenticated"]}
    impostor = {"username": "kubernetes-admin", "groups": ["system:authenticated"]}
    for user in (masters_member, impostor):
        assert respond(guard, node_update(old, new, user))["allowed"] is False


def test_node_status_updates_pass(guard: AdmissionGuard) -> None:
    """The kubelet's heartbeat, and a person's status patch that leaves metadata alone."""
    old = kind_node()
    new = copy.deepcopy(old)
    for condition in new["status"]["conditions"]:
        condition["lastHeartbeatTime"] = "2021-01-05T10:00:00Z"
    for user in (kubelet("kind-control-plane"), ALICE):
        response = respond(guard, node_update(old, new, user, sub_resource="status"))
        assert response == {"uid": response["uid"], "allowed": True}


def test_a_status_update_that_changes_a_system_label_is_refused(guard: AdmissionGuard) -> None:
    """The API server's status strategy for nodes keeps metadata (it resets only the spec), so
    `kubectl label --subresource=status` would change the label."""
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    response = respond(guard, node_update(old, new, ALICE, sub_resource="status"))
    assert response["allowed"] is False


def test_a_dry_run_is_answered_as_the_real_request_would_be(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    del new["metadata"]["labels"]["node-role.kubernetes.io/control-plane"]
    response = respond(guard, node_update(old, new, ALICE, dry_run=True))
    assert response["allowed"] is False
    assert causes(response) == [("SHR-4", "metadata.labels[node-role.kubernetes.io/control-plane]")]


def test_the_refusal_in_korean(guard: AdmissionGuard) -> None:
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    response = respond(guard, node_update(old, new, ALICE), "ko")
    message = response["status"]["message"]
    assert message.startswith("[SHR-4] alice@contoso.com은 노드 kind-control-plane의")
    assert "레이블 kubernetes.io/os: linux에서 windows로" in message


# --- MGD-3: managed kube-system components ----------------------------------------------------


def test_setting_a_managed_image_is_refused_citing_mgd3(guard: AdmissionGuard) -> None:
    old = coredns()
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "docker.io/coredns/coredns:1.12.0"
    response = respond(guard, workload_update(old, new, ALICE))
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert message.startswith(
        "[MGD-3] alice@contoso.com may not change kube-system/Deployment/coredns"
    )
    assert (
        "image of coredns from mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3 to "
        "docker.io/coredns/coredns:1.12.0" in message
    )
    assert causes(response) == [("MGD-3", "spec.template.spec.containers[coredns].image")]


def test_replicas_arguments_and_containers_are_each_cited(guard: AdmissionGuard) -> None:
    old = coredns()
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 5
    pod = new["spec"]["template"]["spec"]
    pod["containers"][0]["args"] = ["-conf", "/etc/coredns/Custom"]
    pod["containers"].append({"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22.0"})
    response = respond(guard, workload_update(old, new, GITOPS))
    assert response["allowed"] is False
    assert causes(response) == [
        ("MGD-3", "spec.replicas"),
        ("MGD-3", "spec.template.spec.containers[coredns].args"),
        ("MGD-3", "spec.template.spec.containers[istio-proxy]"),
    ]


def test_kubectl_scale_through_the_subresource_is_refused(guard: AdmissionGuard) -> None:
    response = respond(guard, scale_update(coredns(), 1, ALICE))
    assert response["allowed"] is False
    assert causes(response) == [("MGD-3", "spec.replicas")]
    assert "replicas from 2 to 1" in response["status"]["message"]


def test_deleting_a_managed_component_is_refused(guard: AdmissionGuard) -> None:
    response = respond(guard, workload_delete(coredns(), ALICE))
    assert response["allowed"] is False
    assert response["status"]["message"].startswith(
        "[MGD-3] alice@contoso.com may not delete kube-system/Deployment/coredns"
    )
    assert "details" not in response["status"]


def test_the_platform_upgrades_and_collects_managed_components(guard: AdmissionGuard) -> None:
    old = coredns()
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.4"
    )
    assert respond(guard, workload_update(old, new, CAPI))["allowed"] is True
    assert respond(guard, workload_delete(old, GARBAGE_COLLECTOR))["allowed"] is True


def test_a_restart_or_a_change_the_rule_does_not_judge_passes(guard: AdmissionGuard) -> None:
    """`kubectl rollout restart` writes a template annotation; the deployment controller's
    revision annotation is metadata: neither is what MGD-3 compares."""
    old = coredns()
    new = copy.deepcopy(old)
    new["spec"]["template"]["metadata"].setdefault("annotations", {})[
        "kubectl.kubernetes.io/restartedAt"
    ] = "2025-09-15T08:00:00Z"
    new["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/revision"] = "2"
    assert respond(guard, workload_update(old, new, ALICE))["allowed"] is True


def test_a_users_deployment_in_kube_system_or_elsewhere_passes(guard: AdmissionGuard) -> None:
    old = coredns()
    old["metadata"]["name"] = "my-dns-cache"  # not a component the pack lists
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 7
    assert respond(guard, workload_update(old, new, ALICE))["allowed"] is True
    elsewhere = coredns()
    elsewhere["metadata"]["namespace"] = "retail"
    changed = copy.deepcopy(elsewhere)
    changed["spec"]["replicas"] = 7
    assert respond(guard, workload_update(elsewhere, changed, ALICE))["allowed"] is True


# --- PRV-1: alpha APIs --------------------------------------------------------------------------


def alpha_claim(version: str, group: str = "resource.k8s.io") -> JSON:
    claim = {
        "apiVersion": f"{group}/{version}",
        "kind": "ResourceClaim",
        "metadata": {"name": "gpu", "namespace": "retail"},
        "spec": {"devices": {"requests": [{"name": "gpu", "deviceClassName": "gpu.example"}]}},
    }
    return review(
        group=group, version=version, kind="ResourceClaim", resource="resourceclaims",
        operation="CREATE", user=ALICE, name="gpu", namespace="retail", obj=claim,
    )  # fmt: skip


def test_a_write_through_an_alpha_api_is_allowed_with_a_prv1_warning(
    guard: AdmissionGuard,
) -> None:
    response = respond(guard, alpha_claim("v1alpha3"))
    assert response["allowed"] is True
    assert response["warnings"] == [
        "[PRV-1] resource.k8s.io/v1alpha3 is an alpha API: alpha features are not supported "
        "(ResourceClaim retail/gpu)"
    ]
    assert all(len(warning) <= 120 for warning in response["warnings"])


def test_beta_apis_and_a_crds_alpha_version_draw_no_warning(guard: AdmissionGuard) -> None:
    assert "warnings" not in respond(guard, alpha_claim("v1beta1"))
    assert "warnings" not in respond(guard, alpha_claim("v1alpha1", group="kueue.x-k8s.io"))


def test_the_version_the_client_sent_is_the_one_judged(guard: AdmissionGuard) -> None:
    """Sent as v1alpha3 and converted by the API server for a webhook that asked for v1beta1:
    the request was still one for an alpha API."""
    payload = alpha_claim("v1beta1")
    payload["request"]["requestKind"]["version"] = "v1alpha3"
    assert "warnings" in respond(guard, payload)


# --- malformed reviews ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{", "AdmissionReview: truncated JSON"),
        (b"[]", "AdmissionReview: unexpected content"),
        (b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}', "`request`"),
        (
            json.dumps(
                {
                    **node_update(kind_node(), kind_node(), ALICE),
                    "apiVersion": "admission.k8s.io/v1beta1",
                }
            ).encode(),
            'admissionReviewVersions: ["v1"]',
        ),
    ],
    ids=["truncated", "not an object", "no request", "v1beta1"],
)
def test_a_malformed_review_is_one_clear_line(body: bytes, problem: str) -> None:
    with pytest.raises(InputError) as raised:
        read_review(body)
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_object_of_the_wrong_shape_names_its_field() -> None:
    payload = node_update(kind_node(), kind_node(), ALICE)
    payload["request"]["object"]["metadata"]["labels"] = ["not", "a", "map"]
    with pytest.raises(InputError, match=r"request\.object: unexpected content"):
        read_review(encoded(payload))


def test_an_empty_uid_is_refused() -> None:
    payload = node_update(kind_node(), kind_node(), ALICE)
    payload["request"]["uid"] = ""
    with pytest.raises(InputError, match="uid: empty"):
        read_review(encoded(payload))
