"""What the dashboard's tests share: one fleet, the example clusters of tenant contoso uploaded on
2025-09-15 and re-assessed as a month passes (so verdicts move and the chart has something to
draw), one cluster of tenant fabrikam that contoso must never see, a grant, and a token of
every role."""

from __future__ import annotations

from dataclasses import dataclass

from service_kit import EXAMPLE_NAMES, Service, upload

from arcsupport.service.reassess import reassess_all
from arcsupport.service.tokens import ROLES
from helpers import at

TODAY = "2025-10-15T09:00:00Z"


@dataclass
class Fleet:
    service: Service
    tokens: dict[str, str]  # contoso's, by role
    clusters: dict[str, str]  # contoso's ids, by example name
    other_token: str  # fabrikam's admin
    other_cluster: str


def load_fleet(service: Service) -> Fleet:
    client = service.client()
    tokens = {role: service.token("contoso", role) for role in ROLES}
    clusters = {name: upload(client, tokens["operator"], name)[1] for name in EXAMPLE_NAMES}
    other_token = service.token("fabrikam", "admin")
    _, other_cluster = upload(client, other_token, "stopped")
    state = service.state
    for day in ("2025-09-25", "2025-10-01", "2025-10-08", TODAY):
        reassess_all(state.database, state.policy.get(), at(day), state.metrics)
    service.clock.now = at(TODAY)
    grant = client.post(
        "/api/v1/access/grants",
        json={"cluster": clusters["healthy"], "engineer": "sam@contoso.example",
              "actions": "view-logs", "for": "8h", "case": "CASE-4711",
              "approved_by": "olga@contoso.example"},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )  # fmt: skip
    assert grant.status_code == 201, grant.text
    return Fleet(service, tokens, clusters, other_token, other_cluster)
