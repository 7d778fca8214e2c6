"""A notice in each channel's words, in the tenant's language: the generic webhook's document
(arcsupport.notification/v1), a Slack message of Block Kit blocks, a Microsoft Teams message
carrying an Adaptive Card, and an e-mail in plain text and HTML.

All four say the same things, worded once here (`Wording`): a title, a lead paragraph, facts
(verdict, Kubernetes version, clauses, deadline), the findings behind a verdict, and a footer
naming the tenant and the event.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import msgspec

from arcsupport.i18n import render, text
from arcsupport.report.documents.notification import (
    DeadlineNoticeDoc,
    NotificationDoc,
    NotifiedChangeDoc,
    NotifiedClusterDoc,
    ReasonDoc,
)
from arcsupport.service.notify.notice import DeadlineEvent, Notice, VerdictEvent
from arcsupport.service.notify.settings import SmtpTarget
from arcsupport.timeutil import iso_time
from arcsupport.types import Lang

# Slack's documented limits: a header's text, a section's text, a context element's text.
SLACK_HEADER = 150
SLACK_SECTION = 3000
SLACK_CONTEXT = 2000
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams renders Adaptive Cards up to 1.5 on every client; nothing here needs more than 1.4.
ADAPTIVE_CARD_VERSION = "1.4"


@dataclass(frozen=True)
class Reason:
    severity: str
    title: str
    clauses: str


@dataclass(frozen=True)
class Wording:
    title: str
    lead: str
    facts: tuple[tuple[str, str], ...]
    reasons_label: str
    reasons: tuple[Reason, ...]
    footer: str


def _days(lang: Lang, days: int) -> str:
    return (
        text(lang, "notify.deadline-today") if days == 0 else text(lang, "ui.days-left", days=days)
    )


def _verdict(lang: Lang, verdict: str) -> str:
    return text(lang, f"ui.verdict.{verdict}")


def word(notice: Notice) -> Wording:
    lang = notice.lang
    event = notice.event
    facts: list[tuple[str, str]] = [
        (text(lang, "notify.fact-cluster"), notice.cluster_name),
        (text(lang, "notify.fact-verdict"), _verdict(lang, notice.verdict)),
    ]
    if notice.kubernetes_version:
        facts.append((text(lang, "notify.fact-kubernetes"), notice.kubernetes_version))
    reasons: tuple[Reason, ...] = ()
    if isinstance(event, DeadlineEvent):
        what = render(lang, event.what)
        days = _days(lang, event.days_left)
        day = event.day.isoformat()
        title = text(
            lang,
            "notify.deadline-title",
            cluster=notice.cluster_name,
            what=what,
            date=day,
            days=days,
        )
        lead = text(lang, "notify.deadline-lead", what=what, date=day, days=days)
        facts.append((text(lang, "notify.fact-deadline"), f"{day} ({days})"))
        if event.clauses:
            facts.append((text(lang, "notify.fact-clauses"), ", ".join(event.clauses)))
    else:
        to = _verdict(lang, event.to_verdict)
        if event.from_verdict is None:
            title = text(lang, "notify.verdict-title-first", cluster=notice.cluster_name, to=to)
            lead = text(lang, "notify.verdict-lead-first", cluster=notice.cluster_name, to=to)
        else:
            was = _verdict(lang, event.from_verdict)
            title = text(
                lang, "notify.verdict-title", cluster=notice.cluster_name, to=to, **{"from": was}
            )
            lead = text(
                lang,
                f"notify.verdict-lead-{event.cause}",
                cluster=notice.cluster_name,
                to=to,
                **{"from": was},
            )
        reasons = tuple(
            Reason(
                severity=text(lang, f"ui.severity.{reason.severity}"),
                title=render(lang, reason.message, "title") or render(lang, reason.message),
                clauses=", ".join(reason.clauses),
            )
            for reason in event.reasons
        )
    footer = text(lang, "notify.footer", tenant=notice.tenant, event=notice.key)
    return Wording(title, lead, tuple(facts), text(lang, "notify.reasons"), reasons, footer)


# --- the generic webhook ---------------------------------------------------------------------


def document(notice: Notice) -> NotificationDoc:
    wording = word(notice)
    event = notice.event
    deadline = None
    change = None
    if isinstance(event, DeadlineEvent):
        deadline = DeadlineNoticeDoc(
            date=event.day.isoformat(),
            days_left=event.days_left,
            threshold_days=event.threshold,
            clauses=list(event.clauses),
            what=render(notice.lang, event.what),
        )
    else:
        change = _change(notice, event)
    return NotificationDoc(
        schema="arcsupport.notification/v1",
        id=notice.key,
        event="deadline" if deadline is not None else "verdict-change",
        tenant=notice.tenant,
        lang=notice.lang,
        detected_at=iso_time(notice.detected_at),
        title=wording.title,
        text=_plain(wording),
        cluster=NotifiedClusterDoc(
            id=notice.cluster_id,
            name=notice.cluster_name,
            resource_id=notice.resource_id,
            kubernetes_version=notice.kubernetes_version,
            verdict=notice.verdict,
        ),
        deadline=deadline,
        verdict_change=change,
    )


def _change(notice: Notice, event: VerdictEvent) -> NotifiedChangeDoc:
    return NotifiedChangeDoc(
        change_id=event.change_id,
        at=iso_time(event.at),
        from_=event.from_verdict,
        to=event.to_verdict,
        cause=event.cause,
        reasons=[
            ReasonDoc(
                severity=reason.severity,
                clauses=list(reason.clauses),
                title=render(notice.lang, reason.message, "title")
                or render(notice.lang, reason.message),
            )
            for reason in event.reasons
        ],
    )


def webhook_body(notice: Notice) -> bytes:
    return msgspec.json.encode(document(notice))


# --- Slack -----------------------------------------------------------------------------------


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _mrkdwn(value: str) -> str:
    """Slack reads &, < and > as markup: escaped as its documentation asks."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notice: Notice) -> dict[str, Any]:
    wording = word(notice)
    body = _mrkdwn(wording.lead)
    if wording.reasons:
        lines = [
            f"• {_mrkdwn(reason.severity)}: {_mrkdwn(reason.title)} ({_mrkdwn(reason.clauses)})"
            for reason in wording.reasons
        ]
        body += f"\n*{_mrkdwn(wording.reasons_label)}*\n" + "\n".join(lines)
    return {
        # What notifications and screen readers show instead of the blocks.
        "text": _cut(wording.title, SLACK_SECTION),
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(wording.title, SLACK_HEADER)},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(body, SLACK_SECTION)}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": _cut(f"*{_mrkdwn(label)}*\n{_mrkdwn(value)}", 2000)}
                    for label, value in wording.facts[:10]
                ],
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _cut(_mrkdwn(wording.footer), SLACK_CONTEXT)}
                ],
            },
        ],
    }


# --- Microsoft Teams -------------------------------------------------------------------------


def teams_payload(notice: Notice) -> dict[str, Any]:
    """The message an incoming webhook (or a Teams workflow's "post to a channel when a
    webhook request is received") takes: one Adaptive Card attachment."""
    wording = word(notice)
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": wording.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": wording.lead, "wrap": True},
        {
            "type": "FactSet",
            "facts": [{"title": label, "value": value} for label, value in wording.facts],
        },
    ]
    if wording.reasons:
        body.append(
            {"type": "TextBlock", "text": wording.reasons_label, "weight": "Bolder", "wrap": True}
        )
        body.extend(
            {
                "type": "TextBlock",
                "text": f"- {reason.severity}: {reason.title} ({reason.clauses})",
                "wrap": True,
            }
            for reason in wording.reasons
        )
    body.append(
        {
            "type": "TextBlock",
            "text": wording.footer,
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
    )
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": ADAPTIVE_CARD_SCHEMA,
                    "type": "AdaptiveCard",
                    "version": ADAPTIVE_CARD_VERSION,
                    "body": body,
                },
            }
        ],
    }


# --- e-mail ----------------------------------------------------------------------------------


def _plain(wording: Wording) -> str:
    lines = [wording.title, "", wording.lead, ""]
    lines.extend(f"{label}: {value}" for label, value in wording.facts)
    if wording.reasons:
        lines += ["", f"{wording.reasons_label}:"]
        lines.extend(
            f"- {reason.severity}: {reason.title} ({reason.clauses})" for reason in wording.reasons
        )
    lines += ["", wording.footer]
    return "\n".join(lines)


def _html(wording: Wording, lang: Lang) -> str:
    escape = html.escape
    facts = "".join(
        f'<tr><th scope="row" style="text-align:left;padding-right:1em">{escape(label)}</th>'
        f"<td>{escape(value)}</td></tr>"
        for label, value in wording.facts
    )
    reasons = ""
    if wording.reasons:
        items = "".join(
            f"<li><strong>{escape(reason.severity)}</strong>: {escape(reason.title)} "
            f"({escape(reason.clauses)})</li>"
            for reason in wording.reasons
        )
        reasons = f"<h2>{escape(wording.reasons_label)}</h2><ul>{items}</ul>"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(wording.title)}</title></head><body>"
        f'<h1 style="font-size:1.2em">{escape(wording.title)}</h1>'
        f"<p>{escape(wording.lead)}</p><table>{facts}</table>{reasons}"
        f'<p style="color:#555;font-size:0.85em">{escape(wording.footer)}</p></body></html>'
    )


def email_message(notice: Notice, target: SmtpTarget) -> EmailMessage:
    """Plain text with an HTML alternative. The Message-ID comes from the event's key, so a
    mail sent twice (a worker that died between sending and recording it) is one to a
    client that removes duplicates."""
    wording = word(notice)
    message = EmailMessage()
    message["Subject"] = f"[arcsupport] {wording.title}"
    message["From"] = target.sender
    message["To"] = ", ".join(target.recipients)
    message["Date"] = format_datetime(notice.detected_at)
    digest = hashlib.sha256(notice.key.encode("utf-8")).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@arcsupport.notify>"
    message["Content-Language"] = notice.lang
    message.set_content(_plain(wording))
    message.add_alternative(_html(wording, notice.lang), subtype="html")
    return message


def json_bytes(payload: dict[str, Any]) -> bytes:
    return msgspec.json.encode(payload)
