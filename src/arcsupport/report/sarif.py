"""--output sarif: SARIF 2.1.0 for GitHub code scanning and other SARIF readers.

What GitHub documents for an upload ("SARIF support for code scanning", its table of limits,
"Uploading a SARIF file to GitHub", and the 2024-05-06 changelog "Code scanning will stop
combining runs from a single upload"), and what this writer does about each:

- A file of at most 10 MB gzip-compressed, at most 20 runs, each run with at most 25,000
  results (only the 5,000 most severe are shown), 25,000 rules and 100 tool extensions; a result
  with at most 1,000 locations (10 are asked for, only the first is used); a rule with at most
  20 tags. Over any of these the upload is rejected: the constants below, held by the tests.
- Since June 2025 two runs of one file with the same tool and category are refused rather than
  merged.

Layout: one run for everything that was assessed, whatever the number of clusters. One run per
cluster (this writer's first layout) broke the 20-run limit at 21 clusters, repeated the rule
help in every run (755 MB for 10,000 clusters), and would have needed a category per cluster:
each category is a separate analysis on GitHub, whose alerts stay open when the cluster later
leaves the fleet. In one run, each result names its cluster (in its message, its logical
location and `properties.cluster`), and a cluster that disappears from the fleet closes its
alerts at the next upload. The run sets no `automationDetails`: the category is the uploader's
to choose (`upload-sarif`'s `category` input, which it applies only to runs that have none, or
by default the workflow and job), so two fleets uploaded from one workflow can be told apart.

A fleet whose findings outgrow one run (25,000 results: some 15,000 clusters of a Resource Graph
export, at about 1.6 findings each; 10,000 clusters write 82 MB, 2.3 MB compressed) is written
all the same, with an error notification that says so. Runs split inside one file would need
categories chosen here: a cluster would move from one to another as the fleet changes, closing
and reopening its alerts, and a category no longer written keeps its alerts open. The fleet is
better split where it is read (one `fleet` per export or subscription), each upload with its
own category.

Every result has a `physicalLocation`: the file its evidence was read from, relative to the
directory arcsupport ran in (`%SRCROOT%`; run it from the repository's root) when it is inside
it, else as an absolute file URI, and the lines of the object in it (report/evidence_files.py).
GitHub requires a region; SARIF gives none to a tarball, which has no lines: such results name
the tarball and, in their properties, the member. Nor does a file over 100 MiB get one: GitHub
keeps no such file in a repository, and finding the lines would cost more than the assessment.

`partialFingerprints.primaryLocationLineHash`, the only fingerprint GitHub reads, is derived
from the rule, the cluster's identity (its ARM resource id, else its name), the message's
catalog key and the objects of the evidence, never from a line, a date or the language, so the
same finding on the same cluster keeps its alert across runs; results that would share one are
numbered (`:1`, `:2`) as CodeQL does. The same value is written as `arcsupportFinding/v2`.

Rules that could not run are tool execution notifications, one per rule and missing fact with
the clusters it concerns, so a missing fact never reads as a pass.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import msgspec

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message, render, text
from arcsupport.policy.model import Pack
from arcsupport.report.documents.assessment import (
    deadline_doc,
    finding_doc,
    identity_doc,
    missing_docs,
    sort_by_urgency,
)
from arcsupport.report.documents.base import policy_doc
from arcsupport.report.evidence_files import EvidenceFiles, FileLocation
from arcsupport.report.jsonout import dumps
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Finding
from arcsupport.rules.registry import load_rules
from arcsupport.timeutil import iso_time
from arcsupport.types import Severity
from arcsupport.version import __version__

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

# GitHub code scanning's limits on an uploaded file, as documented (see the module docstring).
MAX_GZIP_BYTES = 10_000_000
MAX_RUNS_PER_FILE = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_EXTENSIONS_PER_RUN = 100
MAX_LOCATIONS_PER_RESULT = 10
MAX_TAGS_PER_RULE = 20
MAX_RULE_NAME = 255
MAX_DESCRIPTION = 1024
# The only partial fingerprint GitHub reads; arcsupport's own, versioned, says how it is made.
GITHUB_FINGERPRINT = "primaryLocationLineHash"
FINGERPRINT = "arcsupportFinding/v2"
SOURCE_ROOT = "%SRCROOT%"


def _clip(value: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


Level = Literal["error", "warning", "note"]
_LEVEL: dict[Severity, Level] = {
    "unsupported": "error",
    "blocked": "warning",
    "warning": "warning",
    "best-effort": "note",
    "out-of-scope": "note",
    "info": "note",
}
# Ids of the notification descriptors in tool.driver.notifications.
_NOT_EVALUATED = "not-evaluated"
_PARTLY_EVALUATED = "partly-evaluated"
_POLICY_NOTICE = "policy-notice"
_OVER_GITHUB_LIMIT = "over-github-limit"
_NOTIFICATIONS = (_NOT_EVALUATED, _PARTLY_EVALUATED, _POLICY_NOTICE, _OVER_GITHUB_LIMIT)


# A fleet's log has hundreds of thousands of these and no cycle among them: the cyclic garbage
# collector need not track them (it made building a 10,000-cluster log twice as slow).
class _Sarif(msgspec.Struct, omit_defaults=True, rename="camel", gc=False):
    pass


class MultiformatMessage(_Sarif):
    text: str
    markdown: str | None = None


class SarifMessage(_Sarif):
    text: str


class ReportingDescriptor(_Sarif):
    id: str
    short_description: MultiformatMessage
    name: str | None = None
    full_description: MultiformatMessage | None = None
    help: MultiformatMessage | None = None
    properties: dict[str, Any] | None = None


class ReportingDescriptorReference(_Sarif):
    id: str
    index: int


class ToolComponent(_Sarif):
    name: str
    version: str
    semantic_version: str
    language: str
    rules: list[ReportingDescriptor]
    notifications: list[ReportingDescriptor]


class Tool(_Sarif):
    driver: ToolComponent


class LogicalLocation(_Sarif):
    name: str
    fully_qualified_name: str
    kind: str | None = None
    index: int | None = None
    parent_index: int | None = None
    properties: dict[str, Any] | None = None


class LogicalLocationRef(_Sarif):
    """A cluster named by its place in run.logicalLocations, which holds its properties."""

    index: int


class ArtifactLocation(_Sarif):
    uri: str
    uri_base_id: str | None = None


class BaseLocation(_Sarif):
    """An `originalUriBaseIds` entry: without `uri`, the base is the directory arcsupport ran
    in, left for the reader to supply (no local path is written into the report)."""

    description: SarifMessage


class Region(_Sarif):
    start_line: int
    start_column: int
    end_line: int
    end_column: int


class PhysicalLocation(_Sarif):
    artifact_location: ArtifactLocation
    region: Region | None = None


class Location(_Sarif):
    logical_locations: list[LogicalLocation]
    physical_location: PhysicalLocation | None = None
    message: SarifMessage | None = None
    properties: dict[str, Any] | None = None


class Result(_Sarif):
    rule_id: str
    rule_index: int
    level: Level
    message: SarifMessage
    locations: list[Location]
    partial_fingerprints: dict[str, str]
    properties: dict[str, Any]


class ClusterLocation(_Sarif):
    logical_locations: tuple[LogicalLocationRef]


class Notification(_Sarif):
    level: Level
    message: SarifMessage
    descriptor: ReportingDescriptorReference
    associated_rule: ReportingDescriptorReference | None = None
    locations: list[ClusterLocation] = []
    properties: dict[str, Any] | None = None


class Invocation(_Sarif):
    execution_successful: bool
    tool_execution_notifications: list[Notification] = []
    tool_configuration_notifications: list[Notification] = []


class Run(_Sarif):
    tool: Tool
    original_uri_base_ids: dict[str, BaseLocation]
    column_kind: Literal["unicodeCodePoints"]
    language: str
    invocations: list[Invocation]
    logical_locations: list[LogicalLocation]
    # Always written, even empty: an absent `results` would mean "the tool did not say".
    results: list[Result]
    properties: dict[str, Any]


class SarifLog(_Sarif):
    version: str
    schema: str = msgspec.field(name="$schema")
    runs: list[Run]


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _clause_lines(pack: Pack, clauses: tuple[str, ...], lang: Lang) -> list[tuple[str, str]]:
    lines = []
    for clause_id in clauses:
        clause = pack.clauses[clause_id]
        section = pack.sections[clause.section]
        heading = section.ko if lang == "ko" else section.en
        lines.append((f"{clause_id} ({heading})", clause.text.get(lang)))
    return lines


def _descriptors(pack: Pack, lang: Lang) -> list[ReportingDescriptor]:
    descriptors = []
    for spec in load_rules().values():
        doc = f"rule.{spec.id}"
        why = text(lang, doc, "why")
        fix = text(lang, doc, "fix")
        clauses = _clause_lines(pack, spec.clauses, lang)
        fix_label = text(lang, "report.label.fix")
        clauses_label = text(lang, "report.label.clauses")
        what = text(lang, doc, "what") or spec.id
        plain = [what, "", why, "", f"{fix_label}: {fix}", "", f"{clauses_label}:"]
        plain.extend(f"- {head}: {body}" for head, body in clauses)
        markdown = [what, "", why, "", f"**{fix_label}:** {fix}", "", f"**{clauses_label}:**", ""]
        markdown.extend(f"- **{head}**: {body}" for head, body in clauses)
        descriptors.append(
            ReportingDescriptor(
                id=spec.id,
                name=_pascal(spec.id),
                short_description=MultiformatMessage(
                    _clip(text(lang, doc, "title") or spec.id, MAX_DESCRIPTION)
                ),
                # GitHub refuses a longer description: the whole text is the help's first part.
                full_description=MultiformatMessage(
                    _clip(text(lang, doc, "what") or spec.id, MAX_DESCRIPTION)
                ),
                help=MultiformatMessage("\n".join(plain), "\n".join(markdown)),
                properties={
                    "clauses": list(spec.clauses),
                    "needs": [render(lang, need) for need in spec.needs],
                    "tags": ["support-policy", *spec.clauses],
                },
            )
        )
    return descriptors


def _notification_descriptors(lang: Lang) -> list[ReportingDescriptor]:
    return [
        ReportingDescriptor(
            id=name,
            short_description=MultiformatMessage(text(lang, f"report.sarif.notification.{name}")),
        )
        for name in _NOTIFICATIONS
    ]


def _cluster_identity(assessment: Assessment) -> str:
    """ARM ids are case-insensitive, and Resource Graph may write them in lower case."""
    return assessment.resource_id.lower() or assessment.cluster_name


def _fingerprint(identity: str, finding: Finding) -> str:
    """Left out: the message's arguments (day counts), the evidence's values and its files.
    A rule keeps the first EVIDENCE_CAP objects of a kind in the order of the input, so a
    field with that many is one part of the key, not its objects: a reordered bundle would
    otherwise show another ten of them."""
    by_field: dict[str, set[str]] = {}
    for item in finding.evidence:
        by_field.setdefault(item.field, set()).add(item.object)
    parts = set()
    for field, objects in by_field.items():
        if len(objects) >= EVIDENCE_CAP:
            parts.add(f"{field} of {EVIDENCE_CAP} or more objects")
        else:
            parts.update(objects)
    key = "\n".join([identity, finding.rule, finding.message.key, *sorted(parts)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _physical(found: FileLocation) -> PhysicalLocation:
    span = found.span
    return PhysicalLocation(
        ArtifactLocation(found.uri, SOURCE_ROOT if found.relative else None),
        Region(span.start_line, span.start_column, span.end_line, span.end_column)
        if span
        else None,
    )


class _LogicalLocations:
    """run.logicalLocations: each cluster, and under it each object its evidence names."""

    def __init__(self) -> None:
        self.entries: list[LogicalLocation] = []
        self._index: dict[tuple[str, str], int] = {}

    def cluster(self, assessment: Assessment, properties: dict[str, Any]) -> int:
        identity = _cluster_identity(assessment)
        self._index[(identity, "")] = len(self.entries)
        self.entries.append(
            LogicalLocation(
                name=assessment.cluster_name,
                fully_qualified_name=assessment.resource_id or assessment.cluster_name,
                properties=properties,
            )
        )
        return len(self.entries) - 1

    def object(self, assessment: Assessment, cluster: int, name: str) -> int:
        key = (_cluster_identity(assessment), name)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.entries)
            parent = self.entries[cluster].fully_qualified_name
            self.entries.append(
                LogicalLocation(
                    name=name,
                    fully_qualified_name=f"{parent}/{name.lstrip('/')}",
                    kind="resource",
                    parent_index=cluster,
                )
            )
        return index

    def ref(self, index: int) -> LogicalLocation:
        entry = self.entries[index]
        return LogicalLocation(
            name=entry.name, fully_qualified_name=entry.fully_qualified_name, index=index
        )


def _evidence_location(
    files: EvidenceFiles, source: str, evidence: Evidence, logical: LogicalLocation
) -> Location:
    found = files.locate(source, evidence)
    properties: dict[str, Any] = {
        "provenance": str(evidence.provenance),
        "source": evidence.source,
    }
    if found.member is not None:
        properties["member"] = found.member
    return Location(
        logical_locations=[logical],
        physical_location=_physical(found),
        message=SarifMessage(f"{evidence.field} = {evidence.value}"),
        properties=properties,
    )


def _cluster_properties(assessment: Assessment, lang: Lang) -> dict[str, Any]:
    return {
        "resource_id": assessment.resource_id or None,
        "kubernetes_version": assessment.kubernetes_version,
        "source": assessment.source,
        "verdict": assessment.verdict,
        "complete": assessment.complete,
        "missing": missing_docs(assessment, lang),
        "identity": identity_doc(assessment),
        "deadlines": [deadline_doc(deadline, lang) for deadline in assessment.deadlines],
        "operations": {
            operation: decision.decision for operation, decision in assessment.operations.items()
        },
    }


def _result(
    files: EvidenceFiles,
    logical: _LogicalLocations,
    assessment: Assessment,
    cluster: int,
    finding: Finding,
    rule_index: int,
    lang: Lang,
) -> Result:
    shown = finding_doc(finding, lang)
    locations = [
        _evidence_location(
            files,
            assessment.source,
            evidence,
            logical.ref(logical.object(assessment, cluster, evidence.object)),
        )
        for evidence in finding.evidence[:MAX_LOCATIONS_PER_RESULT]
    ] or [
        Location(
            logical_locations=[logical.ref(cluster)],
            physical_location=_physical(files.locate_source(assessment.source)),
        )
    ]
    message = text(
        lang,
        "report.sarif.result",
        cluster=assessment.cluster_name,
        title=shown.title,
        message=shown.message,
    )
    return Result(
        rule_id=finding.rule,
        rule_index=rule_index,
        level=_LEVEL[finding.severity],
        message=SarifMessage(message),
        locations=locations,
        partial_fingerprints={FINGERPRINT: _fingerprint(_cluster_identity(assessment), finding)},
        properties={
            "cluster": {"name": assessment.cluster_name, "resource_id": assessment.resource_id},
            "severity": finding.severity,
            "clauses": shown.clauses,
            "deadline": shown.deadline,
            "remediation": shown.remediation,
        },
    )


def _run(assessments: list[Assessment], tool: Tool, lang: Lang) -> Run:
    files = EvidenceFiles(Path.cwd())
    for assessment in assessments:
        for finding in assessment.findings:
            if not finding.evidence:
                files.add_source(assessment.source)
            for evidence in finding.evidence:
                files.add(assessment.source, evidence)

    rule_index = {rule_id: index for index, rule_id in enumerate(load_rules())}
    notice_index = {name: index for index, name in enumerate(_NOTIFICATIONS)}
    logical = _LogicalLocations()
    results: list[Result] = []
    gaps: dict[tuple[str, str, tuple[Message, ...]], list[int]] = {}
    notices: dict[str, list[int]] = {}
    for assessment in assessments:
        cluster = logical.cluster(assessment, _cluster_properties(assessment, lang))
        results.extend(
            _result(files, logical, assessment, cluster, finding, rule_index[finding.rule], lang)
            for finding in assessment.findings
        )
        for gap in assessment.coverage.not_evaluated:
            kind = _PARTLY_EVALUATED if gap.partial else _NOT_EVALUATED
            gaps.setdefault((kind, gap.rule, gap.needs), []).append(cluster)
        for notice in assessment.notices:
            notices.setdefault(render(lang, notice), []).append(cluster)

    _number_fingerprints(results)
    execution = [
        Notification(
            level="note",
            message=SarifMessage(
                text(
                    lang,
                    "ui.partially-evaluated" if kind == _PARTLY_EVALUATED else "ui.not-evaluated",
                    rule=rule,
                    needs="; ".join(render(lang, need) for need in needs),
                )
            ),
            descriptor=ReportingDescriptorReference(kind, notice_index[kind]),
            associated_rule=ReportingDescriptorReference(rule, rule_index[rule]),
            locations=[ClusterLocation((LogicalLocationRef(index),)) for index in clusters],
            properties={"needs": [render(lang, need) for need in needs]},
        )
        for (kind, rule, needs), clusters in gaps.items()
    ]
    configuration = [
        Notification(
            level="warning",
            message=SarifMessage(message),
            descriptor=ReportingDescriptorReference(_POLICY_NOTICE, notice_index[_POLICY_NOTICE]),
            locations=[ClusterLocation((LogicalLocationRef(index),)) for index in clusters],
        )
        for message, clusters in notices.items()
    ]
    if len(results) > MAX_RESULTS_PER_RUN:
        execution.append(
            Notification(
                level="error",
                message=SarifMessage(
                    text(
                        lang,
                        "report.sarif.over-github-limit",
                        results=len(results),
                        limit=MAX_RESULTS_PER_RUN,
                    )
                ),
                descriptor=ReportingDescriptorReference(
                    _OVER_GITHUB_LIMIT, notice_index[_OVER_GITHUB_LIMIT]
                ),
            )
        )
    properties: dict[str, Any] = {"clusters": len(assessments)}
    if assessments:
        # One moment and one policy for every cluster of a run (engine/fleet.py).
        properties["evaluated_at"] = iso_time(assessments[0].evaluated_at)
        properties["policy"] = policy_doc(assessments[0].policy)
    return Run(
        tool=tool,
        original_uri_base_ids={
            SOURCE_ROOT: BaseLocation(SarifMessage(text(lang, "report.sarif.source-root")))
        },
        column_kind="unicodeCodePoints",
        language=lang,
        invocations=[
            Invocation(
                execution_successful=True,
                tool_execution_notifications=execution,
                tool_configuration_notifications=configuration,
            )
        ],
        logical_locations=logical.entries,
        results=results,
        properties=properties,
    )


def _number_fingerprints(results: list[Result]) -> None:
    """Two findings of one rule, message and objects on one cluster share a fingerprint: tell
    them apart by their order, as CodeQL numbers equal line hashes."""
    seen: Counter[str] = Counter()
    for result in results:
        base = result.partial_fingerprints[FINGERPRINT]
        seen[base] += 1
        numbered = f"{base}:{seen[base]}"
        result.partial_fingerprints = {GITHUB_FINGERPRINT: numbered, FINGERPRINT: numbered}


def render_sarif(assessments: list[Assessment], pack: Pack, lang: Lang) -> str:
    """A SARIF 2.1.0 log with one run for every cluster, most urgent first."""
    tool = Tool(
        ToolComponent(
            name="arcsupport",
            version=__version__,
            semantic_version=__version__,
            language=lang,
            rules=_descriptors(pack, lang),
            notifications=_notification_descriptors(lang),
        )
    )
    log = SarifLog(
        version=SARIF_VERSION,
        schema=SARIF_SCHEMA,
        runs=[_run(sort_by_urgency(assessments), tool, lang)],
    )
    return dumps(log)
