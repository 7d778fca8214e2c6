"""Who may call what: no token, an unknown or revoked one, a role too low; the probes that
need none; the token's last use recorded; the security headers and the one error shape on
every answer."""

from __future__ import annotations

import pytest
from service_kit import Service, auth, bundle_bytes

from arcsupport.service.tokens import revoke_token


def test_every_api_route_needs_a_token(service: Service) -> None:
    client = service.client()
    for path in ("/api/v1/clusters", "/api/v1/deadlines", "/api/v1/fleet.csv", "/metrics"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"
    unknown = client.get("/api/v1/clusters", headers=auth("arcs_" + "x" * 43))
    assert unknown.status_code == 401
    not_bearer = client.get("/api/v1/clusters", headers={"Authorization": "Basic YTpi"})
    assert not_bearer.status_code == 401


def test_a_revoked_token_is_refused_from_then_on(service: Service) -> None:
    token = service.token("contoso", "viewer")
    client = service.client()
    assert client.get("/api/v1/clusters", headers=auth(token)).status_code == 200
    with service.database.writing() as session:
        revoke_token(session, 1, service.clock())
    assert client.get("/api/v1/clusters", headers=auth(token)).status_code == 401


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 201), ("admin", 201)])
def test_uploading_needs_the_operator_role(service: Service, role: str, status: int) -> None:
    token = service.token("contoso", role)  # type: ignore[arg-type]
    response = service.client().post(
        "/api/v1/bundles",
        content=bundle_bytes("healthy"),
        headers={**auth(token), "Content-Type": "application/gzip"},
    )
    assert response.status_code == status
    if status == 403:
        assert response.json() == {
            "error": {"code": "forbidden", "message": "this needs the operator role or above"}
        }


def test_the_support_side_needs_its_roles(service: Service) -> None:
    client = service.client()
    operator = service.token("contoso", "operator")
    engineer = service.token("contoso", "support-engineer")
    assert client.get("/api/v1/audit", headers=auth(operator)).status_code == 403
    assert client.get("/api/v1/audit", headers=auth(engineer)).status_code == 200
    grant = {"cluster": "0" * 32, "engineer": "e@x", "actions": "view-logs", "for": "1h",
             "case": "1", "approved_by": "o@x"}  # fmt: skip
    refused = client.post("/api/v1/access/grants", json=grant, headers=auth(engineer))
    assert refused.status_code == 403


def test_the_probes_need_no_token_and_readiness_checks_the_schema(service: Service) -> None:
    client = service.client()
    assert client.get("/healthz").text == "ok\n"
    assert client.get("/readyz").status_code == 200
    service.database.engine.dispose()
    with service.database.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE arcsupport_service_version SET version_num = 'old'")
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["error"]["code"] == "not-ready"


def test_a_tokens_use_is_recorded(service: Service) -> None:
    from arcsupport.service.tokens import list_tokens

    token = service.token("contoso", "viewer")
    service.client().get("/api/v1/clusters", headers=auth(token))
    with service.database.reading() as session:
        (record,) = list_tokens(session, "contoso")
    assert record.last_used_at == service.clock()


def test_every_answer_carries_the_security_headers(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "viewer")
    for response in (
        client.get("/healthz"),
        client.get("/"),
        client.get("/api/v1/clusters", headers=auth(token)),
        client.get("/api/v1/clusters"),
        client.get("/no/such/route"),
        client.get("/openapi.json"),
    ):
        headers = response.headers
        assert headers["content-security-policy"].startswith("default-src 'self'")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    api = client.get("/api/v1/clusters", headers=auth(token))
    assert api.headers["cache-control"] == "no-store"
    missing = client.get("/no/such/route")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not-found"


def test_bad_query_values_are_a_400_in_the_error_shape(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "viewer")
    for query in ("limit=0", "limit=501", "deadline_before=tomorrow", "verdict=fine",
                  "cursor=bm9wZQ", "q=" + "x" * 300):  # fmt: skip
        response = client.get(f"/api/v1/clusters?{query}", headers=auth(token))
        assert response.status_code == 400, query
        error = response.json()["error"]
        assert error["code"] == "bad-request"
        assert "\n" not in error["message"]
