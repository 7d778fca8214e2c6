"""The `arcsupport` command: the Typer app, its commands registered lazily, and `main`.

Each command lives in its own module (cli/<command>.py) with a `register(app)`, and only the
module of the command being run is imported (all of them for `--help` or an unknown command):
together the commands pull in rich's tables, the planner, the database, the advisory matcher
and the triage rules, which cost more start-up than assessing a thousand clusters."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from arcsupport.errors import InputError

app = typer.Typer(
    name="arcsupport",
    help=(
        "Judge AKS enabled by Azure Arc clusters against the vendor support policy.\n\n"
        "Every finding cites a clause of the policy (see `arcsupport explain VER-1`)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown joins the wrapped lines of a docstring into paragraphs.
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _commands() -> None:
    # A group even when only the command being run is registered: with a single command,
    # Typer would run it without its name.
    pass


# Every top-level command, in the order `--help` lists them; the module cli/<name>.py (with
# `-` as `_`) registers it.
COMMANDS = (
    "check",
    "gate",
    "plan",
    "fleet",
    "versions",
    "explain",
    "policy",
    "collect",
    "rbac",
    "bundle",
    "triage",
    "access",
    "audit",
    "advisories",
    "known-issues",
    "serve",
    "token",
    "db",
    "notify",
)
_registered: set[str] = set()


def registered(argv: Sequence[str] = ()) -> typer.Typer:
    """The app with what running `argv` needs: the command it starts with, or every command
    (for `--help`, an unknown command, or no arguments)."""
    command = argv[0] if argv else None
    for name in (command,) if command in COMMANDS else COMMANDS:
        if name not in _registered:
            module = importlib.import_module(f"arcsupport.cli.{name.replace('-', '_')}")
            module.register(app)
            _registered.add(name)
    return app


# Typer's usage errors are click's ClickException (vendored by newer Typer releases); found
# through an exported subclass so that either spelling works.
_USAGE_ERROR: type[Exception] = next(
    klass for klass in typer.BadParameter.__mro__ if klass.__name__ == "ClickException"
)


def main(argv: list[str] | None = None) -> None:
    """Exit 0 or 1 as the command decides; 2 on bad input or usage, with one line on stderr."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        code = registered(arguments)(args=arguments, prog_name="arcsupport", standalone_mode=False)
    except InputError as error:
        # One line, even when a file name or a value holds a line break.
        line = str(error).replace("\r", "\\r").replace("\n", "\\n")
        print(f"arcsupport: error: {line}", file=sys.stderr)
        sys.exit(2)
    except _USAGE_ERROR as error:
        if type(error).__name__ != "NoArgsIsHelpError":  # that one has printed the help
            message = " ".join(str(getattr(error, "format_message", error.__str__)()).split())
            print(f"arcsupport: error: {message}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
