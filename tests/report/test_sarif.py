"""SARIF that GitHub code scanning accepts and that other SARIF readers read.

- `github_problems` encodes each requirement and limit GitHub documents for an upload ("SARIF
  support for code scanning", its limits table, "Uploading a SARIF file to GitHub", the 2024-05-06
  changelog on runs of one tool and category); our files, for one cluster, the example fleet and
  a fleet of 1,000 clusters, must break none of them, and files that break each one are caught.
- Microsoft's sarif-tools (`sarif ls`, `summary`, `csv`) reads every result with its file and line.
- Fingerprints stay the same across dates, languages, a reordered bundle and a moved bundle.
- Regions: the lines and columns of each object are exactly those of its JSON value, in
  pretty-printed, one-per-line and minified files, with a BOM and non-ASCII text.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import random
import shutil
import sys
import tarfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from arcsupport.report import sarif as sarif_module
from arcsupport.report.evidence_files import EvidenceFiles, Span
from arcsupport.report.sarif import (
    GITHUB_FINGERPRINT,
    MAX_DESCRIPTION,
    MAX_EXTENSIONS_PER_RUN,
    MAX_GZIP_BYTES,
    MAX_LOCATIONS_PER_RESULT,
    MAX_RESULTS_PER_RUN,
    MAX_RULE_NAME,
    MAX_RULES_PER_RUN,
    MAX_RUNS_PER_FILE,
    MAX_TAGS_PER_RULE,
    render_sarif,
)
from arcsupport.rules.outcome import Evidence
from arcsupport.snapshot.model import Provenance
from helpers import EXAMPLES, REFERENCE, ROOT, default_pack, make_snapshot, node, run_assess

Cli = Callable[..., tuple[int, str, str]]
WHEN = "2025-09-15"
EXPORT = "examples/resource-graph-export.json"
BUNDLES = sorted(
    f"examples/{path.name}" for path in EXAMPLES.iterdir() if (path / "manifest.json").is_file()
)


# --- GitHub's documented requirements ---------------------------------------------------------


def _category(run: dict[str, Any]) -> str:
    """`category/run-id`: everything up to the last slash (none: no category)."""
    automation = run.get("automationDetails", {}).get("id", "")
    return automation.rpartition("/")[0]


def _text(holder: dict[str, Any], key: str) -> str:
    value = holder.get(key, {}).get("text", "")
    return value if isinstance(value, str) else ""


def _region_problems(where: str, region: dict[str, Any]) -> list[str]:
    keys = ("startLine", "startColumn", "endLine", "endColumn")
    values = [region.get(key) for key in keys]
    if not all(isinstance(value, int) and value >= 1 for value in values):
        return [f"{where}: region needs {', '.join(keys)} (whole numbers from 1): {region}"]
    start_line, start_column, end_line, end_column = values
    if (end_line, end_column) <= (start_line, start_column):
        return [f"{where}: region ends before it starts: {region}"]
    return []


def _result_problems(
    where: str, result: dict[str, Any], rule_ids: list[str], bases: dict[str, Any], archives: bool
) -> list[str]:
    problems = []
    if result.get("ruleId") not in rule_ids:
        problems.append(f"{where}: ruleId {result.get('ruleId')!r} is not a rule of the run")
    elif "ruleIndex" in result and rule_ids[result["ruleIndex"]] != result["ruleId"]:
        problems.append(f"{where}: ruleIndex does not point at {result['ruleId']}")
    if not _text(result, "message"):
        problems.append(f"{where}: message.text is required")
    locations = result.get("locations") or []
    if not 1 <= len(locations) <= MAX_LOCATIONS_PER_RESULT:
        problems.append(f"{where}: {len(locations)} locations, 1 to {MAX_LOCATIONS_PER_RESULT}")
    for index, location in enumerate(locations):
        at = f"{where}.locations[{index}]"
        physical = location.get("physicalLocation")
        if not physical:
            problems.append(f"{at}: physicalLocation is required")
            continue
        artifact = physical.get("artifactLocation", {})
        uri = artifact.get("uri", "")
        if not uri or "\\" in uri:
            problems.append(f"{at}: artifactLocation.uri must be a URI: {uri!r}")
        base = artifact.get("uriBaseId")
        if base is not None and (base not in bases or uri.startswith(("/", "file:"))):
            problems.append(f"{at}: uriBaseId {base} needs a relative uri and originalUriBaseIds")
        region = physical.get("region")
        if region is not None:
            problems.extend(_region_problems(at, region))
        elif not (archives and "member" in location.get("properties", {})):
            problems.append(f"{at}: region (startLine...) is required")
    if not result.get("partialFingerprints", {}).get(GITHUB_FINGERPRINT):
        problems.append(f"{where}: partialFingerprints.{GITHUB_FINGERPRINT} is required")
    return problems


def _rule_problems(where: str, rule: dict[str, Any]) -> list[str]:
    problems = []
    if not rule.get("id"):
        problems.append(f"{where}: id is required")
    for key in ("shortDescription", "fullDescription"):
        if not 1 <= len(_text(rule, key)) <= MAX_DESCRIPTION:
            problems.append(f"{where}: {key}.text needs 1 to {MAX_DESCRIPTION} characters")
    if not _text(rule, "help"):
        problems.append(f"{where}: help.text is required")
    if len(rule.get("name", "")) > MAX_RULE_NAME:
        problems.append(f"{where}: name longer than {MAX_RULE_NAME} characters")
    if len(rule.get("properties", {}).get("tags", [])) > MAX_TAGS_PER_RULE:
        problems.append(f"{where}: more than {MAX_TAGS_PER_RULE} tags")
    return problems


def github_problems(text: str, *, archives: bool = False) -> list[str]:
    """Every way `text` breaks what GitHub documents for a SARIF upload. `archives`: a location
    in a tarball member may go without a region (a tarball has no lines)."""
    problems = []
    compressed = len(gzip.compress(text.encode("utf-8")))
    if compressed > MAX_GZIP_BYTES:
        problems.append(f"{compressed} bytes gzip-compressed, over {MAX_GZIP_BYTES}")
    log = json.loads(text)
    if log.get("version") != "2.1.0" or not log.get("$schema"):
        problems.append("version 2.1.0 and $schema are required")
    runs = log.get("runs") or []
    if not 1 <= len(runs) <= MAX_RUNS_PER_FILE:
        problems.append(f"{len(runs)} runs, 1 to {MAX_RUNS_PER_FILE}")
    shared = Counter((run["tool"]["driver"].get("name"), _category(run)) for run in runs)
    problems.extend(
        f"{count} runs of tool {tool!r} share category {category!r}"
        for (tool, category), count in shared.items()
        if count > 1
    )
    for number, run in enumerate(runs):
        where = f"runs[{number}]"
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            problems.append(f"{where}: tool.driver.name is required")
        rules = driver.get("rules") or []
        if not 1 <= len(rules) <= MAX_RULES_PER_RUN:
            problems.append(f"{where}: {len(rules)} rules, 1 to {MAX_RULES_PER_RUN}")
        if len(run["tool"].get("extensions", [])) > MAX_EXTENSIONS_PER_RUN:
            problems.append(f"{where}: more than {MAX_EXTENSIONS_PER_RUN} tool extensions")
        for index, rule in enumerate(rules):
            problems.extend(_rule_problems(f"{where}.rules[{index}]", rule))
        if not isinstance(run.get("results"), list):
            problems.append(f"{where}: results is required")
            continue
        if len(run["results"]) > MAX_RESULTS_PER_RUN:
            problems.append(f"{where}: {len(run['results'])} results, over {MAX_RESULTS_PER_RUN}")
        rule_ids = [rule.get("id") for rule in rules]
        bases = run.get("originalUriBaseIds", {})
        for index, result in enumerate(run["results"]):
            problems.extend(
                _result_problems(f"{where}.results[{index}]", result, rule_ids, bases, archives)
            )
        fingerprints = Counter(
            result.get("partialFingerprints", {}).get(GITHUB_FINGERPRINT)
            for result in run["results"]
        )
        problems.extend(
            f"{where}: {count} results share the fingerprint {value}"
            for value, count in fingerprints.items()
            if value and count > 1
        )
    return problems


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((REFERENCE / "sarif" / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft7Validator(schema)


def _valid(validator: jsonschema.protocols.Validator, text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return log


def test_github_accepts_one_cluster(
    arcsupport: Cli, sarif_validator: jsonschema.protocols.Validator
) -> None:
    code, out, _ = arcsupport("check", "examples/stopped", "-o", "sarif", "--at", WHEN)
    assert code == 1
    assert github_problems(out) == []
    (run,) = _valid(sarif_validator, out)["runs"]
    assert "automationDetails" not in run, "the uploader chooses the category"
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
        for location in result["locations"]
    }
    assert "examples/stopped/kubernetes/nodes.json" in uris
    assert all(uri.startswith("examples/stopped/") for uri in uris)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_github_accepts_the_example_fleet(
    arcsupport: Cli, sarif_validator: jsonschema.protocols.Validator, lang: str
) -> None:
    code, out, _ = arcsupport(
        "fleet", *BUNDLES, EXPORT, "-o", "sarif", "--at", WHEN, "--lang", lang
    )
    assert code == 1
    assert github_problems(out) == []
    (run,) = _valid(sarif_validator, out)["runs"]
    clusters = [entry for entry in run["logicalLocations"] if "kind" not in entry]
    assert len(clusters) == run["properties"]["clusters"] == 19
    for result in run["results"]:
        name = result["properties"]["cluster"]["name"]
        assert f"[{name}]" in result["message"]["text"]
        (logical,) = result["locations"][0]["logicalLocations"]
        assert run["logicalLocations"][logical["index"]]["parentIndex"] is not None


def _export_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_export", EXAMPLES / "build_export.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_export(target: Path, clusters: int, *, indent: int | None = None) -> Path:
    """A Resource Graph export of `clusters` AKS Arc clusters, as bench/fleet.py builds it."""
    build = _export_builder()
    chance = random.Random(7)
    keys = list(build.SUBSCRIPTIONS)
    rows = [build.subscription_row(key) for key in keys]
    for index in range(clusters):
        key, group, name = keys[index % len(keys)], f"rg-{index // 50:03d}", f"edge-{index:05d}"
        version = chance.choice(("1.28.14", "1.29.13", "1.30.9", "1.31.5", "1.31.10"))
        status = chance.choice(("Connected",) * 8 + ("Offline", "Expired"))
        rows.append(
            build.connected_row(
                key, group, name, version=version, nodes=3, status=status,
                last_seen=f"2025-09-{chance.randint(1, 14):02d}T08:00:00Z",
            )
        )  # fmt: skip
        rows.append(
            build.provisioned_row(
                key, group, name, version=version, pools=[("nodepool1", 2, "Standard_A4_v2")]
            )
        )
    target.write_text(json.dumps({"count": len(rows), "data": rows}, indent=indent))
    return target


@pytest.mark.slow
def test_github_accepts_a_fleet_of_1000_clusters(
    arcsupport: Cli, sarif_validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    export = write_export(tmp_path / "fleet.json", 1000)
    _, out, _ = arcsupport("fleet", str(export), "-o", "sarif", "--at", WHEN)
    assert github_problems(out) == []
    (run,) = json.loads(out)["runs"]
    assert run["properties"]["clusters"] == 1000
    # jsonschema needs minutes for the whole log; its first 200 of each list have every shape.
    sample = json.loads(out)
    for key in ("results", "logicalLocations"):
        sample["runs"][0][key] = sample["runs"][0][key][:200]
    for note in sample["runs"][0]["invocations"][0]["toolExecutionNotifications"]:
        note["locations"] = note["locations"][:200]
    _valid(sarif_validator, json.dumps(sample))
    assert len({result["properties"]["cluster"]["name"] for result in run["results"]}) > 500
    text = export.read_text()
    ids = {row["id"] for row in json.loads(text)["data"]}
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == export.as_uri()  # outside the root
        # Minified: every row is on line 1; the columns are the row's own.
        region = location["region"]
        assert region["startLine"] == region["endLine"] == 1
        row = json.loads(text[region["startColumn"] - 1 : region["endColumn"] - 1])
        assert row["id"] in ids


def test_the_checker_catches_each_breach(arcsupport: Cli) -> None:
    """The requirements above fail for files that break them (so they can fail for ours)."""
    good = str(arcsupport("check", "examples/stopped", "-o", "sarif", "--at", WHEN)[1])
    assert github_problems(good) == []

    def broken(change: Callable[[dict[str, Any]], None]) -> list[str]:
        log = json.loads(good)
        change(log)
        return github_problems(json.dumps(log))

    def first_result(log: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = log["runs"][0]["results"][0]
        return result

    assert broken(lambda log: log["runs"].extend([log["runs"][0]] * 20))  # 21 runs
    assert broken(lambda log: log["runs"].append(log["runs"][0]))  # same tool and category
    assert broken(lambda log: first_result(log)["locations"][0].pop("physicalLocation"))
    assert broken(lambda log: first_result(log)["locations"][0]["physicalLocation"].pop("region"))
    assert broken(lambda log: first_result(log).pop("partialFingerprints"))
    assert broken(lambda log: first_result(log)["locations"].extend([{}] * 10))
    assert broken(lambda log: log["runs"][0]["results"].append(first_result(log)))  # same print
    assert broken(
        lambda log: log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"].extend(
            ["tag"] * 20
        )
    )
    assert broken(lambda log: log["runs"][0]["tool"]["driver"]["rules"][0].pop("help"))
    assert broken(lambda log: log["runs"][0].pop("results"))

    def region(log: dict[str, Any]) -> None:
        physical = first_result(log)["locations"][0]["physicalLocation"]
        physical["region"] = {"startLine": 3, "startColumn": 1, "endLine": 2, "endColumn": 1}

    assert broken(region)


def test_a_run_over_githubs_result_limit_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    assessment = _assessment()
    monkeypatch.setattr(sarif_module, "MAX_RESULTS_PER_RUN", len(assessment.findings) - 1)
    log = json.loads(render_sarif([assessment], default_pack(), "en"))
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    (over,) = [note for note in notes if note["descriptor"]["id"] == "over-github-limit"]
    assert over["level"] == "error"
    assert f"has {len(assessment.findings)} results" in over["message"]["text"]
    monkeypatch.undo()
    log = json.loads(render_sarif([assessment], default_pack(), "en"))
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert all(note["descriptor"]["id"] != "over-github-limit" for note in notes)


# --- Microsoft's sarif-tools --------------------------------------------------------------------


@pytest.fixture
def sarif_tools(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    """`sarif ARGS`, sarif-tools' own command line, in this process: it imports matplotlib,
    seconds that one process pays once rather than once per command."""
    from sarif.cmdline.main import main

    def run(*args: str) -> str:
        monkeypatch.setattr(sys, "argv", ["sarif", *args])
        assert main() in (0, None)
        return capsys.readouterr().out

    return run


def test_sarif_tools_reads_every_result_with_its_file_and_line(
    arcsupport: Cli, sarif_tools: Callable[..., str], tmp_path: Path
) -> None:
    report = tmp_path / "fleet.sarif"
    code, _, _ = arcsupport(
        "fleet", *BUNDLES, EXPORT, "-o", "sarif", "--at", WHEN, "--out", str(report)
    )
    assert code == 1
    results = json.loads(report.read_text())["runs"][0]["results"]

    assert "fleet.sarif" in sarif_tools("ls", str(tmp_path))

    summary = sarif_tools("summary", str(report))
    counted = {
        level: int(count)
        for level, count in (
            line.split(": ") for line in summary.splitlines() if line[:1].isalpha()
        )
        if int(count)
    }
    assert counted == dict(Counter(result["level"] for result in results))

    sarif_tools("csv", "--output", str(tmp_path / "fleet.csv"), str(report))
    with (tmp_path / "fleet.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(results) > 20
    expected = Counter(
        (
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            str(result["locations"][0]["physicalLocation"]["region"]["startLine"]),
        )
        for result in results
    )
    assert Counter((row["Code"], row["Location"], row["Line"]) for row in rows) == expected
    # Not the line 1 sarif-tools writes when a result has none.
    assert {row["Line"] for row in rows} - {"1"}


# --- fingerprints -------------------------------------------------------------------------------


def _fingerprints(text: str) -> list[tuple[str, str, str]]:
    run = json.loads(text)["runs"][0]
    return sorted(
        (
            result["properties"]["cluster"]["name"],
            result["ruleId"],
            result["partialFingerprints"][GITHUB_FINGERPRINT],
        )
        for result in run["results"]
    )


def _reordered_copy(source: Path, target: Path) -> Path:
    """The same bundle with every list in the opposite order, pretty-printed."""
    shutil.copytree(source, target)
    for path in target.glob("*/*.json"):
        document = json.loads(path.read_text())
        items = document if isinstance(document, list) else None
        for key in ("items", "value"):
            if isinstance(document, dict) and isinstance(document.get(key), list):
                items = document[key]
        if items:
            items.reverse()
            path.write_text(json.dumps(document, indent=2))
    return target


def test_fingerprints_hold_across_dates_languages_order_and_place(
    arcsupport: Cli, tmp_path: Path
) -> None:
    def fleet(*sources: str, at: str = WHEN, lang: str = "en") -> str:
        return str(arcsupport("fleet", *sources, "-o", "sarif", "--at", at, "--lang", lang)[1])

    base = fleet(*BUNDLES, EXPORT)
    prints = _fingerprints(base)
    assert len(prints) > 20

    later = fleet(*BUNDLES, EXPORT, at="2025-09-20")
    assert _fingerprints(later) == prints
    assert later != base  # the day counts in the messages moved

    korean = fleet(*BUNDLES, EXPORT, lang="ko")
    assert _fingerprints(korean) == prints

    moved = [
        str(_reordered_copy(ROOT / bundle, tmp_path / "moved" / Path(bundle).name))
        for bundle in BUNDLES
    ]
    shuffled = fleet(*moved, EXPORT)
    assert _fingerprints(shuffled) == prints
    assert shuffled.count("examples/") < base.count("examples/")  # other files, other paths


def test_fingerprints_ignore_which_ten_objects_a_capped_finding_shows() -> None:
    """15 nodes on 1.26: the rules show the first ten as evidence, in the input's order."""
    nodes = [node(f"node-{index:02d}", kubelet="v1.26.10") for index in range(15)]
    nodes.append(node("control-plane", kubelet="v1.29.12"))

    def prints(ordered: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        snapshot = make_snapshot(
            version={"gitVersion": "v1.29.12", "major": "1", "minor": "29"}, nodes=ordered
        )
        return _fingerprints(render_sarif([run_assess(snapshot, WHEN)], default_pack(), "en"))

    forward = prints(nodes)
    assert len(forward) >= 3
    assert prints(list(reversed(nodes))) == forward


def test_equal_findings_are_numbered_not_merged() -> None:
    assessment = _assessment()
    twice = replace(assessment, findings=(assessment.findings[0], assessment.findings[0]))
    results = json.loads(render_sarif([twice], default_pack(), "en"))["runs"][0]["results"]
    first, second = (result["partialFingerprints"][GITHUB_FINGERPRINT] for result in results)
    assert first.endswith(":1") and second.endswith(":2")
    assert first.removesuffix(":1") == second.removesuffix(":2")


def _assessment() -> Any:
    from report_cases import single

    return single()


# --- locations ----------------------------------------------------------------------------------


def _slice(path: Path, region: dict[str, int]) -> str:
    """The text a region covers (columns in code points, from 1, the end exclusive)."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    start, end = region["startLine"] - 1, region["endLine"] - 1
    if start == end:
        return lines[start][region["startColumn"] - 1 : region["endColumn"] - 1]
    middle = lines[start + 1 : end]
    return "\n".join(
        [lines[start][region["startColumn"] - 1 :], *middle, lines[end][: region["endColumn"] - 1]]
    )


def test_each_region_is_the_object_it_names(arcsupport: Cli) -> None:
    _, out, _ = arcsupport("fleet", *BUNDLES, EXPORT, "-o", "sarif", "--at", WHEN)
    run = json.loads(out)["runs"][0]
    seen: Counter[str] = Counter()
    for result in run["results"]:
        for location in result["locations"]:
            physical = location["physicalLocation"]
            path = ROOT / physical["artifactLocation"]["uri"]
            covered = _slice(path, physical["region"])
            name = location["logicalLocations"][0]["name"]
            source = location["properties"]["source"]
            if ": row " in source:
                row = json.loads(covered)
                assert row["name"] in name or row["subscriptionId"] in name, name
                seen["row"] += 1
            elif covered.startswith("{") and covered != path.read_text().strip():
                item = json.loads(covered)
                named = item.get("metadata", {}).get("name") or item["name"]  # Kubernetes, ARM
                assert named == name.rsplit("/", 1)[-1]
                seen["item"] += 1
            else:  # the whole file
                assert covered == path.read_text(encoding="utf-8-sig").rstrip()
                seen["whole"] += 1
    assert set(seen) == {"row", "item", "whole"}, seen  # facts.yaml: below


json_names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="/"),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(json_names, min_size=1, max_size=6, unique=True),
    indent=st.sampled_from([None, 0, 1, 2, 4]),
    bom=st.booleans(),
    wrapper=st.sampled_from(["items", "value", "data", None]),
    prefix=st.text(st.sampled_from(" \n\t"), max_size=3),
)
def test_item_regions_match_json_values(
    tmp_path_factory: pytest.TempPathFactory,
    names: list[str],
    indent: int | None,
    bom: bool,
    wrapper: str | None,
    prefix: str,
) -> None:
    folder = tmp_path_factory.mktemp("regions")
    items = [{"metadata": {"name": name, "namespace": "ns"}, "note": "é\n"} for name in names]
    document: Any = items if wrapper is None else {"kind": "List", wrapper: items, "tail": [1]}
    text = prefix + json.dumps(document, indent=indent, ensure_ascii=False)
    path = folder / "things.json"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))

    files = EvidenceFiles(folder)
    evidence = [
        Evidence(f"ns/Thing/{name}", "note", "x", Provenance.OBSERVED, str(path)) for name in names
    ]
    for item in evidence:
        files.add(str(folder), item)
    for item, expected in zip(evidence, items, strict=True):
        found = files.locate(str(folder), item)
        assert found.uri == "things.json" and found.relative
        assert found.span is not None
        span = found.span
        region = {
            "startLine": span.start_line,
            "startColumn": span.start_column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
        }
        assert json.loads(_slice(path, region)) == expected


def test_locations_of_a_tarball_a_missing_file_and_files_outside(
    arcsupport: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tarball = tmp_path / "stopped.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(EXAMPLES / "stopped", arcname="stopped")
    _, out, _ = arcsupport("check", str(tarball), "-o", "sarif", "--at", WHEN)
    assert github_problems(out, archives=True) == []
    for result in json.loads(out)["runs"][0]["results"]:
        for location in result["locations"]:
            assert location["physicalLocation"] == {
                "artifactLocation": {"uri": tarball.resolve().as_uri()}
            }
            assert location["properties"]["member"].startswith("stopped/")

    # A link inside the root to a bundle elsewhere: the file it resolves to, as GitHub needs.
    outside = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "stopped", outside)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "linked").symlink_to(outside)
    folder = tmp_path / "root" / "접수 목록"
    shutil.copytree(EXAMPLES / "stopped", folder)
    monkeypatch.chdir(tmp_path / "root")
    files = EvidenceFiles(tmp_path / "root")
    inside = Evidence("nodes", "f", "v", Provenance.OBSERVED, str(folder / "facts.yaml"))
    linked = Evidence("nodes", "f", "v", Provenance.OBSERVED, "linked/facts.yaml")
    gone = Evidence("nodes", "f", "v", Provenance.OBSERVED, "gone/kubernetes/nodes.json")
    for item in (inside, linked, gone):
        files.add("any", item)
    found = files.locate("any", inside)
    korean = "%EC%A0%91%EC%88%98%20%EB%AA%A9%EB%A1%9D"  # 접수 목록, percent-encoded UTF-8
    assert (found.uri, found.relative) == (f"{korean}/facts.yaml", True)
    found = files.locate("any", linked)
    assert (found.uri, found.relative) == ((outside / "facts.yaml").as_uri(), False)
    found = files.locate("any", gone)
    assert (found.uri, found.relative, found.span) == ("gone/kubernetes/nodes.json", True, None)


def test_a_declared_fact_is_the_line_of_its_key(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        "# host_platform: in a comment\nhost_platform:\n  kind: azure-local\n"
        "stopped_since: 2025-08-01  \nnode_subnets: []\nnode_subnets: [again]\n"
    )
    files = EvidenceFiles(tmp_path)
    asked = {
        field: Evidence("facts.yaml", field, "v", Provenance.DECLARED, str(facts))
        for field in ("host_platform.kind", "stopped_since", "node_subnets", "absent")
    }
    for item in asked.values():
        files.add(str(tmp_path), item)
    spans = {field: files.locate(str(tmp_path), item).span for field, item in asked.items()}
    assert spans["host_platform.kind"] == Span(2, 1, 2, 15)
    assert spans["stopped_since"] == Span(4, 1, 4, 26)
    whole = Span(1, 1, 6, 22)  # a key twice, or not there: the whole file
    assert spans["node_subnets"] == spans["absent"] == whole


def test_what_cannot_be_placed_exactly_is_not_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first item's text also stands before the list: the walk from there does not end on
    the list's `]`, so the item gets the whole file rather than the wrong lines. A file over
    MAX_SEARCHED_BYTES is not read again at all."""
    from arcsupport.report import evidence_files

    tricky = tmp_path / "tricky.json"
    tricky.write_text('{"metadata": {"name": "a"},\n "items": [{"name": "a"}]}\n')
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"items": [{"metadata": {"name": "a"}}]}, indent=2))
    monkeypatch.setattr(evidence_files, "MAX_SEARCHED_BYTES", big.stat().st_size - 1)
    files = EvidenceFiles(tmp_path)
    asked = [Evidence("Thing/a", "f", "v", Provenance.OBSERVED, str(p)) for p in (tricky, big)]
    for item in asked:
        files.add(str(tmp_path), item)
    assert files.locate(str(tmp_path), asked[0]).span == Span(1, 1, 2, 27)  # the whole file
    assert files.locate(str(tmp_path), asked[1]).span is None


def test_a_finding_without_evidence_points_at_its_input(monkeypatch: pytest.MonkeyPatch) -> None:
    from arcsupport.sources.read import read_sources

    monkeypatch.chdir(ROOT)
    (first, *_) = read_sources([Path(EXPORT)]).snapshots
    assessment = run_assess(first, WHEN)
    bare = replace(assessment.findings[0], evidence=())
    log = json.loads(render_sarif([replace(assessment, findings=(bare,))], default_pack(), "en"))
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location["logicalLocations"] == [
        {"name": assessment.cluster_name, "fullyQualifiedName": assessment.resource_id, "index": 0}
    ]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == EXPORT
    lines = (ROOT / EXPORT).read_text().rstrip().split("\n")
    assert physical["region"] == {
        "startLine": 1, "startColumn": 1, "endLine": len(lines), "endColumn": len(lines[-1]) + 1
    }  # fmt: skip
