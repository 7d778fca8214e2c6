"""Security advisories matched to the cluster's components (SEC-2, SEC-1)."""

from __future__ import annotations

from collections.abc import Iterator

from arcsupport.i18n.message import Message
from arcsupport.rules.outcome import EVIDENCE_CAP, Finding, Gap, NotEvaluated, Outcome
from arcsupport.rules.rule import ADVISORIES, Context, rule

_NEEDS_ADVISORIES = Message("needs.advisories")
_NEEDS_NODES = Message("needs.node-versions")
_NEEDS_VERSION = Message("needs.advisory-version")


@rule(
    "security-advisories",
    clauses=("SEC-2", "SEC-1"),
    needs=(_NEEDS_ADVISORIES, _NEEDS_NODES),
    inert_without=(ADVISORIES,),
)
def security_advisories(ctx: Context) -> Iterator[Outcome]:
    if not ctx.facts.advisories:
        raise NotEvaluated(_NEEDS_ADVISORIES)
    if ctx.snapshot.nodes is None:
        if ctx.facts.cluster_version is None:
            raise NotEvaluated(_NEEDS_NODES, _NEEDS_VERSION)
        yield Gap((_NEEDS_NODES,))
    # Imported here: the matching code is loaded only when advisories are given.
    from arcsupport.rules.advisories.match import match_advisories, undetermined_message

    result = match_advisories(ctx.facts, ctx.facts.advisories, ctx.at)
    for exposure in result.exposures:
        # One piece of evidence per instance (node or cluster); the message is the catalog
        # entry `security-advisories.<remedy>` that the advisories command prints as well.
        evidence = tuple(dict.fromkeys(hit.evidence for hit in exposure.hits))[:EVIDENCE_CAP]
        yield Finding(ctx.rule, ("SEC-2",), "warning", exposure.message, evidence)
    if result.undetermined:
        yield Finding(ctx.rule, ("SEC-1",), "info", undetermined_message(result.undetermined), ())
