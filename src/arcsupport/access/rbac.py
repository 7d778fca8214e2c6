"""Kubernetes RBAC for a grant: a Role and a RoleBinding per namespace, holding exactly the
permissions the granted actions need, labelled and annotated with the grant they come from.

Kubernetes never expires RBAC objects; the YAML `access grant --emit-rbac` prints
(report/access.py) says how to delete them when the grant ends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from arcsupport.access.consent import GrantRecord, iso
from arcsupport.errors import InputError

_RBAC_GROUP = "rbac.authorization.k8s.io"
_NAMESPACE = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
GRANT_LABEL = "arcsupport/grant-id"

# What each action needs on the Kubernetes API. kubectl exec is authorised as `create` on
# pods/exec (also over WebSockets since 1.30); logs are `get` on pods/log. Finding the pod to
# read or enter needs get/list on pods. node-login (SSH to an agent node) is not a Kubernetes
# permission at all, so it adds no rule.
_RULES: dict[str, list[dict[str, Any]]] = {
    "view-logs": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}],
    "run-commands": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}],
    "node-login": [],
}
_FIND_PODS = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}


def parse_namespaces(values: Sequence[str]) -> tuple[str, ...]:
    for value in values:
        if not _NAMESPACE.fullmatch(value):
            raise InputError("--namespace", f"{value!r} is not a Kubernetes namespace name")
    return tuple(dict.fromkeys(values))


def manifests(grant: GrantRecord, namespaces: Sequence[str]) -> list[dict[str, Any]]:
    """Role and RoleBinding objects, in apply order; none when no action maps to RBAC."""
    rules = [rule for action in grant.actions for rule in _RULES[action]]
    if not rules:
        return []
    name = f"arcsupport-grant-{grant.id}"
    labels = {"app.kubernetes.io/managed-by": "arcsupport", GRANT_LABEL: str(grant.id)}
    annotations = {
        GRANT_LABEL: str(grant.id),
        "arcsupport/case": grant.case,
        "arcsupport/engineer": grant.engineer,
        "arcsupport/approved-by": grant.approved_by,
        "arcsupport/actions": ",".join(grant.actions),
        "arcsupport/starts-at": iso(grant.starts_at),
        "arcsupport/expires-at": iso(grant.ends_at),
    }
    objects: list[dict[str, Any]] = []
    for namespace in namespaces:
        # Shared by both objects: the YAML dumper writes shared values out in full.
        metadata = {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
        }
        objects.append(
            {
                "apiVersion": f"{_RBAC_GROUP}/v1",
                "kind": "Role",
                "metadata": metadata,
                "rules": [_FIND_PODS, *rules],
            }
        )
        objects.append(
            {
                "apiVersion": f"{_RBAC_GROUP}/v1",
                "kind": "RoleBinding",
                "metadata": metadata,
                "subjects": [{"kind": "User", "apiGroup": _RBAC_GROUP, "name": grant.engineer}],
                "roleRef": {"apiGroup": _RBAC_GROUP, "kind": "Role", "name": name},
            }
        )
    return objects
