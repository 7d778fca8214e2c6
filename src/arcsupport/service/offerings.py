"""The custom location offering a tenant's clusters on one Azure Local release share, as
`arcsupport fleet` shares it among the bundles it is given (engine/fleet.py
`newest_offerings`): a location offers what its release ships (VER-9), so the newest offering
any of the tenant's clusters on the release carries in its latest snapshot is what each of them
is judged with (a cluster's own, when it is as new, wins). Never another tenant's: a tenant's
fleet is its own.

Which cluster carries it is read from `Cluster.offering_collected` (one indexed row), and only
that cluster's snapshot is decoded. A judgement made with one carrier is out of date once
another carries the release's newest offering: whoever changes the carrier (an upload) judges
the release's clusters again (ingest.py), and a batch of re-assessment judged with a carrier
that has changed meanwhile is left to that (reassess.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from arcsupport.engine.fleet import newest_offerings
from arcsupport.lifecycle.learn import Offering
from arcsupport.policy.model import Pack
from arcsupport.service import codec, store
from arcsupport.service.store import Carrier, Release
from arcsupport.snapshot.model import Snapshot


@dataclass(frozen=True)
class Shared:
    """The release's newest offering, and the cluster (and snapshot) it was read from."""

    offering: Offering | None
    carrier: Carrier | None


NONE = Shared(None, None)


def collected(snapshot: Snapshot, release: str | None, pack: Pack) -> date | None:
    """The day the offering the snapshot carries for its release was collected."""
    if release is None:
        return None
    offering = newest_offerings([snapshot], pack).get(release)
    return None if offering is None else offering.collected


class SharedOfferings:
    """The shared offering of each release asked for, read once (one upload, one batch)."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self._read: dict[Release, Shared] = {}

    def of(self, session: Session, release: Release | None) -> Shared:
        if release is None:
            return NONE
        found = self._read.get(release)
        if found is None:
            found = self._read[release] = read(session, release, self.pack)
        return found


def read(session: Session, release: Release, pack: Pack) -> Shared:
    carrier = store.offering_carrier(session, release)
    if carrier is None:
        return NONE
    snapshot = codec.decode_snapshot(store.snapshot_body(session, carrier.snapshot_id))
    return Shared(newest_offerings([snapshot], pack).get(release.name), carrier)
