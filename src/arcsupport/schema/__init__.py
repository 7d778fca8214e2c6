"""JSON Schemas of the documents arcsupport prints (shipped so consumers can validate them)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """`assessment`, `advisories`, `triage` or `versions`: the JSON Schema (draft 2020-12) of
    that output."""
    text = (resources.files("arcsupport.schema") / f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
