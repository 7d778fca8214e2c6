"""The rules, one module per policy area; each registers itself in REGISTRY on import."""

from __future__ import annotations

import importlib

from arcsupport.rules.base import REGISTRY, Rule

RULE_MODULES = (
    "versions",
    "skew",
    "platform",
    "nodes",
    "metadata",
    "managed",
    "components",
    "preview",
    "state",
    "apis",
)


def load_rules() -> dict[str, Rule]:
    for module in RULE_MODULES:
        importlib.import_module(f"arcsupport.rules.{module}")
    return REGISTRY


__all__ = ["REGISTRY", "load_rules"]
