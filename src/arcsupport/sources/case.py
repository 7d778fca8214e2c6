"""A support case file for `arcsupport triage`: YAML, or JSON when it ends in `.json`. Only
read and decoded here; engine/triage.py checks its fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arcsupport.decoding import decode_json
from arcsupport.errors import InputError
from arcsupport.safeyaml import load_yaml

# A case file is a ticket; anything larger is the wrong file.
MAX_CASE_BYTES = 256 * 1024


def read_case_file(path: Path) -> Any:
    where = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CASE_BYTES + 1)
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    if len(data) > MAX_CASE_BYTES:
        raise InputError(where, f"case file larger than {MAX_CASE_BYTES // 1024} KiB refused")
    if path.suffix.lower() == ".json":
        return decode_json(data, object, where)
    return load_yaml(data, where)
