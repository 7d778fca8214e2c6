"""Typed model of a policy pack. Every file of a pack decodes into these Structs, and unknown
keys are refused so that a typo in an override cannot silently change nothing."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

import string
from collections.abc import Mapping, Sequence
from datetime import date
from fnmatch import fnmatchcase
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
    # The ids of the rules that cite the clause, exactly: the engine refuses a pack whose list
    # differs from the rules' own declarations, and `check` may name these rules and no other.
    # An empty list means no rule checks the clause, which `check` must say first.
    checked_by: list[str]
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
    source: str
    # False for a version Microsoft names no AKS Arc host support for at all.
    supported_host: bool = True
    end_of_support: date | None = None  # the first day without support; set for a host


class AzureLocalPlatform(Strict):
    # Legacy Azure Stack HCI OS versions (22H2 ...) that have a fixed end date.
    fixed_end_of_support: dict[str, date] = {}
    source: str = ""


class NodeOs(Strict):
    name: str
    os_image_patterns: list[str]  # regular expressions on status.nodeInfo.osImage
    end_of_life: date | None = None
    source: str = ""


class NodeImage(Strict):
    """What a node built from one AKS Arc node image reports in status.nodeInfo."""

    os: str  # an id of `platforms.node_os`
    os_image: str  # osImage
    kernel: str  # kernelVersion
    containerd: str  # containerRuntimeVersion without its `containerd://`
    source: str
    # True only when read from a real AKS Arc node or Microsoft's documentation: a node that
    # differs from an unconfirmed image draws a warning, not a verdict of unsupported.
    confirmed: bool = False


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


# In an expected image, the cluster's Kubernetes version (1.31.5), not an add-on's version.
KUBERNETES_PLACEHOLDER = "kubernetes"


class ExpectedContainer(Strict):
    name: str
    # The exact image reference. `{kubernetes}` stands for the cluster's version and any other
    # `{name}` for that add-on's version in `managed.versions` for the cluster's minor.
    image: str

    def placeholders(self) -> set[str]:
        """The `{name}` fields of `image`; ValueError when one is not a plain name."""
        names = set()
        for _, field, spec, conversion in string.Formatter().parse(self.image):
            if field is None:
                continue
            if not field.isidentifier() or spec or conversion:
                raise ValueError(f"{{{field}}} in {self.image} is not a plain {{name}}")
            names.add(field)
        return names

    def render(self, values: Mapping[str, str]) -> str | None:
        """The image with its placeholders filled in; None when `values` lacks one."""
        try:
            return self.image.format_map(values)
        except KeyError:
            return None


class ManagedComponent(Strict):
    kind: Literal["DaemonSet", "Deployment", "StaticPod"]
    name: str  # fnmatch pattern; in a StaticPod's name `*` is the control-plane node's name
    required: bool = False  # every AKS Arc cluster runs it, so its absence is a change
    aks_arc_only: bool = False  # no other distribution runs it: it marks a cluster as AKS Arc
    replicas: int | None = None
    # The containers the release ships, by name; empty: not pinned (the registry still is).
    containers: list[ExpectedContainer] = []
    init_containers: list[ExpectedContainer] = []
    args: list[str] = []  # arguments the pack expects to find unchanged
    source: str = ""
    # True only when its containers and replicas were read from a real AKS Arc cluster or
    # Microsoft's documentation; otherwise a difference draws a warning unless a person's edit
    # shows in managedFields.
    confirmed: bool = False


class PlatformIdentity(Strict):
    """An identity the platform's own components authenticate as: a user name (`{node}` stands
    for the name of the node the request changes) and, when given, one of the groups the
    request must also carry."""

    user: str
    source: str  # which component authenticates so, and where that is written down
    groups: list[str] = []

    def matches(self, username: str, groups: Sequence[str], node: str = "") -> bool:
        if NODE_PLACEHOLDER in self.user and not node:
            return False
        if username != self.user.replace(NODE_PLACEHOLDER, node):
            return False
        return not self.groups or any(group in groups for group in self.groups)


NODE_PLACEHOLDER = "{node}"


class ManagedComponents(Strict):
    namespace: str
    registries: list[str]  # image reference prefixes of the release's registry
    # The add-on versions AKS Arc ships with each Kubernetes minor ("1.31"): the values of the
    # `{name}` placeholders in the components' images.
    versions: dict[str, dict[str, str]]
    components: list[ManagedComponent]
    # Namespaces of the vendor's own agents. The managed namespace (kube-system) is shared
    # with users: there, only the listed components are the vendor's.
    vendor_namespaces: list[str]
    # Who may change the managed components: the platform's upgrades and controllers (the
    # admission guard lets them through).
    maintainers: list[PlatformIdentity]
    # The minors whose `versions` were read from a real AKS Arc cluster or Microsoft's
    # documentation; an image that differs from an unconfirmed value draws a warning.
    confirmed_versions: list[str] = []

    def matching(self, kind: str, name: str) -> list[ManagedComponent]:
        """Every entry for the object: an overlay may pin values in an entry of its own."""
        return [c for c in self.components if c.kind == kind and fnmatchcase(name, c.name)]


class IdentityMarks(Strict):
    """What marks a cluster as AKS Arc (identity.yaml), besides the `aks_arc_only` managed
    components: rules/facts.py `Facts.identity` reads them."""

    connected_cluster_kind: str  # connectedClusters `kind` of a cluster AKS Arc provisioned
    provider_id_prefix: str  # nodes' spec.providerID on AKS Arc's VMs
    node_pool_label: str  # the label AKS Arc puts on every node of a pool


class LabelConsistency(Strict):
    label: str
    node_info_field: Literal["operatingSystem", "architecture"]


TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def parse_taint(text: str) -> tuple[str, str, str] | None:
    """(key, value, effect) of a taint written as ARM's `nodeTaints` write it
    (`key[=value]:Effect`), or None when it is not one."""
    rest, colon, effect = text.rpartition(":")
    key, _, value = rest.partition("=")
    if not colon or not key or effect not in TAINT_EFFECTS:
        return None
    return key, value, effect


class SystemMetadata(Strict):
    labels: list[str]  # fnmatch patterns of system-owned node label keys
    annotations: list[str]
    taints: list[str]
    required_labels: list[str]  # on every node
    # On every control-plane node (known by its role label or its taint), and the taints as
    # ARM writes a pool's `nodeTaints`: `key[=value]:Effect`, on control-plane nodes whose
    # kubelet is at least `control_plane_taints_since` (major.minor).
    control_plane_labels: list[str]
    control_plane_taints: list[str]
    control_plane_taints_since: str
    user_managers: list[str]  # managedFields managers that mean "a person edited this"
    consistency: list[LabelConsistency]
    # Who may write the system keys: the node itself and the platform's controllers (the
    # admission guard lets them through).
    writers: list[PlatformIdentity]
    # System keys that Kubernetes controllers rewrite while a node runs (a cordon's taint, the
    # TTL controller's annotation...): a new value since an earlier scan says nothing of a
    # person, so they are left out of the comparison with it.
    controller_annotations: list[str] = []
    controller_taints: list[str] = []


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


# needs-review: a rule for what the policy leaves to an engineer (a deleted subscription, a host
# platform near its retirement): when it decides, its clauses are candidates and its question asked.
TriageDecisionName = Literal["in-scope", "best-effort", "out-of-scope", "needs-review"]
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
    # Past `over_days` the state is near or past a deadline of the policy (SUB-1's 60 days):
    # an engineer checks the dates before any answer (needs-review).
    review: bool = False


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
    # A state of the cluster or its surroundings that bears on whatever the case asks (work
    # nobody can describe done on the hosts, a version nobody knows): in focus wherever it
    # is said, not only in the sentence that reports the failure.
    state: bool = False


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
    cause: list[str] = []
    clause_breaks: list[str] = []
    # Phrases with a negation inside that name a state, not a denial ("not yet generally
    # available" says a feature is in preview).
    negated_states: list[str] = []
    people: list[str] = []
    performed: list[str] = []
    produced: list[str] = []
    persisting: list[str] = []


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
    moving: Terms  # words of a sentence that make "to 1.30" / "1.30으로" an upgrade's goal
    node_rows: Terms  # words that make a row of pasted tool output a node's (its version)
    # words just before a version that say some of the cluster still runs it ("apppool is
    # still on 1.28.12" beside nodepool1 on 1.29.13): that part is out of support
    still: Terms = msgspec.field(default_factory=Terms)
    # words in a sentence that make a version said to work another cluster's ("the 1.30 cluster
    # at the same site is fine")
    elsewhere: Terms = msgspec.field(default_factory=Terms)
    # words after which versions are what is offered, not what runs ("Supported versions:")
    listing: Terms = msgspec.field(default_factory=Terms)


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
    # Words that say the case holds several separate problems ("two things: (1) ... (2)"):
    # when problems in focus get different answers, the case is split by a person.
    several_problems: Terms


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
    identity: IdentityMarks
    # The node images AKS Arc ships with each Kubernetes patch ("1.31.5"): one per Azure
    # Local release that rebuilt it.
    node_images: dict[str, list[NodeImage]]
    deprecated_apis: list[DeprecatedApi]
    preview: Preview
    triage: Triage
