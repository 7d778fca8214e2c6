"""Which kind of secret a string holds (sources/secrets.py): real-looking keys, tokens, PEM
keys, JWTs and connection strings (tests/secret_samples.py makes them in their issuers'
formats from random bytes), and the benign strings a Kubernetes object is full of."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.sources.secrets import secret_kind
from helpers import EXAMPLES
from secret_samples import BENIGN, SECRETS


@pytest.mark.parametrize("case", sorted(SECRETS))
def test_each_kind_of_secret_is_named(case: str) -> None:
    make, kind = SECRETS[case]
    for _ in range(3):  # fresh random values: no detector depends on one lucky draw
        assert secret_kind(make()) == kind


# Where a secret sits in a real string: after a flag, inside a JSON document, a YAML line, a
# shell command; the separators are the ones those carry.
SURROUNDINGS = st.tuples(
    st.sampled_from(["", "--secret=", "--config ", '{"value": "', "key: ", "sh -c 'curl -H "]),
    st.sampled_from(["", '"}', "'", " --verbose", "\n", ";"]),
)


@given(case=st.sampled_from(sorted(SECRETS)), around=SURROUNDINGS)
def test_a_secret_is_found_wherever_it_sits(case: str, around: tuple[str, str]) -> None:
    make, _ = SECRETS[case]
    before, after = around
    assert secret_kind(before + make() + after) is not None


# --- what is not a secret --------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(BENIGN))
def test_benign_strings_are_not_secrets(case: str) -> None:
    assert secret_kind(BENIGN[case]()) is None


def strings_of(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*.json"):
        stack = [msgspec.json.decode(path.read_bytes())]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.values())
    return found


def test_no_string_of_the_examples_is_a_secret() -> None:
    """The example bundles hold nothing secret; bundle inspect's tests check them whole, this
    checks every string (JSON of every part) against the detectors alone."""
    found = {value: secret_kind(value) for value in strings_of(EXAMPLES)}
    assert len(found) > 3000
    assert {value: kind for value, kind in found.items() if kind} == {}
