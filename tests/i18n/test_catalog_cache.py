"""The parsed catalogs are kept in the user's cache folder, keyed by every byte of the TOML
files and of the code that flattens them: the kept catalog equals the parsed one, a changed
file is parsed again, and a missing, damaged or unwritable cache costs time, never a text."""

from __future__ import annotations

import importlib
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from arcsupport import usercache
from arcsupport.i18n.catalog import catalog
from arcsupport.types import Lang

# The module itself: arcsupport.i18n exports its function `catalog` under the same name.
catalog_module = importlib.import_module("arcsupport.i18n.catalog")
I18N = Path(catalog_module.__file__).parent


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    """Each test reads the disk as a new process would; later tests get a fresh memo too."""
    catalog.cache_clear()
    yield
    catalog.cache_clear()


def parsed(folder: Path, lang: Lang) -> dict[str, dict[str, str]]:
    """The catalog straight from the TOML, as the code flattens it."""
    entries: dict[str, dict[str, str]] = {}
    for area in (folder / lang, folder / lang / "rules"):
        for file in sorted(area.glob("*.toml")):
            catalog_module._flatten("", tomllib.loads(file.read_text("utf-8")), entries)
    return entries


def no_toml(*args: object, **kwargs: object) -> object:
    raise AssertionError("the catalog was parsed again instead of read from the cache")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_kept_catalog_equals_the_parsed_one(
    lang: Lang, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = catalog(lang)
    assert built == parsed(I18N, lang)
    assert len(usercache.kept_files(f"catalog-{lang}")) == 1
    catalog.cache_clear()
    monkeypatch.setattr(tomllib, "loads", no_toml)
    kept = catalog(lang)
    assert kept == built
    assert list(kept) == list(built), "the order of the keys is kept too"


def test_a_changed_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "i18n"
    shutil.copytree(I18N, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalog_module, "__file__", str(copy / "catalog.py"))
    before = catalog("en")["ui"]["verdict-label"]
    ui = copy / "en" / "ui.toml"
    text = ui.read_text("utf-8")
    assert f'verdict-label = "{before}"' in text
    ui.write_text(
        text.replace(f'verdict-label = "{before}"', 'verdict-label = "Judgement"'), "utf-8"
    )
    catalog.cache_clear()
    assert catalog("en")["ui"]["verdict-label"] == "Judgement"
    assert len(usercache.kept_files("catalog-en")) == 2


def test_changed_code_never_reuses_a_kept_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog("en")
    copy = tmp_path / "i18n"
    shutil.copytree(I18N, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "catalog.py").write_text(I18N.joinpath("catalog.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(catalog_module, "__file__", str(copy / "catalog.py"))
    catalog.cache_clear()
    catalog("en")
    assert len(usercache.kept_files("catalog-en")) == 2


def test_a_damaged_kept_catalog_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    built = catalog("ko")
    [file] = usercache.kept_files("catalog-ko")
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit inside a Korean text
    file.write_bytes(bytes(data))
    catalog.cache_clear()
    assert catalog("ko") == built
    catalog.cache_clear()
    monkeypatch.setattr(tomllib, "loads", no_toml)
    assert catalog("ko") == built, "the damaged file was replaced"


def test_an_unwritable_cache_folder_still_loads(unwritable_cache: Path) -> None:
    assert catalog("en") == parsed(I18N, "en")
    assert sorted(path.name for path in unwritable_cache.iterdir()) == ["a-file"]
