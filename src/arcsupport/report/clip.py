"""Human formats cut every value to a readable length: a bundle may hold a feature-gate name,
a label or a node list of megabytes, and drawing one into a table, a Markdown comment or a
calendar event took minutes (rich wraps a long word in quadratic time) or produced what no
reader opens. Machine formats (JSON, YAML, CSV, SARIF) never cut anything."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from arcsupport.i18n import Lang, format_number, text

# Long enough for every real value (a node list of a few dozen names, an image reference with
# its digest, a resource ID); short enough to draw at once.
MAX_TEXT = 2_000

T = TypeVar("T")


def clip(value: str, lang: Lang) -> str:
    """`value`, or its first MAX_TEXT characters, an ellipsis and the original length."""
    if len(value) <= MAX_TEXT:
        return value
    return value[:MAX_TEXT] + text(lang, "ui.clipped", length=format_number(len(value), lang))


def clip_strings(value: T, lang: Lang) -> T:
    """`value` with every string in it clipped: Structs, dataclasses, lists, tuples and
    mappings are rebuilt only where something was cut, so a report of ordinary values costs
    one walk."""
    return _clip(value, lang)  # type: ignore[no-any-return]


def _clip(value: Any, lang: Lang) -> Any:
    kind = type(value)
    if kind is str:
        return clip(value, lang)
    if isinstance(value, msgspec.Struct):
        changed = {}
        for name in value.__struct_fields__:
            old = getattr(value, name)
            new = _clip(old, lang)
            if new is not old:
                changed[name] = new
        return msgspec.structs.replace(value, **changed) if changed else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for field in dataclasses.fields(value):
            old = getattr(value, field.name)
            new = _clip(old, lang)
            if new is not old:
                changed[field.name] = new
        return dataclasses.replace(value, **changed) if changed else value
    if kind is list or kind is tuple:
        items = [_clip(item, lang) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if kind is list else tuple(items)
    if isinstance(value, Mapping):
        pairs = {key: _clip(item, lang) for key, item in value.items()}
        if all(pairs[key] is item for key, item in value.items()):
            return value
        return pairs
    return value  # numbers, dates, enums (their values are the program's own words)
