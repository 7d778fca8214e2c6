"""`arcsupport gate`: pre-flight one operation on a cluster."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    PolicyOption,
    at_moment,
    emit,
    language,
)
from arcsupport.engine.assess import assess
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.gate import gate_document
from arcsupport.report.jsonout import dumps
from arcsupport.sources.read import read_snapshot


class GateOperation(StrEnum):
    upgrade = "upgrade"
    update_os = "update-os"
    scale = "scale"
    create_nodepool = "create-nodepool"
    create_vm = "create-vm"


def gate(
    operation: Annotated[
        GateOperation,
        typer.Argument(help="The operation you are about to run.", show_default=False),
    ],
    source: Annotated[
        Path, typer.Argument(help="A bundle or dump of the cluster.", show_default=False)
    ],
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """Pre-flight an operation: allow, warn or block, with the clauses and reasons.

    The same decision as the assessment's `operations` entry. An operation is blocked when
    the cluster's Kubernetes version or whether it is AKS Arc cannot be told (the verdict is
    then undetermined); on a cluster that is not AKS Arc it warns that this policy does not
    judge it. Exit codes: 0 allow, 0 warn (the warnings printed), 1 block, 2 bad input.
    """
    moment = at_moment(at)
    pack = load_pack(policy)
    assessment = assess(read_snapshot(source), pack, moment)
    lang_code = language(lang)
    document = gate_document(assessment, operation.value, lang_code)
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        from arcsupport.report.gate import render_gate

        emit(render_gate(document, lang_code), None)
    raise typer.Exit(1 if document.decision == "block" else 0)


def register(app: typer.Typer) -> None:
    app.command()(gate)
