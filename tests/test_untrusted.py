"""What every document passes before it is decoded (untrusted.py): the nesting depth, counted
without recursion, and the encoding (UTF-8 with or without a BOM, UTF-16)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arcsupport import untrusted
from arcsupport.errors import InputError
from arcsupport.untrusted import MAX_DEPTH, as_utf8, check_depth, nesting_depth
from helpers import EXAMPLES, REFERENCE

SHARED_REFERENCE = Path("/work/shared/reference")


def depth_of(value: Any) -> int:
    """The reference: containers counted on the decoded value (iteratively)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


# Strings full of what the scan must not count: brackets, quotes, backslashes, escapes.
tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\/ab\n\t\u00e9\U0001f600'), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 1]), chunk=st.sampled_from([1, 7, 64]))
@example(value={'a"\\': ["[[[", {"}": "]]]\\"}]}, indent=None, chunk=1)
def test_the_scan_counts_what_the_decoder_nests(value: Any, indent: int | None, chunk: int) -> None:
    """Exact for any JSON text, also when chunks cut strings and escapes anywhere."""
    text = json.dumps(value, indent=indent).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(untrusted, "_SCAN_CHUNK", chunk)
        assert nesting_depth(text, limit=10_000) == depth_of(value)


def test_the_cap_is_inclusive_and_refusal_names_the_limit() -> None:
    check_depth(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, "x.json")
    with pytest.raises(InputError) as refused:
        check_depth(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "x.json")
    assert str(refused.value) == f"x.json: nested more than {MAX_DEPTH} levels deep; refused"


def test_the_scan_stops_early_and_is_linear() -> None:
    """A million opening brackets (no closing ones: a truncated bomb) end the scan at once."""
    assert nesting_depth(b"[" * 1_000_000) > MAX_DEPTH
    assert nesting_depth(b'{"a":' * 500_000) > MAX_DEPTH


def _real_documents() -> list[Path]:
    roots = [REFERENCE, EXAMPLES, *([SHARED_REFERENCE] if SHARED_REFERENCE.is_dir() else [])]
    return sorted(path for root in roots for path in root.rglob("*.json"))


def test_the_cap_is_far_above_what_real_payloads_use() -> None:
    """The deepest real payload (tests/data/reference, /work/shared/reference, the examples)
    nests 11 levels: MAX_DEPTH leaves more than tenfold."""
    depths = {path: nesting_depth(path.read_bytes()) for path in _real_documents()}
    assert len(depths) > 100
    deepest = max(depths.values())
    assert deepest == 11, max(depths, key=depths.__getitem__)
    assert 10 * deepest <= MAX_DEPTH


# --- encodings ---------------------------------------------------------------------------------

TEXT = '{"name": "moc-\u00e9\U0001f600", "items": [1, 2]}'


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode(),
        codecs.BOM_UTF8 + TEXT.encode(),
        TEXT.encode("utf-16"),  # BOM and native order: what PowerShell 5.1 writes
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # without a BOM: told by the zero bytes (RFC 4627)
        TEXT.encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8 bom", "utf-16", "utf-16-le bom", "utf-16-be bom", "le", "be"],
)
def test_every_encoding_reads_as_the_same_utf8(encoded: bytes) -> None:
    assert bytes(as_utf8(encoded, "x.json")) == TEXT.encode()


def test_utf8_is_not_copied() -> None:
    data = TEXT.encode()
    assert as_utf8(data, "x.json") is data


def test_broken_utf16_says_utf16_and_how_to_fix_it() -> None:
    with pytest.raises(InputError) as refused:
        as_utf8(codecs.BOM_UTF16_LE + "{}".encode("utf-16-le") + b"\x00\xd8", "x.json")
    message = str(refused.value)
    assert message.startswith("x.json: looks like UTF-16 but is not valid UTF-16")
    assert "Set-Content -Encoding utf8" in message


def test_utf32_is_not_taken_for_utf16() -> None:
    """Its BOM (FF FE 00 00) starts with UTF-16's: refused with the way out, not misread."""
    for data in ("{}".encode("utf-32"), codecs.BOM_UTF32_BE + "{}".encode("utf-32-be")):
        with pytest.raises(InputError, match=r"is UTF-32, .*Set-Content -Encoding utf8"):
            as_utf8(data, "x.json")
