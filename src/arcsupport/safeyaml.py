"""YAML for untrusted input: size-capped, no aliases (no "billion laughs"), plain data only."""

from __future__ import annotations

from typing import Any

import yaml

from arcsupport.errors import InputError

# The C loader is several times faster; both are the safe loader.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_YAML_BYTES = 8 * 1024 * 1024


def load_yaml(data: bytes | str, where: str) -> Any:
    """Parse one YAML document, refusing anchors/aliases and oversized input."""
    if len(data) > MAX_YAML_BYTES:
        raise InputError(where, f"YAML larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB refused")
    try:
        for event in yaml.parse(data, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(where, "YAML aliases (*name) are not accepted; write values out")
        return yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(where, f"malformed YAML{position}: {problem}") from None
    except (ValueError, OverflowError) as exc:  # a timestamp such as 2025-02-30
        raise InputError(where, f"malformed YAML: {exc}") from None


class _PlainDumper(yaml.SafeDumper):
    """Writes every value out: the loader refuses anchors and aliases, so never emit them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
