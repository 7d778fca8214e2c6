"""Every rule, in the order reports list them: one explicit table, the way ruff's codes table
lists its rules. A rule declared with `@rule` and missing here is caught by the tests."""

from __future__ import annotations

from arcsupport.rules import (
    apis,
    components,
    managed,
    metadata,
    nodes,
    platform,
    preview,
    skew,
    state,
    versions,
)
from arcsupport.rules.advisories.security_advisories import security_advisories
from arcsupport.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    versions.version_lifecycle,
    versions.version_patch,
    skew.version_skew,
    platform.host_platform,
    platform.node_os_lifecycle,
    platform.node_image_age,
    nodes.node_drift,
    nodes.node_network,
    nodes.node_not_ready,
    nodes.privileged_daemonsets,
    metadata.system_metadata,
    managed.managed_components,
    components.third_party_components,
    components.cni,
    preview.alpha_features,
    state.stopped,
    state.connectivity,
    state.subscription,
    apis.deprecated_apis,
    security_advisories,
)

# By id, in the table's order. A dict so that tests can stand a rule in for another.
REGISTRY: dict[str, Rule] = {spec.id: spec for spec in RULES}


def load_rules() -> dict[str, Rule]:
    return REGISTRY


__all__ = ["REGISTRY", "RULES", "load_rules"]
