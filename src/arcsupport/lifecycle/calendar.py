"""The AKS Arc version calendar: what each minor's status is on a given date, and why.

End of support of a minor (VER-1, VER-5), on an evaluation date `at`:
  1. a published date in the pack wins;
  2. a minor some release drops: that release's date + the removal grace (VER-5). This is how
     Microsoft's published dates came about (1.28 left with 2508 and ended 2025-08-31, 1.29
     left with 2510 and ended 2025-10-31), 15 to 16 months after each minor's first release;
  3. a minor the newest release in the calendar still ships: the earliest end both rules
     allow. VER-1 promises the year from its first AKS Arc release; VER-5 keeps it until the
     grace after a release drops it, and no release the calendar does not know can come before
     the first of a month after both `at` and the newest known release. So the end is the later
     of the one-year window and that day + the grace ("shipped"); it moves on with `at` for as
     long as the calendar knows no release that drops the minor.
A minor the newest release on `at` ships is therefore never past its end on `at`.
What a cluster's custom location lists (its bundle's kubernetes-versions) joins the timeline as
described in lifecycle/learn.py: a calendar built with `with_offering` is that cluster's alone.
Status on date `at`:
  unreleased  no Azure Local release up to `at` ships it (nor as a preview);
  preview     only offered as a preview;
  supported   the newest release up to `at` offers it and its support has not ended;
  deprecated  support not ended but no longer offered (the grace after removal), or support
              ended while a release still offers it;
  removed     support ended and no release offers it any more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal, TypeVar

import msgspec

from arcsupport.cached import cached
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.learn import Learned, Offering, learn
from arcsupport.policy.model import AzureLocalRelease, MinorVersion, Pack
from arcsupport.semver import KubeVersion
from arcsupport.timeutil import add_months, yymm_start

T = TypeVar("T")
# The keys of the notices a calendar gives about itself (`VersionCalendar.notices`, and why a
# payload taught it nothing): a fleet's table prints each once, above its clusters.
CALENDAR_NOTICES = ("engine.notice.stale-policy-data", "engine.notice.calendar-")
_TAUGHT_KEPT = 1024  # calendars kept per pack, one per distinct offering
_UNSET = object()  # a remembered answer may be None
MinorState = Literal["supported", "deprecated", "removed", "preview", "unreleased"]
EndBasis = Literal["published", "removal", "one-year", "shipped"]


class Release(msgspec.Struct, frozen=True, gc=False):
    """An Azure Local release, or an observation of what a custom location offered."""

    name: str
    released: date
    ga: tuple[KubeVersion, ...]
    preview: tuple[KubeVersion, ...]
    observed: bool = False

    def offers_minor(self, minor: str) -> bool:
        return any(version.minor_key == minor for version in self.ga)

    def patches(self, minor: str) -> tuple[KubeVersion, ...] | None:
        """GA patches of `minor`, newest first; None when only the bare minor is listed."""
        listed = [version for version in self.ga if version.minor_key == minor]
        if any(version.patch is None for version in listed):
            return None
        return tuple(sorted(listed, reverse=True))


class MinorStatus(msgspec.Struct, frozen=True, gc=False):
    minor: str
    status: MinorState
    end_of_support: date | None
    basis: EndBasis | None
    first_release: str | None
    first_release_date: date | None
    removed_on: date | None
    removal_release: str | None
    offered: bool
    patches: tuple[str, ...]
    in_calendar: bool

    def days_left(self, at: date) -> int | None:
        return None if self.end_of_support is None else (self.end_of_support - at).days


class PatchStatus(msgspec.Struct, frozen=True, gc=False):
    version: KubeVersion
    supported: bool | None  # None: the calendar cannot tell (patches not listed)
    known: bool  # some release ever offered this exact patch
    newest: KubeVersion | None  # newest patch of the minor offered on `at`
    newest_since: date | None  # first release date offering `newest`
    removed_on: date | None
    end_of_support: date | None


class VersionCalendar:
    """Pure lookups over one pack's calendar, and what one custom location taught it
    (`learned`, see `with_offering`). A fleet asks the same questions of it for every cluster,
    so answers are kept (see `for_pack` and the `_memo` dictionaries)."""

    def __init__(self, pack: Pack, learned: Learned | None = None) -> None:
        self._pack = pack
        self.learned = learned
        self._memo: dict[tuple[object, ...], object] = {}
        self._taught: dict[Offering, VersionCalendar] = {}
        self._notices: dict[date, tuple[Message, ...]] = {}
        self._entries = pack.calendar.kubernetes
        if learned is not None and learned.new_minors:
            self._entries = {
                **self._entries,
                **{minor: MinorVersion() for minor in learned.new_minors},
            }
        self.window = timedelta(days=pack.thresholds.support_window_days)
        self.grace = timedelta(days=pack.thresholds.removal_grace_days)
        self.patches_per_minor = pack.thresholds.supported_patches_per_minor

    @cached
    def releases(self) -> tuple[Release, ...]:
        def build(name: str, info: AzureLocalRelease) -> Release:
            return Release(
                name,
                info.released,
                tuple(KubeVersion.parse(text) for text in info.kubernetes),
                tuple(KubeVersion.parse(text) for text in info.kubernetes_preview),
            )

        built = [build(name, info) for name, info in self._pack.calendar.azure_local.items()]
        built.extend(
            Release(
                f"observed {day.isoformat()}",
                day,
                tuple(KubeVersion.parse(text) for text in seen.kubernetes),
                tuple(KubeVersion.parse(text) for text in seen.kubernetes_preview),
                observed=True,
            )
            for day, seen in self._pack.calendar.observed.items()
        )
        if self.learned_release is not None:
            built.append(self.learned_release)
        # On one day a named release sorts before an observation of it.
        return tuple(sorted(built, key=lambda release: (release.released, release.observed)))

    @cached
    def learned_release(self) -> Release | None:
        """The learned offering as the timeline takes it: an observation on its collection day."""
        if self.learned is None:
            return None
        day = self.learned.offering.collected
        return Release(
            f"kubernetes-versions {day.isoformat()}",
            day,
            self.learned.ga,
            self.learned.preview,
            observed=True,
        )

    @cached
    def azure_local_releases(self) -> tuple[Release, ...]:
        """Only the named Azure Local releases: what a host can be updated to. The host release
        of a learned offering ships exactly what its location lists (VER-9)."""
        named = [release for release in self.releases if not release.observed]
        offering = self.learned.offering if self.learned is not None else None
        if offering is None or offering.host_release is None:
            return tuple(named)
        known = next((release for release in named if release.name == offering.host_release), None)
        if known is not None:
            day = known.released
        else:
            try:
                day = min(yymm_start(offering.host_release), offering.collected)
            except ValueError:
                day = offering.collected
        host = Release(offering.host_release, day, offering.ga, offering.preview)
        named = [release for release in named if release is not known]
        named.append(host)
        return tuple(sorted(named, key=lambda release: release.released))

    def with_offering(self, offering: Offering | None) -> VersionCalendar:
        """This pack's calendar with what `offering` teaches it (lifecycle/learn.py): a
        calendar of its own, so that one cluster's knowledge never reaches another's; this one
        when the offering teaches nothing. One per offering: a fleet's clusters on the same
        Azure Local release share theirs."""
        if offering is None:
            return self
        found = self._taught.get(offering)
        if found is None:
            learned = learn(self, self._pack, offering)
            found = self if learned is None else VersionCalendar(self._pack, learned)
            if len(self._taught) >= _TAUGHT_KEPT:
                self._taught.clear()  # a long-lived process assessing bundle after bundle
            self._taught[offering] = found
        return found

    @cached
    def minors(self) -> tuple[str, ...]:
        return tuple(sorted(self._entries, key=lambda minor: KubeVersion.parse(minor)))

    def _remember(self, key: tuple[object, ...], compute: Callable[..., T], *args: object) -> T:
        """compute(*args), once per key: asked once per cluster of a fleet, so no closure is
        built per call."""
        found = self._memo.get(key, _UNSET)
        if found is _UNSET:
            found = self._memo[key] = compute(*args)
        return found  # type: ignore[return-value]

    def newest_release(self, at: date, *, named_only: bool = False) -> Release | None:
        return self._remember(("newest", at, named_only), self._newest_release, at, named_only)

    def _newest_release(self, at: date, named_only: bool) -> Release | None:
        current = None
        for release in self.azure_local_releases if named_only else self.releases:
            if release.released <= at:
                current = release
        return current

    def release(self, name: str) -> Release | None:
        for release in self.azure_local_releases:
            if release.name == name:
                return release
        return None

    def _listing_releases(self, minor: str) -> tuple[Release, ...]:
        return self._remember(
            ("listing", minor),
            lambda: tuple(release for release in self.releases if release.offers_minor(minor)),
        )

    def _removal(self, minor: str) -> Release | None:
        """The first release after the last one that offered `minor`."""
        listing = self._listing_releases(minor)
        if not listing:
            return None
        last = listing[-1].released
        return next((release for release in self.releases if release.released > last), None)

    def end_of_support(self, minor: str, at: date) -> tuple[date | None, EndBasis | None]:
        return self._remember(("end", minor, at), self._end_of_support, minor, at)

    def _end_of_support(self, minor: str, at: date) -> tuple[date | None, EndBasis | None]:
        entry = self._entries.get(minor)
        if entry is None:
            return None, None
        if entry.end_of_support is not None:
            return entry.end_of_support, "published"
        end, basis = self.estimated_end(minor, at)
        if self.learned is not None and minor not in self.learned.listed_minors:
            # What a location does not list never ends later than the pack alone ends it.
            alone = for_pack(self._pack).end_of_support(minor, at)
            if alone[0] is not None and (end is None or alone[0] < end):
                return alone
        return end, basis

    def estimated_end(self, minor: str, at: date) -> tuple[date | None, EndBasis | None]:
        """The end of support the calendar's releases give `minor` where no date is published
        (rules 2 and 3 of the module docstring)."""
        listing = self._listing_releases(minor)
        if not listing:
            return None, None
        removal = self._removal(minor)
        if removal is not None:
            return removal.released + self.grace, "removal"
        one_year = self._first_offered(listing[0]) + self.window
        latest = max(at, self.releases[-1].released)
        earliest_drop = add_months(date(latest.year, latest.month, 1), 1)
        shipped = earliest_drop + self.grace
        return (one_year, "one-year") if one_year >= shipped else (shipped, "shipped")

    def _first_offered(self, first: Release) -> date:
        """The day VER-1's year of a minor starts: its first release's, or for a minor a
        learned offering lists first, the earliest day a release the pack does not know can
        have shipped it (never a day made up later than the truth)."""
        if self.learned is not None and first is self.learned_release:
            return self.learned.earliest_first_release
        return first.released

    def minor_status(self, minor: str, at: date) -> MinorStatus:
        return self._remember(("status", minor, at), self._minor_status, minor, at)

    def _minor_status(self, minor: str, at: date) -> MinorStatus:
        entry = self._entries.get(minor)
        newest = self.newest_release(at)
        if entry is None:
            known = [KubeVersion.parse(key) for key in self.minors]
            older = bool(known) and KubeVersion.parse(minor) < known[0]
            return MinorStatus(
                minor, "removed" if older else "unreleased", None, None, None, None, None, None,
                False, (), False,
            )  # fmt: skip
        listing = self._listing_releases(minor)
        first = listing[0] if listing else None
        # A minor first listed by a learned offering has no known first release (date).
        named_first = first if first is not None and first is not self.learned_release else None
        removal = self._removal(minor)
        end, basis = self.end_of_support(minor, at)
        offered = bool(newest and newest.offers_minor(minor))
        patches = self._patches_on(minor, at)
        status: MinorState
        if first is None or first.released > at:
            in_preview = bool(newest and any(v.minor_key == minor for v in newest.preview))
            status = "preview" if in_preview else "unreleased"
        elif end is not None and at >= end:
            status = "deprecated" if offered else "removed"
        elif not offered:
            status = "deprecated"
        else:
            status = "supported"
        return MinorStatus(
            minor=minor,
            status=status,
            end_of_support=end,
            basis=basis,
            first_release=named_first.name if named_first else None,
            first_release_date=named_first.released if named_first else None,
            removed_on=removal.released if removal else None,
            removal_release=removal.name if removal else None,
            offered=offered,
            patches=tuple(str(version) for version in patches),
            in_calendar=True,
        )

    def _patches_on(self, minor: str, at: date) -> tuple[KubeVersion, ...]:
        """Patches offered on `at`, or the last ones ever offered once the minor is gone."""
        newest = self.newest_release(at)
        for release in reversed(self.releases):
            if newest is not None and release.released > newest.released:
                continue
            patches = release.patches(minor)
            if patches:
                return patches[: self.patches_per_minor]
        return ()

    def all_minors(self, at: date) -> list[MinorStatus]:
        return [self.minor_status(minor, at) for minor in self.minors]

    def patch_status(self, version: KubeVersion, at: date) -> PatchStatus:
        return self._remember(("patch", version, at), self._patch_status, version, at)

    def _patch_status(self, version: KubeVersion, at: date) -> PatchStatus:
        minor = version.minor_key
        newest_release = self.newest_release(at)
        offered = newest_release.patches(minor) if newest_release else None
        # Only releases out by `at` count: a patch first shipped later was not yet released.
        released = [release for release in self.releases if release.released <= at]
        known = any(version in release.ga for release in released)
        listing = [release for release in released if version in release.ga]
        removal = None
        if listing:
            last = listing[-1].released
            removal = next((r for r in self.releases if r.released > last), None)
        if offered is None:
            return PatchStatus(version, None, known, None, None, None, None)
        supported_set = offered[: self.patches_per_minor]
        newest = supported_set[0] if supported_set else None
        newest_since = None
        if newest is not None:
            newest_since = next(r.released for r in self.releases if newest in r.ga)
        supported = version in supported_set
        removed_on = removal.released if (removal and not supported) else None
        end = removed_on + self.grace if removed_on else None
        return PatchStatus(version, supported, known, newest, newest_since, removed_on, end)

    def azure_local_end_of_support(self, release_name: str) -> date | None:
        """SVP-3: a fixed date for legacy versions (22H2), else the rolling window from YYMM."""
        platform = self._pack.platforms.azure_local
        if release_name in platform.fixed_end_of_support:
            return platform.fixed_end_of_support[release_name]
        try:
            start = yymm_start(release_name)
        except ValueError:
            return None
        return add_months(start, self._pack.thresholds.azure_local_support_months)

    def versions_offered(self, release_name: str) -> tuple[KubeVersion, ...] | None:
        release = self.release(release_name)
        return release.ga if release else None

    def notices(self, at: date) -> tuple[Message, ...]:
        """What every report judged with this calendar says about it: data past the pack's
        staleness limit, and what a custom location taught it, from which bundle."""
        # Asked once per cluster of a fleet: a plain dictionary, without `_remember`'s key.
        found = self._notices.get(at)
        if found is None:
            found = self._notices[at] = self._build_notices(at)
        return found

    def _build_notices(self, at: date) -> tuple[Message, ...]:
        info, limit = self._pack.pack, self._pack.thresholds.stale_data_days
        found: list[Message] = []
        age = (at - info.data_as_of).days
        if age > limit:
            found.append(
                Message(
                    "engine.notice.stale-policy-data",
                    {"days": age, "as_of": info.data_as_of.isoformat(), "limit": limit},
                )
            )
        if self.learned is not None:
            found.append(self.learned.notice())
        return tuple(found)


_SHARED: dict[int, tuple[Pack, VersionCalendar]] = {}


def for_pack(pack: Pack) -> VersionCalendar:
    """The one calendar of a pack (its answers are kept across the clusters of a fleet)."""
    found = _SHARED.get(id(pack))
    if found is None or found[0] is not pack:
        found = (pack, VersionCalendar(pack))
        _SHARED.clear()  # one pack at a time in practice; never keep old packs alive
        _SHARED[id(pack)] = found
    return found[1]
