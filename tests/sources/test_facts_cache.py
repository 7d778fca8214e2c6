"""Declared facts read before are kept in the user's cache folder, keyed by the file's bytes and
the code that reads them: the kept facts equal the parsed ones, a changed file is parsed
again, bad facts are never kept, and a missing, damaged or unwritable cache costs time, never
a fact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from arcsupport import safeyaml, usercache
from arcsupport.errors import InputError
from arcsupport.snapshot.facts import DeclaredFacts, HostPlatform
from arcsupport.sources import bundle
from arcsupport.sources.bundle import declared_facts
from helpers import EXAMPLES

FACTS = b"""host_platform:
  kind: azure-local
  version: 2508
stopped_since: 2025-07-01
stopped_by: manual
node_subnets: ["172.16.30.0/24"]
"""
EXPECTED = DeclaredFacts(
    host_platform=HostPlatform(kind="azure-local", version=2508),
    stopped_since=date(2025, 7, 1),
    stopped_by="manual",
    node_subnets=["172.16.30.0/24"],
)


def no_yaml(*args: object, **kwargs: object) -> object:
    raise AssertionError("the facts were parsed again instead of read from the cache")


def test_kept_facts_equal_the_parsed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert declared_facts(FACTS, "facts.yaml") == EXPECTED
    assert len(usercache.kept_files("facts")) == 1
    monkeypatch.setattr(safeyaml, "load_yaml", no_yaml)
    kept = declared_facts(FACTS, "facts.yaml")
    assert kept == EXPECTED
    assert type(kept.host_platform.version if kept.host_platform else None) is int
    assert type(kept.stopped_since) is date


@pytest.mark.parametrize("example", ["healthy", "stopped", "windows-server-2019"])
def test_the_example_bundles_facts_read_back_alike(example: str) -> None:
    data = (EXAMPLES / example / "facts.yaml").read_bytes()
    parsed = declared_facts(data, "facts.yaml")
    assert declared_facts(data, "facts.yaml") == parsed


def test_a_changed_file_is_parsed_again() -> None:
    declared_facts(FACTS, "facts.yaml")
    changed = declared_facts(FACTS.replace(b"2508", b'"2511"'), "facts.yaml")
    assert changed.host_platform == HostPlatform(kind="azure-local", version="2511")
    assert len(usercache.kept_files("facts")) == 2


def test_other_code_never_reuses_kept_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    declared_facts(FACTS, "facts.yaml")
    monkeypatch.setattr(bundle, "_facts_reader_digest", lambda: b"other code")
    declared_facts(FACTS, "facts.yaml")
    assert len(usercache.kept_files("facts")) == 2


def test_damaged_kept_facts_are_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    declared_facts(FACTS, "facts.yaml")
    [file] = usercache.kept_files("facts")
    data = bytearray(file.read_bytes())
    data[-3] ^= 0x01  # inside the last subnet
    file.write_bytes(bytes(data))
    assert declared_facts(FACTS, "facts.yaml") == EXPECTED
    monkeypatch.setattr(safeyaml, "load_yaml", no_yaml)
    assert declared_facts(FACTS, "facts.yaml") == EXPECTED, "the damaged file was replaced"


@pytest.mark.parametrize(
    "bad",
    [b"host_platform: [unclosed", b"- a list\n", b"stopped_since: soon\n", b"a: &x 1\nb: *x\n"],
    ids=["malformed", "not-a-mapping", "wrong-type", "alias"],
)
def test_bad_facts_are_refused_every_time_and_never_kept(bad: bytes) -> None:
    for _ in range(2):
        with pytest.raises(InputError):
            declared_facts(bad, "facts.yaml")
    assert usercache.kept_files("facts") == []


def test_an_unwritable_cache_folder_still_reads(unwritable_cache: Path) -> None:
    assert declared_facts(FACTS, "facts.yaml") == EXPECTED
    assert declared_facts(FACTS, "facts.yaml") == EXPECTED
    assert sorted(path.name for path in unwritable_cache.iterdir()) == ["a-file"]
