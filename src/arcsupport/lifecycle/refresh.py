"""Keeping the calendar fresh from data the user already has, into the user's overlay only.

`--from-kubernetes-versions`: an `az aksarc get-versions` (kubernetesVersions) payload says what
a custom location offers on the day it was taken. It is stored as an observation of that day:
versions it newly lists count as offered from that day, and versions it no longer lists count
as removed on that day (the calendar's removal and grace rules then apply).

`--from-endoflife`: an endoflife.date release-data file gives upstream release dates
(the date of each `X.Y.0`), filling `upstream_release` per minor.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from arcsupport.decoding import decode_json
from arcsupport.errors import InputError
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.learn import UnusableVersions, parse_versions
from arcsupport.policy.model import Pack
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.azure import KubernetesVersions


@dataclass
class Changes:
    added_minors: list[str] = field(default_factory=list)
    added_patches: list[str] = field(default_factory=list)
    no_longer_listed: list[str] = field(default_factory=list)
    upstream_dates: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (
            self.added_minors or self.added_patches or self.no_longer_listed or self.upstream_dates
        )


def _overlay_section(overlay: dict[str, Any], *keys: str) -> dict[str, Any]:
    node = overlay
    for key in keys:
        node = node.setdefault(key, {})
    return node


def merge_kubernetes_versions(
    overlay: dict[str, Any], pack: Pack, data: bytes, where: str, seen_on: date
) -> tuple[dict[str, Any], Changes]:
    """A new overlay with the payload recorded as an observation on `seen_on`."""
    payload = decode_json(data, KubernetesVersions, where)
    try:
        ga, preview = parse_versions(payload)
    except UnusableVersions as problem:
        raise InputError(where, str(problem)) from None

    # Compared with the calendar as it was before this day's observation, which a second run
    # on the same day replaces: the same payload then reports the same changes.
    earlier = {day: seen for day, seen in pack.calendar.observed.items() if day != seen_on}
    calendar = VersionCalendar(
        msgspec.structs.replace(
            pack, calendar=msgspec.structs.replace(pack.calendar, observed=earlier)
        )
    )
    before = calendar.newest_release(seen_on)
    offered_before = set(before.ga) if before else set()
    known_patches = {version for release in calendar.releases for version in release.ga}

    result = copy.deepcopy(overlay)
    result.setdefault("extends", "aks-arc")
    changes = Changes()
    minors = _overlay_section(result, "calendar", "kubernetes")
    for version in sorted({*ga, *preview}):
        if version.minor_key not in pack.calendar.kubernetes and version.minor_key not in minors:
            minors[version.minor_key] = {}
            changes.added_minors.append(version.minor_key)
    changes.added_patches = [str(v) for v in sorted(set(ga) - known_patches) if v.patch is not None]
    listed_minors = {version.minor_key for version in ga}
    # A minor that is gone is named once; a dropped patch only while its minor stays listed.
    changes.no_longer_listed = sorted(
        {str(v) for v in offered_before - set(ga) if v.minor_key in listed_minors}
        | {v.minor_key for v in offered_before if v.minor_key not in listed_minors},
        key=KubeVersion.parse,
    )
    # Keyed by date, as the YAML reads back (an unquoted 2026-11-27 is a date).
    observed: dict[Any, Any] = _overlay_section(result, "calendar", "observed")
    observed[seen_on] = {
        "kubernetes": [str(version) for version in sorted(set(ga))],
        "kubernetes_preview": [str(version) for version in sorted(set(preview))],
        "source": payload.id or where,
    }
    info = _overlay_section(result, "pack")
    current = info.get("data_as_of") or pack.pack.data_as_of
    info["data_as_of"] = max(current, seen_on)
    return result, changes


class _Tag(msgspec.Struct):
    date: date


class _ReleaseData(msgspec.Struct):
    versions: dict[str, _Tag]


def merge_endoflife(
    overlay: dict[str, Any], pack: Pack, data: bytes, where: str
) -> tuple[dict[str, Any], Changes]:
    """A new overlay with the upstream release date (the X.Y.0 tag) of every minor."""
    release_data = decode_json(data, _ReleaseData, where)
    firsts: dict[str, date] = {}
    for tag, info in release_data.versions.items():
        version = KubeVersion.try_parse(tag)
        if version is not None and version.patch == 0 and not version.suffix:
            firsts[version.minor_key] = info.date
    if not firsts:
        raise InputError(where, "holds no X.Y.0 versions; expected endoflife.date release-data")
    result = copy.deepcopy(overlay)
    result.setdefault("extends", "aks-arc")
    minors = _overlay_section(result, "calendar", "kubernetes")
    changes = Changes()
    oldest = min(KubeVersion.parse(minor) for minor in pack.calendar.kubernetes)
    for minor, released in sorted(firsts.items(), key=lambda item: KubeVersion.parse(item[0])):
        if KubeVersion.parse(minor) < oldest:
            continue  # minors older than the calendar are of no use to AKS Arc
        known = pack.calendar.kubernetes.get(minor)
        if known is not None and known.upstream_release == released:
            continue
        if known is None and minor not in minors:
            changes.added_minors.append(minor)
        minors.setdefault(minor, {})["upstream_release"] = released
        changes.upstream_dates.append(f"{minor} {released.isoformat()}")
    return result, changes
