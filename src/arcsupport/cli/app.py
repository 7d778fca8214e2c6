"""The `arcsupport` command: parse, call, render. No policy logic lives here."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arcsupport.cli.collect import (
    AzureResourceIdOption,
    ContextOption,
    HelmSecretsOption,
    InClusterOption,
    KubeconfigOption,
    LiveSource,
    NameOption,
    ResourceGroupOption,
    SubscriptionOption,
)
from arcsupport.cli.options import (
    AdvisoriesOption,
    AtOption,
    FailOn,
    FailOnOption,
    LangChoice,
    LangOption,
    OutFileOption,
    Output,
    OutputOption,
    PolicyOption,
    at_moment,
    console,
    emit,
    language,
    write_atomically,
)
from arcsupport.cli.registry import register_commands
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.report.formats import ReportFormat

# Each command imports what it uses when it runs: the whole tree (rich's tables, the
# planner, the report writers, the bundle readers) costs more start-up than assessing a
# thousand clusters of a Resource Graph export.
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import RenderableType

    from arcsupport.engine.assess import Assessment
    from arcsupport.engine.fleet import Fleet
    from arcsupport.i18n import Lang
    from arcsupport.policy.model import Pack
    from arcsupport.snapshot.advisory import Advisory, AdvisorySet
    from arcsupport.snapshot.model import Snapshot

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
policy_app = typer.Typer(help="Show or change the policy pack.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


class GateOperation(StrEnum):
    upgrade = "upgrade"
    update_os = "update-os"
    scale = "scale"
    create_nodepool = "create-nodepool"
    create_vm = "create-vm"


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    html = "html"
    ical = "ical"


def _fails(assessments: list[Assessment], fail_on: FailOn) -> bool:
    from arcsupport.types import SEVERITY_RANK

    threshold = SEVERITY_RANK[fail_on.value]
    return any(
        SEVERITY_RANK[finding.severity] >= threshold
        for assessment in assessments
        for finding in assessment.findings
    )


@app.command()
def check(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A bundle (directory or .tar.gz) or a `kubectl cluster-info dump` folder; "
            "omit it with --live.",
            show_default=False,
        ),
    ] = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        CheckFormat, typer.Option("--output", "-o", help="Output format.")
    ] = CheckFormat.table,
    lang: LangOption = LangChoice.en,
    fail_on: FailOnOption = FailOn.unsupported,
    out: OutFileOption = None,
    advisories: AdvisoriesOption = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Collect the cluster now (as `arcsupport collect` does) and assess it.",
        ),
    ] = False,
    save_bundle: Annotated[
        Path | None,
        typer.Option(
            "--save-bundle",
            help="With --live: keep the collected bundle here (a folder or .tar.gz).",
            show_default=False,
        ),
    ] = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    in_cluster: InClusterOption = False,
    helm_secrets: HelmSecretsOption = False,
    azure_resource_id: AzureResourceIdOption = None,
    subscription: SubscriptionOption = None,
    resource_group: ResourceGroupOption = None,
    name: NameOption = None,
) -> None:
    """Assess one cluster: verdict, findings with their clauses, operations, deadlines.

    Formats: table (for a terminal), json (the arcsupport.assessment/v1 contract), sarif
    (code-scanning tools), junit (CI test reports), markdown (tickets, pull requests), html (one
    self-contained, printable page with a deadline timeline), ical (the deadlines as calendar
    events with alarms).

    With --live the cluster is read now through your kubeconfig (and Azure, with
    --azure-resource-id); the bundle is kept only with --save-bundle.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input.
    """
    from arcsupport.engine.assess import assess
    from arcsupport.report.formats import ReportFormat, render_document
    from arcsupport.report.table import render_assessment
    from arcsupport.sources.read import read_snapshot

    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = _advisories(advisories)
    live_options = LiveSource(
        kubeconfig, context, in_cluster, helm_secrets, azure_resource_id, subscription,
        resource_group, name,
    )  # fmt: skip
    if live:
        if source is not None:
            raise InputError("check", "give a SOURCE or --live, not both")
        snapshot = _collect_live(live_options, save_bundle)
    else:
        if source is None:
            raise InputError("check", "give a bundle, a dump folder, or --live")
        if save_bundle is not None or live_options != LiveSource():
            raise InputError("check", "--save-bundle and the collection options go with --live")
        snapshot = read_snapshot(source)
    assessment = assess(snapshot, pack, moment, advisories=loaded.advisories if loaded else ())
    lang_code = language(lang)
    if output is CheckFormat.table:
        emit(render_assessment(assessment, lang_code), out)
    else:
        fmt = ReportFormat(output.value)
        emit(render_document(fmt, [assessment], pack, lang_code, fail_on.value, fleet=False), out)
    raise typer.Exit(1 if _fails([assessment], fail_on) else 0)


def _advisories(paths: list[Path] | None) -> AdvisorySet | None:
    """Loaded only when asked for: the matching code is a noticeable part of start-up."""
    if not paths:
        return None
    from arcsupport.sources.advisories import load_advisories

    return load_advisories(paths)


def _collect_live(source: LiveSource, keep: Path | None) -> Snapshot:
    """Collect into `keep`, or into a temporary folder removed once the bundle is read."""
    import tempfile

    from arcsupport.cli.collect import collect_bundle
    from arcsupport.sources.read import read_snapshot

    collected_at = datetime.now(UTC)
    if keep is not None:
        sys.stderr.write(collect_bundle(keep, source, collected_at) + "\n")
        return read_snapshot(keep)
    with tempfile.TemporaryDirectory(prefix="arcsupport-live-") as folder:
        bundle = Path(folder) / "bundle"
        collect_bundle(bundle, source, collected_at)
        return read_snapshot(bundle)


@app.command()
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

    The same decision as the assessment's `operations` entry. Exit codes: 0 allow, 0 warn
    (the warnings printed), 1 block, 2 bad input.
    """
    from rich.table import Table
    from rich.text import Text

    from arcsupport.engine.assess import assess
    from arcsupport.i18n import text
    from arcsupport.report.gate import gate_data
    from arcsupport.report.jsonout import dumps
    from arcsupport.report.table import DECISION_STYLE
    from arcsupport.sources.read import read_snapshot

    moment = at_moment(at)
    pack = load_pack(policy)
    assessment = assess(read_snapshot(source), pack, moment)
    lang_code = language(lang)
    data = gate_data(assessment, operation.value, lang_code)
    if output is Output.json:
        emit(dumps(data), None)
    else:
        decision = Text(text(lang_code, f"ui.decision.{data['decision']}").upper())
        decision.stylize(DECISION_STYLE[data["decision"]])
        lines: list[RenderableType] = [
            Text(
                text(
                    lang_code,
                    "gate.header",
                    operation=data["operation"],
                    cluster=data["cluster"],
                    at=data["evaluated_at"][:10],
                    decision="",
                ),
                style="bold",
            )
            + decision
        ]
        # A reason that wraps keeps its indent (a grid column, not a leading space).
        reasons = Table.grid(padding=(0, 1))
        reasons.add_column(no_wrap=True)
        reasons.add_column()
        for reason in data["reasons"]:
            reasons.add_row("  -", reason)
        if data["reasons"]:
            lines.append(reasons)
        if data["clauses"]:
            lines.append(Text(f"  {', '.join(data['clauses'])}", style="dim"))
        else:
            lines.append(Text("  " + text(lang_code, "gate.no-reasons")))
        emit(lines, None)
    raise typer.Exit(1 if data["decision"] == "block" else 0)


@app.command()
def plan(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A bundle or dump; its version, host release and deprecated APIs are used.",
            show_default=False,
        ),
    ] = None,
    from_version: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Plan from this version instead of a bundle (1.28.9).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Target minor or version (1.31, 1.31.5) or `latest`.", show_default=False
        ),
    ] = None,
    azure_local: Annotated[
        str | None,
        typer.Option(
            "--azure-local", help="The host's Azure Local release (2508).", show_default=False
        ),
    ] = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        PlanFormat, typer.Option("--output", "-o", help="Output format.")
    ] = PlanFormat.table,
    lang: LangOption = LangChoice.en,
    out: OutFileOption = None,
) -> None:
    """Plan the upgrade hops that keep a cluster supported (one minor at a time, VER-7), with
    the Azure Local updates they need first (VER-9) and the APIs to migrate before each hop.

    `--output markdown` writes a runbook for a change ticket.
    """
    from arcsupport.engine.plan import plan_for_snapshot
    from arcsupport.lifecycle.calendar import VersionCalendar
    from arcsupport.lifecycle.planner import plan_upgrade
    from arcsupport.report.jsonout import dumps
    from arcsupport.report.plan import plan_data, render_plan_table
    from arcsupport.sources.read import read_snapshot

    if (source is None) == (from_version is None):
        raise InputError(
            "plan", "give either a bundle (SOURCE) or --from VERSION, not both or neither"
        )
    moment = at_moment(at)
    pack = load_pack(policy)
    if source is not None:
        result = plan_for_snapshot(
            read_snapshot(source), pack, moment, target=to, host_release=azure_local
        )
    else:
        assert from_version is not None
        result = plan_upgrade(
            VersionCalendar(pack), from_version, moment.date(), target=to, host_release=azure_local
        )
    lang_code = language(lang)
    if output is PlanFormat.json:
        emit(dumps(plan_data(result, lang_code)), out)
    elif output is PlanFormat.markdown:
        from arcsupport.report.markdown import render_plan_markdown

        emit(render_plan_markdown(result, lang_code), out)
    else:
        emit(render_plan_table(result, lang_code), out)
    raise typer.Exit(0 if result.reaches_supported else 1)


@app.command()
def fleet(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Bundles, dumps, or Azure Resource Graph exports (`az graph query ... -o json`).",
            show_default=False,
        ),
    ],
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        ReportFormat, typer.Option("--output", "-o", help="Output format.")
    ] = ReportFormat.table,
    lang: LangOption = LangChoice.en,
    fail_on: FailOnOption = FailOn.unsupported,
    out: OutFileOption = None,
    advisories: AdvisoriesOption = None,
) -> None:
    """Assess many clusters: one row per cluster by urgency (verdict, then the nearest
    deadline), totals by verdict and by clause.

    Clusters known only from Resource Graph rows are judged on what the rows carry (version,
    connectivity, subscription); coverage says what was not available. Exit codes as `check`.
    """
    from arcsupport.report.formats import render_document

    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = _advisories(advisories)
    result = _assess_fleet(sources, pack, moment, loaded.advisories if loaded else ())
    lang_code = language(lang)
    if output is ReportFormat.table:
        from arcsupport.report.table import render_fleet

        emit(render_fleet(result.assessments, result.skipped, lang_code), out)
    else:
        emit(
            render_document(
                output,
                result.assessments,
                pack,
                lang_code,
                fail_on.value,
                fleet=True,
                skipped=result.skipped,
            ),
            out,
        )
    raise typer.Exit(1 if _fails(result.assessments, fail_on) else 0)


def _assess_fleet(
    sources: list[Path], pack: Pack, moment: datetime, advisories: Sequence[Advisory]
) -> Fleet:
    """With a progress bar on a terminal (rich is imported only then)."""
    from arcsupport.engine.fleet import assess_fleet
    from arcsupport.sources.read import read_sources

    read = read_sources(sources)
    if not sys.stderr.isatty():
        return assess_fleet(
            read.snapshots, pack, moment, advisories=advisories, skipped=read.skipped
        )
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("assessing", total=None)

        def advance(done: int, total: int) -> None:
            if done % 100 == 0 or done == total:
                bar.update(task, completed=done, total=total)

        return assess_fleet(
            read.snapshots, pack, moment, advance, advisories=advisories, skipped=read.skipped
        )


@app.command()
def versions(
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the AKS Arc Kubernetes minors with their status, end of support and patches."""
    from rich.table import Table
    from rich.text import Text

    from arcsupport.i18n import text
    from arcsupport.report.jsonout import dumps
    from arcsupport.report.versions import versions_data

    moment = at_moment(at)
    pack = load_pack(policy)
    data = versions_data(pack, moment)
    if output is Output.json:
        sys.stdout.write(dumps(data))
        return
    lang_code: Lang = lang.value
    out_console = console()
    out_console.print(
        Text(
            text(
                lang_code,
                "ui.versions.title",
                at=data["evaluated_at"][:10],
                policy=f"{data['policy']['name']} {data['policy']['version']}",
                as_of=data["policy"]["data_as_of"],
            ),
            style="bold",
        )
    )
    table = Table(box=None, pad_edge=False)
    for column in ("minor", "status", "end", "days", "basis", "patches"):
        table.add_column(text(lang_code, f"ui.versions.column.{column}"))
    for row in data["versions"]:
        table.add_row(
            row["minor"],
            text(lang_code, f"ui.versions.status.{row['status']}"),
            row["end_of_support"] or "-",
            "-" if row["days_left"] is None else str(row["days_left"]),
            text(lang_code, f"ui.basis.{row['basis']}") if row["basis"] else "-",
            ", ".join(row["patches"]) or "-",
        )
    out_console.print(table)


@app.command()
def explain(
    item: Annotated[
        str, typer.Argument(help="A clause ID (VER-1) or a rule id (version-lifecycle).")
    ],
    policy: PolicyOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Explain a clause of the policy or a rule: what it says, how it is checked, how to fix."""
    import difflib

    from rich.text import Text

    from arcsupport.i18n import text
    from arcsupport.rules.registry import load_rules

    pack = load_pack(policy)
    rules = load_rules()
    lang_code: Lang = lang.value
    out_console = console()

    def line(label_key: str, value: str) -> None:
        out_console.print(Text(f"{text(lang_code, label_key)}: ", style="bold") + Text(value))

    clause_id = item.upper()
    if clause_id in pack.clauses:
        clause = pack.clauses[clause_id]
        section = pack.sections[clause.section]
        line("ui.explain.clause", clause_id)
        line(
            "ui.explain.section",
            f"{clause.section} - {section.ko if lang_code == 'ko' else section.en}",
        )
        line("ui.explain.effect", text(lang_code, f"ui.severity.{clause.effect}"))
        line("ui.explain.statement", clause.text.get(lang_code))
        line("ui.explain.check", clause.check.get(lang_code))
        line("ui.explain.fix", clause.fix.get(lang_code))
        citing = [spec.id for spec in rules.values() if clause_id in spec.clauses]
        line("ui.explain.cited-by", ", ".join(citing) or text(lang_code, "ui.explain.none"))
        return
    if item in rules:
        spec = rules[item]
        line("ui.explain.rule", f"{spec.id} - {text(lang_code, f'rule.{spec.id}', 'title')}")
        line("ui.explain.what", text(lang_code, f"rule.{spec.id}", "what"))
        line("ui.explain.why", text(lang_code, f"rule.{spec.id}", "why"))
        line("ui.explain.fix", text(lang_code, f"rule.{spec.id}", "fix"))
        line("ui.explain.needs", "; ".join(spec.needs))
        out_console.print(Text(f"{text(lang_code, 'ui.explain.clauses')}:", style="bold"))
        for clause_id in spec.clauses:
            out_console.print(f"  {clause_id}: {pack.clauses[clause_id].text.get(lang_code)}")
        return
    known = [*pack.clauses, *rules]
    close = difflib.get_close_matches(item, known, n=3) or difflib.get_close_matches(
        clause_id, known, n=3
    )
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else "; clause IDs look like VER-1, rule ids like version-lifecycle"
    )
    raise InputError(item, "no such clause or rule" + hint)


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
    from arcsupport.policy.loader import pack_as_builtins
    from arcsupport.report.jsonout import dumps
    from arcsupport.safeyaml import dump_yaml

    pack = load_pack(policy)
    data = pack_as_builtins(pack)
    if output is PackFormat.json:
        sys.stdout.write(dumps(data))
    else:
        sys.stdout.write(dump_yaml(data))


# Typer's usage errors are click's ClickException (vendored by newer Typer releases); found
# through an exported subclass so that either spelling works.
_USAGE_ERROR: type[Exception] = next(
    klass for klass in typer.BadParameter.__mro__ if klass.__name__ == "ClickException"
)


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
    from arcsupport.policy.loader import read_user_overlay, user_overlay_path
    from arcsupport.safeyaml import dump_yaml

    if (from_kubernetes_versions is None) == (from_endoflife is None):
        raise InputError(
            "policy update", "give --from-kubernetes-versions FILE or --from-endoflife FILE"
        )
    moment = at_moment(at)
    target = user_overlay_path()
    current = read_user_overlay()
    pack = load_pack()
    source = from_kubernetes_versions or from_endoflife
    assert source is not None
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError(str(source), exc.strerror or str(exc)) from None
    if from_kubernetes_versions is not None:
        merged, changes = merge_kubernetes_versions(current, pack, data, str(source), moment.date())
    else:
        merged, changes = merge_endoflife(current, pack, data, str(source))
    # Refused before anything is written if the result would not load.
    load_pack(user_overlay={key: value for key, value in merged.items() if key != "extends"})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(target.parent), exc.strerror or str(exc)) from None
    text_out = dump_yaml(merged)
    write_atomically(
        target,
        ("# arcsupport user overlay, written by `arcsupport policy update`.\n" + text_out).encode(),
    )
    lines = [f"updated {target}"]
    for label, items in (
        ("new minors", changes.added_minors),
        ("new patches", changes.added_patches),
        ("no longer listed (removed from this date)", changes.no_longer_listed),
        ("upstream release dates", changes.upstream_dates),
    ):
        if items:
            lines.append(f"  {label}: {', '.join(items)}")
    if changes.empty():
        lines.append("  nothing new; the overlay records the observation")
    sys.stdout.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Exit 0 or 1 as the command decides; 2 on bad input or usage, with one line on stderr."""
    arguments = sys.argv[1:] if argv is None else argv
    core = {
        command.name or command.callback.__name__
        for command in app.registered_commands
        if command.callback
    }
    register_commands(app, arguments, core | {"policy"})
    try:
        code = app(args=arguments, prog_name="arcsupport", standalone_mode=False)
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
