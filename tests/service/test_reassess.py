"""Verdicts that move with time: re-assessment at a later moment changes a verdict without a
new upload, records the change, confirms unchanged judgements in place, and runs when the day
or the policy changes."""

from __future__ import annotations

import asyncio

from service_kit import Service, auth, upload

from arcsupport.service.jobs import InProcessScheduler, JobContext, reassess_due
from arcsupport.service.policy import Policy
from arcsupport.service.reassess import due, reassess_all
from helpers import at, default_pack


def test_crossing_a_deadline_changes_the_verdict_without_an_upload(any_service: Service) -> None:
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    _, cluster = upload(client, token, "healthy")
    headers = auth(token)
    before = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert before["verdict"] == "supported"
    deadline = before["deadlines"][0]["date"]  # Azure Local 2508 leaves support
    assert deadline == "2026-02-01"
    state = any_service.state
    # The same day: nothing changes, the judgement is confirmed in place.
    same_day = reassess_all(
        state.database, state.policy.get(), at("2025-09-15T20:00:00Z"), state.metrics
    )
    assert (same_day.clusters, same_day.changed, same_day.verdicts_changed) == (1, 0, 0)
    history = client.get(f"/api/v1/clusters/{cluster}/history", headers=headers).json()
    assert [a["evaluated_at"] for a in history["assessments"]] == ["2025-09-15T20:00:00Z"]
    # The day after the deadline.
    later = reassess_all(state.database, state.policy.get(), at("2026-02-02"), state.metrics)
    assert (later.clusters, later.verdicts_changed) == (1, 1)
    after = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert after["verdict"] == "unsupported"
    assert after["evaluated_at"] == "2026-02-02T00:00:00Z"
    history = client.get(f"/api/v1/clusters/{cluster}/history", headers=headers).json()
    assert history["verdict_changes"][0] == {
        "at": "2026-02-02T00:00:00Z",
        "from_verdict": "supported",
        "to_verdict": "unsupported",
        "cause": "reassessment",
    }
    listed = client.get("/api/v1/clusters?verdict=unsupported", headers=headers).json()
    assert [c["id"] for c in listed["clusters"]] == [cluster]


def test_the_scheduler_runs_what_a_new_day_or_a_new_pack_makes_due(service: Service) -> None:
    client = service.client()
    upload(client, service.token("contoso", "operator"), "healthy")
    state = service.state
    context = JobContext(state.database, state.policy, state.metrics, service.clock)
    assert due(state.database, state.policy.get(), service.clock()) == 0
    assert reassess_due(context) is None
    service.clock.now = at("2025-09-16T00:05:00Z")
    assert due(state.database, state.policy.get(), service.clock()) == 1
    result = reassess_due(context)
    assert result is not None and result.clusters == 1
    assert reassess_due(context) is None
    # Another pack: every cluster is due again, the same day.
    other = Policy(default_pack(), "0" * 64)
    assert due(state.database, other, service.clock()) == 1


def test_the_in_process_scheduler_runs_in_the_background(service: Service) -> None:
    client = service.client()
    upload(client, service.token("contoso", "operator"), "healthy")
    service.clock.now = at("2026-02-02")
    state = service.state
    scheduler = InProcessScheduler(
        JobContext(state.database, state.policy, state.metrics, service.clock), every=0.05
    )

    async def run() -> None:
        await scheduler.start()
        for _ in range(200):
            await asyncio.sleep(0.05)
            if not due(state.database, state.policy.get(), service.clock()):
                break
        await scheduler.stop()

    asyncio.run(run())
    assert due(state.database, state.policy.get(), service.clock()) == 0
    listed = client.get("/api/v1/clusters", headers=auth(service.token("contoso", "viewer"))).json()
    assert listed["clusters"][0]["verdict"] == "unsupported"
