"""`arcsupport webhook`: the admission guard, a validating webhook served over HTTPS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import LangChoice, LangOption, PolicyOption, language, paragraphs
from arcsupport.engine.admission import AdmissionGuard
from arcsupport.policy.loader import load_pack
from arcsupport.webhook.server import TlsFiles, open_server, serve


def webhook(
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    ],
    tls_cert: Annotated[
        Path,
        typer.Option("--tls-cert", help="The serving certificate (PEM), with its chain."),
    ],
    tls_key: Annotated[Path, typer.Option("--tls-key", help="The certificate's key (PEM).")],
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; 0.0.0.0 or :: in a pod."),
    ] = "127.0.0.1",
    policy: PolicyOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Serve the admission guard: a validating webhook (POST /validate, AdmissionReview v1)
    that stops changes which would void support before the API server stores them.

    It refuses a change or removal of a system-created label, annotation or taint of a Node
    (SHR-4) and any change of a managed kube-system component's replicas, containers, images,
    commands or arguments, or its deletion (MGD-3), unless the request comes from one of the
    platform's own identities listed in the policy pack (system_metadata.writers and
    managed.maintainers). It warns, without refusing, on writes through alpha APIs (PRV-1)
    and on system keys added by hand. Each refusal cites its clause.

    TLS only: --tls-cert and --tls-key are required and reloaded when they change on disk.
    One line per decision goes to stderr. deploy/webhook/ has the manifests and a
    certificate recipe.
    """
    tls = TlsFiles(tls_cert, tls_key)
    guard = AdmissionGuard(load_pack(policy))
    serve(open_server(host, port, guard, language(lang), tls, sys.stderr))


def register(app: typer.Typer) -> None:
    app.command("webhook", help=paragraphs(webhook.__doc__ or ""))(webhook)
