"""The benchmark's bundle generator (bench/generate.py), at a size that takes well under a second.

No timing here: bench/run.py measures, these tests only keep the generator honest (valid,
readable by `arcsupport check`, deterministic)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest

from arcsupport.schema import load_schema
from arcsupport.sources.inspection import inspect_bundle
from helpers import EXAMPLES, ROOT

GENERATOR = ROOT / "bench" / "generate.py"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the script by its path.
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_tiny_bundle_has_the_layout_and_counts(generate: ModuleType, tmp_path: Path) -> None:
    counts = generate.generate(tmp_path, nodes=5, pods=50, seed=1)
    assert counts["nodes"] == 5
    assert counts["pods"] == 50
    for path in tmp_path.rglob("*.json"):
        json.loads(path.read_bytes())  # every file is well-formed JSON
    pods = json.loads((tmp_path / "kubernetes" / "pods.json").read_bytes())
    assert pods["kind"] == "List" and len(pods["items"]) == 50
    assert {pod["kind"] for pod in pods["items"]} == {"Pod"}
    # The shapes the benchmark relies on: real pods carry managedFields and full status.
    assert all(pod["metadata"]["managedFields"] for pod in pods["items"])
    assert any(pod["metadata"]["name"].startswith("kube-apiserver-") for pod in pods["items"])
    nodes = json.loads((tmp_path / "kubernetes" / "nodes.json").read_bytes())["items"]
    assert all(len(node["status"]["images"]) <= 25 for node in nodes)
    workers = [n for n in nodes if "msft.microsoft/nodepool-name" in n["metadata"]["labels"]]
    assert len(workers) == 4  # one control-plane node, four in agent pools
    for name in ("provisioned-cluster", "agent-pools", "connected-cluster", "subscription"):
        assert (tmp_path / "azure" / f"{name}.json").is_file()
    assert (tmp_path / "manifest.json").is_file()


def test_arcsupport_check_reads_a_generated_bundle(generate: ModuleType, tmp_path: Path) -> None:
    generate.generate(tmp_path, nodes=5, pods=50, seed=3)
    advisories = EXAMPLES / "advisories"
    command = [sys.executable, "-m", "arcsupport", "check", str(tmp_path), "-a", str(advisories)]
    result = subprocess.run(
        [*command, "--output", "json", "--at", "2025-09-15"],
        capture_output=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr.decode()
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(load_schema("assessment")).validate(document)
    assert document["cluster"]["kubernetes_version"] == generate.K8S_VERSION
    # The generator exists to exercise the rules: none may be short of facts.
    assert document["coverage"]["not_evaluated"] == []


def test_generation_is_deterministic_for_a_seed(generate: ModuleType, tmp_path: Path) -> None:
    generate.generate(tmp_path / "a", nodes=5, pods=50, seed=7)
    generate.generate(tmp_path / "b", nodes=5, pods=50, seed=7)
    generate.generate(tmp_path / "c", nodes=5, pods=50, seed=8)
    first, second, other = (_files(tmp_path / name) for name in "abc")
    assert first == second
    assert first["kubernetes/pods.json"] != other["kubernetes/pods.json"]


def test_a_generated_bundle_holds_no_secret_but_its_env_values(
    generate: ModuleType, tmp_path: Path
) -> None:
    """The synthetic cluster is what the detectors' false positives were measured on
    (bench/secret_noise.py): its pods carry env values, as a hand-made bundle would, and
    nothing else that bundle inspect may call sensitive."""
    generate.generate(tmp_path, nodes=20, pods=400, seed=5)
    result = inspect_bundle(tmp_path)
    assert result.hits_total > 0
    assert {hit.problem for hit in result.hits} == {"environment variable value"}
