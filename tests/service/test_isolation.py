"""A token of one tenant never sees another tenant's data: every route of the app's route
table is called with the second tenant's admin token, against a first tenant that has
clusters, grants and audit entries, and no answer holds anything of the first tenant's. A new
route is covered without touching this test; a new route with a body fails until its body is
listed here. As a property: requests generated from every operation of the OpenAPI document
(any role of the second tenant, queries and bodies as schemathesis makes them, path and body
ids aimed at the first tenant's objects) never reveal them."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_kit import (
    EXPORT,
    FRESH,
    Service,
    auth,
    bundle_bytes,
    fresh_site,
    openapi_schema,
    tarball,
    upload,
)

from helpers import EXAMPLES, at


def _theirs(data: bytes) -> bytes:
    """The second tenant's own data: the examples renamed, their subscriptions replaced."""
    for mine, theirs in (
        (b"fd3c3665-1729-4b7b-9a38-238e83b0f98b", b"0a1b2c3d-0000-4000-8000-00000000f00d"),
        (b"contoso", b"fabrikam"),
        (b"Contoso", b"Fabrikam"),
    ):
        data = data.replace(mine, theirs)
    return data


def _their_bundle() -> bytes:
    root = EXAMPLES / "stopped"
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return bundle_bytes(
        "stopped",
        tuple((str(path.relative_to(root)), _theirs(path.read_bytes())) for path in files),
    )


# A valid body for each route that takes one (cluster ids are filled in per test).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/bundles"): ("application/gzip", lambda ids: _their_bundle()),
    ("POST", "/api/v1/inventory"): ("application/json", lambda ids: _theirs(EXPORT.read_bytes())),
    ("POST", "/api/v1/triage"): (
        "application/json",
        lambda ids: b'{"title": "kubectl logs hangs", "description": "on every node"}',
    ),
    ("PUT", "/api/v1/notifications/settings"): (
        "application/json",
        lambda ids: b'{"days": [14], "lang": "ko"}',
    ),
    ("POST", "/api/v1/access/grants"): (
        "application/json",
        lambda ids: json.dumps(
            {
                "cluster": ids["cluster"],
                "engineer": "eve@fabrikam.example",
                "actions": "view-logs",
                "for": "1h",
                "case": "2",
                "approved_by": "owner@fabrikam.example",
            }
        ).encode(),
    ),
    ("POST", "/api/v1/access/grants/{grant_id}/revoke"): (
        "application/json",
        lambda ids: b'{"by": "owner@fabrikam.example"}',
    ),
    ("POST", "/api/v1/access/requests"): (
        "application/json",
        lambda ids: json.dumps(
            {
                "cluster": ids["cluster"],
                "engineer": "eve@fabrikam.example",
                "actions": "view-logs",
                "for": "1h",
                "case": "2",
                "reason": "logs of the failed upgrade",
            }
        ).encode(),
    ),
    ("POST", "/api/v1/access/requests/{request_id}/approve"): (
        "application/json",
        lambda ids: b'{"approved_by": "owner@fabrikam.example"}',
    ),
    ("POST", "/api/v1/access/requests/{request_id}/decline"): (
        "application/json",
        lambda ids: b'{"by": "owner@fabrikam.example"}',
    ),
    ("POST", "/api/v1/access/check"): (
        "application/json",
        lambda ids: json.dumps(
            {"cluster": ids["cluster"], "engineer": "sam@contoso.example", "action": "view-logs"}
        ).encode(),
    ),
    ("POST", "/support/grants"): (
        "application/x-www-form-urlencoded",
        lambda ids: (
            f"cluster={ids['cluster']}&engineer=sam&actions=view-logs&for=1h"
            "&case=C-1&approved_by=olga".encode()
        ),
    ),
    ("POST", "/support/grants/{grant_id}/revoke"): (
        "application/x-www-form-urlencoded",
        lambda ids: b"by=owner",
    ),
    ("POST", "/support/requests"): (
        "application/x-www-form-urlencoded",
        lambda ids: (
            f"cluster={ids['cluster']}&engineer=eve&actions=view-logs&for=1h"
            "&case=C-1&reason=logs".encode()
        ),
    ),
    ("POST", "/support/requests/{request_id}/approve"): (
        "application/x-www-form-urlencoded",
        lambda ids: b"approved_by=owner",
    ),
    ("POST", "/support/requests/{request_id}/decline"): (
        "application/x-www-form-urlencoded",
        lambda ids: b"by=owner",
    ),
    ("POST", "/sign-in"): ("application/x-www-form-urlencoded", lambda ids: b"token=x"),
    ("POST", "/sign-out"): ("application/x-www-form-urlencoded", lambda ids: b""),
}


def _routes(service: Service) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves. Newer FastAPI keeps an included router
    as one entry (its `original_router` holds the routes); older ones flatten them."""
    found = []
    pending: list[tuple[str, Any]] = [("", route) for route in service.app.routes]
    while pending:
        prefix, route = pending.pop(0)
        included = getattr(route, "original_router", None)
        if included is not None:
            inner = prefix + getattr(getattr(route, "include_context", None), "prefix", "")
            pending.extend((inner, child) for child in included.routes)
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, prefix + route.path))
    assert found, "no route found in the app's route table"
    return found


@pytest.fixture
def first_tenant(service: Service) -> dict[str, str]:
    """contoso: two clusters, a grant, an access check, a pending access request and their
    audit entries."""
    client = service.client()
    admin = service.token("contoso", "admin")
    _, cluster = upload(client, admin, "healthy")
    upload(client, admin, "disconnected-40d")
    grant = client.post(
        "/api/v1/access/grants",
        json={"cluster": cluster, "engineer": "sam@contoso.example", "actions": "view-logs",
              "for": "8h", "case": "CASE-4711", "approved_by": "olga@contoso.example"},
        headers=auth(admin),
    )  # fmt: skip
    assert grant.status_code == 201, grant.text
    check = client.post(
        "/api/v1/access/check",
        json={"cluster": cluster, "engineer": "sam@contoso.example", "action": "view-logs"},
        headers=auth(admin),
    )
    assert check.json()["allowed"] is True
    asked = client.post(
        "/api/v1/access/requests",
        json={"cluster": cluster, "engineer": "sam@contoso.example", "actions": "view-logs",
              "for": "2h", "case": "CASE-4711", "reason": "contoso's upgrade failed"},
        headers=auth(service.token("contoso", "support-engineer")),
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    return {
        "cluster": cluster,
        "grant_id": str(grant.json()["grant"]["id"]),
        "request_id": str(asked.json()["request"]["id"]),
    }


# What would betray the first tenant: its cluster names, ids, ARM ids, people and case.
_SECRETS = re.compile(
    r"contoso|sam@|olga@|CASE-4711|fd3c3665-1729-4b7b-9a38-238e83b0f98b", re.IGNORECASE
)


def test_every_route_is_listed_with_a_body_when_it_takes_one(service: Service) -> None:
    for method, path in _routes(service):
        if method == "POST":
            assert (method, path) in BODIES, f"add a body for {method} {path} to BODIES"


def test_another_tenant_sees_nothing_of_the_first_on_any_route(
    service: Service, first_tenant: dict[str, str]
) -> None:
    client = service.client()
    other = service.token("fabrikam", "admin")
    seen = []
    for method, path in _routes(service):
        url = path.format(
            cluster_id=first_tenant["cluster"],
            grant_id=first_tenant["grant_id"],
            request_id=first_tenant["request_id"],
            name="dashboard.css",
        )
        headers = auth(other)
        content = None
        if (method, path) in BODIES:
            media_type, body = BODIES[(method, path)]
            headers["Content-Type"] = media_type
            ids = {"cluster": first_tenant["cluster"]}
            content = body(ids)
        response = client.request(method, url, headers=headers, content=content)
        seen.append((method, path, response.status_code))
        assert response.status_code < 500, (method, path, response.text)
        text = response.text
        assert not _SECRETS.search(text), (method, path, _SECRETS.search(text))
        assert first_tenant["cluster"] not in text, (method, path)
        if "{cluster_id}" in path or "{grant_id}" in path or "{request_id}" in path:
            assert response.status_code == 404, (method, path, response.status_code)
    # The routes that name a first-tenant object in their body are refused as unknown.
    refused = {(m, p): s for m, p, s in seen}
    assert refused[("POST", "/api/v1/access/grants")] == 404
    assert refused[("POST", "/api/v1/access/check")] == 404
    assert refused[("POST", "/support/grants")] == 404
    assert refused[("POST", "/api/v1/access/requests")] == 404
    assert refused[("POST", "/support/requests")] == 404
    assert len(seen) >= 20


def test_a_newer_offering_in_one_tenant_changes_nothing_for_another(
    any_service: Service, tmp_path: Path
) -> None:
    """What one tenant's custom location offers is never shared with another tenant's clusters
    on the same Azure Local release (tests/data/bundles/fresh's offering, newer than the
    other's: see test_offerings.py), before or after; within its own tenant it is."""
    older = tarball(fresh_site(tmp_path, "site-older", "2026-05-01T08:00:00Z", ("1.31", "1.32")))
    bare = tarball(fresh_site(tmp_path, "site-bare", "2026-05-21T08:00:00Z", None))
    client = any_service.client()
    theirs = any_service.token("fabrikam", "operator")
    mine = any_service.token("contoso", "operator")
    any_service.clock.now = at("2026-06-01T09:00:00Z")
    _, before = upload(client, theirs, older)
    any_service.clock.now = at("2026-06-01T10:00:00Z")
    upload(client, mine, tarball(FRESH))
    upload(client, mine, older)
    _, after = upload(client, theirs, bare)

    def verdicts(token: str) -> dict[str, str]:
        listed = client.get("/api/v1/clusters", headers=auth(token)).json()["clusters"]
        return {cluster["name"]: cluster["verdict"] for cluster in listed}

    assert verdicts(mine) == {"test-hybridakscluster": "supported", "site-older": "supported"}
    assert verdicts(theirs) == {"site-older": "at-risk", "site-bare": "at-risk"}
    history = client.get(f"/api/v1/clusters/{before}/history", headers=auth(theirs)).json()
    assert [a["evaluated_at"] for a in history["assessments"]] == ["2026-06-01T09:00:00Z"]
    # Neither names the other tenant's upload as where its calendar learned anything.
    carrier = f"upload-{hashlib.sha256(tarball(FRESH)).hexdigest()[:12]}.tar.gz"
    for cluster in (before, after):
        judged = client.get(f"/api/v1/clusters/{cluster}", headers=auth(theirs)).json()
        assert not any(carrier in notice for notice in judged["notices"])
    (shared,) = [c for c in client.get("/api/v1/clusters", headers=auth(mine)).json()["clusters"]
                 if c["name"] == "site-older"]  # fmt: skip
    judged = client.get(f"/api/v1/clusters/{shared['id']}", headers=auth(mine)).json()
    assert any(carrier in notice for notice in judged["notices"])


def test_the_second_tenants_lists_are_empty(service: Service, first_tenant: dict[str, str]) -> None:
    client = service.client()
    other = auth(service.token("fabrikam", "admin"))
    assert client.get("/api/v1/clusters", headers=other).json()["clusters"] == []
    assert client.get("/api/v1/deadlines", headers=other).json()["deadlines"] == []
    assert client.get("/api/v1/access/grants", headers=other).json()["grants"] == []
    assert client.get("/api/v1/access/requests", headers=other).json()["requests"] == []
    assert client.get("/api/v1/audit", headers=other).json()["entries"] == []
    verified = client.get("/api/v1/audit/verify", headers=other).json()
    assert verified["intact"] is True and verified["entries"] == 0
    assert client.get("/api/v1/fleet.csv", headers=other).text.count("\n") == 1


ROLES = ("viewer", "operator", "support-engineer", "admin")


def test_generated_requests_of_any_role_never_reach_the_first_tenants_data(
    service: Service, first_tenant: dict[str, str]
) -> None:
    tokens = {role: auth(service.token("fabrikam", role)) for role in ROLES}
    operations = [result.ok() for result in openapi_schema(service.app).get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        _isolated(operation, tokens, first_tenant)


def _isolated(
    operation: schemathesis.APIOperation,
    tokens: dict[str, dict[str, str]],
    first: dict[str, str],
) -> None:
    aimed = {
        "cluster_id": first["cluster"],
        "grant_id": first["grant_id"],
        "request_id": first["request_id"],
    }

    @given(case=operation.as_strategy(), role=st.sampled_from(ROLES), aim=st.booleans())
    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case, role: str, aim: bool) -> None:
        if aim:
            case.path_parameters = {
                name: aimed.get(name, value) for name, value in (case.path_parameters or {}).items()
            }
            if isinstance(case.body, dict) and "cluster" in case.body:
                case.body = {**case.body, "cluster": first["cluster"]}
        response = case.call(headers=tokens[role])
        where = (role, case.method, case.formatted_path)
        assert response.status_code < 500, (where, response.text[:300])
        assert not _SECRETS.search(response.text), (where, _SECRETS.search(response.text))
        assert first["cluster"] not in response.text, where
        if aim and case.path_parameters:
            # Another tenant's object is unknown (or the call is refused before looking).
            assert response.status_code in (400, 401, 403, 404, 405, 415), where

    check()
