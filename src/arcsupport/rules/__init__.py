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
    "advisories",
)


_ordered: tuple[str, ...] = ()


def load_rules() -> dict[str, Rule]:
    """The registry in a fixed order (module by module, as RULE_MODULES lists them), whatever
    imported a rule module first: reports and coverage must not depend on import order."""
    global _ordered
    if _ordered and tuple(REGISTRY) == _ordered:
        return REGISTRY  # every module loaded and ordered already (a fleet asks per cluster)
    for module in RULE_MODULES:
        importlib.import_module(f"arcsupport.rules.{module}")
    rank = {f"arcsupport.rules.{module}": index for index, module in enumerate(RULE_MODULES)}
    ordered = sorted(REGISTRY.values(), key=lambda spec: rank.get(spec.check.__module__, len(rank)))
    if list(REGISTRY.values()) != ordered:
        REGISTRY.clear()
        REGISTRY.update((spec.id, spec) for spec in ordered)
    _ordered = tuple(REGISTRY)
    return REGISTRY


__all__ = ["REGISTRY", "load_rules"]
