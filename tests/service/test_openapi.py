"""/openapi.json: every route described, with the documents' schemas exactly those shipped in
arcsupport/schema/ (one source of truth: the msgspec Structs), and real answers valid against
it."""

from __future__ import annotations

from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from service_kit import Service, auth, upload

from arcsupport.report.schemas import SCHEMAS
from arcsupport.schema import load_schema
from arcsupport.service.api.common import component_name


def _inline(node: Any, definitions: dict[str, Any], prefix: str) -> Any:
    """The schema with every $ref replaced by what it names."""
    if isinstance(node, dict):
        rest = {key: _inline(value, definitions, prefix) for key, value in node.items()}
        target = rest.pop("$ref", "")
        if target.startswith(prefix):
            return {**_inline(definitions[target[len(prefix) :]], definitions, prefix), **rest}
        return {"$ref": target, **rest} if target else rest
    if isinstance(node, list):
        return [_inline(item, definitions, prefix) for item in node]
    return node


def _shipped(name: str) -> dict[str, Any]:
    schema = load_schema(name)
    definitions = schema.pop("$defs")
    for key in ("$schema", "$id", "title"):
        schema.pop(key)
    inlined: dict[str, Any] = _inline(schema, definitions, "#/$defs/")
    return inlined


def test_the_documents_in_openapi_are_the_shipped_schemas(service: Service) -> None:
    spec = service.client().get("/openapi.json").json()
    components = spec["components"]["schemas"]
    by_title = {
        component_name(roots[0]): name for name, roots in SCHEMAS.items() if len(roots) == 1
    }
    compared = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if content is None:
                    continue
                reference = content["schema"]["$ref"].rsplit("/", 1)[-1]
                assert reference in components, (method, path, status, reference)
                if reference in by_title:
                    served = _inline(components[reference], components, "#/components/schemas/")
                    assert served == _shipped(by_title[reference]), (method, path, reference)
                    compared.add(by_title[reference])
            assert "422" not in operation["responses"], (method, path)
            if not path.startswith(("/healthz", "/readyz")):
                assert operation.get("security"), (method, path)
    assert compared == {
        "assessment", "plan", "clusters", "cluster-history", "deadlines", "ingest",
        "access-grant", "access-grants", "access-check", "audit", "audit-verify", "triage",
        "notifications", "access-request", "access-requests",
    }  # fmt: skip


def test_answers_are_valid_against_the_openapi_document(service: Service) -> None:
    client = service.client()
    spec = client.get("/openapi.json").json()
    registry: Registry[Any] = Registry().with_resource(
        "urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    token = service.token("contoso", "admin")
    _, cluster = upload(client, token, "stopped")
    for path, status in (
        ("/api/v1/clusters", "200"),
        (f"/api/v1/clusters/{cluster}", "200"),
        (f"/api/v1/clusters/{cluster}/history", "200"),
        (f"/api/v1/clusters/{cluster}/plan", "200"),
        ("/api/v1/deadlines", "200"),
        ("/api/v1/audit/verify", "200"),
        ("/api/v1/clusters/" + "0" * 32, "404"),
    ):
        template = path.replace(cluster, "{cluster_id}").replace("0" * 32, "{cluster_id}")
        schema = spec["paths"][template]["get"]["responses"][status]["content"]["application/json"][
            "schema"
        ]
        response = client.get(path, headers=auth(token))
        assert str(response.status_code) == status
        validator = jsonschema.Draft202012Validator(
            {"$ref": "urn:openapi" + schema["$ref"]}, registry=registry
        )
        validator.validate(response.json())
