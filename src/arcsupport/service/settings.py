"""What `arcsupport serve` is told: where it listens, and how much a stranger may send it."""

from __future__ import annotations

import msgspec

from arcsupport.sources.archive import ArchiveLimits

MIB = 1024 * 1024


class ServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8080
    # Bodies larger than this are refused before they are read (413).
    max_upload_bytes: int = 64 * MIB
    # What an accepted body may unpack to: a gzip bomb stops here, not at the memory's end.
    max_unpacked_bytes: int = 1024 * MIB
    max_member_bytes: int = 512 * MIB
    max_members: int = 20_000
    # How often the background task looks for due re-assessment (a new day, a changed pack).
    reassess_check_seconds: float = 300.0

    def archive_limits(self) -> ArchiveLimits:
        return ArchiveLimits(
            member_bytes=self.max_member_bytes,
            total_bytes=self.max_unpacked_bytes,
            members=self.max_members,
        )
