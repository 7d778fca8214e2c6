"""`arcsupport fleet SOURCE...` over bundles, `kubectl cluster-info dump` folders and an Azure
Resource Graph export: one row per cluster by urgency, totals by verdict and by clause, the
clusters known only from inventory rows with their coverage gaps, the Arc clusters that are not
AKS Arc judged not-applicable, counted and listed last, every output format readable by its own
tools, and `--out` written whole or not at all.

The goldens in tests/golden/cli/ change whenever a rule, a message or an example changes. Look
at the diff, then rewrite them with:

    .venv/bin/pytest tests/engine/test_fleet.py --update-goldens
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from icalendar import Calendar
from junitparser import JUnitXml
from rich.cells import cell_len

from arcsupport.cli.app import main
from arcsupport.engine.fleet import one_per_cluster
from arcsupport.schema import load_schema
from arcsupport.snapshot.model import Snapshot
from arcsupport.types import VERDICTS
from helpers import GOLDEN, REFERENCE, ROOT, assert_golden

EXAMPLES = Path("examples")  # relative to ROOT
EXPORT = EXAMPLES / "resource-graph-export.json"
# The example bundles and dumps (examples/advisories/ is advisory data), but for the one whose
# story happens on another day than the fleet's (Makefile: DEMO_AT_windows-server-2019).
BUNDLES = sorted(
    f"{EXAMPLES / path.name}/"
    for path in (ROOT / EXAMPLES).iterdir()
    if ((path / "manifest.json").is_file() or (path / "nodes.json").is_file())
    and path.name != "windows-server-2019"
)
GOLDEN = GOLDEN / "cli"
WHEN = "2025-09-15"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
URGENCY = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
FORMATS = ("table", "json", "csv", "sarif", "junit", "markdown", "html", "ical")

# What the rows of the example export say, and so what each cluster is judged (see
# examples/build_export.py).
EXPORT_VERDICTS = {
    "plant-gumi-02": "unsupported",  # 1.30.4 off the release train, offline 45 days
    "lab-daejeon-02": "unsupported",  # 1.27 removed, agent certificate expired
    "plant-ulsan-01": "unsupported",  # 1.28 removed
    "retail-daegu-03": "at-risk",  # 1.29 ends 2025-10-31, within the 60-day horizon
    "lab-daejeon-01": "at-risk",  # offline 10 days, subscription PastDue
    "retail-busan-02": "supported",
    "retail-incheon-04": "supported",  # known from its connected-cluster row only
    "retail-seoul-01": "supported",
    "lab-k3s-sandbox": "not-applicable",  # connected by hand, `kind` null, distribution k3s
}


@pytest.fixture
def arcsupport(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> Any:
    """Run the command in-process from the repository root: (exit code, stdout, stderr)."""
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsysbinary.readouterr()
        code = exited.value.code
        # Bytes: CSV and iCalendar lines end in CRLF.
        return (code if isinstance(code, int) else 0), out.decode(), err.decode()

    return run


def fleet(arcsupport: Any, *args: str) -> tuple[int, str]:
    code, out, err = arcsupport("fleet", *args, "--at", WHEN)
    assert err == "", err
    return code, out


def fleet_json(arcsupport: Any, *sources: str) -> dict[str, Any]:
    _, out = fleet(arcsupport, *sources, "-o", "json")
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """examples/healthy as `kubectl cluster-info dump --all-namespaces --output-directory`
    writes it (nodes.json on top, a folder per namespace), plus its azure/ and facts.yaml."""
    source = ROOT / "examples" / "healthy"
    root = tmp_path / "dump-healthy"
    root.mkdir()
    shutil.copy(source / "kubernetes" / "nodes.json", root / "nodes.json")
    for plural in ("pods", "daemonsets", "deployments", "services"):
        listing = json.loads((source / "kubernetes" / f"{plural}.json").read_text())
        by_namespace: dict[str, list[Any]] = {}
        for item in listing["items"]:
            by_namespace.setdefault(item["metadata"]["namespace"], []).append(item)
        for namespace, items in by_namespace.items():
            (root / namespace).mkdir(exist_ok=True)
            (root / namespace / f"{plural}.json").write_text(
                json.dumps({**listing, "items": items})
            )
    shutil.copytree(source / "azure", root / "azure")
    shutil.copy(source / "facts.yaml", root / "facts.yaml")
    return root


def test_the_sources_are_the_examples_and_the_export() -> None:
    # Seven AKS Arc bundles, the empty one, the k3s one and the kubectl-written dump.
    assert len(BUNDLES) == 10
    assert (ROOT / EXPORT).is_file()


# --- one row per cluster, by urgency -------------------------------------------------------------


def test_bundles_a_dump_and_an_export_in_one_fleet(arcsupport: Any, dump: Path) -> None:
    """The dump stands in for examples/healthy, the same cluster."""
    bundles = [bundle for bundle in BUNDLES if bundle != "examples/healthy/"]
    document = fleet_json(arcsupport, *bundles, str(dump), str(EXPORT))
    clusters = document["clusters"]
    assert document["totals"]["clusters"] == len(clusters) == 9 + 1 + 9, document["notices"]
    sources = Counter(cluster["source"] for cluster in clusters)
    assert sources[str(EXPORT)] == 9
    assert sources[str(dump)] == 1
    from_dump = next(cluster for cluster in clusters if cluster["source"] == str(dump))
    assert from_dump["cluster"]["name"] == "contoso-healthy"
    assert from_dump["verdict"] == "supported"
    assert "node-os-lifecycle" in from_dump["coverage"]["evaluated"], "the dump's nodes were read"


def test_rows_are_sorted_by_urgency(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, *reversed(BUNDLES), str(EXPORT))
    keys = [
        (
            URGENCY[cluster["verdict"]],
            cluster["deadlines"][0]["date"] if cluster["deadlines"] else "9999-12-31",
            cluster["cluster"]["name"],
        )
        for cluster in document["clusters"]
    ]
    assert keys == sorted(keys)
    verdicts = [cluster["verdict"] for cluster in document["clusters"]]
    assert verdicts[0] == "unsupported" and verdicts[-1] == "not-applicable"
    assert set(verdicts) == set(URGENCY), "every verdict occurs"
    # Within a verdict the nearest deadline comes first: contoso-stopped's STOP-2 date.
    assert document["clusters"][0]["cluster"]["name"] == "contoso-stopped"
    assert document["clusters"][0]["deadlines"][0]["date"] == "2025-10-30"  # STOP-2: day 90


def test_the_table_lists_the_same_order(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, *BUNDLES, str(EXPORT))
    _, table = fleet(arcsupport, *BUNDLES, str(EXPORT))
    names = [cluster["cluster"]["name"] for cluster in document["clusters"]]
    rows = [line.split()[0] for line in table.splitlines() if line.split()[:1] != []]
    listed = [row for row in rows if row in names]
    assert listed == names
    for line in table.splitlines():
        assert cell_len(line) <= 80


def test_totals_by_verdict_and_by_clause(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, *BUNDLES, str(EXPORT))
    totals = document["totals"]
    clusters = document["clusters"]
    assert totals["by_verdict"] == {
        verdict: sum(cluster["verdict"] == verdict for cluster in clusters) for verdict in URGENCY
    }
    assert totals["by_verdict"] == {
        "unsupported": 8, "undetermined": 1, "at-risk": 3, "supported": 5, "not-applicable": 2
    }  # fmt: skip
    # A clause counts the clusters that cite it, once per cluster.
    counted: Counter[str] = Counter()
    for cluster in clusters:
        counted.update({clause for finding in cluster["findings"] for clause in finding["clauses"]})
    assert totals["by_clause"] == dict(counted)
    assert list(totals["by_clause"].values()) == sorted(totals["by_clause"].values(), reverse=True)
    _, table = fleet(arcsupport, *BUNDLES, str(EXPORT))
    assert (
        "Totals: unsupported 8, undetermined 1, at risk 3, supported 5, not applicable 2" in table
    )
    assert f"COV-IN-7 {counted['COV-IN-7']}," in table


# --- clusters known only from Resource Graph -----------------------------------------------------


def test_inventory_clusters_are_judged_on_what_their_rows_carry(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, str(EXPORT))
    verdicts = {cluster["cluster"]["name"]: cluster["verdict"] for cluster in document["clusters"]}
    assert verdicts == EXPORT_VERDICTS
    by_name = {cluster["cluster"]["name"]: cluster for cluster in document["clusters"]}
    rules = {name: {f["rule"] for f in c["findings"]} for name, c in by_name.items()}
    assert "version-lifecycle" in rules["plant-ulsan-01"]
    assert "version-patch" in rules["plant-gumi-02"]
    assert {"connectivity", "subscription"} <= rules["lab-daejeon-01"]
    evidence = [
        (item["object"], item["field"], item["source"])
        for finding in by_name["plant-gumi-02"]["findings"]
        if finding["rule"] == "connectivity"
        for item in finding["evidence"]
    ]
    assert ("connectedClusters/plant-gumi-02", "properties.lastConnectivityTime") in {
        item[:2] for item in evidence
    }
    assert all(source.startswith(f"{EXPORT}: row ") for *_, source in evidence)


def test_inventory_coverage_says_what_was_not_available(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, str(EXPORT))
    for cluster in document["clusters"]:
        if cluster["verdict"] == "not-applicable":
            continue  # no rule runs on a cluster that is not AKS Arc
        assert not cluster["complete"], "no node was seen: supported only as far as checked"
        coverage = cluster["coverage"]
        assert {"version-lifecycle", "connectivity"} <= set(coverage["evaluated"])
        gaps = {gap["rule"]: " ".join(gap["needs"]) for gap in coverage["not_evaluated"]}
        # Nothing from inside the cluster: no nodes, pods, workloads or metrics.
        for rule in ("node-os-lifecycle", "version-skew", "system-metadata", "alpha-features"):
            assert rule in gaps, (cluster["cluster"]["name"], rule)
        assert "kubernetes/nodes.json" in gaps["node-os-lifecycle"]
        assert "node-os-lifecycle" not in coverage["evaluated"]


def test_the_cluster_that_is_not_aks_arc_is_counted_and_listed_last(arcsupport: Any) -> None:
    document = fleet_json(arcsupport, *BUNDLES, str(EXPORT))
    last = [c["cluster"]["name"] for c in document["clusters"]][-2:]
    assert last == ["contoso-k3s", "lab-k3s-sandbox"]
    k3s = document["clusters"][-1]
    assert k3s["identity"]["aks_arc"] is False
    assert {(s["field"], s["value"]) for s in k3s["identity"]["signals"]} == {
        ("kind", "<none>"), ("properties.distribution", "k3s")
    }  # fmt: skip
    assert k3s["findings"] == [] and k3s["coverage"]["evaluated"] == []
    # `skipped`, from the first arcsupport.fleet/v1, counts them.
    assert document["totals"]["skipped"] == document["totals"]["by_verdict"]["not-applicable"] == 2
    _, table = fleet(arcsupport, str(EXPORT))
    rows = [line.split() for line in table.splitlines() if line.split()[:1] != []]
    assert [row for row in rows if row[0] == "lab-k3s-sandbox"] == [
        ["lab-k3s-sandbox", "1.30.6", "not", "applicable", "-", "-"]
    ]
    _, korean = fleet(arcsupport, str(EXPORT), "--lang", "ko")
    assert "해당 없음 1" in korean
    assert fleet_json(arcsupport, *BUNDLES[:1])["totals"]["skipped"] == 0


def test_an_export_of_only_plain_arc_clusters_is_a_fleet_the_policy_does_not_judge(
    arcsupport: Any, tmp_path: Path
) -> None:
    rows = json.loads((ROOT / EXPORT).read_text())["data"]
    only = [row for row in rows if row["name"] == "lab-k3s-sandbox"]
    source = tmp_path / "k3s.json"
    source.write_text(json.dumps({"count": 1, "data": only}))
    for output in FORMATS:
        code, _ = fleet(arcsupport, str(source), "-o", output)
        assert code == 0, output
    document = fleet_json(arcsupport, str(source))
    [cluster] = document["clusters"]
    assert cluster["verdict"] == "not-applicable"
    assert document["totals"]["clusters"] == 1 and document["totals"]["skipped"] == 1


def test_rows_without_a_version_are_undetermined_not_supported(
    arcsupport: Any, tmp_path: Path
) -> None:
    """The issue counted 100,000 rows whose version was null as supported."""
    rows = json.loads((ROOT / EXPORT).read_text())["data"]
    kept = [row for row in rows if "retail-seoul-01" in row["id"]]
    for row in kept:
        if "kubernetesVersion" in row["properties"]:
            row["properties"]["kubernetesVersion"] = None
    source = tmp_path / "null-version.json"
    source.write_text(json.dumps({"count": len(kept), "data": kept}))
    code, _ = fleet(arcsupport, str(source), "-o", "json")
    document = fleet_json(arcsupport, str(source))
    [cluster] = document["clusters"]
    assert cluster["verdict"] == "undetermined"
    assert [item["fact"] for item in cluster["missing"]] == ["kubernetes-version"]
    assert document["totals"]["by_verdict"]["undetermined"] == 1
    assert code == 1, "fails closed, as check does"


# --- exit codes ----------------------------------------------------------------------------------


def test_exit_codes_follow_fail_on(arcsupport: Any) -> None:
    healthy = str(EXAMPLES / "healthy") + "/"
    assert fleet(arcsupport, healthy)[0] == 0
    assert fleet(arcsupport, healthy, str(EXAMPLES / "k3s"))[0] == 0  # not judged, not failed
    assert fleet(arcsupport, healthy, str(EXAMPLES / "empty"))[0] == 1  # undetermined
    assert fleet(arcsupport, healthy, "--fail-on", "info")[0] == 1  # Calico: best effort
    assert fleet(arcsupport, healthy, str(EXPORT))[0] == 1
    assert fleet(arcsupport, str(EXAMPLES / "disconnected-40d") + "/")[0] == 0  # at risk
    assert fleet(arcsupport, str(EXAMPLES / "disconnected-40d"), "--fail-on", "warning")[0] == 1


def test_bad_sources_exit_2(arcsupport: Any, tmp_path: Path) -> None:
    not_export = tmp_path / "version.json"
    not_export.write_text('{"gitVersion": "v1.31.5"}')
    for args, expected in (
        (["examples/nowhere"], "nowhere"),
        ([str(not_export)], "not a Resource Graph export"),
        ([], "Missing argument"),
    ):
        code, out, err = arcsupport("fleet", *args, "--at", WHEN)
        assert (code, out) == (2, "")
        [line] = err.splitlines()
        assert expected in line


# --- every output format -------------------------------------------------------------------------


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            remote = bool(value and re.match(r"(https?:)?//", value))
            if name in ("src", "href") and remote and tag != "a":
                self.remote.append(str(value))


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((REFERENCE / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_is_a_valid_document(
    arcsupport: Any, sarif_validator: jsonschema.protocols.Validator, lang: str
) -> None:
    sources = (*BUNDLES, str(EXPORT))
    produced = {
        output: fleet(arcsupport, *sources, "-o", output, "--lang", lang)[1] for output in FORMATS
    }
    names = {c["cluster"]["name"] for c in json.loads(produced["json"])["clusters"]}
    assert len(names) == 19

    document = json.loads(produced["json"])
    assert set(document) == {
        "schema", "evaluated_at", "lang", "policy", "totals", "notices", "clusters",
    }  # fmt: skip
    assert document["notices"] == []
    assert document["schema"] == "arcsupport.fleet/v1"
    assert document["evaluated_at"] == "2025-09-15T00:00:00Z"
    assert document["lang"] == lang
    assert set(document["policy"]) == {"name", "version", "data_as_of"}
    assert set(document["totals"]) == {
        "clusters", "by_verdict", "by_clause", "skipped", "partial",
    }  # fmt: skip
    assert document["totals"]["partial"] is False
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    for cluster in document["clusters"]:
        validator.validate(cluster)

    # The contract's headers and verdicts in every language; one row per cluster, by urgency.
    text_read = produced["csv"].removeprefix("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text_read, newline="")))
    assert len(header) == 15 and all(len(row) == 15 for row in rows)
    assert header[:4] == ["cluster", "resource_id", "kubernetes_version", "verdict"]
    assert [row[0] for row in rows] == [c["cluster"]["name"] for c in document["clusters"]]
    assert [row[2] for row in rows] == [
        c["cluster"]["kubernetes_version"] or "" for c in document["clusters"]
    ]
    assert len({row[3] for row in rows}) == len(VERDICTS), "every verdict"
    assert "\r\n" in produced["csv"]

    sarif = json.loads(produced["sarif"])
    sarif_validator.validate(sarif)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]  # one run for the fleet: GitHub takes at most 20 a file
    assert run["properties"]["clusters"] == 19

    # As bytes: with lxml installed (sarif-tools needs it) a declared encoding needs bytes.
    junit = JUnitXml.fromstring(produced["junit"].encode("utf-8"))
    suites = list(junit)
    assert [suite.name for suite in suites] == [c["cluster"]["name"] for c in document["clusters"]]
    assert sum(suite.failures for suite in suites) >= 9  # one per unsupported or undetermined

    calendar = Calendar.from_ical(produced["ical"])
    events = calendar.walk("VEVENT")
    undetermined = sum(c["verdict"] == "undetermined" for c in document["clusters"])
    assert len(events) == sum(len(c["deadlines"]) for c in document["clusters"]) + undetermined
    assert sum(bool(event.walk("VALARM")) for event in events) == len(events) - undetermined

    page = _Html()
    page.feed(produced["html"])
    page.close()
    assert produced["html"].lstrip().lower().startswith("<!doctype html>")
    assert page.tags["html"] == 1 and page.tags["svg"] >= 1
    assert page.remote == [], "self-contained: nothing fetched from the network"

    for output in ("markdown", "table", "html"):
        for name in names:
            assert name in produced[output], (output, name)
    for output in ("markdown", "table", "html", "junit", "ical", "sarif"):
        assert bool(HANGUL.search(produced[output])) == (lang == "ko"), output


# --- --out ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", FORMATS)
def test_out_writes_the_same_document_and_nothing_else(
    arcsupport: Any, tmp_path: Path, output: str
) -> None:
    target = tmp_path / f"fleet.{output}"
    sources = (str(EXAMPLES / "healthy"), str(EXPORT))
    code, printed = fleet(arcsupport, *sources, "-o", output)
    code_out, nothing = fleet(arcsupport, *sources, "-o", output, "--out", str(target))
    assert (code_out, nothing) == (code, "")
    assert [path.name for path in tmp_path.iterdir()] == [target.name], "no temporary files"
    if output == "table":
        assert target.read_text() == printed  # 80 columns, as when piped
    else:
        assert target.read_bytes() == printed.encode()


def test_out_replaces_an_existing_report_whole(arcsupport: Any, tmp_path: Path) -> None:
    target = tmp_path / "fleet.json"
    target.write_text("an older report\n" * 10_000)
    fleet(arcsupport, str(EXPORT), "-o", "json", "--out", str(target))
    assert json.loads(target.read_text())["totals"]["clusters"] == 9
    assert [path.name for path in tmp_path.iterdir()] == ["fleet.json"]


@pytest.mark.parametrize("where", ["missing folder", "a folder", "below a file"])
def test_an_unwritable_target_exits_2_and_writes_nothing(
    arcsupport: Any, tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder")
    (tmp_path / "reports").mkdir()
    target = {
        "missing folder": tmp_path / "no-such-folder" / "fleet.json",
        "a folder": tmp_path / "reports",
        "below a file": blocker / "fleet.json",
    }[where]
    before = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))
    code, out, err = arcsupport(
        "fleet", str(EXPORT), "--at", WHEN, "-o", "json", "--out", str(target)
    )
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"arcsupport: error: {target}: ")
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")) == before
    assert blocker.read_text() == "not a folder"


# --- goldens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_golden(arcsupport: Any, request: pytest.FixtureRequest, lang: str) -> None:
    code, printed = fleet(arcsupport, *BUNDLES, str(EXPORT), "--lang", lang)
    assert code == 1
    golden = GOLDEN / f"fleet.{lang}.txt"
    assert_golden(request, golden, printed)


# --- a cluster given twice, and an export that is one page of a longer result ------------------


def _snapshot(source: str, resource_id: str, collected: str | None) -> Snapshot:
    return Snapshot(
        source=source,
        resource_id=resource_id,
        collected_at=datetime.fromisoformat(collected) if collected else None,
    )


def test_one_per_cluster_keeps_the_newest_snapshot() -> None:
    rid = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Kubernetes/connectedClusters/c"
    older = _snapshot("old/", rid, "2025-09-01T00:00:00+00:00")
    newer = _snapshot("new/", rid.upper(), "2025-09-10T00:00:00+00:00")  # IDs in any case
    row = _snapshot("fleet.json", rid, None)  # Resource Graph rows carry no time
    other = _snapshot("other/", rid + "-2", None)
    nameless = [_snapshot("a/", "", None), _snapshot("b/", "", None)]
    for order in ([older, newer, row], [row, newer, older], [newer, row, older]):
        (kept,) = one_per_cluster(order)
        assert kept.snapshot is newer
        assert sorted(kept.dropped) == ["fleet.json", "old/"]
    kept_all = one_per_cluster([older, other, *nameless, newer])
    assert [entry.snapshot.source for entry in kept_all] == ["new/", "other/", "a/", "b/"]
    # Equal times (two exports): the one given last wins.
    first, last = _snapshot("1.json", rid, None), _snapshot("2.json", rid, None)
    (kept,) = one_per_cluster([first, last])
    assert (kept.snapshot.source, kept.dropped) == ("2.json", ["1.json"])


def test_the_same_cluster_twice_counts_once(arcsupport: Any, tmp_path: Path) -> None:
    """A bundle and an older copy of it: the older one is left out, and every format says so
    on the cluster that was kept."""
    older = tmp_path / "healthy-last-week"
    shutil.copytree(ROOT / "examples" / "healthy", older)
    manifest = json.loads((older / "manifest.json").read_text())
    manifest["collected_at"] = "2025-09-07T09:30:12Z"
    (older / "manifest.json").write_text(json.dumps(manifest))
    sources = (str(older), "examples/healthy/", str(EXPORT))
    document = fleet_json(arcsupport, *sources)
    assert document["totals"]["clusters"] == 10
    (kept,) = [c for c in document["clusters"] if c["cluster"]["name"] == "contoso-healthy"]
    assert kept["source"] == "examples/healthy"
    notice = (
        f"The same cluster was also given in {older}, which was left out: a cluster counts "
        "once, from its newest snapshot (examples/healthy)."
    )
    assert kept["notices"] == document["notices"] == [notice]
    for output in ("table", "csv", "markdown", "junit", "html"):
        shown = fleet(arcsupport, *sources, "-o", output)[1]
        # A table wraps a long path anywhere, even mid-word: compare without the wrapping.
        assert str(older) in re.sub(r"\s+", "", shown), output
    korean = fleet_json(arcsupport, *sources, "--lang", "ko")
    (kept_ko,) = [c for c in korean["clusters"] if c["cluster"]["name"] == "contoso-healthy"]
    assert kept_ko["notices"] == [
        f"같은 클러스터가 {older}에도 있어 그쪽은 제외했습니다. 클러스터는 가장 최근 "
        "스냅숏(examples/healthy) 하나로만 셉니다."
    ]


def _page(tmp_path: Path, rows: list[Any] | None = None) -> Path:
    document = json.loads((ROOT / EXPORT).read_text())
    if rows is not None:
        document["data"] = rows
    document["skip_token"] = "eyJwYWdlIjogMn0="
    page = tmp_path / "page-1.json"
    page.write_text(json.dumps(document))
    return page


def test_a_page_of_a_longer_result_is_partial_in_every_format(
    arcsupport: Any, tmp_path: Path
) -> None:
    page = _page(tmp_path)
    document = fleet_json(arcsupport, str(page))
    assert document["totals"]["partial"] is True
    assert document["totals"]["clusters"] == 9
    assert len(document["notices"]) == 1
    assert document["notices"][0].startswith(f"{page} is one page of a longer Resource Graph")
    assert "the totals are partial" in document["notices"][0]
    for cluster in document["clusters"]:
        assert any("skip_token" in notice for notice in cluster["notices"]), cluster["cluster"]
    whole = fleet_json(arcsupport, str(EXPORT))
    assert whole["totals"]["partial"] is False and whole["notices"] == []
    for output in FORMATS:
        shown = fleet(arcsupport, str(page), "-o", output)[1]
        flat = re.sub(r"\s+", "", shown)  # wrapped and folded lines
        assert "skip_token" in flat, output
    table = fleet(arcsupport, str(page))[1]
    assert "the totals are partial" in re.sub(r"\s+", " ", table)


def test_a_page_of_only_a_cluster_that_is_not_aks_arc_still_says_the_fleet_is_partial(
    arcsupport: Any, tmp_path: Path
) -> None:
    rows = [
        row
        for row in json.loads((ROOT / EXPORT).read_text())["data"]
        if row.get("kind") != "ProvisionedCluster" and "provisioned" not in row["type"]
    ]
    page = _page(tmp_path, rows)
    document = fleet_json(arcsupport, str(page))
    assert (document["totals"]["clusters"], document["totals"]["partial"]) == (1, True)
    assert len(document["notices"]) == 1
    for output in ("table", "markdown", "html"):
        shown = re.sub(r"\s+", " ", fleet(arcsupport, str(page), "-o", output)[1])
        assert "one page of a longer Resource Graph result" in shown, output
