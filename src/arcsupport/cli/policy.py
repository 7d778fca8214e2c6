"""`arcsupport policy show|update`: the effective policy pack, and fresh version data merged
into the user's own overlay."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import AtOption, PolicyOption, at_moment, emit
from arcsupport.errors import InputError
from arcsupport.files import read_bytes
from arcsupport.policy.loader import load_pack, pack_as_builtins

policy_app = typer.Typer(help="Show or change the policy pack.", no_args_is_help=True)


class PackFormat(StrEnum):
    yaml = "yaml"
    json = "json"


@policy_app.command("show")
def policy_show(
    policy: PolicyOption = None,
    output: Annotated[
        PackFormat, typer.Option("--output", "-o", help="Output format.")
    ] = PackFormat.yaml,
) -> None:
    """Print the effective policy pack (the shipped pack with any overlay applied)."""
    data = pack_as_builtins(load_pack(policy))
    if output is PackFormat.json:
        from arcsupport.report.jsonout import dumps

        emit(dumps(data), None)
    else:
        from arcsupport.safeyaml import dump_yaml

        emit(dump_yaml(data), None)


@policy_app.command("update")
def policy_update(
    from_kubernetes_versions: Annotated[
        Path | None,
        typer.Option(
            "--from-kubernetes-versions",
            help="An `az aksarc get-versions` payload (kubernetesVersions) of a custom location.",
            show_default=False,
        ),
    ] = None,
    from_endoflife: Annotated[
        Path | None,
        typer.Option(
            "--from-endoflife",
            help="An endoflife.date release-data file for Kubernetes (upstream release dates).",
            show_default=False,
        ),
    ] = None,
    at: AtOption = None,
) -> None:
    """Merge fresh version data into your own overlay (in your config folder, shown by
    `policy show`); the shipped pack is never changed.

    Versions a kubernetesVersions payload newly lists are recorded as offered from --at
    (default today); versions it no longer lists count as removed that day.
    """
    from arcsupport.lifecycle.refresh import merge_endoflife, merge_kubernetes_versions
    from arcsupport.policy.loader import read_user_overlay, save_user_overlay
    from arcsupport.report.policy import render_policy_update

    if (from_kubernetes_versions is None) == (from_endoflife is None):
        raise InputError(
            "policy update", "give --from-kubernetes-versions FILE or --from-endoflife FILE"
        )
    moment = at_moment(at)
    current = read_user_overlay()
    pack = load_pack()
    if from_kubernetes_versions is not None:
        data = read_bytes(from_kubernetes_versions)
        where = str(from_kubernetes_versions)
        merged, changes = merge_kubernetes_versions(current, pack, data, where, moment.date())
    else:
        assert from_endoflife is not None
        merged, changes = merge_endoflife(
            current, pack, read_bytes(from_endoflife), str(from_endoflife)
        )
    emit(render_policy_update(save_user_overlay(merged), changes), None)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
