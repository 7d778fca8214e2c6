"""What `policy update` changed in the user's overlay, one line per kind of change."""

from __future__ import annotations

from pathlib import Path

from arcsupport.lifecycle.refresh import Changes


def render_policy_update(target: Path, changes: Changes) -> str:
    lines = [f"updated {target}"]
    for label, items in (
        ("new minors", changes.added_minors),
        ("new patches", changes.added_patches),
        ("no longer listed (removed from this date)", changes.no_longer_listed),
        ("upstream release dates", changes.upstream_dates),
    ):
        if items:
            lines.append(f"  {label}: {', '.join(items)}")
    if changes.empty():
        lines.append("  nothing new; the overlay records the observation")
    return "\n".join(lines) + "\n"
