"""The JSON Schemas of every document arcsupport prints, generated from the Structs of
report/documents/ and shipped in arcsupport/schema/ (`arcsupport.schema.load_schema`).

    python -m arcsupport.report.schemas [FOLDER]    (`make schemas`)

writes them all (default: the package's schema folder); a test holds the shipped files to
what this generates, so a document cannot change without its schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import msgspec

from arcsupport.report.documents.access import (
    AccessCheckDoc,
    AccessGrantDoc,
    AccessGrantsDoc,
    AuditDoc,
    AuditVerifyDoc,
)
from arcsupport.report.documents.advisories import AdvisoriesDoc
from arcsupport.report.documents.assessment import AssessmentDoc, FleetDoc
from arcsupport.report.documents.explain import ExplainDoc
from arcsupport.report.documents.gate import GateDoc
from arcsupport.report.documents.inspection import InspectionDoc
from arcsupport.report.documents.known_issues import KnownIssueMatchesDoc, KnownIssuesDoc
from arcsupport.report.documents.notification import NotificationDoc, NotificationsDoc
from arcsupport.report.documents.plan import PlanDoc
from arcsupport.report.documents.service import (
    AccessRequestDoc,
    AccessRequestsDoc,
    ClusterHistoryDoc,
    ClustersDoc,
    DeadlinesDoc,
    IngestDoc,
)
from arcsupport.report.documents.triage import PLAN_WITH_UPGRADE_FIRST, TriageDoc
from arcsupport.report.documents.versions import VersionsDoc

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# `arcsupport.<name>/v1` -> the shapes its documents take (known-issues: the list of records,
# or the records matched to a cluster).
SCHEMAS: dict[str, tuple[Any, ...]] = {
    "assessment": (AssessmentDoc,),
    "fleet": (FleetDoc,),
    "versions": (VersionsDoc,),
    "gate": (GateDoc,),
    "plan": (PlanDoc,),
    "triage": (Annotated[TriageDoc, PLAN_WITH_UPGRADE_FIRST],),
    "advisories": (AdvisoriesDoc,),
    "known-issues": (KnownIssuesDoc, KnownIssueMatchesDoc),
    "bundle-inspection": (InspectionDoc,),
    "access-grant": (AccessGrantDoc,),
    "access-grants": (AccessGrantsDoc,),
    "access-check": (AccessCheckDoc,),
    "audit": (AuditDoc,),
    "audit-verify": (AuditVerifyDoc,),
    "explain": (ExplainDoc,),
    "clusters": (ClustersDoc,),
    "cluster-history": (ClusterHistoryDoc,),
    "deadlines": (DeadlinesDoc,),
    "ingest": (IngestDoc,),
    "access-request": (AccessRequestDoc,),
    "access-requests": (AccessRequestsDoc,),
    "notification": (NotificationDoc,),
    "notifications": (NotificationsDoc,),
}
# Printed by the service (`arcsupport serve`), not by a command: tests/service validates them.
SERVICE_SCHEMAS = (
    "clusters",
    "cluster-history",
    "deadlines",
    "ingest",
    "access-request",
    "access-requests",
    "notification",
    "notifications",
)


def _constants(node: Any) -> Any:
    """A one-value enum (the `schema` field's Literal) said as what it is: a const."""
    if isinstance(node, dict):
        if list(node) == ["enum"] and len(node["enum"]) == 1:
            return {"const": node["enum"][0]}
        return {key: _constants(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return type(node)(_constants(item) for item in node)
    return node


def components(
    types: tuple[Any, ...], ref_template: str
) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """The schemas of `types` and of everything they refer to, as shipped: the service's
    OpenAPI document is built from the same call, so the two cannot drift apart."""
    roots, definitions = msgspec.json.schema_components(types, ref_template=ref_template)
    constant: tuple[tuple[dict[str, Any], ...], dict[str, Any]] = _constants((roots, definitions))
    return constant


def generate(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `arcsupport.<name>/v1`."""
    roots, definitions = components(SCHEMAS[name], ref_template="#/$defs/{name}")
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"https://arcsupport.invalid/schema/{name}/v1",
        "title": f"arcsupport.{name}/v1",
    }
    if len(roots) == 1:
        schema.update(roots[0])
    else:
        schema["oneOf"] = list(roots)
    schema["$defs"] = definitions
    return schema


def render(name: str) -> str:
    return json.dumps(generate(name), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "schema"
    for name in SCHEMAS:
        (folder / f"{name}.schema.json").write_text(render(name), encoding="utf-8")
    print(f"wrote {len(SCHEMAS)} schemas to {folder}")


if __name__ == "__main__":
    main(sys.argv[1:])
