"""Stored snapshots and assessments read back equal to what was stored, and judged the same."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from service_kit import EXAMPLE_NAMES

from arcsupport.engine.assess import assess
from arcsupport.service import codec
from arcsupport.snapshot.kube import ManagedFieldsEntry
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, at, default_pack


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_a_snapshot_and_its_assessment_survive_storage(name: str) -> None:
    snapshot = read_snapshot(EXAMPLES / name)
    stored = codec.decode_snapshot(codec.encode_snapshot(snapshot))
    assert stored == snapshot
    assert any(entry.fieldsV1 for entry in codec.managed_fields(stored))
    judgement = assess(snapshot, default_pack(), at("2025-09-15"))
    assert assess(stored, default_pack(), at("2025-09-15")) == judgement
    assert codec.decode_assessment(codec.encode_assessment(judgement)) == judgement


def _raw_holders(kind: Any, seen: set[Any]) -> set[str]:
    """The Struct fields typed msgspec.Raw anywhere under `kind`."""
    found: set[str] = set()
    info = msgspec.inspect.type_info(kind)
    stack = [info]
    while stack:
        node = stack.pop()
        if isinstance(node, msgspec.inspect.StructType):
            if node.cls in seen:
                continue
            seen.add(node.cls)
            for field in node.fields:
                if isinstance(field.type, msgspec.inspect.RawType):
                    found.add(f"{node.cls.__name__}.{field.name}")
                stack.append(field.type)
        for attribute in ("item_type", "value_type", "key_type", "types", "item_types"):
            child = getattr(node, attribute, None)
            if isinstance(child, tuple):
                stack.extend(child)
            elif child is not None:
                stack.append(child)
    return found


def test_managed_fields_are_the_only_raw_values_of_a_snapshot() -> None:
    """codec.managed_fields wraps every Raw value; a new one needs handling there too."""
    assert _raw_holders(Snapshot, set()) == {"ManagedFieldsEntry.fieldsV1"}
    assert ManagedFieldsEntry.__struct_fields__ == ("manager", "operation", "time", "fieldsV1")
