"""--output json: the stable, versioned contract."""

from __future__ import annotations

from typing import Any

import msgspec


def dumps(data: Any) -> str:
    encoded = msgspec.json.encode(data)
    return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
