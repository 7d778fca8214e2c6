"""Known issues (`arcsupport.known-issues/v1`, UPS-2), in two shapes under one schema name: the
list of records (itself a valid record file for `--known-issues`), and the records that concern
one cluster, each with how certain the match is and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Literal

from arcsupport.engine.known_issues import Certainty, KnownIssueMatch
from arcsupport.i18n import Lang, render
from arcsupport.report.documents.base import Document, Timestamp
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.known_issue import KnownIssue
from arcsupport.timeutil import iso_time

SCHEMA: Final = "arcsupport.known-issues/v1"


class KnownIssuesDoc(Document, frozen=True):
    """Known-issue records (arcsupport.known-issues/v1), as `known-issues list` prints them and
    as a record file holds them."""

    schema: Literal["arcsupport.known-issues/v1"]
    records: list[KnownIssue]


class KnownIssueMatchDoc(Document, frozen=True):
    id: str
    title: str
    certainty: Certainty
    reasons: list[str]
    unknowns: list[str]
    fix: str
    record: KnownIssue


class KnownIssueMatchesDoc(Document, frozen=True):
    """The known issues that concern one cluster (arcsupport.known-issues/v1)."""

    schema: Literal["arcsupport.known-issues/v1"]
    evaluated_at: Timestamp
    lang: Lang
    source: str
    cluster: str
    kubernetes_version: str | None
    azure_local_release: str | None
    matches: list[KnownIssueMatchDoc]


def known_issues_document(records: Sequence[KnownIssue]) -> KnownIssuesDoc:
    return KnownIssuesDoc(schema=SCHEMA, records=list(records))


def known_issue_matches_document(
    facts: Facts, matches: Sequence[KnownIssueMatch], at: datetime, lang: Lang
) -> KnownIssueMatchesDoc:
    version = facts.cluster_version
    host = facts.host_platform
    return KnownIssueMatchesDoc(
        schema=SCHEMA,
        evaluated_at=iso_time(at),
        lang=lang,
        source=facts.snapshot.source,
        cluster=facts.snapshot.cluster_name,
        kubernetes_version=str(version.version) if version else None,
        azure_local_release=host[1] if host and host[0] == "azure-local" else None,
        matches=[
            KnownIssueMatchDoc(
                id=match.issue.id,
                title=match.issue.title,
                certainty=match.certainty,
                reasons=[render(lang, reason) for reason in match.reasons],
                unknowns=[render(lang, unknown) for unknown in match.unknowns],
                fix=render(lang, match.fix),
                record=match.issue,
            )
            for match in matches
        ],
    )
