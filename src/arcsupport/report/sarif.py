"""--output sarif: SARIF 2.1.0 for code-scanning dashboards and SARIF viewers.

One run per cluster (most urgent first). Each run names every registered rule as a
reportingDescriptor with its documentation and the text of the clauses it checks, reports each
finding as a result located at the Kubernetes or Azure objects of its evidence, and lists the
rules that could not run as tool execution notifications, so a missing fact never reads as a
pass. The structs below declare only the SARIF properties written here."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import msgspec

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.policy.model import Pack
from arcsupport.report.documents.assessment import assessment_document, sort_by_urgency
from arcsupport.report.jsonout import dumps
from arcsupport.rules.outcome import Finding
from arcsupport.rules.registry import load_rules
from arcsupport.types import Severity
from arcsupport.version import __version__

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

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
_NOTIFICATIONS = (_NOT_EVALUATED, _PARTLY_EVALUATED, _POLICY_NOTICE)


class _Sarif(msgspec.Struct, omit_defaults=True, rename="camel"):
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


class Location(_Sarif):
    logical_locations: list[LogicalLocation]
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


class Notification(_Sarif):
    level: Level
    message: SarifMessage
    descriptor: ReportingDescriptorReference
    associated_rule: ReportingDescriptorReference | None = None
    properties: dict[str, Any] | None = None


class Invocation(_Sarif):
    execution_successful: bool
    tool_execution_notifications: list[Notification] = []
    tool_configuration_notifications: list[Notification] = []


class RunAutomationDetails(_Sarif):
    id: str


class Run(_Sarif):
    tool: Tool
    automation_details: RunAutomationDetails
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
        plain = [why, "", f"{fix_label}: {fix}", "", f"{clauses_label}:"]
        plain.extend(f"- {head}: {body}" for head, body in clauses)
        markdown = [why, "", f"**{fix_label}:** {fix}", "", f"**{clauses_label}:**", ""]
        markdown.extend(f"- **{head}**: {body}" for head, body in clauses)
        descriptors.append(
            ReportingDescriptor(
                id=spec.id,
                name=_pascal(spec.id),
                short_description=MultiformatMessage(text(lang, doc, "title") or spec.id),
                full_description=MultiformatMessage(text(lang, doc, "what") or spec.id),
                help=MultiformatMessage("\n".join(plain), "\n".join(markdown)),
                properties={
                    "clauses": list(spec.clauses),
                    "needs": list(spec.needs),
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


def _fingerprint(cluster: str, finding: Finding) -> str:
    """Stable across evaluation dates: the day counts in a finding's text are left out."""
    objects = sorted({item.object for item in finding.evidence})
    key = "\n".join([cluster, finding.rule, finding.message.key, *objects])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _run(assessment: Assessment, tool: Tool, lang: Lang) -> Run:
    data = assessment_document(assessment, lang)
    cluster = assessment.cluster_name
    rule_index = {rule_id: index for index, rule_id in enumerate(load_rules())}

    # The cluster is logical location 0; every evidence object is a child of it.
    logical = [LogicalLocation(name=cluster, fully_qualified_name=cluster)]
    object_index: dict[str, int] = {}
    for finding in assessment.findings:
        for item in finding.evidence:
            if item.object not in object_index:
                object_index[item.object] = len(logical)
                logical.append(
                    LogicalLocation(
                        name=item.object,
                        fully_qualified_name=f"{cluster}/{item.object.lstrip('/')}",
                        kind="resource",
                        parent_index=0,
                    )
                )

    def located(index: int) -> LogicalLocation:
        entry = logical[index]
        return LogicalLocation(
            name=entry.name, fully_qualified_name=entry.fully_qualified_name, index=index
        )

    results = []
    for finding, shown in zip(assessment.findings, data.findings, strict=True):
        locations = [
            Location(
                logical_locations=[located(object_index[evidence.object])],
                message=SarifMessage(f"{evidence.field} = {evidence.value}"),
                properties={"provenance": str(evidence.provenance), "source": evidence.source},
            )
            for evidence in finding.evidence
        ] or [Location(logical_locations=[located(0)])]
        results.append(
            Result(
                rule_id=finding.rule,
                rule_index=rule_index[finding.rule],
                level=_LEVEL[finding.severity],
                message=SarifMessage(
                    text(lang, "report.sarif.result", title=shown.title, message=shown.message)
                ),
                locations=locations,
                partial_fingerprints={"arcsupportFinding/v1": _fingerprint(cluster, finding)},
                properties={
                    "severity": finding.severity,
                    "clauses": shown.clauses,
                    "deadline": shown.deadline,
                    "remediation": shown.remediation,
                },
            )
        )

    notice_index = {name: index for index, name in enumerate(_NOTIFICATIONS)}
    execution = []
    for gap in assessment.coverage.not_evaluated:
        kind = _PARTLY_EVALUATED if gap.partial else _NOT_EVALUATED
        template = "ui.partially-evaluated" if gap.partial else "ui.not-evaluated"
        execution.append(
            Notification(
                level="note",
                message=SarifMessage(
                    text(lang, template, rule=gap.rule, needs="; ".join(gap.needs))
                ),
                descriptor=ReportingDescriptorReference(kind, notice_index[kind]),
                associated_rule=ReportingDescriptorReference(gap.rule, rule_index[gap.rule]),
                properties={"needs": list(gap.needs)},
            )
        )
    configuration = [
        Notification(
            level="warning",
            message=SarifMessage(render(lang, notice)),
            descriptor=ReportingDescriptorReference(_POLICY_NOTICE, notice_index[_POLICY_NOTICE]),
        )
        for notice in assessment.notices
    ]

    return Run(
        tool=tool,
        # Code-scanning services keep one analysis per category: one per cluster here.
        automation_details=RunAutomationDetails(f"arcsupport/{cluster}/{data.evaluated_at}"),
        language=lang,
        invocations=[
            Invocation(
                execution_successful=True,
                tool_execution_notifications=execution,
                tool_configuration_notifications=configuration,
            )
        ],
        logical_locations=logical,
        results=results,
        properties={
            "cluster": data.cluster,
            "verdict": data.verdict,
            "complete": data.complete,
            "missing": data.missing,
            "identity": data.identity,
            "evaluated_at": data.evaluated_at,
            "policy": data.policy,
            "deadlines": data.deadlines,
            "operations": data.operations,
        },
    )


def render_sarif(assessments: list[Assessment], pack: Pack, lang: Lang) -> str:
    """A SARIF 2.1.0 log with one run per cluster, most urgent first."""
    # Every run carries the same tool description; build it once.
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
        runs=[_run(assessment, tool, lang) for assessment in sort_by_urgency(assessments)],
    )
    return dumps(log)
