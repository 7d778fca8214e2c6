"""The Azure collector against a loopback ARM emulation: what it asks for, what it writes, and
how each failure reads."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError

import arcsupport.sources.live.azure as azure_collector
from arcsupport.errors import InputError
from arcsupport.sources.live.azure import AzureTarget, Limits, collect_azure
from arcsupport.sources.live.writer import BundleWriter
from arcsupport.sources.read import read_snapshot
from arm_emulator import (
    AGENT_POOLS,
    API,
    CLUSTER,
    CLUSTER_ID,
    DROPPED,
    FULL_RUN,
    HCI,
    HCI_LIST,
    PROVISIONED,
    RESOURCE_GROUP,
    SERVER_ERROR,
    SKUS,
    SUBSCRIPTION,
    SUBSCRIPTION_PATH,
    TOKEN,
    UNAUTHORISED,
    VERSIONS,
    Answer,
    ArmEmulator,
    FakeCredential,
    aks_arc_bodies,
    hci_cluster_body,
    serve_aks_arc,
)
from helpers import english, run_assess

ARM_SCOPE = "https://management.azure.com/.default"
COLLECTED_AT = datetime(2025, 6, 25, 9, 0, tzinfo=UTC)
TARGET = AzureTarget(resource_id=CLUSTER_ID)


_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach management.azure.com or login.microsoftonline.com, and the real
    DefaultAzureCredential (which would look for a signed-in user) is never built."""

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"test tried to reach {host}")
        return _real_getaddrinfo(host, *args, **kwargs)

    def no_default_credential() -> None:
        raise AssertionError("DefaultAzureCredential built in a test")

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    monkeypatch.setattr("azure.identity.DefaultAzureCredential", no_default_credential)
    monkeypatch.setattr(
        azure_collector,
        "LIMITS",
        Limits(
            attempts=3,
            backoff=0.01,
            backoff_max=0.05,
            longest_retry_after=5,
            connect_timeout=2,
            read_timeout=0.5,
        ),
    )


@pytest.fixture
def bodies() -> dict[str, bytes]:
    return aks_arc_bodies()


@pytest.fixture
def arm(bodies: dict[str, bytes]) -> Iterator[ArmEmulator]:
    emulator = ArmEmulator(TOKEN).start()
    serve_aks_arc(emulator, bodies)
    yield emulator
    emulator.stop()


def collect(
    root: Path,
    arm: ArmEmulator,
    target: AzureTarget = TARGET,
    credential: FakeCredential | None = None,
    progress: list[str] | None = None,
    name: str = "bundle",
) -> Path:
    bundle = root / name
    with BundleWriter(bundle, COLLECTED_AT) as writer:
        collect_azure(
            writer,
            target,
            credential=credential or FakeCredential(),
            base_url=arm.base_url,
            progress=progress.append if progress is not None else None,
        )
    return bundle


def failure(root: Path, arm: ArmEmulator, **kwargs: Any) -> str:
    """The one-line message of a collection that fails, after checking it left nothing."""
    out = root / "out"
    out.mkdir()
    with pytest.raises(InputError) as caught:
        collect(out, arm, **kwargs)
    assert list(out.iterdir()) == []
    message = str(caught.value)
    assert "\n" not in message
    assert TOKEN not in message
    return message


def manifest(bundle: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((bundle / "manifest.json").read_text())
    return loaded


def not_collected(bundle: Path) -> dict[str, str]:
    return {entry["part"]: entry["reason"] for entry in manifest(bundle).get("not_collected", [])}


def without(run: list[tuple[str, str]], *paths: str) -> list[tuple[str, str]]:
    return [call for call in run if call[0] not in paths]


# --- a full collection --------------------------------------------------------------------------


def test_collects_every_part_as_arm_sent_it(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes]
) -> None:
    credential = FakeCredential()
    progress: list[str] = []
    bundle = collect(tmp_path, arm, credential=credential, progress=progress)

    assert arm.calls() == FULL_RUN
    written = sorted(path.name for path in (bundle / "azure").iterdir())
    expected = sorted(name for name in bodies if name.endswith(".json"))
    assert written == expected
    for name in expected:
        # Byte for byte: unknown fields, key order, spacing and non-ASCII text survive.
        assert (bundle / "azure" / name).read_bytes() == bodies[name], name
    assert manifest(bundle)["cluster"] == {"name": CLUSTER, "resource_id": CLUSTER_ID}
    assert not_collected(bundle) == {}
    assert progress == [
        f"Azure: connected cluster {CLUSTER}",
        f"Azure: provisioned cluster instance of {CLUSTER}",
        f"Azure: agent pools of {CLUSTER}",
        "Azure: Kubernetes versions of custom location local-1-cl",
        "Azure: VM sizes of custom location local-1-cl",
        "Azure: Azure Local instances in resource group local-rg",
        "Azure: Azure Local instance local-1",
        f"Azure: subscription {SUBSCRIPTION}",
    ]


def test_the_token_goes_only_to_the_arm_stand_in(tmp_path: Path, arm: ArmEmulator) -> None:
    credential = FakeCredential()
    collect(tmp_path, arm, credential=credential)
    # One token for the four SDK clients (the Azure CLI credential would run `az` each time).
    assert credential.requested == [(ARM_SCOPE,)]
    assert {seen.authorization for seen in arm.requests} == {f"Bearer {TOKEN}"}
    assert {seen.host for seen in arm.requests} == {arm.base_url.removeprefix("http://")}


def test_the_bundle_reads_back_and_is_assessed(tmp_path: Path, arm: ArmEmulator) -> None:
    snapshot = read_snapshot(collect(tmp_path, arm))
    assert {part for part in snapshot.parts if part.startswith("azure/")} == {
        "azure/connected-cluster",
        "azure/provisioned-cluster",
        "azure/agent-pools",
        "azure/kubernetes-versions",
        "azure/vm-skus",
        "azure/azure-local-cluster",
        "azure/subscription",
    }
    assert snapshot.cluster_name == CLUSTER
    assert [pool.name for pool in snapshot.agent_pools or []] == ["linuxpool", "winpool"]
    assessment = run_assess(snapshot, "2025-06-25")
    assert {"connectivity", "subscription"} <= set(assessment.coverage.evaluated)
    # Offline since 2025-06-20 (the emulator's lastConnectivityTime): inside the 30 days.
    assert any(
        finding.rule == "connectivity" and finding.severity == "warning"
        for finding in assessment.findings
    )


def test_subscription_group_and_name_name_the_same_cluster(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes]
) -> None:
    target = AzureTarget(subscription=SUBSCRIPTION, resource_group=RESOURCE_GROUP, name=CLUSTER)
    bundle = collect(tmp_path, arm, target=target)
    assert arm.calls() == FULL_RUN
    assert (bundle / "azure" / "connected-cluster.json").read_bytes() == bodies[
        "connected-cluster.json"
    ]


def test_an_id_in_other_case_and_with_a_trailing_slash_is_accepted(
    tmp_path: Path, arm: ArmEmulator
) -> None:
    target = AzureTarget(resource_id=CLUSTER_ID.lower() + "/")
    bundle = collect(tmp_path, arm, target=target)
    # The manifest keeps ARM's spelling of the id.
    assert manifest(bundle)["cluster"]["resource_id"] == CLUSTER_ID


def test_a_name_already_in_the_manifest_is_kept(tmp_path: Path, arm: ArmEmulator) -> None:
    bundle = tmp_path / "bundle"
    with BundleWriter(bundle, COLLECTED_AT) as writer:
        writer.cluster.name = "from-kubeconfig"
        collect_azure(writer, TARGET, credential=FakeCredential(), base_url=arm.base_url)
    assert manifest(bundle)["cluster"] == {"name": "from-kubeconfig", "resource_id": CLUSTER_ID}


def test_agent_pool_pages_are_joined_item_by_item(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes]
) -> None:
    pools = json.loads(bodies["agent-pools.json"])["value"]
    first = json.dumps(
        {
            "value": [pools[0]],
            "nextLink": f"{arm.base_url}{AGENT_POOLS}?api-version=2024-01-01&$skipToken=page2",
        }
    ).encode()
    arm.script(AGENT_POOLS, Answer(body=first))
    arm.resource(AGENT_POOLS, API["hybridaks"], json.dumps({"value": [pools[1]]}).encode())

    bundle = collect(tmp_path, arm)
    pool_calls = [seen for seen in arm.requests if seen.path == AGENT_POOLS]
    assert [seen.query.get("$skipToken") for seen in pool_calls] == [None, ["page2"]]
    assert json.loads((bundle / "azure" / "agent-pools.json").read_bytes()) == {"value": pools}
    assert [pool.name for pool in read_snapshot(bundle).agent_pools or []] == [
        "linuxpool",
        "winpool",
    ]


def test_a_next_link_to_another_host_gets_no_token(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes]
) -> None:
    elsewhere = ArmEmulator(TOKEN).start()
    try:
        port = elsewhere.base_url.rsplit(":", 1)[1]
        first = json.dumps(
            {"value": [], "nextLink": f"http://localhost:{port}{AGENT_POOLS}?api-version=x"}
        ).encode()
        arm.script(AGENT_POOLS, Answer(body=first))
        message = failure(tmp_path, arm)
    finally:
        elsewhere.stop()
    assert elsewhere.requests == []
    assert message.startswith(f"{AGENT_POOLS}: Azure Resource Manager pointed the agent pools")
    assert f"another host (localhost:{port})" in message


def test_the_sdk_is_imported_only_when_collecting() -> None:
    probe = (
        "import sys, arcsupport.sources.live.azure, arcsupport.cli.app; "
        "print(sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_default_credential_is_used_and_closed(
    tmp_path: Path, arm: ArmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[FakeCredential] = []

    def default_credential() -> FakeCredential:
        made.append(FakeCredential())
        return made[-1]

    monkeypatch.setattr("azure.identity.DefaultAzureCredential", default_credential)
    bundle = tmp_path / "bundle"
    with BundleWriter(bundle, COLLECTED_AT) as writer:
        collect_azure(writer, TARGET, base_url=arm.base_url)
    assert len(made) == 1
    assert made[0].closed
    assert arm.calls() == FULL_RUN


def test_nothing_secret_in_the_bundle_or_the_logs(
    tmp_path: Path, arm: ArmEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bundle = collect(tmp_path, arm)
    assert caplog.records  # the SDK did log its requests
    assert TOKEN not in caplog.text
    for file in bundle.rglob("*"):
        if file.is_file():
            assert TOKEN.encode() not in file.read_bytes(), file


# --- what is asked of the caller ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            AzureTarget(resource_id=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg"),
            "is not the id of a Microsoft.Kubernetes/connectedClusters resource",
        ),
        (
            AzureTarget(resource_id=PROVISIONED),
            "is not the id of a Microsoft.Kubernetes/connectedClusters resource",
        ),
        (
            AzureTarget(
                resource_id=CLUSTER_ID.replace("Microsoft.Kubernetes", "Microsoft.ContainerService")
            ),
            "is not the id of a Microsoft.Kubernetes/connectedClusters resource",
        ),
        (
            AzureTarget(resource_id=CLUSTER_ID.replace(SUBSCRIPTION, "my-subscription")),
            "is not the id of a Microsoft.Kubernetes/connectedClusters resource",
        ),
        (
            AzureTarget(resource_id=CLUSTER_ID + "?api-version=1"),
            "is not the id of a Microsoft.Kubernetes/connectedClusters resource",
        ),
        (
            AzureTarget(subscription=SUBSCRIPTION, resource_group=RESOURCE_GROUP),
            "--subscription, --resource-group: --subscription, --resource-group and --name go "
            "together; missing --name",
        ),
        (
            AzureTarget(name=CLUSTER),
            "missing --subscription, --resource-group",
        ),
        (
            AzureTarget(resource_id=CLUSTER_ID, subscription=SUBSCRIPTION),
            "--azure-resource-id: give either it or --subscription, --resource-group and "
            "--name, not both",
        ),
        (AzureTarget(), "Azure: name the connected cluster"),
        (
            AzureTarget(subscription="Pay-As-You-Go", resource_group="rg", name="c"),
            "--subscription: 'Pay-As-You-Go' is not a subscription id (a GUID)",
        ),
        (
            AzureTarget(subscription=SUBSCRIPTION, resource_group="rg/../x", name="c"),
            "--resource-group: 'rg/../x' is not a resource group name",
        ),
        (
            AzureTarget(subscription=SUBSCRIPTION, resource_group="rg", name="a b"),
            "--name: 'a b' is not a connected cluster name",
        ),
    ],
)
def test_a_target_that_names_no_single_cluster_is_refused(
    tmp_path: Path, arm: ArmEmulator, target: AzureTarget, expected: str
) -> None:
    assert expected in failure(tmp_path, arm, target=target)
    assert arm.requests == []


@pytest.mark.parametrize("base_url", ["http://arm.example.com", "ftp://127.0.0.1", "https://"])
def test_plain_http_is_refused_off_loopback(tmp_path: Path, base_url: str) -> None:
    with (
        pytest.raises(InputError, match="reached over https only"),
        BundleWriter(tmp_path / "bundle", COLLECTED_AT) as writer,
    ):
        collect_azure(writer, TARGET, credential=FakeCredential(), base_url=base_url)
    assert list(tmp_path.iterdir()) == []


# --- sign-in and the connected cluster: the collection fails ----------------------------------


@pytest.mark.parametrize(
    "error",
    [
        CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token\n..."),
        ClientAuthenticationError("AADSTS700082: The refresh token has expired"),
    ],
)
def test_not_signed_in(tmp_path: Path, arm: ArmEmulator, error: Exception) -> None:
    message = failure(tmp_path, arm, credential=FakeCredential(error=error))
    assert message == (
        "Azure: not signed in (the credential gave no token): run `az login`, or set AZURE_* "
        "variables (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
        "AZURE_FEDERATED_TOKEN_FILE)"
    )
    assert "AADSTS" not in message
    assert arm.requests == []


def test_a_token_arm_refuses(tmp_path: Path, arm: ArmEmulator) -> None:
    message = failure(tmp_path, arm, credential=FakeCredential(token="expired"))
    assert message == (
        f"{CLUSTER_ID}: Azure Resource Manager refused the token (HTTP 401 "
        f"InvalidAuthenticationToken) reading the connected cluster {CLUSTER}: it has expired or "
        "is for another tenant; run `az login` again"
    )
    assert len(arm.requests) == 1


def test_no_access_to_the_connected_cluster(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(CLUSTER_ID, Answer.forbidden("Microsoft.Kubernetes/connectedClusters/read"))
    message = failure(tmp_path, arm)
    assert message == (
        f"{CLUSTER_ID}: no access to the connected cluster {CLUSTER} (HTTP 403 "
        f"AuthorizationFailed): reading it needs the Reader role on resource group "
        f"{RESOURCE_GROUP}"
    )
    assert arm.calls() == FULL_RUN[:1]


def test_connected_cluster_not_found(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(CLUSTER_ID, Answer.not_found())
    message = failure(tmp_path, arm)
    assert message == (
        f"{CLUSTER_ID}: the connected cluster {CLUSTER} was not found (HTTP 404 "
        "ResourceNotFound); check the name, resource group and subscription "
        "(`az connectedk8s list`)"
    )


def test_a_failure_leaves_no_tarball_behind(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(SKUS, Answer.error(401, "ExpiredAuthenticationToken"))
    with pytest.raises(InputError, match="refused the token"):
        collect(tmp_path, arm, name="bundle.tar.gz")
    assert list(tmp_path.iterdir()) == []


# --- later parts: 403 and 404 are recorded, the rest fails ------------------------------------


def test_no_access_to_azure_local_and_subscription_is_recorded(
    tmp_path: Path, arm: ArmEmulator
) -> None:
    arm.script(HCI_LIST, Answer.forbidden("Microsoft.AzureStackHCI/clusters/read"))
    arm.script(SUBSCRIPTION_PATH, Answer.forbidden("Microsoft.Resources/subscriptions/read"))
    bundle = collect(tmp_path, arm)

    assert arm.calls() == without(FULL_RUN, HCI)
    assert not_collected(bundle) == {
        "azure/azure-local-cluster": (
            "no access to the Azure Local instances in resource group local-rg (HTTP 403 "
            "AuthorizationFailed): reading it needs the Reader role on resource group local-rg "
            "(the custom location's)"
        ),
        "azure/subscription": (
            f"no access to the subscription {SUBSCRIPTION} (HTTP 403 AuthorizationFailed): "
            f"reading it needs the Reader role on subscription {SUBSCRIPTION} or on a resource "
            "group in it"
        ),
    }
    assert not (bundle / "azure" / "subscription.json").exists()
    snapshot = read_snapshot(bundle)
    assert snapshot.subscription is None
    assessment = run_assess(snapshot, "2025-06-25")
    skipped = {rule.rule: english(rule.needs) for rule in assessment.coverage.not_evaluated}
    assert "not collected: azure/subscription: no access" in skipped["subscription"][0]


def test_no_access_to_the_azure_local_instance_itself(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(HCI, Answer.forbidden("Microsoft.AzureStackHCI/clusters/read"))
    bundle = collect(tmp_path, arm)
    assert arm.calls() == FULL_RUN
    assert not_collected(bundle)["azure/azure-local-cluster"].startswith(
        "no access to the Azure Local instance local-1 (HTTP 403"
    )


def test_not_an_aks_arc_cluster(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(PROVISIONED, Answer.not_found())
    bundle = collect(tmp_path, arm)
    # Nothing under the provisioned cluster or its custom location is asked for.
    assert arm.calls() == [FULL_RUN[0], FULL_RUN[1], FULL_RUN[-1]]
    reasons = not_collected(bundle)
    assert reasons["azure/provisioned-cluster"] == (
        f"the provisioned cluster instance of {CLUSTER} was not found (HTTP 404 "
        "ResourceNotFound); a connected cluster without one is not an AKS Arc cluster"
    )
    for part in ("agent-pools", "kubernetes-versions", "vm-skus", "azure-local-cluster"):
        assert reasons[f"azure/{part}"] == (
            "not read: the provisioned cluster instance could not be read"
        )
    assert sorted(path.name for path in (bundle / "azure").iterdir()) == [
        "connected-cluster.json",
        "subscription.json",
    ]
    read_snapshot(bundle)


def test_versions_and_skus_that_were_never_created(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(VERSIONS, Answer.not_found())
    arm.script(SKUS, Answer.forbidden("Microsoft.HybridContainerService/skus/read"))
    bundle = collect(tmp_path, arm)
    reasons = not_collected(bundle)
    assert reasons["azure/kubernetes-versions"].endswith(
        "was not found (HTTP 404 ResourceNotFound) (`az aksarc get-versions` creates it)"
    )
    assert reasons["azure/vm-skus"].startswith("no access to the VM sizes of custom location")
    assert arm.calls() == FULL_RUN


def test_a_provisioned_cluster_without_a_custom_location(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes]
) -> None:
    provisioned = json.loads(bodies["provisioned-cluster.json"])
    del provisioned["extendedLocation"]
    arm.resource(PROVISIONED, API["hybridaks"], json.dumps(provisioned).encode())
    bundle = collect(tmp_path, arm)
    assert arm.calls() == without(FULL_RUN, VERSIONS, SKUS, HCI_LIST, HCI)
    assert not_collected(bundle)["azure/vm-skus"] == (
        "the provisioned cluster instance names no custom location (extendedLocation.name is '')"
    )


@pytest.mark.parametrize(
    ("instances", "expected"),
    [
        ([], "its resource group local-rg holds none"),
        (["local-1", "local-2"], "its resource group local-rg holds 2 (local-1, local-2)"),
    ],
)
def test_an_azure_local_instance_that_cannot_be_identified(
    tmp_path: Path, arm: ArmEmulator, instances: list[str], expected: str
) -> None:
    listing = {"value": [hci_cluster_body(name) for name in instances]}
    arm.resource(HCI_LIST, API["hci"], json.dumps(listing).encode())
    bundle = collect(tmp_path, arm)
    assert arm.calls() == without(FULL_RUN, HCI)
    assert not_collected(bundle) == {
        "azure/azure-local-cluster": (
            "the Azure Local instance behind custom location local-1-cl could not be "
            f"identified: {expected}"
        )
    }


def test_an_unregistered_resource_provider_is_not_registered(
    tmp_path: Path, arm: ArmEmulator
) -> None:
    # What ARM answers in a subscription that never used Azure Local; the SDK's own policy
    # would then POST .../providers/Microsoft.AzureStackHCI/register.
    arm.script(
        HCI_LIST,
        Answer.error(
            409,
            "MissingSubscriptionRegistration",
            "The subscription is not registered to use namespace 'Microsoft.AzureStackHCI'. "
            "See https://aka.ms/rps-not-found for how to register subscriptions.",
        ),
    )
    bundle = collect(tmp_path, arm)
    assert {seen.method for seen in arm.requests} == {"GET"}
    assert arm.calls() == without(FULL_RUN, HCI)
    assert not_collected(bundle) == {
        "azure/azure-local-cluster": (
            "the Azure Local instances in resource group local-rg cannot be read: "
            "Microsoft.AzureStackHCI is not registered in the subscription "
            "(MissingSubscriptionRegistration), and arcsupport does not register it"
        )
    }


def test_a_token_that_expires_midway_ends_the_collection(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(AGENT_POOLS, UNAUTHORISED)
    message = failure(tmp_path, arm)
    assert message.startswith(f"{AGENT_POOLS}: Azure Resource Manager refused the token (HTTP 401")


# --- throttling and transient failures ----------------------------------------------------------


def test_throttling_is_waited_out(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(PROVISIONED, Answer.throttled("1"))
    started = time.monotonic()
    collect(tmp_path, arm)
    assert time.monotonic() - started >= 1.0
    assert arm.calls() == FULL_RUN[:2] + FULL_RUN[1:]


def test_throttling_beyond_the_retries(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(VERSIONS, *[Answer.throttled("0")] * 3)
    message = failure(tmp_path, arm)
    assert message == (
        f"{VERSIONS}: Azure Resource Manager kept throttling requests (HTTP 429) for the "
        "Kubernetes versions of custom location local-1-cl in 3 attempts; try again in a few "
        "minutes"
    )
    assert [path for path, _ in arm.calls()].count(VERSIONS) == 3


def test_a_retry_after_longer_than_the_bound_is_not_waited_for(
    tmp_path: Path, arm: ArmEmulator
) -> None:
    arm.script(CLUSTER_ID, Answer.throttled("3600"))
    started = time.monotonic()
    message = failure(tmp_path, arm)
    assert time.monotonic() - started < 3
    assert message == (
        f"{CLUSTER_ID}: Azure Resource Manager is throttling requests (HTTP 429) and asks to "
        f"wait 3600 s before reading the connected cluster {CLUSTER}; try again later"
    )
    assert len(arm.requests) == 1


@pytest.mark.parametrize(
    "transient", [SERVER_ERROR, Answer.error(503, "ServiceUnavailable"), DROPPED]
)
def test_a_transient_failure_is_retried(
    tmp_path: Path, arm: ArmEmulator, bodies: dict[str, bytes], transient: Answer
) -> None:
    arm.script(SUBSCRIPTION_PATH, transient)
    bundle = collect(tmp_path, arm)
    assert arm.calls() == [*FULL_RUN, FULL_RUN[-1]]
    assert (bundle / "azure" / "subscription.json").read_bytes() == bodies["subscription.json"]


def test_server_errors_beyond_the_retries(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(CLUSTER_ID, *[SERVER_ERROR] * 3)
    message = failure(tmp_path, arm)
    assert message == (
        f"{CLUSTER_ID}: Azure Resource Manager failed (HTTP 500 InternalServerError) reading "
        f"the connected cluster {CLUSTER} in 3 attempts; try again later"
    )


def test_a_slow_answer_within_the_timeout(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(PROVISIONED, Answer.slow(0.1))
    collect(tmp_path, arm)
    assert arm.calls() == FULL_RUN


def test_no_answer_within_the_timeout(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(HCI, *[Answer.slow(1.0)] * 3)
    message = failure(tmp_path, arm)
    assert message == (
        f"{HCI}: Azure Resource Manager at {arm.base_url.removeprefix('http://')} did not answer "
        "for the Azure Local instance local-1 within 0.5 s, 3 times; try again later"
    )


def test_dropped_connections_beyond_the_retries(tmp_path: Path, arm: ArmEmulator) -> None:
    arm.script(CLUSTER_ID, *[DROPPED] * 3)
    message = failure(tmp_path, arm)
    assert "dropped the connection reading the connected cluster aks-arc-1, 3 times" in message


def test_an_unreachable_endpoint(tmp_path: Path) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    out = tmp_path / "out"
    out.mkdir()
    with (
        pytest.raises(InputError) as caught,
        BundleWriter(out / "bundle", COLLECTED_AT) as writer,
    ):
        collect_azure(
            writer, TARGET, credential=FakeCredential(), base_url=f"http://127.0.0.1:{port}"
        )
    assert str(caught.value) == (
        f"{CLUSTER_ID}: cannot connect to Azure Resource Manager at 127.0.0.1:{port} "
        "(3 attempts); "
        "check the network and proxy settings"
    )
    assert list(out.iterdir()) == []
