"""Values kept in the user's cache folder: read back only when whole and of the asked shape;
anything else (missing, cut short, damaged, another shape, an unwritable folder) means the
caller builds the value again, never a wrong value and never an error."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest

from arcsupport import usercache

Entries = dict[str, dict[str, str]]
VALUE: Entries = {"ui": {"header": "Verdict", "footer": "판정"}, "needs": {"version": "v"}}


def the_file(family: str, key: str) -> Path:
    [file] = [path for path in usercache.kept_files(family) if key in path.name]
    return file


def test_a_kept_value_reads_back_equal() -> None:
    usercache.keep("demo", "k1", VALUE, newest=2)
    assert usercache.read("demo", "k1", Entries) == VALUE
    assert list(usercache.read("demo", "k1", Entries) or {}) == ["ui", "needs"], "order kept"


def test_nothing_kept_reads_as_none() -> None:
    assert usercache.read("demo", "never-written", Entries) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],  # cut short
        lambda data: data[:10],  # cut inside the digest
        lambda data: b"",
        lambda data: data[:-3] + bytes([data[-3] ^ 1]) + data[-2:],  # one bit of a text
        lambda data: bytes([data[0] ^ 1]) + data[1:],  # one bit of the digest
    ],
    ids=["truncated", "digest-only", "empty", "flipped-content-bit", "flipped-digest-bit"],
)
def test_a_damaged_file_reads_as_none(damage: object) -> None:
    usercache.keep("demo", "k1", VALUE, newest=2)
    file = the_file("demo", "k1")
    file.write_bytes(damage(file.read_bytes()))  # type: ignore[operator]
    assert usercache.read("demo", "k1", Entries) is None


def test_a_file_of_another_shape_reads_as_none() -> None:
    usercache.keep("demo", "k1", [1, 2, 3], newest=2)
    assert usercache.read("demo", "k1", Entries) is None


def test_a_file_from_before_the_digest_reads_as_none() -> None:
    usercache.cache_dir().mkdir(parents=True, exist_ok=True)
    (usercache.cache_dir() / "demo-k1.msgpack").write_bytes(msgspec.msgpack.encode(VALUE))
    assert usercache.read("demo", "k1", Entries) is None


def test_only_the_newest_files_of_a_family_are_kept() -> None:
    usercache.keep("other", "x", VALUE, newest=1)
    for index in range(5):
        usercache.keep("demo", f"k{index}", VALUE, newest=2)
        for age, path in enumerate(usercache.kept_files("demo")):
            os.utime(path, (age, age))  # mtimes apart, whatever the clock's resolution
    assert [path.name for path in usercache.kept_files("demo")] == [
        "demo-k3.msgpack",
        "demo-k4.msgpack",
    ]
    assert len(usercache.kept_files("other")) == 1, "another family is left alone"
    assert not [path for path in usercache.cache_dir().iterdir() if path.suffix == ".tmp"]


def test_an_unwritable_folder_is_left_as_it_is(unwritable_cache: Path) -> None:
    usercache.keep("demo", "k1", VALUE, newest=2)
    assert usercache.read("demo", "k1", Entries) is None
    assert sorted(path.name for path in unwritable_cache.iterdir()) == ["a-file"]
