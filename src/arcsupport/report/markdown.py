"""--output markdown: reports for tickets and pull-request comments, and the upgrade runbook.

GitHub-flavoured Markdown that also reads as plain text. Values that come from the cluster
(object names, fields, values) are written as code spans and the rest of the text is escaped,
so that a name such as `<img src=x>` or `[x](y)` cannot turn into markup where it is pasted.
A document is built as a list of blocks (paragraphs, lists, tables) joined by blank lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message, render, text
from arcsupport.lifecycle.planner import Plan, PlanStep
from arcsupport.report.clip import clip, clip_strings
from arcsupport.report.documents.assessment import (
    AssessmentDoc,
    EvidenceDoc,
    FindingDoc,
    assessment_document,
    fleet_totals,
    sort_by_urgency,
)
from arcsupport.report.documents.explain import RuleDoc
from arcsupport.report.summary import (
    days_phrase,
    nearest_deadline,
    qualified,
    severity_counts,
    verdict_text,
    version_text,
)
from arcsupport.semver import KubeVersion
from arcsupport.types import SEVERITY_ORDER

_VERDICT_MARK = {
    "unsupported": "🔴",
    "undetermined": "❓",
    "at-risk": "🟡",
    "supported": "🟢",
    "not-applicable": "⚪",
}
_DECISION_MARK = {"allow": "✅", "warn": "⚠️", "block": "⛔"}
_MAX_EVIDENCE = 10
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
# Underscores only start emphasis at a word's edge (`_x_`), never inside one (`node_subnets`).
_SPECIAL = re.compile(r"([\\*\[\]<>~]|(?<!\w)_|_(?!\w))")


def _text(value: str) -> str:
    """Escape Markdown, except inside the code spans catalog messages use for commands."""
    parts = _CODE_SPAN.split(value)
    return "".join(
        part if index % 2 else _SPECIAL.sub(r"\\\1", part) for index, part in enumerate(parts)
    )


def _code(value: str) -> str:
    """`value` as a code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _cell(value: str) -> str:
    # GFM splits table cells on every `|`, even inside code spans, unless it is escaped.
    return value.replace("\n", " ").replace("|", "\\|")


def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = [
        "| " + " | ".join(_cell(item) for item in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(item) for item in row) + " |" for row in rows)
    return "\n".join(lines)


def _fenced(language: str, body: str) -> str:
    return f"```{language}\n{body}\n```"


def _label(lang: Lang, key: str) -> str:
    return text(lang, f"report.label.{key}")


def _verdict(lang: Lang, verdict: str) -> str:
    return f"{_VERDICT_MARK[verdict]} {text(lang, f'ui.verdict.{verdict}')}"


def _assessed_verdict(lang: Lang, assessment: Assessment, star: bool = False) -> str:
    """The verdict with its qualifier ("as far as checked: ..."), or in a table a star."""
    if star:
        return _verdict(lang, assessment.verdict) + ("\\*" if qualified(assessment) else "")
    return f"{_VERDICT_MARK[assessment.verdict]} " + _text(verdict_text(assessment, lang))


def _evidence(lang: Lang, label: str, evidence: EvidenceDoc) -> str:
    return (
        f"{label}: {_code(evidence.object)} {_code(evidence.field)} = {_code(evidence.value)} "
        f"({text(lang, f'report.provenance.{evidence.provenance}')}, {_code(evidence.source)})"
    )


def _when(lang: Lang, day: date, today: date) -> str:
    return f"{day.isoformat()} ({days_phrase(lang, day, today)})"


def _finding(lang: Lang, item: FindingDoc, today: date) -> str:
    lines = [
        f"- **{_text(item.title)}** — {_code(item.rule)} · {', '.join(item.clauses)}",
        f"  {_text(item.message)}",
    ]
    if item.deadline:
        when = _when(lang, date.fromisoformat(item.deadline), today)
        lines.append(f"  - {_label(lang, 'deadline')}: {when}")
    for evidence in item.evidence[:_MAX_EVIDENCE]:
        lines.append(f"  - {_evidence(lang, _label(lang, 'evidence'), evidence)}")
    hidden = len(item.evidence) - _MAX_EVIDENCE
    if hidden > 0:
        lines.append(f"  - {_text(text(lang, 'ui.more-evidence', count=hidden))}")
    if item.remediation:
        lines.append(f"  - {_label(lang, 'fix')}: {_text(item.remediation)}")
    return "\n".join(lines)


def _operations(lang: Lang, data: AssessmentDoc) -> str:
    return _table(
        [_label(lang, key) for key in ("operation", "decision", "clauses", "reasons")],
        (
            [
                _code(operation),
                f"{_DECISION_MARK[decision.decision]} "
                + text(lang, f"ui.decision.{decision.decision}"),
                ", ".join(decision.clauses) or "—",
                "; ".join(_text(reason) for reason in decision.reasons) or "—",
            ]
            for operation, decision in data.operations.items()
        ),
    )


def _cluster(assessment: Assessment, lang: Lang, level: int) -> list[str]:
    """One cluster's report as blocks; `level` is the heading level of its title."""
    data = assessment_document(assessment, lang)
    today = assessment.evaluated_at.date()
    head, sub = "#" * level, "#" * (level + 1)
    cluster = data.cluster
    header = text(
        lang,
        "ui.header",
        cluster=cluster.name,
        version=version_text(assessment, lang),
        at=data.evaluated_at[:10],
        policy=f"{data.policy.name} {data.policy.version}",
        as_of=data.policy.data_as_of,
    )
    blocks = [
        f"{head} {_text(text(lang, 'report.title', cluster=cluster.name))}",
        _text(header),
        f"**{text(lang, 'ui.verdict-label')}: {_assessed_verdict(lang, assessment)}**",
    ]
    if cluster.resource_id:
        blocks.append(f"{_label(lang, 'resource-id')}: {_code(cluster.resource_id)}")
    if data.missing:
        blocks.append(
            "\n".join(
                f"- {text(lang, 'ui.missing')}: {_text(item.message)}" for item in data.missing
            )
        )
    blocks.extend(f"> ⚠️ {_text(notice)}" for notice in data.notices)
    if data.verdict == "not-applicable":
        blocks.append(_text(text(lang, "ui.not-aks-arc")))
        blocks.append(
            "\n".join(
                f"- {_evidence(lang, text(lang, 'ui.signal'), signal)}"
                for signal in data.identity.signals
            )
        )
        blocks += [f"{sub} {text(lang, 'ui.operations')}", _operations(lang, data)]
        return blocks

    blocks.append(f"{sub} {_label(lang, 'findings')} ({len(data.findings)})")
    if not data.findings:
        blocks.append(_text(text(lang, "ui.no-findings")))
    for severity in SEVERITY_ORDER:
        group = [item for item in data.findings if item.severity == severity]
        if group:
            label = text(lang, f"ui.severity.{severity}")
            blocks.append(f"{sub}# {label[:1].upper()}{label[1:]} ({len(group)})")
            blocks.extend(_finding(lang, item, today) for item in group)

    blocks.append(f"{sub} {text(lang, 'ui.operations')}")
    blocks.append(_operations(lang, data))

    blocks.append(f"{sub} {text(lang, 'ui.deadlines')}")
    if assessment.deadlines:
        blocks.append(
            _table(
                [_label(lang, key) for key in ("date", "what", "clauses")],
                (
                    [
                        _when(lang, deadline.date, today),
                        _text(render(lang, deadline.what)),
                        ", ".join(deadline.clauses),
                    ]
                    for deadline in assessment.deadlines
                ),
            )
        )
    else:
        blocks.append(_text(text(lang, "ui.no-deadlines")))

    coverage = data.coverage
    missing = [gap for gap in coverage.not_evaluated if not gap.partial]
    total = len(coverage.evaluated) + len(missing)
    evaluated = len(coverage.evaluated)
    blocks.append(f"{sub} {text(lang, 'ui.coverage', evaluated=evaluated, total=total)}")
    if coverage.not_evaluated:
        blocks.append(
            "\n".join(
                "- "
                + _text(
                    text(
                        lang,
                        "ui.partially-evaluated" if gap.partial else "ui.not-evaluated",
                        rule=gap.rule,
                        needs="; ".join(gap.needs),
                    )
                )
                for gap in coverage.not_evaluated
            )
        )
    return blocks


def _fleet_row(lang: Lang, rank: int, assessment: Assessment) -> list[str]:
    nearest = nearest_deadline(assessment)
    counts = severity_counts(assessment)
    findings = ", ".join(
        f"{text(lang, f'ui.severity.{severity}')} {count}"
        for severity, count in counts.items()
        if count
    )
    return [
        str(rank),
        _code(assessment.cluster_name),
        assessment.kubernetes_version or "?",
        _assessed_verdict(lang, assessment, star=True),
        _when(lang, nearest.date, assessment.evaluated_at.date()) if nearest else "—",
        _text(render(lang, nearest.what)) if nearest else "—",
        findings or "—",
    ]


def _fleet(assessments: list[Assessment], lang: Lang, notices: Sequence[str]) -> list[str]:
    ordered = sort_by_urgency(assessments)
    totals = fleet_totals(ordered)
    blocks = [f"# {_text(text(lang, 'report.fleet-title', count=totals.clusters))}"]
    if ordered:
        first = ordered[0]
        blocks.append(
            _text(
                text(
                    lang,
                    "report.fleet-header",
                    at=first.evaluated_at.date().isoformat(),
                    policy=f"{first.policy.name} {first.policy.version}",
                    as_of=first.policy.data_as_of.isoformat(),
                )
            )
        )
    blocks.append(
        f"**{_label(lang, 'totals')}:** "
        + " · ".join(
            f"{_verdict(lang, verdict)} {count}" for verdict, count in totals.by_verdict.items()
        )
    )
    blocks.extend(f"> ⚠️ {_text(notice)}" for notice in notices)
    columns = ("cluster", "kubernetes", "verdict", "nearest-deadline", "what", "findings")
    blocks.append(
        _table(
            ["#", *(_label(lang, key) for key in columns)],
            (_fleet_row(lang, rank, item) for rank, item in enumerate(ordered, start=1)),
        )
    )
    if any(qualified(assessment) for assessment in ordered):
        blocks.append(_text(text(lang, "ui.fleet.as-far-as-checked")))
    if totals.by_clause:
        blocks.append(f"## {_label(lang, 'by-clause')}")
        blocks.append(
            _table(
                [_label(lang, "clause"), _label(lang, "clusters")],
                ([clause, str(count)] for clause, count in totals.by_clause.items()),
            )
        )
    for assessment in ordered:
        blocks += ["---", *_cluster(assessment, lang, level=2)]
    return blocks


def render_markdown(
    assessments: list[Assessment], lang: Lang, notices: Sequence[Message] = ()
) -> str:
    """One cluster's report, or for several (or none) a fleet summary by urgency followed by
    each one; `notices` are about the fleet as a whole (each cluster carries its own too)."""
    assessments = clip_strings(assessments, lang)
    if len(assessments) == 1 and not notices:
        blocks = _cluster(assessments[0], lang, level=1)
    else:
        said = [clip(render(lang, notice), lang) for notice in notices]
        blocks = _fleet(assessments, lang, said)
    return "\n\n".join(blocks) + "\n"


# --- the upgrade runbook ---------------------------------------------------------------------

# The runbook does not know the cluster's Azure names: the reader sets them once at the top.
_SHELL_VARIABLES = 'RESOURCE_GROUP="<resource-group>"\nCLUSTER_NAME="<cluster-name>"'
_AZ_TARGET = '--resource-group "$RESOURCE_GROUP" --name "$CLUSTER_NAME"'


def _support_line(lang: Lang, key: str, what: str, ends: date, at: date) -> str:
    return _text(
        text(lang, key, what=what, date=ends.isoformat(), when=days_phrase(lang, ends, at))
    )


def _kubernetes_step(lang: Lang, plan: Plan, step: PlanStep) -> list[str]:
    blocks = []
    if step.skipped:
        blocks.append(_text(text(lang, "report.plan.skipped", minors=", ".join(step.skipped))))
    if step.migrate_apis:
        blocks.append(_text(text(lang, "report.plan.migrate-first", version=step.to)))
        columns = ("kind", "api-version", "removed-in", "replacement", "objects")
        blocks.append(
            _table(
                [_label(lang, key) for key in columns],
                (
                    [
                        migration.kind,
                        _code(migration.api_version),
                        migration.removed_in,
                        _code(migration.replacement) if migration.replacement else "—",
                        ", ".join(_code(name) for name in migration.objects),
                    ]
                    for migration in step.migrate_apis
                ),
            )
        )
    blocks.append(_text(text(lang, "report.plan.upgrade-run")))
    blocks.append(
        _fenced(
            "sh",
            f"az aksarc get-upgrades {_AZ_TARGET}\n"
            f"az aksarc upgrade {_AZ_TARGET} --kubernetes-version {step.to}",
        )
    )
    blocks.append(_text(text(lang, "report.plan.upgrade-verify", version=step.to)))
    blocks.append(
        _fenced(
            "sh",
            f"az aksarc show {_AZ_TARGET} --query "
            '"{version: properties.kubernetesVersion, state: properties.provisioningState}" '
            "--output table\n"
            "kubectl get nodes --output wide",
        )
    )
    if step.support_ends is not None:
        minor = KubeVersion.parse(step.to).minor_key
        blocks.append(
            _support_line(lang, "report.plan.kubernetes-support", minor, step.support_ends, plan.at)
        )
    return blocks


def _azure_local_step(lang: Lang, plan: Plan, step: PlanStep) -> list[str]:
    blocks = [
        _text(text(lang, "report.plan.azure-local-run", release=step.to)),
        _fenced(
            "powershell",
            "Get-SolutionUpdate | Format-Table DisplayName, Version, State\n"
            f"Get-SolutionUpdate -Id <update-id-of-{step.to}> | Start-SolutionUpdate",
        ),
        _text(text(lang, "report.plan.azure-local-verify", release=step.to)),
        _fenced("powershell", "Get-SolutionUpdateEnvironment | Format-List State, CurrentVersion"),
    ]
    if step.support_ends is not None:
        blocks.append(
            _support_line(
                lang, "report.plan.azure-local-support", step.to, step.support_ends, plan.at
            )
        )
    return blocks


def render_plan_markdown(plan: Plan, lang: Lang) -> str:
    """An upgrade runbook to paste into a change ticket: context, numbered steps with the exact
    commands, the APIs to migrate before each hop, verification, rollback and the outcome."""
    plan = clip_strings(plan, lang)
    host = plan.host_release or "?"
    if plan.host_assumed:
        host = text(lang, "report.plan.host-assumed", release=host)
    if plan.reaches_supported and plan.supported_until is not None:
        outcome = "✅ " + text(
            lang,
            "report.plan.outcome-supported",
            version=plan.steps[-1].to if plan.steps else plan.from_version,
            date=plan.supported_until.isoformat(),
            when=days_phrase(lang, plan.supported_until, plan.at),
        )
    else:
        outcome = "❌ " + text(lang, "report.plan.outcome-unsupported", target=plan.target)
    title = text(lang, "report.plan.title", source=plan.from_version, target=plan.target)
    blocks = [
        f"# {_text(title)}",
        f"## {_label(lang, 'context')}",
        _table(
            [_label(lang, "item"), _label(lang, "value")],
            [
                [_label(lang, "current-version"), plan.from_version],
                [_label(lang, "target-version"), plan.target],
                [_label(lang, "azure-local"), _text(host)],
                [_label(lang, "planned-on"), plan.at.isoformat()],
                [_label(lang, "steps"), str(len(plan.steps))],
                [_label(lang, "outcome"), _text(outcome)],
            ],
        ),
    ]
    blocks.extend(f"> ⚠️ {_text(render(lang, notice))}" for notice in plan.notices)
    blocks.extend(f"> ℹ️ {_text(render(lang, note))}" for note in plan.notes)

    blocks += [
        f"## {_label(lang, 'before-you-start')}",
        _text(text(lang, "report.plan.variables")),
        _fenced("sh", _SHELL_VARIABLES),
        "\n".join(
            f"- [ ] {_text(text(lang, f'report.plan.check.{item}'))}"
            for item in ("health", "backup", "window", "no-downgrade")
        ),
        f"## {_label(lang, 'steps')}",
    ]
    if not plan.steps:
        blocks.append(_text(text(lang, "report.plan.no-steps", version=plan.from_version)))
    for number, step in enumerate(plan.steps, start=1):
        if step.kind == "azure-local-update":
            title = text(lang, "report.plan.step-azure-local", release=step.to)
            body = _azure_local_step(lang, plan, step)
        else:
            title = text(lang, "report.plan.step-kubernetes", version=step.to)
            body = _kubernetes_step(lang, plan, step)
        blocks += [f"### {number}. {_text(title)}", *body]

    blocks += [
        f"## {_label(lang, 'rollback')}",
        "\n".join(
            f"- {_text(text(lang, f'report.plan.rollback.{item}'))}"
            for item in ("kubernetes", "azure-local", "last-resort")
        ),
        f"## {_label(lang, 'outcome')}",
        _text(outcome),
    ]
    return "\n\n".join(blocks) + "\n"


# --- the rules page (docs/rules.md) ----------------------------------------------------------


def render_rules_page(rules: Sequence[RuleDoc]) -> str:
    """Every rule with its clauses, what it checks, why, how to fix, the facts it needs and the
    operations it judges: the repository's docs/rules.md, in English."""
    blocks = [
        "# Rules",
        "<!-- Generated by `make docs` (python -m arcsupport.report.rules_page) from the rule "
        "registry and the English catalogs: edit those, not this file. -->",
        "Every rule arcsupport runs, in the order reports list them, with the clauses of the "
        "support policy it checks. `arcsupport explain RULE` prints one (`--lang ko` in "
        "Korean), `arcsupport explain --all --output json` prints every rule and clause.",
        _table(
            ["Rule", "Title", "Clauses"],
            (
                [f"[{_code(rule.id)}](#{rule.id})", _text(rule.title), ", ".join(rule.clauses)]
                for rule in rules
            ),
        ),
    ]
    for rule in rules:
        operations = ", ".join(_code(operation) for operation in rule.operations)
        details = [
            ("Clauses", ", ".join(rule.clauses)),
            ("What it checks", _text(rule.what)),
            ("Why", _text(rule.why)),
            ("How to fix", _text(rule.fix)),
            ("Needs", _text("; ".join(rule.needs))),
            ("Operations it can warn on or block", operations or "none"),
            ("Documented in", _code(f"src/arcsupport/i18n/{{en,ko}}/rules/{rule.module}.toml")),
        ]
        blocks += [
            f"## {rule.id}",
            f"**{_text(rule.title)}**",
            "\n".join(f"- **{label}:** {value}" for label, value in details),
        ]
    return "\n\n".join(blocks) + "\n"
