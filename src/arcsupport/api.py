"""The Python API: read a cluster, load the policy, assess, render. The CLI is built on the
same calls; `docs/python-api.md` shows a script using them.

    import arcsupport
    from datetime import UTC, datetime

    pack = arcsupport.load_pack()
    snapshot = arcsupport.load_snapshot("examples/healthy")
    assessment = arcsupport.assess(snapshot, pack, at=datetime.now(UTC))
    print(assessment.verdict, [finding.clauses for finding in assessment.findings])

Every function raises `arcsupport.InputError` (with `.where` and `.problem`) for input it
cannot use; nothing else is raised on purpose. The evaluation time is always the caller's:
the same snapshot, pack and time give the same assessment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcsupport.engine.assess import Assessment
from arcsupport.engine.assess import assess as _assess
from arcsupport.engine.fleet import Fleet
from arcsupport.engine.fleet import assess_fleet as _assess_fleet
from arcsupport.errors import InputError, PolicyError
from arcsupport.policy.loader import load_pack as _load_pack
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import Deadline, Evidence, Finding
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot, read_sources
from arcsupport.types import Lang

if TYPE_CHECKING:
    from arcsupport.snapshot.advisory import Advisory


def load_snapshot(path: str | Path) -> Snapshot:
    """One cluster: a bundle folder, a bundle `.tar.gz` or a `kubectl cluster-info dump`
    folder."""
    return read_snapshot(path)


def load_snapshots(paths: Iterable[str | Path]) -> list[Snapshot]:
    """Every cluster the paths hold (bundles, dumps and Azure Resource Graph exports), AKS Arc
    or not: `assess` gives a cluster that is not AKS Arc the verdict `not-applicable`. A
    cluster read from one page of a longer Resource Graph result has `partial_source` set."""
    return read_sources([Path(path) for path in paths]).snapshots


def load_pack(policy: str | Path | None = None) -> Pack:
    """The effective policy pack: the shipped `aks-arc` pack with the user's overlay, and
    `policy` (a pack folder or file, or an overlay that says `extends: aks-arc`) on top."""
    return _load_pack(Path(policy) if policy is not None else None)


def load_advisories(paths: Iterable[str | Path]) -> list[Advisory]:
    """Security advisories from OSV files, folders of them, or the Kubernetes CVE feed."""
    from arcsupport.sources.advisories import load_advisories as _load_advisories

    return list(_load_advisories([Path(path) for path in paths]).advisories)


def assess(
    snapshot: Snapshot, pack: Pack, *, at: datetime, advisories: Sequence[Advisory] = ()
) -> Assessment:
    """The cluster judged against the pack as of `at` (an aware datetime): verdict, findings
    with their clauses and evidence, operations, deadlines and coverage."""
    if at.tzinfo is None:
        raise InputError("at", "needs a time zone (datetime.now(UTC), not datetime.now())")
    return _assess(snapshot, pack, at, advisories=advisories)


def assess_fleet(
    snapshots: Sequence[Snapshot],
    pack: Pack,
    *,
    at: datetime,
    advisories: Sequence[Advisory] = (),
    progress: Callable[[int, int], None] | None = None,
    partial_sources: Sequence[str] = (),
) -> Fleet:
    """Every snapshot assessed with the same pack, time and advisories, each cluster once
    (its newest snapshot); `progress(done, total)` after each one. The fleet is `partial`
    when a snapshot came from one page of a longer Resource Graph result, or when one of
    `partial_sources` is such a page (one that held no cluster)."""
    if at.tzinfo is None:
        raise InputError("at", "needs a time zone (datetime.now(UTC), not datetime.now())")
    pages = tuple(
        dict.fromkeys([*(s.source for s in snapshots if s.partial_source), *partial_sources])
    )
    return _assess_fleet(
        snapshots, pack, at, progress, advisories=advisories, partial_sources=pages
    )


def render(
    assessments: Assessment | Sequence[Assessment],
    pack: Pack,
    output: str = "json",
    *,
    lang: Lang = "en",
    fail_on: str = "unsupported",
) -> str | bytes:
    """A report as `check` (one assessment) or `fleet` (several) writes it: `json`, `sarif`,
    `junit`, `markdown`, `html`, `ical` or `csv`."""
    from arcsupport.report.formats import ReportFormat, render_document

    fleet = not isinstance(assessments, Assessment)
    listed = list(assessments) if not isinstance(assessments, Assessment) else [assessments]
    try:
        fmt = ReportFormat(output)
    except ValueError:
        raise InputError("output", f"{output!r} is not one of json, sarif, junit, markdown, "
                         "html, ical, csv") from None  # fmt: skip
    if fmt is ReportFormat.table:
        raise InputError("output", "the table is drawn for a terminal; choose another format")
    return render_document(fmt, listed, pack, lang, fail_on, fleet=fleet)


__all__ = [
    "Advisory",
    "Assessment",
    "Deadline",
    "Evidence",
    "Finding",
    "Fleet",
    "InputError",
    "Pack",
    "PolicyError",
    "Snapshot",
    "assess",
    "assess_fleet",
    "load_advisories",
    "load_pack",
    "load_snapshot",
    "load_snapshots",
    "render",
]


def __getattr__(name: str) -> Any:
    # The advisory model is imported on first use: most runs (a `check` without
    # --advisories) never need it, and its classes take a few milliseconds to build.
    if name == "Advisory":
        from arcsupport.snapshot.advisory import Advisory

        return Advisory
    raise AttributeError(f"module 'arcsupport.api' has no attribute {name!r}")
