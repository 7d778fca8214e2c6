"""Rules that lack every field they are `inert_without` are run once per fleet, not once per
cluster. That is only right if such a rule then reads nothing else of the snapshot: these tests
record what each rule reads to prove it, and check that reuse changes no result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import msgspec
import pytest

from arcsupport.engine.assess import assess
from arcsupport.policy.loader import load_pack
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import NotEvaluated, Outcome
from arcsupport.rules.registry import REGISTRY, load_rules
from arcsupport.rules.rule import ADVISORIES, Context, Rule
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.inventory import read_inventory
from arcsupport.sources.read import read_snapshot
from helpers import ROOT, at, make_snapshot, node

EXAMPLES = sorted(
    path for path in (ROOT / "examples").iterdir() if (path / "manifest.json").exists()
)
EXPORT = ROOT / "examples" / "resource-graph-export.json"
FIELDS = frozenset(Snapshot.__struct_fields__)
WHEN = at("2025-09-15")


class RecordingSnapshot(Snapshot):
    """A snapshot that notes every field read from it, through Facts or directly."""

    read: set[str] = msgspec.field(default_factory=set)

    def __getattribute__(self, name: str) -> object:
        if name in FIELDS:
            object.__getattribute__(self, "read").add(name)
        return object.__getattribute__(self, name)


def _without(snapshot: Snapshot, names: tuple[str, ...]) -> RecordingSnapshot:
    values = {name: getattr(snapshot, name) for name in FIELDS}
    for name in set(names) & FIELDS:  # ADVISORIES: the run below gives the rule none
        values[name] = {} if name == "other_objects" else None
    return RecordingSnapshot(**values)


def _snapshots() -> Iterator[tuple[str, Snapshot]]:
    for path in EXAMPLES:
        yield path.name, read_snapshot(path)
    for index, cluster in enumerate(read_inventory(EXPORT).clusters):
        yield f"export-{index}", cluster
    # Everything at once, so that each rule has every other field to be tempted by.
    yield "everything", read_snapshot(ROOT / "examples" / "healthy")


def _run(spec: Rule, snapshot: Snapshot) -> tuple[Outcome, ...] | NotEvaluated:
    try:
        return tuple(spec.check(Context(spec.id, Facts(snapshot, load_pack()), WHEN, WHEN.date())))
    except NotEvaluated as missing:
        return missing


INERT = [spec for spec in load_rules().values() if spec.inert_without]


def test_most_rules_declare_what_they_cannot_do_without() -> None:
    # The inventory-only clusters of a fleet lack every Kubernetes part; these rules then
    # have nothing to read.
    assert {spec.id for spec in INERT} >= {
        "node-drift", "system-metadata", "managed-components", "third-party-components", "cni",
        "alpha-features", "privileged-daemonsets", "version-skew", "deprecated-apis",
        "host-platform", "stopped",
    }  # fmt: skip
    for spec in INERT:
        assert set(spec.inert_without) <= FIELDS | {ADVISORIES}, spec.id


@pytest.mark.parametrize("spec", INERT, ids=lambda spec: spec.id)
def test_without_those_fields_a_rule_reads_nothing_else(spec: Rule) -> None:
    outcomes = set()
    for name, snapshot in _snapshots():
        recording = _without(snapshot, spec.inert_without)
        outcome = _run(spec, recording)
        extra = recording.read - set(spec.inert_without)
        assert not extra, f"{spec.id} on {name} read {sorted(extra)} with its fields absent"
        outcomes.add(repr(outcome.needs) if isinstance(outcome, NotEvaluated) else repr(outcome))
    assert len(outcomes) == 1, f"{spec.id} gave different outcomes: {outcomes}"


def test_reuse_gives_what_a_fresh_engine_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshots = [snapshot for _, snapshot in _snapshots()]
    mixed = [assess(snapshot, load_pack(), WHEN) for snapshot in snapshots]
    one_pack = load_pack()
    shared = [assess(snapshot, one_pack, WHEN) for snapshot in reversed(snapshots)]
    assert shared[::-1] == mixed


def test_an_inert_rule_runs_once_for_a_fleet_of_azure_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    spec = REGISTRY["node-drift"]

    def counted(context: Context) -> Iterator[Outcome]:
        calls.append(context.snapshot.cluster_name)
        return spec.check(context)

    monkeypatch.setitem(REGISTRY, "node-drift", msgspec.structs.replace(spec, check=counted))
    pack = load_pack()
    clusters = read_inventory(EXPORT).clusters
    results = [assess(cluster, pack, WHEN) for cluster in clusters]
    assert len(clusters) > 1 and len(calls) == 1
    assert all("node-drift" not in result.coverage.evaluated for result in results)
    # A cluster with nodes runs it on its own nodes.
    assess(make_snapshot(nodes=[node("moc-a")]), pack, WHEN)
    assert len(calls) == 2


def test_a_new_time_runs_the_inert_rules_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []
    spec = REGISTRY["stopped"]

    def counted(context: Context) -> Iterator[Outcome]:
        calls.append(context.at)
        return spec.check(context)

    monkeypatch.setitem(REGISTRY, "stopped", msgspec.structs.replace(spec, check=counted))
    pack = load_pack()
    cluster = read_inventory(EXPORT).clusters[0]
    for when in ("2025-09-15", "2025-09-15", "2025-10-01"):
        assess(cluster, pack, at(when))
    assert calls == [at("2025-09-15"), at("2025-10-01")]
