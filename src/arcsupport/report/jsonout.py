"""--output json (the stable, versioned contract) and --output yaml (the same document in
YAML, for people and tools that read YAML; the JSON Schemas apply to it as loaded)."""

from __future__ import annotations

from typing import Any

import msgspec


def dumps(data: Any, fmt: str = "json") -> str:
    """`data` (a document Struct or plain values) as JSON, or as YAML when `fmt` is yaml."""
    if fmt == "yaml":
        from arcsupport.safeyaml import dump_yaml

        return dump_yaml(msgspec.to_builtins(data))
    encoded = msgspec.json.encode(data)
    return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
