"""Support access and the audit log for a terminal: a grant, the grants, an access check, the
log and its verification (the documents are report/documents/access.py), and a grant's RBAC
as YAML with comments that say what it is and when to delete it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text

from arcsupport.access.audit import Verification, canonical_json
from arcsupport.access.consent import GrantRecord, iso
from arcsupport.access.rbac import GRANT_LABEL, manifests
from arcsupport.i18n import Lang, has, text
from arcsupport.report.documents.access import AccessCheckDoc, AuditDoc, problem_message
from arcsupport.safeyaml import dump_yaml


def render_grant(record: GrantRecord, lang: Lang) -> list[RenderableType]:
    return [
        Text(
            text(
                lang,
                "access.granted",
                id=record.id,
                engineer=record.engineer,
                actions=", ".join(record.actions),
                cluster=record.cluster,
                start=iso(record.starts_at),
                end=iso(record.ends_at),
                case=record.case,
                approved_by=record.approved_by,
            )
        )
    ]


def render_grant_rbac(grant: GrantRecord, namespaces: Sequence[str], lang: Lang) -> str:
    """YAML for `kubectl apply -f -`, its comments saying what it is and when to delete it."""
    comments = [
        text(
            lang,
            "access.rbac.header",
            id=grant.id,
            engineer=grant.engineer,
            cluster=grant.cluster,
            case=grant.case,
            approved_by=grant.approved_by,
            start=iso(grant.starts_at),
            end=iso(grant.ends_at),
        ),
        text(lang, "access.rbac.expiry", end=iso(grant.ends_at)),
        f"  kubectl delete role,rolebinding -A -l {GRANT_LABEL}={grant.id}",
    ]
    if "node-login" in grant.actions:
        comments.append(text(lang, "access.rbac.node-login"))
    header = "".join(f"# {line}\n" for line in comments)
    documents = [dump_yaml(item) for item in manifests(grant, namespaces)]
    return header + "---\n".join(documents)


def render_revoked(record: GrantRecord, by: str, at: datetime, lang: Lang) -> list[RenderableType]:
    return [Text(text(lang, "access.revoked", id=record.id, at=iso(at), by=by))]


def render_grants(records: Sequence[GrantRecord], at: datetime, lang: Lang) -> list[RenderableType]:
    if not records:
        return [Text(text(lang, "access.list.none", at=iso(at)))]
    # Lines rather than a table: ARM ids and identities are too long for columns at 80
    # characters, and a shortened id is a wrong id.
    lines: list[RenderableType] = [Text(text(lang, "access.list.title", at=iso(at)), style="bold")]
    for record in records:
        state, _ = record.state_at(at)
        lines.append(
            Text(f"{record.id:>6}  ")
            + Text(text(lang, f"access.state.{state}"), style="bold")
            + Text(f"  {record.engineer}  {', '.join(record.actions)}")
        )
        for detail in (
            record.cluster,
            text(
                lang,
                "access.list.terms",
                start=iso(record.starts_at),
                end=iso(record.ends_at),
                case=record.case,
                approved_by=record.approved_by,
            ),
        ):
            lines.append(Padding(Text(detail), (0, 0, 0, 8)))
    return lines


def render_access_check(data: AccessCheckDoc, lang: Lang) -> list[RenderableType]:
    if data.allowed and data.grant is not None and data.until is not None:
        line = text(
            lang,
            "access.allowed",
            engineer=data.engineer,
            action=data.action,
            cluster=data.cluster,
            at=data.at,
            grant=data.grant,
            end=data.until,
        )
    else:
        line = text(
            lang,
            "access.denied",
            engineer=data.engineer,
            action=data.action,
            cluster=data.cluster,
            at=data.at,
            reason=data.message or "",
        )
    return [Text(line)]


def _summary(lang: Lang, action: str, details: Any) -> str:
    """One line in words; `--output json` carries every field."""
    if not isinstance(details, dict):
        return str(details)
    key = "audit.summary." + action.replace(".", "-")
    if action == "access.check":
        key += "-allowed" if details.get("allowed") else "-denied"
    if not has(lang, key):
        return canonical_json(details)
    args = {name: "-" if value is None else value for name, value in details.items()}
    if isinstance(details.get("actions"), list):
        args["actions"] = ", ".join(str(item) for item in details["actions"])
    return text(lang, key, **args)


def _short_time(stamp: str) -> str:
    """2025-09-15T08:00:00.123456Z as 2025-09-15 08:00:00Z: seconds are enough to read."""
    return stamp[:10] + " " + stamp[11:19] + "Z" if len(stamp) >= 19 else stamp


def render_audit(data: AuditDoc, lang: Lang) -> list[RenderableType]:
    if not data.entries:
        return [Text(text(lang, "audit.none"))]
    # Two lines an entry: the summary is too long for a table column at 80 characters.
    lines: list[RenderableType] = []
    for entry in data.entries:
        lines.append(
            Text(f"{entry.seq:>6}  {_short_time(str(entry.recorded_at))}  ")
            + Text(str(entry.action), style="bold")
            + Text(f"  {entry.actor}")
        )
        summary = Text(_summary(lang, str(entry.action), entry.details))
        lines.append(Padding(summary, (0, 0, 0, 8)))
    return lines


def render_verification(result: Verification, lang: Lang) -> list[RenderableType]:
    if result.problem is not None:
        line = text(lang, "audit.tampered", problem=problem_message(lang, result.problem))
    else:
        line = text(
            lang,
            "audit.intact",
            entries=result.entries,
            seq=result.head_seq,
            hash=result.head_hash,
        )
    return [Text(line)]
