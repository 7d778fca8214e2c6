"""--output ical: the deadlines as an iCalendar file for the team calendar.

One all-day event per deadline per cluster, with a display alarm two weeks ahead, and for a
cluster whose support cannot be determined, an event on the evaluation date that says what to
supply (nothing else can be dated for it). The output is a pure function of the assessments:
DTSTAMP is the evaluation time and each UID is derived from the cluster, the date and the
(language-independent) deadline, so importing a newer report updates the same events instead
of adding copies, whatever the report's language."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from icalendar import Alarm, Calendar, Event

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.summary import days_phrase, verdict_label
from arcsupport.rules.outcome import Deadline
from arcsupport.version import __version__

ALARM_DAYS = 14


def _uid(assessment: Assessment, deadline: Deadline) -> str:
    what = [
        deadline.what.key,
        *(f"{key}={deadline.what.args[key]}" for key in sorted(deadline.what.args)),
    ]
    key = "\n".join([assessment.cluster_name, deadline.date.isoformat(), *what])
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@arcsupport"


def _description(assessment: Assessment, deadline: Deadline, lang: Lang) -> str:
    what = render(lang, deadline.what)
    lines = [
        what,
        "",
        f"{text(lang, 'report.label.cluster')}: {assessment.cluster_name}",
    ]
    if assessment.resource_id:
        lines.append(f"{text(lang, 'report.label.resource-id')}: {assessment.resource_id}")
    lines += [
        f"{text(lang, 'report.label.kubernetes')}: {assessment.kubernetes_version or '?'}",
        f"{text(lang, 'report.label.clauses')}: {', '.join(deadline.clauses)}",
    ]
    # Findings that end on this date say what to do before it.
    for finding in assessment.findings:
        if finding.deadline == deadline.date:
            lines += [
                "",
                render(lang, finding.message, "title"),
                f"{text(lang, 'report.label.fix')}: {render(lang, finding.message, 'fix')}",
            ]
    # A stale calendar makes the date itself uncertain: say so beside it.
    for notice in assessment.notices:
        lines += ["", f"! {render(lang, notice)}"]
    lines += [
        "",
        text(
            lang,
            "report.ical.evaluated",
            at=assessment.evaluated_at.date().isoformat(),
            when=days_phrase(lang, deadline.date, assessment.evaluated_at.date()),
            verdict=verdict_label(assessment.verdict, lang),
            policy=f"{assessment.policy.name} {assessment.policy.version}",
        ),
    ]
    return "\n".join(lines)


def _event(assessment: Assessment, deadline: Deadline, lang: Lang) -> Event:
    language: dict[str, str] = {"LANGUAGE": lang}
    summary = text(
        lang,
        "report.ical.summary",
        cluster=assessment.cluster_name,
        what=render(lang, deadline.what),
    )
    event = Event()
    event.add("uid", _uid(assessment, deadline))
    event.add("dtstamp", assessment.evaluated_at)
    event.add("dtstart", deadline.date)
    event.add("dtend", deadline.date + timedelta(days=1))
    event.add("summary", summary, parameters=language)
    event.add("description", _description(assessment, deadline, lang), parameters=language)
    event.add("categories", ["arcsupport", *deadline.clauses])
    # A deadline is a date to act by, not time the team is busy.
    event.add("transp", "TRANSPARENT")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-ALARM_DAYS))
    alarm.add("description", text(lang, "report.ical.alarm", days=ALARM_DAYS, summary=summary))
    event.add_component(alarm)
    return event


def _undetermined_event(assessment: Assessment, lang: Lang) -> Event:
    language: dict[str, str] = {"LANGUAGE": lang}
    day = assessment.evaluated_at.date()
    key = "\n".join([assessment.cluster_name, day.isoformat(), "undetermined", *assessment.missing])
    event = Event()
    event.add("uid", f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@arcsupport")
    event.add("dtstamp", assessment.evaluated_at)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    summary = text(lang, "report.ical.undetermined", cluster=assessment.cluster_name)
    event.add("summary", summary, parameters=language)
    lines = [text(lang, f"engine.missing.{fact}") for fact in assessment.missing]
    lines += ["", f"{text(lang, 'report.label.cluster')}: {assessment.cluster_name}"]
    event.add("description", "\n".join(lines), parameters=language)
    event.add("categories", ["arcsupport"])
    event.add("transp", "TRANSPARENT")
    return event


def render_ical(assessments: list[Assessment], lang: Lang) -> bytes:
    """An iCalendar (RFC 5545) file: every cluster's deadlines, most urgent cluster first."""
    calendar = Calendar()
    calendar.add("prodid", f"-//arcsupport//arcsupport {__version__}//{lang.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", text(lang, "report.ical.calendar-name"))
    for assessment in sort_by_urgency(clip_strings(assessments, lang)):
        if assessment.verdict == "undetermined":
            calendar.add_component(_undetermined_event(assessment, lang))
        for deadline in assessment.deadlines:
            calendar.add_component(_event(assessment, deadline, lang))
    ical: bytes = calendar.to_ical()
    return ical
