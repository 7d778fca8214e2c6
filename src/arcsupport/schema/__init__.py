"""JSON Schemas of the documents arcsupport prints (shipped so consumers can validate them),
generated from the document Structs by report/schemas.py (`make schemas`)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `arcsupport.<name>/v1`: `assessment`, `fleet`,
    `versions`, `gate`, `plan`, `triage`, `advisories`, `known-issues`, `bundle-inspection`,
    `access-grant`, `access-grants`, `access-check`, `audit`, `audit-verify` or `explain`."""
    text = (resources.files("arcsupport.schema") / f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
