"""Upgrade planning: one minor at a time (VER-7), only to versions the cluster's Azure Local
release ships (VER-9), each hop to the newest patch of its minor, with the APIs to migrate
before each hop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from arcsupport.errors import InputError
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import Release, VersionCalendar
from arcsupport.semver import KubeVersion

StepKind = Literal["azure-local-update", "kubernetes-upgrade"]


@dataclass(frozen=True, slots=True)
class ApiMigration:
    """Objects written with an API version that a hop's target minor no longer serves."""

    api_version: str
    kind: str
    removed_in: str
    replacement: str | None
    objects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanStep:
    kind: StepKind
    to: str
    support_ends: date | None
    migrate_apis: tuple[ApiMigration, ...] = ()
    skipped: tuple[str, ...] = ()  # minors passed over (VER-7's exception for unsupported versions)


@dataclass(frozen=True, slots=True)
class Plan:
    from_version: str
    target: str
    at: date
    host_release: str | None
    host_assumed: bool
    steps: tuple[PlanStep, ...]
    reaches_supported: bool
    supported_until: date | None
    notes: tuple[Message, ...] = field(default=())
    # What the calendar planned with says of itself (its age, what it learned from a bundle).
    notices: tuple[Message, ...] = field(default=())


def _parse(text: str, where: str) -> KubeVersion:
    version = KubeVersion.try_parse(text)
    if version is None:
        raise InputError(where, f"{text!r} is not a Kubernetes version such as 1.28 or 1.28.9")
    return version


def _newest_patch(release: Release, minor: str) -> str:
    patches = release.patches(minor)
    return str(patches[0]) if patches else minor


def plan_upgrade(
    calendar: VersionCalendar,
    current: str,
    at: date,
    *,
    target: str | None = None,
    host_release: str | None = None,
    removals: Mapping[str, Sequence[ApiMigration]] | None = None,
) -> Plan:
    """Plan from `current` to `target` (a minor, a full version, "latest" or None for latest).

    `removals` maps a minor ("1.32") to the API uses that stop working in it."""
    source = _parse(current, "--from")
    if source.minor_key not in calendar.minors:
        raise InputError("--from", f"Kubernetes {source.minor_key} is not in the policy calendar")
    newest = calendar.newest_release(at, named_only=True)
    if newest is None:
        raise InputError("--at", f"the calendar has no Azure Local release by {at}")

    if host_release is None:
        host, assumed = newest, True
    else:
        found = calendar.release(host_release)
        if found is None:
            known = ", ".join(release.name for release in calendar.azure_local_releases)
            raise InputError(
                "--azure-local", f"unknown Azure Local release {host_release!r} (known: {known})"
            )
        if found.released > at:
            raise InputError("--azure-local", f"Azure Local {host_release} is not released by {at}")
        host, assumed = found, False

    goal = _goal(calendar, newest, source, target)
    if goal < KubeVersion(source.major, source.minor) or (
        goal.patch is not None and source.patch is not None and goal < source
    ):
        raise InputError(
            "--to",
            f"{goal} is below {source}: downgrades are not supported (VER-7); "
            "plan to a newer version or redeploy",
        )

    steps: list[PlanStep] = []
    pending = {minor: list(uses) for minor, uses in (removals or {}).items()}
    release = host
    hops = [f"{source.major}.{number}" for number in range(source.minor + 1, goal.minor + 1)]
    skipped: tuple[str, ...] = ()
    if hops and calendar.minor_status(source.minor_key, at).status in ("deprecated", "removed"):
        # VER-7 lets a cluster coming back from an unsupported version skip minors: go
        # straight to the oldest minor that is supported now.
        supported = [
            minor for minor in hops if calendar.minor_status(minor, at).status == "supported"
        ]
        if supported:
            first = hops.index(supported[0])
            skipped, hops = tuple(hops[:first]), hops[first:]
    for minor in hops:
        moved = _host_for(calendar, release, minor, at)
        if moved is None:
            raise InputError(
                "--to",
                f"no Azure Local release from {release.name} up to {at} ships Kubernetes "
                f"{minor}, so the upgrade cannot pass through it",
            )
        if moved is not release:
            release = moved
            steps.append(_host_step(calendar, release))
        to = _newest_patch(release, minor)
        if minor == goal.minor_key and goal.patch is not None:
            if goal not in release.ga:
                raise InputError("--to", f"Azure Local {release.name} does not ship {goal}")
            to = str(goal)
        hop = KubeVersion.parse(minor)
        # Every API removed in this minor or earlier and not yet migrated breaks at this hop.
        due = [
            use
            for removed_in in sorted(pending, key=KubeVersion.parse)
            if KubeVersion.parse(removed_in) <= hop
            for use in pending.pop(removed_in)
        ]
        steps.append(
            PlanStep(
                "kubernetes-upgrade", to, calendar.end_of_support(minor, at)[0], tuple(due), skipped
            )
        )
        skipped = ()

    if goal.minor == source.minor:
        # A patch upgrade obeys VER-9 too: when the host's release ships no supported patch of
        # the minor any more, Azure Local is updated first (unless the asked-for patch is
        # shipped where the cluster is).
        if goal.patch is None or goal not in release.ga:
            moved = _host_for(calendar, release, source.minor_key, at)
            if moved is not None and moved is not release:
                release = moved
                steps.append(_host_step(calendar, release))
        if goal.patch is not None:
            if goal != source and goal not in release.ga:
                raise InputError("--to", f"Azure Local {release.name} does not ship {goal}")
            patch_to = str(goal)
        else:
            patch_to = _newest_patch(release, source.minor_key)
        patch_version = KubeVersion.parse(patch_to)
        if source.patch is None or (patch_version.patch is not None and patch_version > source):
            steps.append(
                PlanStep(
                    "kubernetes-upgrade", patch_to, calendar.end_of_support(source.minor_key, at)[0]
                )
            )

    final_minor = f"{goal.major}.{goal.minor}"
    final = calendar.minor_status(final_minor, at)
    # The version the cluster ends on: a supported minor on a patch off the release train
    # (VER-6) is not a supported version.
    upgrades = [step.to for step in steps if step.kind == "kubernetes-upgrade"]
    landed = KubeVersion.parse(upgrades[-1]) if upgrades else source
    patch_supported = (
        landed.patch is None or calendar.patch_status(landed, at).supported is not False
    )
    notes: list[Message] = []
    if assumed:
        notes.append(Message("plan.note.host-assumed", {"release": host.name}))
    return Plan(
        from_version=str(source),
        target=str(goal),
        at=at,
        host_release=host.name,
        host_assumed=assumed,
        steps=tuple(steps),
        reaches_supported=final.status == "supported" and patch_supported,
        supported_until=final.end_of_support,
        notes=tuple(notes),
        notices=calendar.notices(at),
    )


def _host_for(calendar: VersionCalendar, release: Release, minor: str, at: date) -> Release | None:
    """The release to run `minor` on: the host's own while it ships a supported patch of it,
    else the newest release up to `at` that ships the minor; None when no release does."""
    reachable = [
        candidate
        for candidate in calendar.azure_local_releases
        if release.released <= candidate.released <= at and candidate.offers_minor(minor)
    ]
    if not reachable:
        return None
    stays = release.offers_minor(minor) and (
        calendar.patch_status(KubeVersion.parse(_newest_patch(release, minor)), at).supported
        is not False
    )
    return release if stays else reachable[-1]


def _host_step(calendar: VersionCalendar, release: Release) -> PlanStep:
    return PlanStep(
        "azure-local-update", release.name, calendar.azure_local_end_of_support(release.name)
    )


def _goal(
    calendar: VersionCalendar, newest: Release, source: KubeVersion, target: str | None
) -> KubeVersion:
    if target is None or target == "latest":
        offered = sorted({KubeVersion(v.major, v.minor) for v in newest.ga})
        if not offered:
            raise InputError("--to", f"Azure Local {newest.name} lists no Kubernetes versions")
        return offered[-1]
    goal = _parse(target, "--to")
    if goal.minor_key not in calendar.minors:
        raise InputError("--to", f"Kubernetes {goal.minor_key} is not in the policy calendar")
    if goal.major != source.major:
        raise InputError("--to", "upgrades across major versions are not planned")
    return goal
