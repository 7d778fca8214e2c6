"""The small vocabulary every layer shares: effects and severities, operations and their
decisions, verdicts and languages. Literal types, so that mypy holds every use to them."""

from __future__ import annotations

from typing import Literal

# What a clause does when it applies (POLICY.md); a finding's severity is the effect it has.
Effect = Literal["unsupported", "blocked", "warning", "best-effort", "out-of-scope", "info"]
Severity = Effect
SEVERITY_ORDER: tuple[Severity, ...] = (
    "unsupported",
    "blocked",
    "warning",
    "best-effort",
    "out-of-scope",
    "info",
)
# --fail-on compares against this rank: `warning` fails on warnings, blocks and worse.
SEVERITY_RANK: dict[str, int] = {
    "unsupported": 3,
    "blocked": 2,
    "warning": 2,
    "best-effort": 1,
    "out-of-scope": 1,
    "info": 1,
}

Operation = Literal["upgrade", "update-os", "scale", "create-nodepool", "create-vm"]
OPERATIONS: tuple[Operation, ...] = (
    "upgrade",
    "update-os",
    "scale",
    "create-nodepool",
    "create-vm",
)
Decision = Literal["allow", "warn", "block"]

# DESIGN.md "Core contracts": `not-applicable` when the cluster is not AKS Arc, else
# `unsupported` on any unsupported finding, else `undetermined` when a fact that decides
# support is missing, else `at-risk`, else `supported`. VERDICTS is the order of urgency in
# which reports list them; a cluster the policy does not judge comes last.
Verdict = Literal["unsupported", "undetermined", "at-risk", "supported", "not-applicable"]
VERDICTS: tuple[Verdict, ...] = (
    "unsupported",
    "undetermined",
    "at-risk",
    "supported",
    "not-applicable",
)

Lang = Literal["en", "ko"]
LANGS: tuple[Lang, ...] = ("en", "ko")

# A message argument: rendered into a catalog template at the edge.
Arg = str | int | float

__all__ = [
    "LANGS",
    "OPERATIONS",
    "SEVERITY_ORDER",
    "SEVERITY_RANK",
    "VERDICTS",
    "Arg",
    "Decision",
    "Effect",
    "Lang",
    "Operation",
    "Severity",
    "Verdict",
]
