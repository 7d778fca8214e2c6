"""What a cluster's own custom location teaches the calendar (VER-1, VER-5, VER-6, VER-9).

A bundle's `azure/kubernetes-versions.json` (`az aksarc get-versions`, or the live collection)
lists what the cluster's custom location offers when the bundle is collected: GA minors with
their patches, and previews. It gives no release date and speaks for that location only.
Each assessment merges it into the calendar it judges with (`learn`, then
`calendar.VersionCalendar(pack, learned)`), conservatively:

- Newer data wins, and only newer data: a payload collected on or before the pack's knowledge
  date (its `data_as_of`, or its newest release or observation if later) teaches nothing.
- It enters the timeline as an observation on its collection date: what it newly lists is
  offered from that day at the latest, never from an earlier day.
- A minor the pack's newest release offers and the payload no longer lists, while it lists a
  newer minor, left that location by the collection date: VER-5's 30-day grace runs from that
  date at the latest, and the end is never later than the pack alone gives. A minor newer than
  every minor the payload lists is not taken as dropped: minors leave oldest first (VER-5), so
  that location lags behind the calendar (an older Azure Local release) instead.
- A minor the pack has already dropped, or one older than the calendar, stays dropped even if
  the payload lists it: a location on an old release brings no minor back (VER-5).
- Patches (VER-6): the newest two of what the payload lists and what the pack's newest release
  lists of the minor; a patch of the pack's that falls out of them left at the collection date.
- A minor new to the calendar has no known first AKS Arc release. VER-1's year is counted from
  the day after the pack's knowledge date, the earliest that release can have been, so the end
  is never later than VER-1 gives; no release date is made up.
- The host's Azure Local release ships what its location lists (VER-9): with the host release
  known, the payload stands for that release where a node pool is created or a plan hops.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.azure import KubernetesVersions

if TYPE_CHECKING:
    from arcsupport.lifecycle.calendar import VersionCalendar
    from arcsupport.policy.model import Pack
    from arcsupport.snapshot.model import Snapshot

_VERSIONS_TYPE = "microsoft.hybridcontainerservice/kubernetesversions"
PART = "azure/kubernetes-versions"


class UnusableVersions(ValueError):
    """A kubernetesVersions payload that does not list versions the calendar can take."""


def parse_versions(
    payload: KubernetesVersions,
) -> tuple[tuple[KubeVersion, ...], tuple[KubeVersion, ...]]:
    """(GA versions, preview versions) a kubernetesVersions payload lists: each minor's patches,
    or the bare minor where it lists none."""
    if payload.type and payload.type.lower() != _VERSIONS_TYPE:
        raise UnusableVersions(f"is a {payload.type} resource, expected kubernetesVersions")
    if not payload.properties.values:
        raise UnusableVersions("lists no Kubernetes versions (properties.values is empty)")
    ga: list[KubeVersion] = []
    preview: list[KubeVersion] = []
    for entry in payload.properties.values:
        minor = KubeVersion.try_parse(entry.version)
        if minor is None:
            raise UnusableVersions(f"version {entry.version!r} is not major.minor")
        patches = [KubeVersion.try_parse(text) for text in entry.patchVersions] or [minor]
        if any(patch is None or patch.minor_key != minor.minor_key for patch in patches):
            raise UnusableVersions(
                f"patchVersions of {entry.version} are not all {minor.minor_key}.x"
            )
        (preview if entry.isPreview else ga).extend(patch for patch in patches if patch)
    return tuple(sorted(set(ga))), tuple(sorted(set(preview)))


class Offering(msgspec.Struct, frozen=True, gc=False):
    """What one custom location offered when a bundle was collected, and where that is written."""

    collected: date
    ga: tuple[KubeVersion, ...]
    preview: tuple[KubeVersion, ...]
    source: str  # the bundle, as it was named: `examples/healthy`
    path: str  # the payload file in it
    host_release: str | None  # the Azure Local release of the cluster it was collected from


class OfferingRead(msgspec.Struct, frozen=True, gc=False):
    offering: Offering | None
    notice: Message | None = None  # why a payload that is there teaches nothing


def read_offering(snapshot: Snapshot, host_release: str | None) -> OfferingRead:
    """The offering a snapshot's own payload records; none without a payload."""
    payload = snapshot.kubernetes_versions
    if payload is None:
        return OfferingRead(None)
    path = snapshot.part_path(PART)
    if snapshot.collected_at is None:
        return OfferingRead(None, Message("engine.notice.calendar-payload-undated", {"path": path}))
    try:
        ga, preview = parse_versions(payload)
    except UnusableVersions:
        return OfferingRead(
            None, Message("engine.notice.calendar-payload-unusable", {"path": path})
        )
    if not ga:
        return OfferingRead(
            None, Message("engine.notice.calendar-payload-unusable", {"path": path})
        )
    offering = Offering(
        collected=snapshot.collected_at.date(),
        ga=ga,
        preview=preview,
        source=snapshot.source,
        path=path,
        host_release=host_release,
    )
    return OfferingRead(offering)


def newest(*offerings: Offering | None) -> Offering | None:
    """The offering collected last; the first of those collected the same day."""
    found = None
    for offering in offerings:
        if offering is not None and (found is None or offering.collected > found.collected):
            found = offering
    return found


class Learned(msgspec.Struct, frozen=True, gc=False):
    """An offering merged into a pack's calendar (see the module docstring)."""

    offering: Offering
    known_through: date  # the pack's knowledge date; the offering is newer
    ga: tuple[KubeVersion, ...]  # what the calendar takes as offered on the collection date
    preview: tuple[KubeVersion, ...]
    new_minors: tuple[str, ...]
    new_versions: tuple[KubeVersion, ...]  # GA versions no release of the pack lists
    no_longer_offered: tuple[KubeVersion, ...]  # minors and patches the pack offered
    listed_minors: frozenset[str]  # the GA minors the location lists (`ga` keeps more)

    @property
    def earliest_first_release(self) -> date:
        """The earliest day a release the pack does not know can have shipped a minor."""
        return self.known_through + timedelta(days=1)

    def touches(self, minor: str) -> bool:
        """Whether it tells the calendar anything about `minor` the pack did not say."""
        return minor in self.new_minors or any(
            version.minor_key == minor for version in (*self.new_versions, *self.no_longer_offered)
        )

    def notice(self) -> Message:
        args = {
            "as_of": self.known_through.isoformat(),
            "source": self.offering.source,
            "collected": self.offering.collected.isoformat(),
        }
        if not (self.new_versions or self.no_longer_offered or self.preview):
            return Message("engine.notice.calendar-confirmed", args)
        return Message(
            "engine.notice.calendar-learned",
            {
                **args,
                "new": _listed(self.new_versions),
                "gone": _listed(self.no_longer_offered),
                "preview": _listed(self.preview),
            },
        )


def _listed(versions: tuple[KubeVersion, ...]) -> str:
    return ", ".join(str(version) for version in versions) or "-"


def learn(base: VersionCalendar, pack: Pack, offering: Offering) -> Learned | None:
    """What `offering` adds to the pack's own calendar `base`; None when the pack is as new."""
    if not offering.ga:
        return None  # only previews: nothing to weigh against the calendar's GA minors
    known_through = max(pack.pack.data_as_of, *(release.released for release in base.releases))
    if offering.collected <= known_through:
        return None
    current = base.newest_release(known_through)
    offered = {version.minor_key for version in current.ga} if current else set()
    ever = {version.minor_key for release in base.releases for version in release.ga}
    newest_ever = max((KubeVersion.parse(minor) for minor in ever), default=None)
    per_minor = base.patches_per_minor

    listed: dict[str, list[KubeVersion]] = {}
    for version in offering.ga:
        listed.setdefault(version.minor_key, []).append(version)
    top_listed = max(KubeVersion.parse(minor) for minor in listed)

    ga: list[KubeVersion] = []
    new_minors: list[str] = []
    gone: list[KubeVersion] = []
    for minor in sorted({*listed, *offered}, key=KubeVersion.parse):
        shipped = (current.patches(minor) or ()) if current and minor in offered else ()
        if minor in offered and minor not in listed:
            if KubeVersion.parse(minor) < top_listed:
                gone.append(KubeVersion.parse(minor))
                continue
            # Newer than every minor listed: the location lags, the pack's offer stands.
            kept: tuple[KubeVersion, ...] = shipped or (KubeVersion.parse(minor),)
        elif minor in offered:
            patches = [version for version in listed[minor] if version.patch is not None]
            kept = tuple(sorted({*patches, *shipped}, reverse=True)[:per_minor])
            kept = kept or (KubeVersion.parse(minor),)
            gone.extend(version for version in shipped if version not in kept)
        elif minor not in ever and (newest_ever is None or KubeVersion.parse(minor) > newest_ever):
            new_minors.append(minor)
            kept = tuple(sorted(listed[minor], reverse=True)[:per_minor])
        else:
            continue  # dropped by the pack, or older than its calendar: it stays dropped
        ga.extend(kept)

    known = {version for release in base.releases for version in release.ga}
    merged_minors = {version.minor_key for version in ga}
    preview = tuple(
        version
        for version in offering.preview
        if version.minor_key not in merged_minors
        and version.minor_key not in ever
        and (newest_ever is None or KubeVersion.parse(version.minor_key) > newest_ever)
    )
    return Learned(
        offering=offering,
        known_through=known_through,
        ga=tuple(sorted(ga)),
        preview=preview,
        new_minors=tuple(new_minors),
        new_versions=tuple(sorted(version for version in ga if version not in known)),
        no_longer_offered=tuple(sorted(gone)),
        listed_minors=frozenset(listed),
    )
