"""arcsupport: the AKS enabled by Azure Arc support policy as working software.

The package face is the Python API of `arcsupport.api` (see its docstring and
docs/python-api.md): `load_snapshot`, `load_pack`, `assess`, `render` and the types they use.
Its names are imported on first use, so that `import arcsupport.<module>` (and the CLI's
start-up) does not load the engine, the readers and the renderers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from arcsupport.version import __version__

if TYPE_CHECKING:
    from arcsupport.api import (
        Advisory,
        Assessment,
        Deadline,
        Evidence,
        Finding,
        Fleet,
        InputError,
        Pack,
        PolicyError,
        Snapshot,
        assess,
        assess_fleet,
        load_advisories,
        load_pack,
        load_snapshot,
        load_snapshots,
        render,
    )

__all__ = [
    "Advisory",
    "Assessment",
    "Deadline",
    "Evidence",
    "Finding",
    "Fleet",
    "InputError",
    "Pack",
    "PolicyError",
    "Snapshot",
    "__version__",
    "assess",
    "assess_fleet",
    "load_advisories",
    "load_pack",
    "load_snapshot",
    "load_snapshots",
    "render",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("arcsupport.api"), name)
    raise AttributeError(f"module 'arcsupport' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
