"""Every input that ever broke a reader, kept in tests/data/fuzz/<reader>/ and replayed: it
must now give a value or an InputError. Add a file (or a folder, for bundles and dumps) here
whenever a fuzz run or a user finds one; the README there says where each came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzing import READERS
from helpers import DATA

CORPUS = DATA / "fuzz"
ENTRIES = sorted(
    entry for folder in sorted(CORPUS.iterdir()) if folder.is_dir() for entry in folder.iterdir()
)


def test_the_corpus_covers_only_known_readers() -> None:
    assert {entry.parent.name for entry in ENTRIES} <= set(READERS)
    assert len(ENTRIES) >= 10


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: f"{entry.parent.name}/{entry.name}")
def test_replay(entry: Path) -> None:
    READERS[entry.parent.name](entry)
