"""The `arcsupport` command: the Typer app, its commands registered lazily, and `main`.

Each command lives in its own module (cli/<command>.py) with a `register(app)`, and only the
module of the command being run is imported (all of them for `--help` or an unknown command):
together the commands pull in rich's tables, the planner, the database, the advisory matcher
and the triage rules, which cost more start-up than assessing a thousand clusters."""

from __future__ import annotations

import gc
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer

from arcsupport.errors import InputError
from arcsupport.version import __version__

# The exit codes every command shares; a command's own help says what 1 means for it.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped with Ctrl-C

app = typer.Typer(
    name="arcsupport",
    help=(
        "Judge AKS enabled by Azure Arc clusters against the vendor support policy.\n\n"
        "Every finding cites a clause of the policy (see `arcsupport explain VER-1`).\n\n"
        f"Exit codes: **{EXIT_OK}** done, nothing to report at or above the threshold; "
        f"**{EXIT_FINDINGS}** the answer is no (findings at or above `--fail-on`, a blocked "
        "operation, a plan that does not reach support, access not granted, a broken audit "
        f"chain); **{EXIT_INPUT}** bad input or usage, one line on stderr naming the file and "
        f"the problem; **{EXIT_INTERNAL}** an internal error (a bug: one line on stderr; run "
        f"again with `--debug` for the traceback and report it); **{EXIT_INTERRUPTED}** "
        "interrupted (Ctrl-C)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Markdown joins the wrapped lines of a docstring into paragraphs.
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        print(f"arcsupport {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _commands(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            expose_value=False,
            help="Print the version and exit.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            expose_value=False,
            help="On an internal error, print the traceback (before the command: "
            "`arcsupport --debug check ...`).",
        ),
    ] = False,
) -> None:
    # A group even when only the command being run is registered: with a single command,
    # Typer would run it without its name. `--debug` is read by `main`, which must know it
    # even when the error happens before this callback runs.
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
    "webhook",
)
_registered: set[str] = set()


def registered(argv: Sequence[str] = ()) -> typer.Typer:
    """The app with what running `argv` needs: the command it starts with, none for
    `--version` alone, or every command (for `--help`, an unknown command, or no arguments)."""
    for name in _needed(argv):
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


def _needed(argv: Sequence[str]) -> Sequence[str]:
    command = _command_name(argv)
    if command in COMMANDS:
        return (command,)
    if command is None and _version_first(argv):
        return ()  # an eager option: the version is printed before any command is looked at
    return COMMANDS


def _version_first(argv: Sequence[str]) -> bool:
    """`--version` is given, before any help option (click runs eager options in the order
    they are given, and the help needs every command)."""
    for argument in argv:
        if argument == "--version":
            return True
        if argument in ("-h", "--help"):
            return False
    return False


def _command_name(argv: Sequence[str]) -> str | None:
    """The command: the first argument after the global options (which take no value)."""
    return next((argument for argument in argv if not argument.startswith("-")), None)


def _global_options(argv: Sequence[str]) -> list[str]:
    command = _command_name(argv)
    return list(argv if command is None else argv[: list(argv).index(command)])


# An internal error's message is cut to this length: it may quote a whole input value.
_MAX_ERROR_TEXT = 300


def _one_line(text: str) -> str:
    """One line, even when a file name or a value holds a line break."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _internal_error(error: BaseException, debug: bool) -> None:
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    what = _one_line(what)
    if len(what) > _MAX_ERROR_TEXT:
        what = what[:_MAX_ERROR_TEXT] + "..."
    if debug:
        traceback.print_exception(error, file=sys.stderr)
        print(f"arcsupport: internal error: {what}; please report it", file=sys.stderr)
    else:
        print(
            f"arcsupport: internal error: {what}; run with --debug for the traceback, "
            "and report it",
            file=sys.stderr,
        )
    sys.stderr.flush()


def main(argv: list[str] | None = None, *, resume_collector: bool = False) -> None:
    """Exit 0 or 1 as the command decides; 2 on bad input or usage, 3 on an internal error
    and 130 when interrupted, each with one line on stderr (`--debug`: the traceback too).

    `resume_collector`: the garbage collector was paused for the start-up (cli.run); it runs
    again once the command is registered, with what start-up built set aside for good
    (gc.freeze), so that a long command neither piles up garbage nor rescans the modules."""
    arguments = sys.argv[1:] if argv is None else argv
    debug = "--debug" in _global_options(arguments)
    try:
        command = registered(arguments)
        if resume_collector:
            gc.freeze()
            gc.enable()
        code = command(args=arguments, prog_name="arcsupport", standalone_mode=False)
    except InputError as error:
        print(f"arcsupport: error: {_one_line(str(error))}", file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except _USAGE_ERROR as error:
        if type(error).__name__ != "NoArgsIsHelpError":  # that one has printed the help
            message = " ".join(str(getattr(error, "format_message", error.__str__)()).split())
            print(f"arcsupport: error: {message}", file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except (KeyboardInterrupt, typer.Abort):  # click turns Ctrl-C into Abort
        print("arcsupport: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:  # the net under every command: a bug, never a traceback
        _internal_error(error, debug)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
