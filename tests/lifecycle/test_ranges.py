"""The range `--at` accepts and the ranges of the pack's terms hold every date computed from
them: anywhere in 1970..2200, with every term at its shortest or longest, every assessment,
version listing and plan is computed (before, --at 9999-12-31 or a huge term overflowed)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from arcsupport.engine.assess import assess
from arcsupport.engine.plan import plan_for_snapshot
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.policy.model import Pack
from arcsupport.report.documents.versions import versions_document
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot
from arcsupport.timeutil import EARLIEST_AT, LATEST_AT, parse_evaluation_time
from helpers import DATA, EXAMPLES

SNAPSHOTS = [read_snapshot(path.parent) for path in sorted(EXAMPLES.glob("*/manifest.json"))]
LONGEST = DATA / "policy-longest-terms.yaml"
TERMS = yaml.safe_load(LONGEST.read_bytes())["thresholds"]


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> list[Pack]:
    shortest = tmp_path_factory.mktemp("policy") / "shortest.yaml"
    shortest.write_text(
        yaml.safe_dump({"extends": "aks-arc", "thresholds": dict.fromkeys(TERMS, 1)})
    )
    return [load_pack(), load_pack(LONGEST), load_pack(shortest)]


moments = st.datetimes(
    min_value=EARLIEST_AT.replace(tzinfo=None), max_value=LATEST_AT.replace(tzinfo=None)
).map(lambda moment: moment.replace(tzinfo=UTC))


@settings(max_examples=40, deadline=None)
@given(moment=moments, which=st.integers(0, 2), snapshot=st.sampled_from(SNAPSHOTS))
def test_every_date_is_computed_anywhere_in_the_range(
    moment: datetime, which: int, snapshot: Snapshot, packs: list[Pack]
) -> None:
    pack = packs[which]
    assess(snapshot, pack, moment)
    versions_document(pack, moment, "en")
    # Where no release ships a path (before the first one, say), the plan says so in a line.
    with contextlib.suppress(InputError):
        plan_for_snapshot(snapshot, pack, moment)


@given(moment=moments)
def test_the_range_reads_back(moment: datetime) -> None:
    assert parse_evaluation_time(moment.isoformat()) == moment


@given(
    moment=st.one_of(
        st.datetimes(max_value=EARLIEST_AT.replace(tzinfo=None) - timedelta(seconds=1)),
        st.datetimes(min_value=LATEST_AT.replace(tzinfo=None) + timedelta(seconds=1)),
    )
)
def test_outside_the_range_is_one_line(moment: datetime) -> None:
    with pytest.raises(InputError, match=r"is outside 1970-01-01\.\.2200-12-31"):
        parse_evaluation_time(moment.isoformat() + "Z")


def test_the_longest_terms_file_sets_every_term() -> None:
    """tests/data/policy-longest-terms.yaml keeps up with the model's numeric terms."""
    thresholds = load_pack().thresholds
    numeric = {
        name for name in thresholds.__struct_fields__ if isinstance(getattr(thresholds, name), int)
    }
    assert set(TERMS) == numeric
