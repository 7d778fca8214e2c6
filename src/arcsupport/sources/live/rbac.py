"""The least privilege a collection needs, generated from the one list of what it reads
(collect/kinds.py): the Kubernetes ClusterRole and binding that `arcsupport rbac` prints and
deploy/ ships, and the Azure role that suffices for the Azure side."""

from __future__ import annotations

import re
from typing import Any

from arcsupport.errors import InputError
from arcsupport.safeyaml import dump_yaml
from arcsupport.sources.live.kinds import HELM_SECRETS, KINDS, NON_RESOURCE_URLS, Kind

ROLE_NAME = "arcsupport-reader"
DEFAULT_NAMESPACE = "arcsupport"
DEFAULT_SERVICE_ACCOUNT = "arcsupport"
LABELS = {"app.kubernetes.io/name": "arcsupport"}

# The collector LISTs each kind page by page; `get` lets the same identity read one object by
# name (`kubectl get KIND NAME`) when a finding is checked by hand, and reveals nothing `list`
# does not. Nothing watches, so `watch` is not granted: least privilege grants what is used.
RESOURCE_VERBS = ("get", "list")
# Helm release Secrets are listed as metadata only (PartialObjectMetadataList); never fetched.
SECRET_VERBS = ("list",)

# Why each non-resource URL is read (the rules that need it), printed beside the rule.
URL_PURPOSES: dict[str, str] = {
    "/version": "Kubernetes version, for version lifecycle, skew and deprecated APIs",
    "/apis": "served API groups, for alpha APIs, third-party components and the CNI",
    "/metrics": "API server feature gates and requests to deprecated APIs",
}

AZURE_READER_ROLE = "Reader"
AZURE_READER_ROLE_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
# Where the Azure resources arcsupport GETs live; one Reader assignment per resource group.
AZURE_SCOPES = (
    ("connected cluster", "connected-cluster-resource-group"),
    ("custom location", "custom-location-resource-group"),
    ("Azure Local instance", "azure-local-resource-group"),
)

SECRETS_COMMENT = (
    "Opt-in (--helm-secrets): Helm keeps its releases in Secrets. arcsupport asks for their",
    "metadata only (PartialObjectMetadataList) and never requests a payload, but RBAC cannot",
    "limit `list` to metadata: this rule also lets its holder read every Secret's data in",
    "every namespace. Leave it out unless Helm release metadata is worth that.",
)


def _rules(helm_secrets: bool) -> list[tuple[list[str], dict[str, Any]]]:
    """(comment lines, rule): one per API group, in the order KINDS first names each; the
    Secrets rule on its own, for its narrower verbs and its warning; the non-resource URLs."""
    groups: dict[str, list[Kind]] = {}
    for kind in KINDS:
        groups.setdefault(kind.group, []).append(kind)
    rules: list[tuple[list[str], dict[str, Any]]] = []
    for group, kinds in groups.items():
        rule = {
            "apiGroups": [group],
            "resources": [kind.plural for kind in kinds],
            "verbs": list(RESOURCE_VERBS),
        }
        rules.append(([f"{kind.plural}: {kind.purpose}" for kind in kinds], rule))
    if helm_secrets:
        secrets = {
            "apiGroups": [HELM_SECRETS.group],
            "resources": [HELM_SECRETS.plural],
            "verbs": list(SECRET_VERBS),
        }
        rules.append((list(SECRETS_COMMENT), secrets))
    urls = {"nonResourceURLs": list(NON_RESOURCE_URLS), "verbs": ["get"]}
    rules.append(([f"{url}: {URL_PURPOSES[url]}" for url in NON_RESOURCE_URLS], urls))
    return rules


def cluster_role(helm_secrets: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": ROLE_NAME, "labels": dict(LABELS)},
        "rules": [rule for _, rule in _rules(helm_secrets)],
    }


# What the API server accepts: a namespace is a DNS label, a ServiceAccount name a subdomain.
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_NAMESPACE = re.compile(_DNS_LABEL)
_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")


def _check_name(value: str, option: str, pattern: re.Pattern[str], limit: int) -> None:
    """A binding to a name the API server refuses would only fail at `kubectl apply`."""
    if len(value) > limit or not pattern.fullmatch(value):
        raise InputError(
            option,
            f"{value!r} is not a valid name (lower-case letters, digits and '-', "
            f"at most {limit} characters)",
        )


def cluster_role_binding(
    namespace: str = DEFAULT_NAMESPACE, service_account: str = DEFAULT_SERVICE_ACCOUNT
) -> dict[str, Any]:
    _check_name(namespace, "--namespace", _NAMESPACE, 63)
    _check_name(service_account, "--service-account", _SUBDOMAIN, 253)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": ROLE_NAME, "labels": dict(LABELS)},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": ROLE_NAME,
        },
        "subjects": [{"kind": "ServiceAccount", "name": service_account, "namespace": namespace}],
    }


def comment(lines: list[str] | tuple[str, ...]) -> str:
    """Lines as a YAML (and shell) comment block."""
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


def cluster_role_yaml(helm_secrets: bool = False) -> str:
    """The ClusterRole with each rule preceded by why arcsupport needs it. Comments do not
    survive `kubectl apply`, so the same reasons are in docs/least-privilege.md."""
    head = cluster_role(helm_secrets)
    del head["rules"]
    parts = [
        comment(["Read-only access for `arcsupport collect`; generated by `arcsupport rbac`."]),
        dump_yaml(head),
        "rules:\n",
    ]
    for why, rule in _rules(helm_secrets):
        parts.append(comment(why))
        parts.append(dump_yaml([rule]))
    return "".join(parts)


def cluster_role_binding_yaml(
    namespace: str = DEFAULT_NAMESPACE, service_account: str = DEFAULT_SERVICE_ACCOUNT
) -> str:
    return dump_yaml(cluster_role_binding(namespace, service_account))


def azure_lines() -> list[str]:
    """The Azure side, as lines of a comment block: the role and the commands that assign it."""
    lines = [
        "Azure side: arcsupport reads Azure Resource Manager with GET requests only, so the",
        f"built-in role {AZURE_READER_ROLE} (role definition id {AZURE_READER_ROLE_ID}) suffices.",
        "It grants no list* actions (no listUserKubeconfig, no keys). Assign it to the identity",
        "that runs `arcsupport collect --azure-resource-id ...` (a user, a service principal or",
        "a managed identity) on the resource groups of the connected cluster, the custom",
        "location (which holds kubernetesVersions and skus) and the Azure Local instance; when",
        "they share a resource group, one assignment does. Reading the subscription itself is",
        "normally allowed with any role assignment inside it (docs/least-privilege.md).",
        "",
    ]
    for what, group in AZURE_SCOPES:
        lines.extend(
            [
                f"{what}:",
                "  az role assignment create --assignee <principal-id> "
                f"--role {AZURE_READER_ROLE} \\",
                f"    --scope /subscriptions/<subscription-id>/resourceGroups/<{group}>",
            ]
        )
    return lines


def rbac_yaml(
    helm_secrets: bool = False,
    namespace: str = DEFAULT_NAMESPACE,
    service_account: str = DEFAULT_SERVICE_ACCOUNT,
) -> str:
    """`arcsupport rbac`: the ClusterRole, the binding, then the Azure side as comments."""
    return (
        cluster_role_yaml(helm_secrets)
        + "---\n"
        + cluster_role_binding_yaml(namespace, service_account)
        + "\n"
        + comment(azure_lines())
    )


def notes(helm_secrets: bool = False) -> str:
    """What only comments can say: beside `--output json`, printed on stderr."""
    lines = [*SECRETS_COMMENT, ""] if helm_secrets else []
    return comment([*lines, *azure_lines()])


def rbac_list(
    helm_secrets: bool = False,
    namespace: str = DEFAULT_NAMESPACE,
    service_account: str = DEFAULT_SERVICE_ACCOUNT,
) -> dict[str, Any]:
    """The two objects as one v1 List, which `kubectl apply -f -` takes as it is."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            cluster_role(helm_secrets),
            cluster_role_binding(namespace, service_account),
        ],
    }
