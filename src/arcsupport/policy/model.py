"""Typed model of a policy pack. Every file of a pack decodes into these Structs, and unknown
keys are refused so that a typo in an override cannot silently change nothing."""

from __future__ import annotations

from datetime import date
from typing import Literal

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


class Thresholds(Strict):
    support_window_days: int  # VER-1
    supported_minors: int  # VER-5 (N-2)
    supported_patches_per_minor: int  # VER-6
    removal_grace_days: int  # VER-5: time left to upgrade once a version leaves the release
    stopped_unsupported_days: int  # STOP-3, CONN-5
    stopped_update_blocked_days: int  # STOP-2
    disconnected_days: int  # CONN-1, CONN-3
    arc_disconnected_states: list[str]  # connectedClusters connectivityStatus values
    arc_certificate_expired_states: list[str]
    # Microsoft.AzureStackHCI/clusters `status` / `connectivityStatus` values (CONN-3)
    azure_local_disconnected_states: list[str]
    subscription_grace_days: int  # SUB-1
    subscription_suspended_states: list[str]
    subscription_deleted_states: list[str]
    subscription_warned_states: list[str]
    warning_horizon_days: int
    stale_data_days: int
    node_image_patch_tolerance_days: int  # NODE-C-1
    azure_local_support_months: int  # SVP-3: releases behind the newest that stay supported


class SkewLimit(Strict):
    """How far a node component may trail the API server (SVP-1, upstream skew policy)."""

    max_older: int
    max_newer: int
    # Before this API server minor, the older limit applied (kubelet < 1.25: two minors).
    legacy_before: str
    legacy_max_older: int


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
# subject: a covered area or component (what fails or is asked about);
# product: third-party software named in the case: it decides only while present, so a denial,
#   a removal or "X is fine" rules it out;
# change: a change made by hand that leaves the cluster unsupported: it decides whatever the
#   symptom, but only once done (not asked about, planned or merely suspected).
TriageRuleKind = Literal["subject", "product", "change"]


class Terms(Strict):
    """Words to find in a case; how each list is matched is documented in triage.yaml."""

    en: list[str] = []  # whole words, `*` at a word's end for any ending
    ko: list[str] = []  # substrings, spaces ignored
    patterns: list[str] = []  # regular expressions on the lower-cased text


class TriageMatch(Strict):
    components: list[str] = []
    phrases: Terms = msgspec.field(default_factory=Terms)
    requires: Terms | None = None  # when given, one of these must be found too
    near: list[Terms] = []  # each group: one of its terms in the same sentence as the find
    unless: Terms | None = None  # none of these in the same sentence
    weight: float = 1.0  # what this entry adds to its rule's score; 1 decides on its own
    component: str | None = None  # key of `components`: a bundle can tell whether it runs


class BundleSupport(Strict):
    """A finding of the attached bundle that speaks for the rule."""

    findings: list[str]  # clauses of the finding
    weight: float = 1.0


class Lasting(Strict):
    """Clauses that also apply when the case says the state lasted longer than `over_days`."""

    over_days: int
    clauses: list[str]


class TriageRule(Strict):
    id: str
    decision: TriageDecisionName
    clauses: list[str]
    priority: int
    reason: str  # entry of [triage.reason] in the message catalogs
    match: list[TriageMatch]
    preview: bool = False  # PRV-3: fires on `preview_feature: true`; business hours only
    kind: TriageRuleKind = "subject"
    question: str | None = None  # entry of [triage.question]: what to ask when it is a candidate
    bundle: BundleSupport | None = None
    lasting: Lasting | None = None


class ReadingWords(Strict):
    """One language's words for reading a case (triage.yaml documents each list)."""

    negation: list[str]
    absence: list[str]
    removal: list[str]
    exoneration: list[str]
    uncertainty: list[str]
    hypothetical: list[str]
    question: list[str]
    failure: list[str]
    functioning: list[str]
    action: list[str]
    first_person: list[str]
    presence: list[str] = []
    clause_breaks: list[str] = []


class Reading(Strict):
    en: ReadingWords
    ko: ReadingWords


class VersionInText(Strict):
    """A Kubernetes version the case states, when no bundle says which one the cluster runs."""

    clauses: list[str]
    context: Terms  # words beside a version number that make it the cluster's version
    other_products: Terms  # words just before a number that make it another product's
    other_in_clause: Terms  # words in the number's clause that make it another product's
    upgraded: Terms  # words saying an upgrade was done: its "from" version is history
    history: Terms  # words just before a version that make it one the cluster ran before


class UpgradeFirst(Strict):
    clauses: list[str]
    when_unsupported_under: list[str]  # clauses of unsupported findings an upgrade resolves
    from_text: VersionInText


class ChangedByHand(Strict):
    """Unsupported findings of the attached bundle that come from changes made by hand."""

    clauses: list[str]


class NeedsReview(Strict):
    questions: list[str]  # entries of [triage.question] asked whenever nothing decides
    doubt_stops_below: int  # a product named with doubt stops answers of rules below this


class KnownIssueCitation(Strict):
    clauses: list[str]


class AccessGrant(Strict):
    clauses: list[str]
    when: list[TriageMatch]


class Triage(Strict):
    reading: Reading
    upgrade_first: UpgradeFirst
    changed_by_hand: ChangedByHand
    needs_review: NeedsReview
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
