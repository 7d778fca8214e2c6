"""The effective pack is kept in the user's cache folder, keyed by the bytes of every file that
shapes it and by the code that reads them: a changed overlay is never answered from the cache,
and a cache that is missing, damaged or unwritable costs time, never a result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arcsupport import usercache
from arcsupport.errors import PolicyError
from arcsupport.policy import loader
from arcsupport.policy.loader import load_pack, user_overlay_path


def kept() -> list[Path]:
    return sorted(usercache.kept_files("pack"))


def no_yaml(*args: object, **kwargs: object) -> object:
    raise AssertionError("the pack was built again instead of read from the cache")


def test_the_second_load_reads_the_kept_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    built = load_pack()
    assert len(kept()) == 1
    monkeypatch.setattr(loader, "_read_documents", no_yaml)
    assert load_pack() == built


def test_a_changed_overlay_builds_a_new_pack(tmp_path: Path) -> None:
    shipped = load_pack()
    overlay = user_overlay_path()
    overlay.parent.mkdir(parents=True, exist_ok=True)
    overlay.write_text("extends: aks-arc\nthresholds:\n  disconnected_days: 20\n")
    assert load_pack().thresholds.disconnected_days == 20
    overlay.write_text("extends: aks-arc\nthresholds:\n  disconnected_days: 25\n")
    assert load_pack().thresholds.disconnected_days == 25
    overlay.unlink()
    assert load_pack() == shipped
    assert len(kept()) == 3


def test_a_given_policy_file_is_part_of_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text("extends: aks-arc\nthresholds:\n  stopped_unsupported_days: 10\n")
    assert load_pack(policy).thresholds.stopped_unsupported_days == 10
    policy.write_text("extends: aks-arc\nthresholds:\n  stopped_unsupported_days: 12\n")
    assert load_pack(policy).thresholds.stopped_unsupported_days == 12


def test_a_bad_overlay_is_refused_though_the_shipped_pack_is_kept(tmp_path: Path) -> None:
    load_pack()
    policy = tmp_path / "bad.yaml"
    policy.write_text("extends: aks-arc\nthresholds:\n  disconnected_days: soon\n")
    with pytest.raises(PolicyError, match="disconnected_days"):
        load_pack(policy)
    assert len(kept()) == 1


def test_a_damaged_kept_pack_is_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    built = load_pack()
    [file] = kept()
    file.write_bytes(b"\x93not a pack")
    assert load_pack() == built
    monkeypatch.setattr(loader, "_read_documents", no_yaml)
    assert load_pack() == built, "the damaged file was replaced"


def test_a_kept_pack_with_one_changed_value_is_built_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Still valid msgpack of a Pack, but not what was written: the file's digest tells."""
    built = load_pack()
    [file] = kept()
    data = file.read_bytes()
    days = built.thresholds.disconnected_days
    assert 0 <= days < 127, "a positive fixint in msgpack: one byte after the field name"
    assert data.count(b"disconnected_days") == 1
    field = b"disconnected_days" + bytes([days])
    changed = data.replace(field, b"disconnected_days" + bytes([days + 1]))
    assert changed != data
    file.write_bytes(changed)
    assert load_pack() == built
    monkeypatch.setattr(loader, "_read_documents", no_yaml)
    assert load_pack() == built, "the changed file was replaced"


def test_an_unwritable_cache_folder_still_loads(unwritable_cache: Path) -> None:
    assert load_pack() == load_pack()
    assert sorted(path.name for path in unwritable_cache.iterdir()) == ["a-file"]


def test_other_code_never_reuses_a_kept_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    load_pack()
    monkeypatch.setattr(loader, "__version__", "0.0.0-other")
    load_pack()
    assert len(kept()) == 2


def test_only_the_newest_packs_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "mine.yaml"
    for days in range(10, 22):
        policy.write_text(f"extends: aks-arc\nthresholds:\n  disconnected_days: {days}\n")
        load_pack(policy)
        newest = kept()
        for index, path in enumerate(sorted(newest, key=lambda file: file.stat().st_mtime)):
            os.utime(path, (index, index))  # mtimes apart, whatever the clock's resolution
    assert len(kept()) == 8
    monkeypatch.setattr(loader, "_read_documents", no_yaml)
    assert load_pack(policy).thresholds.disconnected_days == 21, "the newest one is kept"
