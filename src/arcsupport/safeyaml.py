"""YAML for untrusted input: size-capped, no aliases (no "billion laughs"), nesting capped,
plain data only. Encodings as for JSON (untrusted.as_utf8): UTF-8, with or without a BOM, or
UTF-16 as Windows PowerShell 5.1 writes it."""

from __future__ import annotations

from typing import Any

import yaml

from arcsupport.errors import InputError
from arcsupport.untrusted import MAX_DEPTH, as_utf8

# The C loader is several times faster; both are the safe loader.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_YAML_BYTES = 8 * 1024 * 1024
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_events(data: bytes | str, where: str) -> None:
    """One pass over the parser's events, before anything is built: no aliases, and no deeper
    nesting than MAX_DEPTH. YAML nests by indentation as well as by brackets, so the depth is
    counted on the events (the parser keeps its own stack, it does not recurse)."""
    depth = 0
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise InputError(where, "YAML aliases (*name) are not accepted; write values out")
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(where, f"nested more than {MAX_DEPTH} levels deep; refused")
        elif isinstance(event, _CLOSES):
            depth -= 1


def load_yaml(data: bytes | str, where: str) -> Any:
    """Parse one YAML document, refusing anchors/aliases, deep nesting and oversized input."""
    if len(data) > MAX_YAML_BYTES:
        raise InputError(where, f"YAML larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB refused")
    if isinstance(data, bytes):
        data = bytes(as_utf8(data, where))
    try:
        _check_events(data, where)
        return yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(where, f"malformed YAML{position}: {problem}") from None
    except (ValueError, OverflowError) as exc:  # a timestamp such as 2025-02-30
        raise InputError(where, f"malformed YAML: {exc}") from None
    except MemoryError:
        raise InputError(where, "does not fit in the memory available") from None


class _PlainDumper(yaml.SafeDumper):
    """Writes every value out: the loader refuses anchors and aliases, so never emit them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
