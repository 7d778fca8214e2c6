"""The `versions` listing: the calendar's view of every minor on a date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.policy.model import Pack
from arcsupport.timeutil import iso_time

SCHEMA = "arcsupport.versions/v1"


def versions_data(pack: Pack, at: datetime) -> dict[str, Any]:
    calendar = VersionCalendar(pack)
    today = at.date()
    newest = calendar.newest_release(today)
    rows = []
    for status in reversed(calendar.all_minors(today)):
        rows.append(
            {
                "minor": status.minor,
                "status": status.status,
                "end_of_support": status.end_of_support.isoformat()
                if status.end_of_support
                else None,
                "days_left": status.days_left(today),
                "basis": status.basis,
                "first_azure_local": status.first_release,
                "patches": list(status.patches),
            }
        )
    return {
        "schema": SCHEMA,
        "evaluated_at": iso_time(at),
        "policy": {
            "name": pack.pack.name,
            "version": pack.pack.version,
            "data_as_of": pack.pack.data_as_of.isoformat(),
        },
        "newest_azure_local": newest.name if newest else None,
        "versions": rows,
    }
