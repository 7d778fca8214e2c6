"""Notifications against real receivers on loopback: each channel's payload in its documented
shape, reminders at the tenant's days and on every verdict change, retries with backoff, a
failing channel that holds up no other, secrets kept out of logs and records, and each event
delivered once when several workers run the job at once (threads on SQLite; processes on
PostgreSQL)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from notify_kit import Receiver, mail_server, receiving
from service_kit import Service, auth, make_service, recollected, upload
from sqlalchemy import select

from arcsupport.schema import load_schema
from arcsupport.service.models import NotifyAttempt, NotifyDelivery
from arcsupport.service.notify import settings
from arcsupport.service.notify.job import BACKOFF, LEASE, MAX_ATTEMPTS, _claim, deliver_due
from arcsupport.service.notify.notice import threshold
from helpers import DATA, ROOT, at

SCHEMAS = DATA / "notify"
SLACK = json.loads((SCHEMAS / "slack-message.schema.json").read_text())
TEAMS = json.loads((SCHEMAS / "teams-message.schema.json").read_text())
# The example `stopped` has STOP-2 due on 2025-10-30: 45 days after the service's clock.
STOP_2 = "2025-10-30"


def add(
    service: Service, kind: settings.Kind, target: settings.Target, tenant: str = "contoso"
) -> int:
    with service.database.writing() as session:
        return settings.add_channel(session, tenant, kind, target, service.clock()).id


def hook(receiver: Receiver, path: str) -> settings.WebhookTarget:
    return settings.parse_url("--webhook", receiver.url(path))


def deliveries(service: Service) -> list[NotifyDelivery]:
    with service.database.reading() as session:
        return list(session.scalars(select(NotifyDelivery).order_by(NotifyDelivery.id)))


def run(service: Service) -> None:
    deliver_due(service.database, service.clock)


def test_webhook_slack_and_teams_get_their_documented_shapes(service: Service) -> None:
    with receiving() as receiver:
        for kind in ("webhook", "slack", "teams"):
            add(service, kind, hook(receiver, f"/{kind}"))
        upload(service.client(), service.token("contoso", "operator"), "stopped")
        run(service)
        for kind in ("webhook", "slack", "teams"):
            # The cluster's first verdict and the 90-day reminder of its STOP-2 deadline.
            assert len(receiver.at(f"/{kind}")) == 2, kind
        schema = load_schema("notification")
        documents = [item.json() for item in receiver.at("/webhook")]
        for document in documents:
            jsonschema.validate(document, schema)
        change, deadline = sorted(documents, key=lambda item: item["event"], reverse=True)
        assert change["verdict_change"]["from"] is None
        assert change["verdict_change"]["to"] == "unsupported"
        assert change["verdict_change"]["reasons"][0]["severity"] == "unsupported"
        assert deadline["deadline"] == {
            "date": STOP_2,
            "days_left": 45,
            "threshold_days": 90,
            "clauses": ["STOP-2"],
            "what": deadline["deadline"]["what"],
        }
        assert STOP_2 in deadline["title"] and "in 45 days" in deadline["title"]
        for item in receiver.at("/slack"):
            assert item.content_type == "application/json"
            jsonschema.validate(item.json(), SLACK)
        for item in receiver.at("/teams"):
            jsonschema.validate(item.json(), TEAMS)
        # The same event is named alike on every channel.
        slack_ids = {
            item.json()["blocks"][-1]["elements"][0]["text"] for item in receiver.at("/slack")
        }
        assert {f"arcsupport, tenant contoso · event {doc['id']}" for doc in documents} == slack_ids
        run(service)  # nothing new: nothing sent again
        assert len(receiver.received) == 6
    assert {row.status for row in deliveries(service)} == {"sent"}


def test_reminders_at_the_tenants_days_once_each(service: Service) -> None:
    with receiving() as receiver:
        add(service, "webhook", hook(receiver, "/hook"))
        with service.database.writing() as session:
            settings.set_settings(session, "contoso", service.clock(), days=(40, 10))
        upload(service.client(), service.token("contoso", "operator"), "stopped")
        run(service)  # 45 days ahead: no reminder within 40 yet, only the first verdict
        assert [item.json()["event"] for item in receiver.received] == ["verdict-change"]
        seen = []
        for day in ("2025-09-21", "2025-09-22", "2025-10-19", "2025-10-20", "2025-10-29"):
            service.clock.now = at(f"{day}T09:00:00Z")
            run(service)
            seen.append(
                [item.json()["deadline"]["threshold_days"] for item in receiver.received[1:]]
            )
        # 39 days before: the 40-day reminder; 11 days before: nothing new; 10: the 10-day one.
        assert seen == [[40], [40], [40], [40, 10], [40, 10]]


def test_a_verdict_change_is_told_in_korean_when_the_tenant_asks(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    upload(client, token, recollected("healthy", "2025-09-14T00:00:00Z"))
    with receiving() as receiver:
        add(service, "webhook", hook(receiver, "/hook"))
        with service.database.writing() as session:
            settings.set_settings(session, "contoso", service.clock(), lang="ko")
        run(service)
        assert receiver.received == []  # the first verdict came before the channel
        service.clock.now += timedelta(hours=1)
        upload(client, token, recollected("healthy", "2025-09-15T00:00:00Z", "deprecated-version"))
        run(service)
        (document,) = [item.json() for item in receiver.received]
    jsonschema.validate(document, load_schema("notification"))
    change = document["verdict_change"]
    assert (change["from"], change["to"], change["cause"]) == ("supported", "unsupported", "upload")
    assert document["lang"] == "ko"
    assert "판정 지원됨 → 지원되지 않음" in document["title"]
    assert "새 수집본" in document["text"]


def test_email_in_plain_text_and_html(service: Service) -> None:
    with mail_server() as (port, mails):
        target = settings.parse_smtp(
            f"smtp://127.0.0.1:{port}", "arcsupport@example.com", ["ops@example.com"], None
        )
        assert target.security == "plain"  # loopback only: anywhere else it is STARTTLS
        add(service, "email", target)
        with service.database.writing() as session:
            settings.set_settings(session, "contoso", service.clock(), lang="ko")
        upload(service.client(), service.token("contoso", "operator"), "stopped")
        run(service)
        assert len(mails) == 2
        by_subject = {
            message["Subject"]: (sender, rcpts, message) for sender, rcpts, message in mails
        }
    reminder = next(subject for subject in by_subject if STOP_2 in subject)
    sender, recipients, message = by_subject[reminder]
    assert (sender, recipients) == ("arcsupport@example.com", ["ops@example.com"])
    assert reminder.startswith("[arcsupport] contoso-stopped: 2025-10-30에")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    assert "45일 남음" in plain.get_content()
    assert '<html lang="ko">' in rich.get_content() and "STOP-2" in rich.get_content()
    assert message["Message-ID"].endswith("@arcsupport.notify>")


def test_retried_with_backoff_until_received_and_no_other_channel_waits(service: Service) -> None:
    with receiving() as receiver:
        flaky = add(service, "webhook", hook(receiver, "/flaky"))
        add(service, "slack", hook(receiver, "/steady"))
        receiver.answers["/flaky"] = [(503, "busy"), (502, "bad gateway")]
        upload(service.client(), service.token("contoso", "operator"), "healthy")
        run(service)
        assert len(receiver.at("/steady")) == 1  # not held up by the failing channel
        (row,) = [row for row in deliveries(service) if row.channel_id == flaky]
        assert (row.status, row.attempts, row.last_error) == (
            "pending",
            1,
            "HTTP 503 from 127.0.0.1: busy",
        )
        assert row.next_attempt_at == service.clock() + BACKOFF[0]
        run(service)  # not yet due
        assert len(receiver.at("/flaky")) == 1
        service.clock.now += BACKOFF[0]
        run(service)
        service.clock.now += BACKOFF[1]
        run(service)
        assert len(receiver.at("/flaky")) == 3 and len(receiver.at("/steady")) == 1
    (row,) = [row for row in deliveries(service) if row.channel_id == flaky]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert row.sent_at == service.clock()
    with service.database.reading() as session:
        errors = session.scalars(
            select(NotifyAttempt.error)
            .where(NotifyAttempt.delivery_id == row.id)
            .order_by(NotifyAttempt.id)
        ).all()
    assert errors == ["HTTP 503 from 127.0.0.1: busy", "HTTP 502 from 127.0.0.1: bad gateway", None]


def test_retries_are_bounded_and_a_gone_webhook_fails_at_once(service: Service) -> None:
    with receiving() as receiver:
        busy = add(service, "webhook", hook(receiver, "/busy"))
        gone = add(service, "slack", hook(receiver, "/gone"))
        receiver.answers["/busy"] = [(503, "busy")] * 10
        receiver.answers["/gone"] = [(404, "no_service")] * 10
        upload(service.client(), service.token("contoso", "operator"), "healthy")
        for wait in (timedelta(0), *BACKOFF, timedelta(days=1)):
            service.clock.now += wait
            run(service)
        assert len(receiver.at("/busy")) == MAX_ATTEMPTS
        assert len(receiver.at("/gone")) == 1
    rows = {row.channel_id: row for row in deliveries(service)}
    assert (rows[busy].status, rows[busy].attempts) == ("failed", MAX_ATTEMPTS)
    assert (rows[gone].status, rows[gone].attempts) == ("failed", 1)
    assert rows[gone].last_error == "HTTP 404 from 127.0.0.1: no_service"


def test_a_webhook_url_is_never_logged_nor_recorded(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "/services/T0001/B0002/XXXXsecretXXXX"
    with receiving() as receiver:
        add(service, "slack", hook(receiver, secret))
        # A receiver that echoes the request line in its error.
        receiver.answers[secret] = [(500, f"cannot route POST {secret}")]
        upload(service.client(), service.token("contoso", "operator"), "healthy")
        with caplog.at_level(logging.DEBUG):
            run(service)
        with service.database.writing() as session:
            listed = settings.list_channels(session, "contoso")
    (row,) = deliveries(service)
    assert row.last_error == "HTTP 500 from 127.0.0.1: cannot route POST …"
    assert "XXXXsecretXXXX" not in caplog.text and "500" in caplog.text
    assert listed[0].where == f"http://127.0.0.1:{receiver.server.server_address[1]}/…"


def test_an_unreachable_receiver_is_retried(service: Service) -> None:
    with receiving() as receiver:
        url = receiver.url("/down")
    add(service, "webhook", settings.parse_url("--webhook", url))  # nothing listens there now
    upload(service.client(), service.token("contoso", "operator"), "healthy")
    run(service)
    (row,) = deliveries(service)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "ConnectError reaching 127.0.0.1"


def test_a_removed_channel_gets_nothing_more(service: Service) -> None:
    with receiving() as receiver:
        channel = add(service, "webhook", hook(receiver, "/hook"))
        receiver.answers["/hook"] = [(503, "busy")]
        upload(service.client(), service.token("contoso", "operator"), "stopped")
        run(service)
        with service.database.writing() as session:
            settings.remove_channel(session, channel, service.clock())
        service.clock.now += timedelta(days=30)
        run(service)
        # The first run's one try, refused (the channel's other notice then waited).
        assert len(receiver.received) == 1
    assert [row.status for row in deliveries(service)] == ["cancelled", "cancelled"]


def test_a_claim_left_by_a_dead_worker_lapses_and_the_notice_goes_out(service: Service) -> None:
    with receiving() as receiver:
        add(service, "webhook", hook(receiver, "/hook"))
        upload(service.client(), service.token("contoso", "operator"), "healthy")
        with service.database.writing() as session:
            from arcsupport.service.notify.notice import plan

            plan(session, service.clock())
        assert len(_claim(service.database, service.clock(), service.clock())) == 1
        run(service)  # claimed by the "dead" worker: not sent meanwhile
        assert receiver.received == []
        service.clock.now += LEASE + timedelta(seconds=1)
        run(service)
        assert len(receiver.received) == 1
    assert deliveries(service)[0].status == "sent"


def _events_once(receiver: Receiver, expected: int) -> None:
    keys = Counter((item.path, item.json()["id"]) for item in receiver.received)
    assert len(keys) == expected
    assert set(keys.values()) == {1}, [key for key, count in keys.items() if count > 1]


def test_two_workers_at_once_deliver_each_event_once(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    with receiving(delay=0.02) as receiver:
        for path in ("/a", "/b", "/c"):
            add(service, "webhook", hook(receiver, path))
        for name in ("stopped", "healthy", "deprecated-version", "disconnected-40d"):
            upload(client, token, name)
        start = threading.Barrier(2)

        def worker() -> None:
            start.wait()
            for _ in range(3):
                deliver_due(service.database, service.clock)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        # 4 first verdicts and 1 reminder (STOP-2), to each of 3 channels.
        _events_once(receiver, 15)
    assert {row.status for row in deliveries(service)} == {"sent"}


def test_the_reminder_threshold_is_the_nearest_day_within() -> None:
    days = (90, 30, 7)
    assert [threshold(left, days) for left in (120, 91, 90, 31, 30, 8, 7, 0, -1)] == [
        None, None, 90, 90, 30, 30, 7, 7, None
    ]  # fmt: skip


WORKER = """
import sys
from datetime import datetime
from arcsupport.service.db import Database
from arcsupport.service.notify.job import deliver_due
from sqlalchemy.engine import make_url

database = Database(make_url(sys.argv[1]))
moment = datetime.fromisoformat(sys.argv[2])
for _ in range(3):
    deliver_due(database, lambda: moment)
database.dispose()
"""


def test_two_processes_on_postgresql_deliver_each_event_once(
    postgres_server: object, tmp_path: Path
) -> None:
    with postgres_server.new_database() as url:  # type: ignore[attr-defined]
        service = make_service(url)
        try:
            client = service.client()
            token = service.token("contoso", "operator")
            with receiving(delay=0.02) as receiver:
                for path in ("/a", "/b", "/c"):
                    add(service, "webhook", hook(receiver, path))
                for name in ("stopped", "healthy", "deprecated-version", "disconnected-40d"):
                    upload(client, token, name)
                address = url.render_as_string(hide_password=False)
                workers = [
                    subprocess.Popen(
                        [sys.executable, "-c", WORKER, address, service.clock().isoformat()],
                        cwd=ROOT,
                    )
                    for _ in range(2)
                ]
                for process in workers:
                    assert process.wait(timeout=120) == 0
                _events_once(receiver, 15)
            assert {row.status for row in deliveries(service)} == {"sent"}
        finally:
            service.database.dispose()


def test_the_channels_of_a_postgresql_database_plan_once_when_two_plan_at_once(
    any_service: Service,
) -> None:
    """The unique key itself: a second planner of the same events inserts nothing."""
    from arcsupport.service.notify.notice import plan

    with receiving() as receiver:
        add(any_service, "webhook", hook(receiver, "/hook"))
    upload(any_service.client(), any_service.token("contoso", "operator"), "stopped")
    with any_service.database.writing() as session:
        assert plan(session, any_service.clock()) == 2
    with any_service.database.writing() as session:
        # As a planner that read before the first committed: every row is offered again.
        from arcsupport.service.notify import notice

        original = notice._known
        notice._known = lambda *args: set()  # type: ignore[assignment]
        try:
            assert plan(session, any_service.clock()) == 0
        finally:
            notice._known = original
    assert len(deliveries(any_service)) == 2


def test_an_admin_reads_and_sets_the_tenants_notifications(service: Service) -> None:
    client = service.client()
    admin = auth(service.token("contoso", "admin"))
    secret = "/services/T1/B2/apiSECRET"
    with receiving() as receiver:
        add(service, "slack", hook(receiver, secret))
        receiver.answers[secret] = [(503, "busy")]
        upload(client, service.token("contoso", "operator"), "healthy")
        run(service)
    response = client.get("/api/v1/notifications", headers=admin)
    assert response.status_code == 200 and "apiSECRET" not in response.text
    document = response.json()
    jsonschema.validate(document, load_schema("notifications"))
    assert document["settings"] == {"days": [90, 30, 7], "lang": "en"}
    (channel,) = document["channels"]
    assert channel["kind"] == "slack" and channel["where"].endswith("/…")
    (delivery,) = document["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["event"]) == (
        "pending", 1, "verdict-change"
    )  # fmt: skip
    assert delivery["last_error"] == "HTTP 503 from 127.0.0.1: busy"
    again = client.get(
        "/api/v1/notifications", headers={**admin, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    put = client.put(
        "/api/v1/notifications/settings",
        content=b'{"days": [7, 45, 45], "lang": "ko"}',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert put.status_code == 200 and put.json()["settings"] == {"days": [45, 7], "lang": "ko"}
    for bad in (b'{"days": [], "lang": "ko"}', b'{"days": [0], "lang": "en"}',
                b'{"days": [7], "lang": "fr"}', b"{"):  # fmt: skip
        answer = client.put(
            "/api/v1/notifications/settings",
            content=bad,
            headers={**admin, "Content-Type": "application/json"},
        )
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad-request"
    operator = auth(service.token("contoso", "operator"))
    assert client.get("/api/v1/notifications", headers=operator).status_code == 403
