"""Command groups that live in their own modules; each module's `register(app)` adds them.

Only the module of the command being run is imported (all of them for `--help` or an unknown
command): together they pull in the database, the advisory matcher and the triage rules, which
would otherwise double the start-up time of `arcsupport check`."""

from __future__ import annotations

import importlib

import typer

# Top-level command name -> the module that registers it.
COMMANDS = {
    "collect": "collect",
    "rbac": "bundle",
    "bundle": "bundle",
    "triage": "triage",
    "access": "access",
    "audit": "access",
    "advisories": "advisories",
    "known-issues": "advisories",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))

_registered: set[str] = set()


def register_commands(app: typer.Typer, argv: list[str], core: set[str]) -> None:
    """Register what running `argv` needs: nothing more for a core command (check, fleet...)."""
    command = next((word for word in argv if not word.startswith("-")), None)
    if command in core:
        return
    wanted = [COMMANDS[command]] if command in COMMANDS else list(COMMAND_MODULES)
    for name in wanted:
        if name not in _registered:
            importlib.import_module(f"arcsupport.cli.{name}").register(app)
            _registered.add(name)
