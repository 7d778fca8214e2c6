"""Typed model of a policy pack. Every file of a pack decodes into these Structs, and unknown
keys are refused so that a typo in an override cannot silently change nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from arcsupport.types import Effect


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class Text(Strict):
    en: str
    ko: str

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


class Section(Strict):
    en: str
    ko: str


class Clause(Strict):
    section: str
    effect: Effect
    text: Text
    check: Text
    fix: Text


# Sane ranges for what an overlay may set. The policy's terms run from days to a year (the
# shipped pack's longest is 365 days); ten years is ten times that, and keeps every date the
# rules compute from them (up to the latest `--at`, 2200) far inside what dates can hold.
Days = Annotated[int, msgspec.Meta(ge=1, le=3650)]
Months = Annotated[int, msgspec.Meta(ge=1, le=120)]
# Minors and patches supported side by side: a handful (N-2, two patches per minor).
Count = Annotated[int, msgspec.Meta(ge=1, le=100)]
# Minors of version skew: upstream allows at most three.
Minors = Annotated[int, msgspec.Meta(ge=0, le=100)]


class Thresholds(Strict):
    support_window_days: Days  # VER-1
    supported_minors: Count  # VER-5 (N-2)
    supported_patches_per_minor: Count  # VER-6
    removal_grace_days: Days  # VER-5: time left to upgrade once a version leaves the release
    stopped_unsupported_days: Days  # STOP-3, CONN-5
    stopped_update_blocked_days: Days  # STOP-2
    disconnected_days: Days  # CONN-1, CONN-3
    arc_disconnected_states: list[str]  # connectedClusters connectivityStatus values
    arc_certificate_expired_states: list[str]
    # Microsoft.AzureStackHCI/clusters `status` / `connectivityStatus` values (CONN-3)
    azure_local_disconnected_states: list[str]
    subscription_grace_days: Days  # SUB-1
    subscription_suspended_states: list[str]
    subscription_deleted_states: list[str]
    subscription_warned_states: list[str]
    warning_horizon_days: Days
    stale_data_days: Days
    node_image_patch_tolerance_days: Days  # NODE-C-1
    azure_local_support_months: Months  # SVP-3: releases behind the newest that stay supported


class SkewLimit(Strict):
    """How far a node component may trail the API server (SVP-1, upstream skew policy)."""

    max_older: Minors
    max_newer: Minors
    # Before this API server minor, the older limit applied (kubelet < 1.25: two minors).
    legacy_before: str
    legacy_max_older: Minors


class Skew(Strict):
    kubelet: SkewLimit
    kube_proxy: SkewLimit


class MinorVersion(Strict):
    # Unknown for a minor first seen in a `kubernetesVersions` payload until endoflife data
    # (`arcsupport policy update --from-endoflife`) supplies it.
    upstream_release: date | None = None
    first_azure_local: str | None = None
    end_of_support: date | None = None
    end_of_support_source: str | None = None


class AzureLocalRelease(Strict):
    released: date
    kubernetes: list[str]
    kubernetes_preview: list[str] = []
    note: str | None = None


class Observation(Strict):
    """What a custom location offered on a day (`az aksarc get-versions`), merged by
    `arcsupport policy update`: it counts like a release for what is offered when."""

    kubernetes: list[str]
    kubernetes_preview: list[str] = []
    source: str = ""


class Calendar(Strict):
    kubernetes: dict[str, MinorVersion]
    azure_local: dict[str, AzureLocalRelease]
    observed: dict[date, Observation] = {}


class WindowsServerHost(Strict):
    end_of_support: date
    source: str


class AzureLocalPlatform(Strict):
    # Legacy Azure Stack HCI OS versions (22H2 ...) that have a fixed end date.
    fixed_end_of_support: dict[str, date] = {}
    source: str = ""


class NodeOs(Strict):
    name: str
    os_image_patterns: list[str]  # regular expressions on status.nodeInfo.osImage
    end_of_life: date | None = None
    source: str = ""


class Platforms(Strict):
    windows_server: dict[str, WindowsServerHost]
    azure_local: AzureLocalPlatform
    node_os: dict[str, NodeOs]


class WorkloadSignature(Strict):
    name: str  # fnmatch pattern
    kind: Literal["DaemonSet", "Deployment", "StatefulSet"] | None = None
    namespace: str | None = None  # fnmatch pattern; any namespace when absent


class ComponentSignature(Strict):
    """What betrays a component's presence; any one signal is enough."""

    name: str
    category: Literal["cni", "service-mesh", "gateway", "package-manager"]
    clauses: list[str]
    support: Literal["basic", "best-effort", "out-of-scope"]
    workloads: list[WorkloadSignature] = []
    namespaces: list[str] = []
    services: list[str] = []
    sidecar_containers: list[str] = []
    image_patterns: list[str] = []  # substrings of container image references
    api_groups: list[str] = []
    labels: dict[str, str] = {}
    annotation_keys: list[str] = []


class ManagedComponent(Strict):
    kind: Literal["DaemonSet", "Deployment", "StaticPod"]
    name: str  # fnmatch pattern
    replicas: int | None = None
    args: list[str] = []  # arguments the pack expects to find unchanged


class ManagedComponents(Strict):
    namespace: str
    registries: list[str]  # image reference prefixes of the release's registry
    components: list[ManagedComponent]
    vendor_namespaces: list[str]  # namespaces whose privileged DaemonSets belong to the vendor


class LabelConsistency(Strict):
    label: str
    node_info_field: Literal["operatingSystem", "architecture"]


class SystemMetadata(Strict):
    labels: list[str]  # fnmatch patterns of system-owned node label keys
    annotations: list[str]
    taints: list[str]
    required_labels: list[str]
    user_managers: list[str]  # managedFields managers that mean "a person edited this"
    consistency: list[LabelConsistency]


class DeprecatedApi(Strict):
    api_version: str
    kind: str
    deprecated_in: str | None
    removed_in: str | None
    replacement: str | None
    replacement_available_in: str | None = None


class GateStages(Strict):
    alpha_in: str
    beta_in: str | None = None


class Preview(Strict):
    builtin_api_groups: list[str]  # "" is the core group
    # Known alpha gates, used only when the API server's metrics cannot tell a gate's stage.
    alpha_feature_gates: dict[str, GateStages]


TriageDecisionName = Literal["in-scope", "best-effort", "out-of-scope"]


class Terms(Strict):
    """Words to find in a case; how each list is matched is documented in triage.yaml."""

    en: list[str] = []  # whole words, `*` at a word's end for any ending
    ko: list[str] = []  # substrings, spaces ignored
    patterns: list[str] = []  # regular expressions on the lower-cased text


class TriageMatch(Strict):
    components: list[str] = []
    phrases: Terms = msgspec.field(default_factory=Terms)
    requires: Terms | None = None  # when given, one of these must be found too


class TriageRule(Strict):
    id: str
    decision: TriageDecisionName
    clauses: list[str]
    priority: int
    reason: str  # entry of [triage.reason] in the message catalogs
    match: list[TriageMatch]
    preview: bool = False  # PRV-3: fires on `preview_feature: true`; business hours only


class UpgradeFirst(Strict):
    clauses: list[str]
    when_unsupported_under: list[str]  # clauses of unsupported findings an upgrade resolves


class KnownIssueCitation(Strict):
    clauses: list[str]


class AccessGrant(Strict):
    clauses: list[str]
    when: list[TriageMatch]


class Triage(Strict):
    upgrade_first: UpgradeFirst
    known_issues: KnownIssueCitation
    access_grant: AccessGrant
    rules: list[TriageRule]


class PackInfo(Strict):
    name: str
    version: str
    data_as_of: date
    description: Text


class Pack(Strict):
    pack: PackInfo
    thresholds: Thresholds
    skew: Skew
    sections: dict[str, Section]
    clauses: dict[str, Clause]
    calendar: Calendar
    platforms: Platforms
    components: dict[str, ComponentSignature]
    managed: ManagedComponents
    system_metadata: SystemMetadata
    deprecated_apis: list[DeprecatedApi]
    preview: Preview
    triage: Triage
