"""Consent grants as the policy sees them (SHR-2, COV-IN-8): what may be granted, to whom, for
how long, and whether a grant allows an action at a given moment.

Pure: no database and no clock. Every input is validated here, before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from arcsupport.errors import InputError

# The closed set of things a support engineer can be allowed to do on a customer's cluster.
ACTIONS: tuple[str, ...] = ("view-logs", "run-commands", "node-login")

# Consent is time-boxed (SHR-2): a month covers a long-running case; beyond that the owner grants
# again, so that access never silently outlives the case it was given for.
MAX_GRANT = timedelta(days=30)

# The cluster a grant names is not looked up anywhere (arcsupport keeps no inventory), so its
# shape is checked instead: an ARM id of a connected cluster, or the cluster's plain name.
_NAME = r"[A-Za-z0-9](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?"
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RESOURCE_GROUP = r"[-\w.()]{0,89}[-\w()]"
_ARM_ID = re.compile(
    rf"/subscriptions/{_GUID}/resourceGroups/{_RESOURCE_GROUP}"
    rf"/providers/Microsoft\.Kubernetes/connectedClusters/{_NAME}",
    re.IGNORECASE,
)
_PLAIN_NAME = re.compile(_NAME)
_DURATION = re.compile(r"(?:\d{1,6}[mhd])+")
_DURATION_PART = re.compile(r"(\d+)([mhd])")
_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}

State = Literal["active", "pending", "expired", "revoked"]
Reason = Literal["no-grant", "not-yet-started", "expired", "revoked", "action-not-granted"]


def _clean(value: str, where: str, limit: int) -> str:
    """Trimmed, non-empty, bounded, and on one line: these strings end up in tables and logs."""
    text = value.strip()
    if not text:
        raise InputError(where, "must not be empty")
    if len(text) > limit:
        raise InputError(where, f"longer than {limit} characters")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        raise InputError(where, "must not contain control characters or line breaks")
    return text


def parse_identity(value: str, where: str) -> str:
    """A person: an engineer, an owner, whoever revokes (a UPN, an e-mail, a name)."""
    return _clean(value, where, 256)


def parse_case(value: str) -> str:
    return _clean(value, "--case", 128)


def parse_reason(value: str) -> str:
    return _clean(value, "--reason", 1000)


def identity_key(identity: str) -> str:
    """Identities are compared without case: Entra ID and e-mail treat Bob@ and bob@ alike."""
    return identity.casefold()


def parse_cluster(value: str) -> str:
    text = value.strip()
    if _ARM_ID.fullmatch(text) or _PLAIN_NAME.fullmatch(text):
        return text
    raise InputError(
        "--cluster",
        f"{value!r} is neither a connected cluster's ARM id (/subscriptions/GUID/resourceGroups/"
        "RG/providers/Microsoft.Kubernetes/connectedClusters/NAME) nor a cluster name "
        "(letters, digits, - and _, at most 63)",
    )


def cluster_key(cluster: str) -> str:
    """ARM ids and resource names are case-insensitive. An ARM id and a bare name are not
    matched to each other: the same name may exist in other resource groups."""
    return cluster.lower()


def parse_action(value: str, where: str = "--action") -> str:
    action = value.strip().lower()
    if action not in ACTIONS:
        raise InputError(where, f"unknown action {value!r}; choose from {', '.join(ACTIONS)}")
    return action


def parse_actions(value: str) -> tuple[str, ...]:
    """A comma-separated list, returned once each and in the canonical order."""
    chosen = {parse_action(part, "--actions") for part in value.split(",") if part.strip()}
    if not chosen:
        raise InputError("--actions", f"name at least one of {', '.join(ACTIONS)}")
    return tuple(action for action in ACTIONS if action in chosen)


def parse_duration(value: str) -> timedelta:
    """30m, 8h, 2d or a sum such as 1d12h; positive and at most MAX_GRANT."""
    text = value.strip().lower()
    if not _DURATION.fullmatch(text):
        raise InputError(
            "--for", f"{value!r} is not a duration; write a positive length such as 30m, 8h or 2d"
        )
    # Counted in whole minutes first, so that no length, however absurd, overflows a timedelta.
    minutes = sum(int(count) * _MINUTES[unit] for count, unit in _DURATION_PART.findall(text))
    if minutes <= 0:
        raise InputError("--for", f"{value!r} is no time at all; a grant must last a while")
    limit = MAX_GRANT // timedelta(minutes=1)
    if minutes > limit:
        raise InputError(
            "--for",
            f"{value!r} is longer than {MAX_GRANT.days}d, the longest a grant may run; "
            "grant again when it ends",
        )
    return timedelta(minutes=minutes)


def grant_end(start: datetime, length: timedelta) -> datetime:
    try:
        return start + length
    except OverflowError:
        raise InputError("--at", f"{iso(start)} is too far in the future") from None


def iso(moment: datetime) -> str:
    """UTC, `Z`-suffixed, as in every JSON document arcsupport writes."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class GrantRequest:
    """A grant checked in full before the database is opened."""

    cluster: str
    engineer: str
    actions: tuple[str, ...]
    case: str
    approved_by: str
    starts_at: datetime
    ends_at: datetime


def request_grant(
    *,
    cluster: str,
    engineer: str,
    actions: str,
    case: str,
    approved_by: str,
    start: datetime,
    length: str,
) -> GrantRequest:
    who = parse_identity(engineer, "--engineer")
    owner = parse_identity(approved_by, "--approved-by")
    if identity_key(who) == identity_key(owner):
        # SHR-2 asks for the owner's consent; an engineer cannot consent on the owner's behalf.
        raise InputError(
            "--approved-by", f"{owner} cannot approve a grant to themselves; the owner approves"
        )
    return GrantRequest(
        cluster=parse_cluster(cluster),
        engineer=who,
        actions=parse_actions(actions),
        case=parse_case(case),
        approved_by=owner,
        starts_at=start,
        ends_at=grant_end(start, parse_duration(length)),
    )


@dataclass(frozen=True)
class GrantRecord:
    """One grant as stored: the consent given, and its revocation if any."""

    id: int
    cluster: str
    engineer: str
    actions: tuple[str, ...]
    case: str
    approved_by: str
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    def state_at(self, at: datetime) -> tuple[State, datetime | None]:
        """Active (until when), pending (from when), or ended (when, and why). Whichever of
        expiry and revocation comes first ends the grant."""
        endings: list[tuple[datetime, State]] = [(self.ends_at, "expired")]
        if self.revoked_at is not None:
            endings.append((self.revoked_at, "revoked"))
        first_end, why = min(endings, key=lambda ending: (ending[0], ending[1] != "revoked"))
        if at >= first_end:
            return why, first_end
        if at < self.starts_at:
            return "pending", self.starts_at
        # A revocation may be scheduled ahead (`revoke --at` later): active until the first end.
        return "active", first_end

    def data(self) -> dict[str, Any]:
        """The grant as JSON-ready values; also the details its audit entry records."""
        return {
            "id": self.id,
            "cluster": self.cluster,
            "engineer": self.engineer,
            "actions": list(self.actions),
            "case": self.case,
            "approved_by": self.approved_by,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "revoked_at": None if self.revoked_at is None else iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "revoke_reason": self.revoke_reason,
        }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason | None
    # The grant that allows the action, or the one whose state explains the denial.
    grant: GrantRecord | None
    # When that grant stops allowing (allowed), or ended or starts (denied).
    when: datetime | None


_DENIAL: dict[State, Reason] = {
    "pending": "not-yet-started",
    "expired": "expired",
    "revoked": "revoked",
}


def decide(grants: Sequence[GrantRecord], action: str, at: datetime) -> Decision:
    """May the engineer do `action` at `at`, given all their grants on the cluster?"""
    covering = [grant for grant in grants if action in grant.actions]
    # (until, id, grant) of each grant that allows it now; the one lasting longest is cited.
    active = [
        (until, grant.id, grant)
        for grant in covering
        for state, until in [grant.state_at(at)]
        if state == "active" and until is not None
    ]
    if active:
        until, _, best = max(active, key=lambda item: item[:2])
        return Decision(True, None, best, until)
    if covering:
        # The most recent grant for the action stands for the owner's latest intent.
        latest = max(covering, key=lambda grant: grant.id)
        state, when = latest.state_at(at)
        return Decision(False, _DENIAL[state], latest, when)
    return Decision(False, "action-not-granted" if grants else "no-grant", None, None)
