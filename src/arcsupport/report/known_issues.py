"""Known issues for a terminal: the list of records, and those that concern a cluster (the
documents are report/documents/known_issues.py)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.known_issues import KnownIssueMatchesDoc
from arcsupport.snapshot.known_issue import KnownIssue


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


def render_known_issues(records: Sequence[KnownIssue], lang: Lang) -> list[RenderableType]:
    records = clip_strings(records, lang)
    out: list[RenderableType] = [
        Text(text(lang, "known-issues.list-title", count=len(records)), style="bold")
    ]
    for issue in records:
        out.append(Text(""))
        out.append(Text(f"{issue.id} ({issue.status})", style="bold"))
        out.append(Text(f"  {issue.title}"))
        out.append(Text(f"  {_affected_line(issue, lang)}", style="dim"))
        out.append(Text(f"  {text(lang, 'known-issues.fix-label')}: {_fixed_text(issue)}"))
    return out


def render_known_issue_matches(data: KnownIssueMatchesDoc, lang: Lang) -> list[RenderableType]:
    data = clip_strings(data, lang)
    out: list[RenderableType] = [
        Text(text(lang, "known-issues.match-title", cluster=data.cluster), style="bold"),
        Text(
            text(
                lang,
                "known-issues.header",
                version=data.kubernetes_version or "?",
                host=data.azure_local_release or "?",
                at=data.evaluated_at[:10],
            )
        ),
    ]
    if not data.matches:
        out.append(Text(text(lang, "known-issues.none"), style="green"))
    for match in data.matches:
        issue = match.record
        certainty = text(lang, f"known-issues.certainty.{match.certainty}")
        out.append(Text(""))
        out.append(Text(f"[{certainty}] {issue.id}", style="yellow"))
        out.append(Text(f"  {issue.title}", style="bold"))
        for line in match.reasons + match.unknowns:
            out.append(Text(f"  - {line}", style="dim"))
        out.append(Text(f"  {text(lang, 'known-issues.symptoms')}:"))
        for symptom in issue.symptoms:
            out.append(Text(f"    - {symptom}"))
        out.append(Text(f"  {text(lang, 'known-issues.workaround')}: {issue.workaround}"))
        if issue.options:
            out.append(Text(f"  {text(lang, 'known-issues.options')}:"))
        for option in issue.options:
            out.append(Text(f"    - {option}"))
        out.append(Text(f"  {text(lang, 'known-issues.fix-label')}: {match.fix}"))
        out.append(Text(f"  {text(lang, 'known-issues.timeline')}: {issue.timeline}"))
        links = " ".join([issue.source, *issue.upstream])
        out.append(Text(f"  {text(lang, 'known-issues.links')}: {links}", style="dim"))
    return out
