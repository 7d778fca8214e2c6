"""Command groups that live in their own modules; each module's `register(app)` adds them.

They import their heavy dependencies (Kubernetes and Azure clients, the database) inside the
command functions, so `arcsupport check` starts as fast as it did without them."""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("collect", "bundle", "triage", "access", "advisories")


def register_commands(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"arcsupport.commands.{name}").register(app)
