"""Schemathesis drives every operation of the service's OpenAPI document with generated
requests (paths, queries, bodies), as an admin of a tenant that has clusters: none may answer
a server error. Bounded: 25 examples per operation, a few hundred requests in all."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from service_kit import EXAMPLE_NAMES, Service, auth, openapi_schema, upload

EXAMPLES_PER_OPERATION = 25


def test_no_operation_answers_a_server_error(service: Service) -> None:
    client = service.client()
    operator = service.token("contoso", "operator")
    for name in EXAMPLE_NAMES:
        upload(client, operator, name)
    admin = auth(service.token("contoso", "admin"))
    schema = openapi_schema(service.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    sent: dict[str, int] = {}

    for operation in operations:
        _drive(operation, admin, sent)
    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(sent)} operations, no 5xx")
    assert total >= 200 and set(sent) == {f"{o.method.upper()} {o.path}" for o in operations}


def _drive(
    operation: schemathesis.APIOperation, headers: dict[str, str], sent: dict[str, int]
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        sent[label] = sent.get(label, 0) + 1
        assert response.status_code < 500, (label, case.formatted_path, response.text[:300])

    check()
