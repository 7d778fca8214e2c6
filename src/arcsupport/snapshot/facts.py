"""Facts a user declares in `facts.yaml` where nothing can observe them."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

from datetime import date
from typing import Literal

import msgspec


class HostPlatform(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["azure-local", "windows-server"]
    # YAML reads an unquoted 2508 as a number; both spellings mean the same release.
    version: str | int

    @property
    def release(self) -> str:
        return str(self.version)


class DeclaredFacts(msgspec.Struct, forbid_unknown_fields=True):
    host_platform: HostPlatform | None = None
    stopped_since: date | None = None
    stopped_by: Literal["aks-arc", "manual"] | None = None
    subscription_state_since: date | None = None
    disconnected_since: date | None = None
    # The subnets / IP pools node addresses must come from (CUST-2, NET-1), as CIDRs.
    node_subnets: list[str] = []
