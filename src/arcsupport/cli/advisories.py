"""`arcsupport advisories match` (SEC-1, SEC-2): which security advisories affect each
cluster and node, and the upgrade that fixes them.

Exit codes: 0 nothing concerns the clusters, 1 something does, 2 bad input (a malformed
advisory file is named in one line)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    OutFileOption,
    Output,
    OutputOption,
    PolicyOption,
    at_moment,
    emit,
    language,
)
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.advisories import advisories_document
from arcsupport.report.jsonout import dumps
from arcsupport.rules.advisories.match import match_advisories
from arcsupport.rules.facts import Facts
from arcsupport.sources.advisories import load_advisories
from arcsupport.sources.read import read_snapshot

advisories_app = typer.Typer(
    help="Match security advisories (OSV, the Kubernetes CVE feed) to clusters.",
    no_args_is_help=True,
)


@advisories_app.command("match")
def advisories_match(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Bundles (directory or .tar.gz) or `kubectl cluster-info dump` output.",
            show_default=False,
        ),
    ],
    advisories: Annotated[
        list[Path],
        typer.Option(
            "--advisories",
            "-a",
            help="An OSV record, the Kubernetes CVE feed (index.json), or a folder searched for "
            "*.json; repeat for more.",
            show_default=False,
        ),
    ],
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    out: OutFileOption = None,
) -> None:
    """Which advisories affect each cluster and node, and the upgrade that fixes them.

    Components: the control plane, kubelet, kube-proxy, containerd, runc and the node image.
    The remediation names a Kubernetes version the AKS Arc calendar offers: a patch upgrade,
    or a node image upgrade, which comes with one. JSON: the arcsupport.advisories/v1
    document. Exit codes: 0 nothing affected, 1 something affected, 2 bad input.
    """
    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = load_advisories(advisories)
    results = []
    for source in sources:
        snapshot = read_snapshot(source)
        results.append(
            (snapshot, match_advisories(Facts(snapshot, pack), loaded.advisories, moment))
        )
    lang_code = language(lang)
    read = (*sources, *advisories, policy)
    document = advisories_document(loaded, results, moment, lang_code)
    if output is not Output.table:
        emit(dumps(document, output), out, read)
    else:
        from arcsupport.report.advisories import render_advisories

        emit(render_advisories(document, lang_code), out, read)
    raise typer.Exit(1 if any(result.affected for _, result in results) else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(advisories_app, name="advisories")
