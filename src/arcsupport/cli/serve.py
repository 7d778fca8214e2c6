"""`arcsupport serve`: the fleet service (HTTP API, tenants, verdicts kept current)."""

from __future__ import annotations

from typing import Annotated

import typer

from arcsupport.cli.options import LangChoice, LangOption, ServiceDbOption, language


def serve(
    db: ServiceDbOption = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)
    ] = 8080,
    jobs_only: Annotated[
        bool,
        typer.Option(
            "--jobs-only",
            help="Run the background jobs (re-assessment) as one more worker of a PostgreSQL "
            "database's job queue, and serve no HTTP.",
        ),
    ] = False,
    lang: LangOption = LangChoice.en,
) -> None:
    """Serve the fleet API: clusters report in (`collect --push`), verdicts are kept current
    as days pass (re-assessed daily and when the policy changes), each tenant sees its own.

    On PostgreSQL, replicas share the database and its job queue: each job runs once, on one
    of them. Migrates the database first (as `arcsupport db upgrade`). Tokens: `arcsupport token
    create`. The API is described at /openapi.json.
    """
    from arcsupport.service.db import database_url
    from arcsupport.service.server import serve as run
    from arcsupport.service.settings import ServiceSettings

    run(database_url(db), ServiceSettings(host=host, port=port), language(lang), jobs_only)


def register(app: typer.Typer) -> None:
    app.command()(serve)
