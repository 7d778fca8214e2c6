"""Fuzzing the readers (tests/fuzz/): each reader's entry point as a file or folder meets it
(READERS, shared by the fuzz tests and the replay of tests/data/fuzz/), and strategies that
turn real documents into near-valid and invalid ones, encoded and damaged as files are in the
wild.

The budget of each test is `fuzz_settings(examples)`: sized in CI so that every reader
together takes about two minutes; `make fuzz` (ARCSUPPORT_FUZZ=long) runs 50 times as many.
"""

from __future__ import annotations

import codecs
import copy
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from arcsupport.engine.assess import assess
from arcsupport.engine.triage import parse_case, triage
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.versions import versions_document
from arcsupport.sources.advisories import load_advisories
from arcsupport.sources.case import read_case_file
from arcsupport.sources.inspection import inspect_bundle
from arcsupport.sources.known_issues import load_known_issues
from arcsupport.sources.metrics import parse_metrics
from arcsupport.sources.read import read_snapshot, read_sources
from arcsupport.textanalysis import korean_morphology
from helpers import EXAMPLES

PACK = load_pack()
AT = datetime(2025, 9, 15, tzinfo=UTC)

# --- the readers -------------------------------------------------------------------------------


def value_or_input_error(read: Callable[[], Any]) -> Any:
    """The reader's value, or None when it refused the input with an InputError; any other
    exception fails the test."""
    try:
        return read()
    except InputError:
        return None


def _bundle(path: Path) -> None:
    """As `check` reads and assesses it, and as `bundle inspect` looks into it."""
    snapshot = value_or_input_error(lambda: read_snapshot(path))
    if snapshot is not None:
        assess(snapshot, PACK, AT)
    value_or_input_error(lambda: inspect_bundle(path))


def _export(path: Path) -> None:
    sources = value_or_input_error(lambda: read_sources([path]))
    for snapshot in sources.snapshots if sources else []:
        assess(snapshot, PACK, AT)


def _overlay(path: Path) -> None:
    pack = value_or_input_error(lambda: load_pack(path))
    if pack is not None:
        assess(read_snapshot(EXAMPLES / "healthy"), pack, AT)
        versions_document(pack, AT, "en")


def _case(path: Path) -> None:
    case = value_or_input_error(lambda: parse_case(read_case_file(path), str(path)))
    if case is not None:
        triage(case, PACK, morphology=korean_morphology(), at=AT)


# reader -> what is done with a file or folder of its kind (tests/data/fuzz/<reader>/...)
READERS: dict[str, Callable[[Path], None]] = {
    "bundle": _bundle,  # a folder
    "tarball": _bundle,
    "dump": _bundle,  # a `kubectl cluster-info dump` folder
    "export": _export,
    "overlay": _overlay,
    "case": _case,
    "advisories": lambda path: value_or_input_error(lambda: load_advisories([path])),
    "known-issues": lambda path: value_or_input_error(lambda: load_known_issues([path])),
    "metrics": lambda path: value_or_input_error(
        lambda: parse_metrics(path.read_bytes(), str(path))
    ),
}

# --- budgets -----------------------------------------------------------------------------------

LONG = os.environ.get("ARCSUPPORT_FUZZ") == "long"
settings.register_profile(
    "fuzz-ci",
    deadline=None,
    # Inputs are whole documents and folders: slow to build and large by design.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("fuzz-long", settings.get_profile("fuzz-ci"), print_blob=True)


def fuzz_settings(examples: int) -> settings:
    profile = settings.get_profile("fuzz-long" if LONG else "fuzz-ci")
    return settings(profile, max_examples=examples * (50 if LONG else 1))


# --- values ------------------------------------------------------------------------------------

# Values that broke readers somewhere once, or sit on a boundary.
EDGE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    -(2**63) - 1,
    10**400,
    1e308,
    -0.0,
    "",
    " ",
    "\u0000",
    "\ud800",  # a lone surrogate: valid in JSON's \u escapes, not in UTF-8
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2025-02-30",
    "1.30.4",
    "v1.30.4+k3s1",
    "1." * 200,
    "x" * 5000,
    "é🔥",
    '{"a":' * 3000 + "1" + "}" * 3000,  # JSON in a string, as annotations hold it
    "[" * 3000,
    [],
    {},
]


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


scalars = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
replacements = st.one_of(
    json_values,
    st.sampled_from([126, 127, 128, 129, 600, 5000]).map(nested),
)


def _places(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a decoded document, iteratively."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        item = stack.pop()
        keys = list(item) if isinstance(item, dict) else range(len(item))
        for key in keys:
            found.append((item, key))
            if isinstance(item[key], dict | list):
                stack.append(item[key])
    return found


@st.composite
def mutated(draw: st.DrawFn, document: Any, most: int = 4) -> Any:
    """The document with up to `most` values replaced, removed, or keys added: near-valid
    (the shape a reader expects, with odd values) as often as plainly wrong."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(0, most))):
        places = _places(result)
        if not places:
            return draw(replacements)
        container, key = places[draw(st.integers(0, len(places) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "remove", "add", "duplicate"]))
        if action == "replace":
            container[key] = draw(replacements)
        elif action == "remove":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(st.text(max_size=12))] = draw(replacements)
        elif action == "duplicate" and isinstance(container, list):
            container.extend([container[key]] * draw(st.integers(1, 3)))
    return result


# --- bytes -------------------------------------------------------------------------------------

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": str.encode,
    "utf-8 bom": lambda text: codecs.BOM_UTF8 + text.encode(),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-be bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-32": lambda text: text.encode("utf-32"),
    "latin-1": lambda text: text.encode("latin-1", "replace"),
}


@st.composite
def damaged(draw: st.DrawFn, text: str) -> bytes:
    """The text encoded as files are saved, then perhaps cut, flipped or padded."""
    encoding = draw(st.sampled_from(list(ENCODINGS)))
    try:
        data = ENCODINGS[encoding](text)
    except UnicodeEncodeError:  # lone surrogates cannot be encoded strictly
        data = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none", "none", "none", "cut", "flip", "insert", "append"]))
    if not data or damage == "none":
        return data
    at = draw(st.integers(0, len(data) - 1))
    if damage == "cut":
        return data[:at]
    if damage == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    extra = draw(st.binary(min_size=1, max_size=16))
    return data[:at] + extra + data[at:] if damage == "insert" else data + extra


def json_text(document: Any, indent: int | None = None) -> str:
    return json.dumps(document, indent=indent, ensure_ascii=False)


@st.composite
def json_file(draw: st.DrawFn, document: Any, most: int = 4) -> bytes:
    """A JSON file: the document mutated, dumped (compact or indented), encoded, damaged."""
    changed = draw(mutated(document, most))
    try:
        text = json_text(changed, draw(st.sampled_from([None, 2])))
    except RecursionError:  # json.dumps itself recurses
        text = json_text(None)
    return draw(damaged(text))


# YAML the safe loader must refuse or read as plain data.
YAML_SNIPPETS = [
    "a: &a [1]\nb: *a\n",
    "a: !!python/object/apply:os.system [echo]\n",
    "a: !!binary aGVsbG8=\n",
    "a: 2025-02-30\n",
    "a: 1e400\n",
    "? [a, b]\n: c\n",
    "\t- tab\n",
    "--- a\n--- b\n",
    "a: " + "[" * 600 + "]" * 600 + "\n",
    "".join(" " * level + f"k{level}:\n" for level in range(300)) + " " * 300 + "v\n",
]


@st.composite
def yaml_file(draw: st.DrawFn, document: Any, most: int = 4) -> bytes:
    """A YAML file: the document mutated and dumped (block or flow, JSON being YAML), or a
    hostile snippet on its own or after it; encoded and damaged."""
    changed = draw(mutated(document, most))
    style = draw(st.sampled_from(["block", "json", "snippet", "appended"]))
    try:
        text = (
            json_text(changed)
            if style == "json"
            else yaml.safe_dump(changed, allow_unicode=True, sort_keys=False)
        )
    except (RecursionError, yaml.YAMLError):
        text = "{}"
    if style in ("snippet", "appended"):
        snippet = draw(st.sampled_from(YAML_SNIPPETS))
        text = snippet if style == "snippet" else text + snippet
    return draw(damaged(text))
