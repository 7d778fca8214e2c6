"""The service's plain page at `/`: the tenant's clusters, most urgent first, or the sign-in
form. Server-rendered HTML with no script and no style sheet (the service's Content Security
Policy allows nothing from elsewhere); issue 14 turns it into the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from arcsupport.i18n import Lang, text
from arcsupport.report.documents.service import ClusterSummaryDoc


def _page(lang: Lang, title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n<main>\n<h1>{escape(title)}</h1>\n"
        f"{body}</main>\n</body>\n</html>\n"
    )


def render_sign_in(lang: Lang, problem: str | None = None) -> str:
    notice = f'<p role="alert">{escape(problem)}</p>\n' if problem else ""
    body = (
        f"{notice}<p>{escape(text(lang, 'service.page.sign-in-help'))}</p>\n"
        '<form method="post" action="/sign-in">\n'
        f'<label for="token">{escape(text(lang, "service.page.token"))}</label>\n'
        '<input id="token" name="token" type="password" autocomplete="off" required>\n'
        f'<button type="submit">{escape(text(lang, "service.page.sign-in"))}</button>\n'
        "</form>\n"
    )
    return _page(lang, text(lang, "service.page.sign-in-title"), body)


def render_clusters_page(tenant: str, clusters: Sequence[ClusterSummaryDoc], lang: Lang) -> str:
    sign_out = (
        '<form method="post" action="/sign-out">'
        f'<button type="submit">{escape(text(lang, "service.page.sign-out"))}</button></form>\n'
    )
    if not clusters:
        body = f"<p>{escape(text(lang, 'service.page.none'))}</p>\n"
    else:
        headers = "".join(
            f'<th scope="col">{escape(text(lang, f"service.page.{key}"))}</th>'
            for key in ("cluster", "verdict", "version", "deadline", "evaluated")
        )
        rows = "".join(
            "<tr>"
            f'<th scope="row"><a href="/api/v1/clusters/{escape(cluster.id)}">'
            f"{escape(cluster.name)}</a></th>"
            f"<td>{escape(text(lang, f'ui.verdict.{cluster.verdict}'))}</td>"
            f"<td>{escape(cluster.kubernetes_version or '-')}</td>"
            f"<td>{escape(cluster.next_deadline or '-')}</td>"
            f"<td>{escape(cluster.evaluated_at)}</td>"
            "</tr>\n"
            for cluster in clusters
        )
        body = f"<table>\n<thead><tr>{headers}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
    return _page(lang, text(lang, "service.page.title", tenant=tenant), sign_out + body)
