"""`arcsupport db upgrade`: bring the service's database (the access and service schemas) to
this release's revision; `serve` does the same when it starts."""

from __future__ import annotations

import sys

import typer

from arcsupport.cli.options import LangChoice, LangOption, ServiceDbOption, language

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(db: ServiceDbOption = None, lang: LangOption = LangChoice.en) -> None:
    """Run the migrations (support access, then the service) in one transaction."""
    from arcsupport.i18n import text
    from arcsupport.service.db import Database, database_url

    database = Database(database_url(db))
    try:
        database.upgrade()
    finally:
        database.dispose()
    print(text(language(lang), "service.upgraded", where=database.where), file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
