"""The JSON Schemas shipped in arcsupport/schema/ are exactly what report/schemas.py generates
from the document Structs, are valid draft 2020-12 schemas, and refuse everything the three
hand-written schemas they replace refused (tests/data/schemas-handwritten/)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from arcsupport.report.schemas import SCHEMAS, generate, main, render
from arcsupport.schema import load_schema
from helpers import DATA

SHIPPED = resources.files("arcsupport.schema")
HANDWRITTEN = DATA / "schemas-handwritten"


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_shipped_schema_is_the_generated_one(name: str) -> None:
    shipped = (SHIPPED / f"{name}.schema.json").read_text("utf-8")
    assert shipped == render(name), "run `make schemas` and commit the result"
    assert load_schema(name) == generate(name)


def test_every_shipped_schema_is_generated() -> None:
    files = {item.name for item in SHIPPED.iterdir() if item.name.endswith(".schema.json")}
    assert files == {f"{name}.schema.json" for name in SCHEMAS}


def test_the_generator_writes_every_file(tmp_path: Path) -> None:
    main([str(tmp_path)])
    for name in SCHEMAS:
        assert (tmp_path / f"{name}.schema.json").read_text("utf-8") == render(name)


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # Every object is closed; the document says which document it is, as a constant.
    for definition in schema["$defs"].values():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition["additionalProperties"] is False, definition["title"]
    roots = [schema["$ref"]] if "$ref" in schema else [root["$ref"] for root in schema["oneOf"]]
    for root in roots:
        definition = schema["$defs"][root.removeprefix("#/$defs/")]
        assert definition["properties"]["schema"] == {"const": f"arcsupport.{name}/v1"}
        assert "schema" in definition["required"]


# --- at least as strict as the hand-written schemas ---------------------------------------------

WRONG = object()  # a key is deleted


def mutations(document: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, replacement) for every place in the document: the value deleted, null, of
    another type, an unknown word, and an unknown key added to every object."""
    for replacement in (WRONG, None, 12345, "not-a-valid-value", [], {}):
        if path:
            yield path, replacement
    if isinstance(document, dict):
        yield (*path, "unexpected_key"), "surplus"
        for key, value in document.items():
            yield from mutations(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document[:3]):
            yield from mutations(value, (*path, index))


def mutated(document: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    changed = copy.deepcopy(document)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    if replacement is WRONG:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return changed


def documents(arcsupport: Any, name: str) -> list[Any]:
    runs = {
        "assessment": [
            ["check", "tests/data/bundles/removed", "--at", "2025-09-15", "-o", "json"],
            ["check", "examples/stopped", "--at", "2025-09-15", "-o", "json", "--lang", "ko"],
        ],
        "versions": [["versions", "--at", "2025-09-15", "-o", "json"]],
        "advisories": [
            [
                *("advisories", "match", "examples/healthy", "examples/deprecated-version"),
                *("-a", "tests/data/reference/advisories", "--at", "2025-10-15", "-o", "json"),
            ]
        ],
    }[name]
    out = []
    for argv in runs:
        code, text, err = arcsupport(*argv)
        assert code in (0, 1), err
        out.append(json.loads(text))
    return out


# Fields added to a document since its hand-written schema: left out of what that schema sees.
ADDED: dict[str, tuple[tuple[str, ...], ...]] = {
    "assessment": (
        ("complete",),
        ("missing",),
        ("identity",),
        ("cluster", "kubernetes_version_evidence"),
    ),
}


def without_added(name: str, document: Any) -> Any:
    older = copy.deepcopy(document)
    for path in ADDED.get(name, ()):
        parent = older
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    return older


@pytest.mark.parametrize("name", ["assessment", "versions", "advisories"])
def test_what_the_hand_written_schema_refused_is_still_refused(arcsupport: Any, name: str) -> None:
    old = jsonschema.Draft202012Validator(
        json.loads((HANDWRITTEN / f"{name}.schema.json").read_text())
    )
    new = jsonschema.Draft202012Validator(load_schema(name))
    checked = 0
    for document in documents(arcsupport, name):
        older = without_added(name, document)
        assert old.is_valid(older) and new.is_valid(document)
        for path, replacement in mutations(older):
            if not old.is_valid(mutated(older, path, replacement)):
                checked += 1
                assert not new.is_valid(mutated(document, path, replacement)), (path, replacement)
    assert checked > 100
