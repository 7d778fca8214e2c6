"""`arcsupport advisories match` (SEC-1, SEC-2) and `arcsupport known-issues list|match`
(UPS-2): what the loaded advisories and known issues mean for given clusters.

Exit codes of the match commands: 0 nothing concerns the clusters, 1 something does, 2 bad
input (a malformed advisory or known-issue file is named in one line)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.console import RenderableType
from rich.text import Text

from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    OutFileOption,
    Output,
    OutputOption,
    PolicyOption,
    at_moment,
    emit,
    language,
)
from arcsupport.engine.known_issues import KnownIssueMatch
from arcsupport.engine.known_issues import match_known_issues as match_issues
from arcsupport.i18n import Lang, render, text
from arcsupport.policy.loader import load_pack
from arcsupport.report.jsonout import dumps
from arcsupport.rules.advisories.match import (
    ClusterAdvisories,
    Exposure,
    Undetermined,
    match_advisories,
)
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.advisory import AdvisorySet
from arcsupport.snapshot.known_issue import SCHEMA as KNOWN_ISSUES_SCHEMA
from arcsupport.snapshot.known_issue import KnownIssue
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.advisories import load_advisories
from arcsupport.sources.known_issues import load_known_issues
from arcsupport.sources.read import read_snapshot

ADVISORIES_SCHEMA = "arcsupport.advisories/v1"
# Lines of instances a component shows in the table; JSON lists them all.
_TABLE_INSTANCES = 6

advisories_app = typer.Typer(
    help="Match security advisories (OSV, the Kubernetes CVE feed) to clusters.",
    no_args_is_help=True,
)
known_issues_app = typer.Typer(
    help="Known issues of AKS Arc: list them, or find those that concern a cluster.",
    no_args_is_help=True,
)

SourcesArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Bundles (directory or .tar.gz) or `kubectl cluster-info dump` output.",
        show_default=False,
    ),
]
AdvisoriesOption = Annotated[
    list[Path],
    typer.Option(
        "--advisories",
        "-a",
        help="An OSV record, the Kubernetes CVE feed (index.json), or a folder searched for "
        "*.json; repeat for more.",
        show_default=False,
    ),
]
KnownIssuesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--known-issues",
        help="More known-issue records (a YAML file or a folder); a record with a shipped "
        "record's id replaces it. Repeat for more.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(advisories_app, name="advisories")
    app.add_typer(known_issues_app, name="known-issues")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- advisories match --------------------------------------------------------------------------


@advisories_app.command("match")
def advisories_match(
    sources: SourcesArgument,
    advisories: AdvisoriesOption,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    out: OutFileOption = None,
) -> None:
    """Which advisories affect each cluster and node, and the upgrade that fixes them.

    Components: the control plane, kubelet, kube-proxy, containerd, runc and the node image.
    The remediation names a Kubernetes version the AKS Arc calendar offers: a patch upgrade,
    or a node image upgrade, which comes with one. JSON: the arcsupport.advisories/v1
    document. Exit codes: 0 nothing affected, 1 something affected, 2 bad input.
    """
    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = load_advisories(advisories)
    results: list[tuple[Snapshot, ClusterAdvisories]] = []
    for source in sources:
        snapshot = read_snapshot(source)
        results.append(
            (snapshot, match_advisories(Facts(snapshot, pack), loaded.advisories, moment))
        )
    lang_code = language(lang)
    data = advisories_data(loaded, results, moment, lang_code)
    if output is Output.json:
        emit(dumps(data), out)
    else:
        emit(_advisories_table(data, lang_code), out)
    raise typer.Exit(1 if any(result.affected for _, result in results) else 0)


def _exposure_data(exposure: Exposure, lang: Lang) -> dict[str, Any]:
    remedy = exposure.remediation
    return {
        "component": exposure.component,
        "title": render(lang, exposure.message, "title"),
        "message": render(lang, exposure.message, "message"),
        "vulnerabilities": [
            {
                "ids": list(flaw.ids),
                "summary": flaw.summary,
                "severity": flaw.severity,
                "url": flaw.url,
            }
            for flaw in exposure.vulnerabilities
        ],
        "instances": [
            {
                "node": hit.node,
                "installed": hit.installed,
                "fixed": hit.bound.describe(),
                "record": hit.record,
                "ids": list(hit.vulnerability.ids),
                "evidence": {
                    "object": hit.evidence.object,
                    "field": hit.evidence.field,
                    "value": hit.evidence.value,
                    "source": hit.evidence.source,
                },
            }
            for hit in exposure.hits
        ],
        "remediation": {
            "kind": remedy.kind,
            "kubernetes_version": remedy.target,
            "azure_local_release": remedy.release,
            "update_azure_local": remedy.kind.endswith("-update-host"),
            "text": render(lang, exposure.message, "fix"),
        },
    }


def _undetermined_data(item: Undetermined, lang: Lang) -> dict[str, Any]:
    return {
        "ids": list(item.vulnerability.ids),
        "component": item.component,
        "reason": item.reason,
        "text": text(
            lang, f"advisories.reason.{item.reason}", packages=", ".join(item.packages) or "-"
        ),
        "nodes": list(item.nodes),
        "packages": list(item.packages),
    }


def advisories_data(
    loaded: AdvisorySet,
    results: list[tuple[Snapshot, ClusterAdvisories]],
    at: datetime,
    lang: Lang,
) -> dict[str, Any]:
    """The arcsupport.advisories/v1 document (schema/advisories.schema.json)."""
    return {
        "schema": ADVISORIES_SCHEMA,
        "evaluated_at": _iso(at),
        "lang": lang,
        "advisories": {
            "records": len(loaded.advisories),
            "skipped": [
                {
                    "source": item.source,
                    "id": item.id,
                    "reason": item.reason,
                    "text": text(lang, f"advisories.skip.{item.reason}", line=item.detail),
                }
                for item in loaded.skipped
            ],
        },
        "clusters": [
            {
                "source": snapshot.source,
                "cluster": snapshot.cluster_name,
                "kubernetes_version": result.kubernetes_version,
                "azure_local_release": result.host_release,
                "affected": result.affected,
                "components": [_exposure_data(exposure, lang) for exposure in result.exposures],
                "undetermined": [_undetermined_data(item, lang) for item in result.undetermined],
                "withdrawn": list(result.withdrawn),
                "untracked": [
                    {"record": record, "package": package} for record, package in result.untracked
                ],
            }
            for snapshot, result in results
        ],
    }


def _advisories_table(data: dict[str, Any], lang: Lang) -> list[RenderableType]:
    loaded = data["advisories"]
    withdrawn = sorted({record for c in data["clusters"] for record in c["withdrawn"]})
    untracked = sorted({item["package"] for c in data["clusters"] for item in c["untracked"]})
    out: list[RenderableType] = [
        Text(
            text(
                lang,
                "advisories.loaded",
                records=loaded["records"],
                skipped=len(loaded["skipped"]),
                withdrawn=len(withdrawn),
            ),
            style="dim",
        )
    ]
    for item in loaded["skipped"]:
        line = text(lang, "advisories.skipped-item", id=item["id"], reason=item["text"])
        out.append(Text(f"  {line}", style="dim"))
    if untracked:
        line = text(
            lang, "advisories.untracked", count=len(untracked), packages=", ".join(untracked)
        )
        out.append(Text(line, style="dim"))
    for cluster in data["clusters"]:
        out.append(Text(""))
        out.append(Text(text(lang, "advisories.title", cluster=cluster["cluster"]), style="bold"))
        out.append(
            Text(
                text(
                    lang,
                    "advisories.header",
                    version=cluster["kubernetes_version"] or "?",
                    host=cluster["azure_local_release"] or "?",
                    at=data["evaluated_at"][:10],
                )
            )
        )
        if not cluster["components"]:
            out.append(Text(text(lang, "advisories.none"), style="green"))
        for component in cluster["components"]:
            out.append(Text(""))
            out.append(Text(f"[{component['component']}] {component['title']}", style="yellow"))
            out.append(Text(f"  {component['message']}"))
            instances = component["instances"]
            for instance in instances[:_TABLE_INSTANCES]:
                line = text(
                    lang,
                    "advisories.instance",
                    where=instance["node"] or text(lang, "advisories.cluster-wide"),
                    installed=instance["installed"],
                    ids=instance["ids"][0],
                    fixed=instance["fixed"],
                )
                out.append(Text(f"  - {line}", style="dim"))
            hidden = len(instances) - _TABLE_INSTANCES
            if hidden > 0:
                out.append(Text("    " + text(lang, "ui.more-evidence", count=hidden), style="dim"))
            label = text(lang, "advisories.remediation")
            out.append(Text(f"  {label}: {component['remediation']['text']}", style="bold"))
        if cluster["undetermined"]:
            out.append(Text(""))
            out.append(Text(text(lang, "advisories.undetermined"), style="bold"))
            for item in cluster["undetermined"]:
                nodes = len(item["nodes"])
                out.append(
                    Text(f"  - {item['ids'][0]} [{item['component']}] {item['text']} ({nodes})")
                )
    return out


# --- known issues ------------------------------------------------------------------------------


def _issue_data(issue: KnownIssue) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(issue)
    return data


@known_issues_app.command("list")
def known_issues_list(
    known_issues: KnownIssuesOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the known issues: the shipped ones and any given with --known-issues.

    `--output json` prints an arcsupport.known-issues/v1 document, itself a valid record file.
    """
    records = load_known_issues(known_issues or [])
    lang_code = language(lang)
    if output is Output.json:
        emit(
            dumps({"schema": KNOWN_ISSUES_SCHEMA, "records": [_issue_data(r) for r in records]}),
            None,
        )
        return
    out: list[RenderableType] = [
        Text(text(lang_code, "known-issues.list-title", count=len(records)), style="bold")
    ]
    for issue in records:
        out.append(Text(""))
        out.append(Text(f"{issue.id} ({issue.status})", style="bold"))
        out.append(Text(f"  {issue.title}"))
        out.append(Text(f"  {_affected_line(issue, lang_code)}", style="dim"))
        out.append(Text(f"  {text(lang_code, 'known-issues.fix-label')}: {_fixed_text(issue)}"))
    emit(out, None)


def _affected_line(issue: KnownIssue, lang: Lang) -> str:
    span = issue.affected.azure_local
    any_text = text(lang, "known-issues.any")
    releases = [f">={span.from_}"] if span and span.from_ else []
    releases += [f"<={span.through}"] if span and span.through else []
    if not (span and span.through) and issue.fixed_in:
        releases.append(f"<{issue.fixed_in}")
    versions = issue.affected.kubernetes
    kubernetes = [f">={versions.from_}"] if versions and versions.from_ else []
    kubernetes += [f"<={versions.through}"] if versions and versions.through else []
    return text(
        lang,
        "known-issues.affected",
        components=", ".join(issue.affected.components),
        releases=", ".join(releases) or any_text,
        kubernetes=", ".join(kubernetes) or any_text,
    )


def _fixed_text(issue: KnownIssue) -> str:
    return f"Azure Local {issue.fixed_in}" if issue.fixed_in else issue.timeline


@known_issues_app.command("match")
def known_issues_match(
    source: Annotated[
        Path,
        typer.Argument(help="A bundle (directory or .tar.gz) or a dump.", show_default=False),
    ],
    known_issues: KnownIssuesOption = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """The known issues that concern a cluster.

    Matched by the Azure Local release (facts.yaml host_platform), the Kubernetes version and
    the components present; `may apply` when the bundle cannot check a condition, `general`
    for issues of an operation any cluster may run. Exit codes: 0 none but general ones,
    1 some apply or may apply, 2 bad input.
    """
    moment = at_moment(at)
    records = load_known_issues(known_issues or [])
    snapshot = read_snapshot(source)
    facts = Facts(snapshot, load_pack(policy))
    matches = match_issues(facts, records, moment)
    lang_code = language(lang)
    version = facts.cluster_version
    host = facts.host_platform
    data = {
        "schema": KNOWN_ISSUES_SCHEMA,
        "evaluated_at": _iso(moment),
        "lang": lang_code,
        "source": snapshot.source,
        "cluster": snapshot.cluster_name,
        "kubernetes_version": str(version.version) if version else None,
        "azure_local_release": host[1] if host and host[0] == "azure-local" else None,
        "matches": [_match_data(match, lang_code) for match in matches],
    }
    if output is Output.json:
        emit(dumps(data), None)
    else:
        emit(_matches_table(data, matches, lang_code), None)
    raise typer.Exit(1 if any(match.certainty != "general" for match in matches) else 0)


def _match_data(match: KnownIssueMatch, lang: Lang) -> dict[str, Any]:
    return {
        "id": match.issue.id,
        "title": match.issue.title,
        "certainty": match.certainty,
        "reasons": [render(lang, reason) for reason in match.reasons],
        "unknowns": [render(lang, unknown) for unknown in match.unknowns],
        "fix": render(lang, match.fix),
        "record": _issue_data(match.issue),
    }


def _matches_table(
    data: dict[str, Any], matches: list[KnownIssueMatch], lang: Lang
) -> list[RenderableType]:
    out: list[RenderableType] = [
        Text(text(lang, "known-issues.match-title", cluster=data["cluster"]), style="bold"),
        Text(
            text(
                lang,
                "known-issues.header",
                version=data["kubernetes_version"] or "?",
                host=data["azure_local_release"] or "?",
                at=data["evaluated_at"][:10],
            )
        ),
    ]
    if not matches:
        out.append(Text(text(lang, "known-issues.none"), style="green"))
    for match, item in zip(matches, data["matches"], strict=True):
        issue = match.issue
        certainty = text(lang, f"known-issues.certainty.{match.certainty}")
        out.append(Text(""))
        out.append(Text(f"[{certainty}] {issue.id}", style="yellow"))
        out.append(Text(f"  {issue.title}", style="bold"))
        for line in item["reasons"] + item["unknowns"]:
            out.append(Text(f"  - {line}", style="dim"))
        out.append(Text(f"  {text(lang, 'known-issues.symptoms')}:"))
        for symptom in issue.symptoms:
            out.append(Text(f"    - {symptom}"))
        out.append(Text(f"  {text(lang, 'known-issues.workaround')}: {issue.workaround}"))
        if issue.options:
            out.append(Text(f"  {text(lang, 'known-issues.options')}:"))
        for option in issue.options:
            out.append(Text(f"    - {option}"))
        out.append(Text(f"  {text(lang, 'known-issues.fix-label')}: {item['fix']}"))
        out.append(Text(f"  {text(lang, 'known-issues.timeline')}: {issue.timeline}"))
        links = " ".join([issue.source, *issue.upstream])
        out.append(Text(f"  {text(lang, 'known-issues.links')}: {links}", style="dim"))
    return out
