"""The dashboard over HTTP: sign-in into a session cookie, CSRF on every form, roles, tenant
isolation, the filters answering what the API answers, each page in both languages, and the
support side's grant, revocation and audit chain."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from dashboard_kit import Fleet
from fastapi.testclient import TestClient
from service_kit import auth

from arcsupport.i18n import LANGS, Lang
from arcsupport.types import VERDICTS

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def sign_in(client: TestClient, token: str, lang: Lang = "en") -> TestClient:
    form = client.get(f"/?lang={lang}")
    nonce = CSRF.search(form.text)
    assert nonce is not None, form.text
    signed = client.post(
        "/sign-in",
        data={"token": token, "csrf": nonce.group(1), "lang": lang},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return client


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


def cells(page: str) -> list[str]:
    """The cluster names the list shows, in order."""
    return [
        unescape(name)
        for name in re.findall(r'<th scope="row" class="name"><a [^>]*>([^<]*)<', page)
    ]


# --- signing in -------------------------------------------------------------------------------


def test_a_token_becomes_a_strict_session_cookie_that_is_not_the_token(fleet: Fleet) -> None:
    client = fleet.service.client()
    token = fleet.tokens["viewer"]
    form = client.get("/")
    assert form.status_code == 200
    assert '<form method="post" action="/sign-in"' in form.text
    nonce = csrf_of(form.text)
    signed = client.post("/sign-in", data={"token": token, "csrf": nonce}, follow_redirects=False)
    assert signed.status_code == 303
    cookie = next(
        value for name, value in signed.headers.multi_items()
        if name == "set-cookie" and value.startswith("arcsupport_session=")
    )  # fmt: skip
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered
    assert "secure" not in lowered  # plain HTTP: a Secure cookie would never come back
    assert token not in cookie and token.removeprefix("arcs_") not in cookie
    page = client.get("/")
    assert "Clusters of contoso" in page.text
    # The session opens the pages only: the API wants the bearer header.
    assert client.get("/api/v1/clusters").status_code == 401


def test_over_https_the_cookie_is_secure(fleet: Fleet) -> None:
    client = TestClient(fleet.service.app, base_url="https://testserver")
    form = client.get("/")
    signed = client.post(
        "/sign-in",
        data={"token": fleet.tokens["viewer"], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert "secure" in signed.headers["set-cookie"].lower()


def test_sign_in_refuses_a_forged_form_and_a_bad_token(fleet: Fleet) -> None:
    client = fleet.service.client()
    token = fleet.tokens["viewer"]
    # No nonce: a form posted from elsewhere cannot read this page's.
    assert client.post("/sign-in", data={"token": token}).status_code == 403
    nonce = csrf_of(client.get("/").text)
    foreign = client.post(
        "/sign-in",
        data={"token": token, "csrf": nonce},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    nonce = csrf_of(client.get("/?lang=ko").text)
    wrong = client.post("/sign-in", data={"token": "arcs_wrong", "csrf": nonce, "lang": "ko"})
    assert wrong.status_code == 401
    assert "유효하지 않은 토큰" in wrong.text
    assert "arcsupport_session" not in client.cookies


def test_a_session_ends_when_it_expires_is_forged_or_its_token_is_revoked(fleet: Fleet) -> None:
    service = fleet.service
    token = service.token("contoso", "viewer")
    client = sign_in(service.client(), token)
    assert "Clusters of contoso" in client.get("/").text
    cookie = client.cookies["arcsupport_session"]
    token_id, expires, mac = cookie.split(".")
    forged = service.client()
    forged.cookies.set("arcsupport_session", f"{token_id}.{int(expires) + 3600}.{mac}")
    assert 'action="/sign-in"' in forged.get("/").text
    later = service.clock.now
    try:
        service.clock.now = later + timedelta(hours=12, seconds=1)
        assert 'action="/sign-in"' in client.get("/").text
    finally:
        service.clock.now = later
    assert "Clusters of contoso" in client.get("/").text
    from arcsupport.service.tokens import revoke_token

    with service.database.writing() as session:
        revoke_token(session, int(token_id), service.clock())
    assert 'action="/sign-in"' in client.get("/").text


# --- forms and roles --------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token_and_this_sites_origin(fleet: Fleet) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["admin"])
    page = client.get("/support").text
    token = csrf_of(page)
    grant = {"cluster": fleet.clusters["stopped"], "engineer": "kim@contoso.example",
             "actions": "view-logs", "for": "1h", "case": "CASE-1",
             "approved_by": "olga@x"}  # fmt: skip
    for data, headers in (
        (grant, {}),
        ({**grant, "csrf": "0" * 64}, {}),
        ({**grant, "csrf": token}, {"Origin": "https://evil.example"}),
        # A browser's own word that the form comes from another site.
        ({**grant, "csrf": token}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"}),
    ):
        refused = client.post("/support/grants", data=data, headers=headers)
        assert refused.status_code == 403, data
    assert client.post("/sign-out", data={}).status_code == 403
    assert client.post("/support/grants/1/revoke", data={"by": "x"}).status_code == 403
    grants = client.get("/api/v1/access/grants", headers=auth(fleet.tokens["admin"])).json()
    assert "kim@contoso.example" not in {grant["engineer"] for grant in grants["grants"]}
    out = client.post("/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert 'action="/sign-in"' in client.get("/").text


@pytest.mark.parametrize(
    ("role", "support", "form"),
    [("viewer", 403, False), ("operator", 403, False), ("support-engineer", 200, False),
     ("admin", 200, True)],
)  # fmt: skip
def test_the_support_side_is_for_the_roles_allowed(
    fleet: Fleet, role: str, support: int, form: bool
) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens[role])
    fleet_page = client.get("/").text
    assert ('href="/support?' in fleet_page) is (support == 200)
    answer = client.get("/support")
    assert answer.status_code == support
    if support == 200:
        assert "CASE-4711" in answer.text
        assert ('action="/support/grants"' in answer.text) is form
    else:
        assert "CASE-4711" not in answer.text


def test_a_grant_is_recorded_and_revoked_through_the_forms_and_audited(fleet: Fleet) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["admin"], "ko")
    token = csrf_of(client.get("/support?lang=ko").text)
    bad = client.post(
        "/support/grants",
        data={"csrf": token, "lang": "ko", "cluster": fleet.clusters["alpha-gates"],
              "engineer": "lee@contoso.example", "actions": "view-logs", "for": "90d",
              "case": "CASE-77", "approved_by": "olga@contoso.example"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "longest a grant may run" in bad.text and "처리하지 못했습니다" in bad.text
    assert 'value="lee@contoso.example"' in bad.text  # what was typed is kept
    made = client.post(
        "/support/grants",
        data={"csrf": token, "lang": "ko", "cluster": fleet.clusters["alpha-gates"],
              "engineer": "lee@contoso.example", "actions": ["view-logs", "run-commands"],
              "for": "2h", "case": "CASE-77", "approved_by": "olga@contoso.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303 and made.headers["location"].startswith("/support?done=granted")
    listed = client.get("/api/v1/access/grants", headers=auth(fleet.tokens["admin"])).json()
    (grant,) = [item for item in listed["grants"] if item["case"] == "CASE-77"]
    assert grant["actions"] == ["view-logs", "run-commands"] and grant["state"] == "active"
    page = client.get(made.headers["location"]).text
    assert "권한 부여를 기록하고" in page and "lee@contoso.example" in page
    revoked = client.post(
        f"/support/grants/{grant['id']}/revoke",
        data={"csrf": token, "lang": "ko", "by": "olga@contoso.example", "reason": "done"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    listed = client.get("/api/v1/access/grants", headers=auth(fleet.tokens["admin"])).json()
    (grant,) = [item for item in listed["grants"] if item["case"] == "CASE-77"]
    assert grant["state"] == "revoked"
    page = client.get("/support?lang=ko").text
    assert "체인이 온전합니다" in page
    audit = client.get("/api/v1/audit", headers=auth(fleet.tokens["admin"])).json()
    assert [entry["action"] for entry in audit["entries"]][-2:] == ["access.grant", "access.revoke"]
    assert str(audit["entries"][-1]["seq"]) in page


def test_an_access_request_waits_until_an_admin_approves_or_declines_it_all_audited(
    fleet: Fleet,
) -> None:
    engineer = sign_in(fleet.service.client(), fleet.tokens["support-engineer"])
    page = engineer.get("/support").text
    assert 'action="/support/requests"' in page
    asked = {"csrf": csrf_of(page), "cluster": fleet.clusters["alpha-gates"],
             "engineer": "jin@contoso.example", "actions": ["view-logs", "node-login"],
             "for": "2h", "case": "CASE-88", "reason": "the upgrade hangs on node 2"}  # fmt: skip
    made = engineer.post("/support/requests", data=asked, follow_redirects=False)
    assert made.status_code == 303 and "done=requested" in made.headers["location"]
    page = engineer.get(made.headers["location"]).text
    assert "waiting for an admin" in page and "the upgrade hangs on node 2" in page
    listed = engineer.get("/api/v1/access/requests", headers=auth(fleet.tokens["support-engineer"]))
    (request,) = [item for item in listed.json()["requests"] if item["case"] == "CASE-88"]
    assert (request["state"], request["minutes"], request["grant"]) == ("pending", 120, None)
    assert request["actions"] == ["view-logs", "node-login"]
    approve = f"/support/requests/{request['id']}/approve"
    assert f'action="{approve}"' not in page  # only an admin decides
    refused = engineer.post(approve, data={"csrf": asked["csrf"], "approved_by": "o@x"})
    assert refused.status_code == 403
    api = fleet.service.client()
    for role, path, body in (
        ("viewer", "/api/v1/access/requests", {}),
        ("operator", "/api/v1/access/requests", {}),
        ("support-engineer", f"/api/v1/access/requests/{request['id']}/approve",
         {"approved_by": "o@x"}),
    ):  # fmt: skip
        assert api.post(path, json=body, headers=auth(fleet.tokens[role])).status_code == 403
    assert (
        api.get("/api/v1/access/requests", headers=auth(fleet.tokens["viewer"])).status_code == 403
    )

    admin = sign_in(fleet.service.client(), fleet.tokens["admin"], "ko")
    page = admin.get("/support?lang=ko").text
    assert f'action="{approve}"' in page and "대기 중" in page
    token = csrf_of(page)
    selfish = admin.post(approve, data={"csrf": token, "lang": "ko",
                                        "approved_by": "jin@contoso.example"})  # fmt: skip
    assert selfish.status_code == 400 and "cannot approve a grant to themselves" in selfish.text
    approved = admin.post(
        approve, data={"csrf": token, "lang": "ko", "approved_by": "olga@contoso.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert approved.status_code == 303 and "done=approved" in approved.headers["location"]
    assert "요청을 승인했습니다" in admin.get(approved.headers["location"]).text
    listed = api.get("/api/v1/access/requests", headers=auth(fleet.tokens["admin"])).json()
    (request,) = [item for item in listed["requests"] if item["case"] == "CASE-88"]
    assert (request["state"], request["decided_by"]) == ("approved", "olga@contoso.example")
    grants = api.get("/api/v1/access/grants", headers=auth(fleet.tokens["admin"])).json()
    (grant,) = [item for item in grants["grants"] if item["id"] == request["grant"]]
    assert (grant["engineer"], grant["approved_by"], grant["state"]) == (
        "jin@contoso.example", "olga@contoso.example", "active",
    )  # fmt: skip
    length = datetime.fromisoformat(grant["ends_at"]) - datetime.fromisoformat(grant["starts_at"])
    assert length == timedelta(hours=2)
    assert grant["actions"] == ["view-logs", "node-login"] and grant["case"] == "CASE-88"
    again = admin.post(approve, data={"csrf": token, "approved_by": "olga@contoso.example"})
    assert again.status_code == 400 and "already approved" in again.text

    declined_case = {**asked, "case": "CASE-89"}
    engineer.post("/support/requests", data=declined_case)
    listed = api.get("/api/v1/access/requests", headers=auth(fleet.tokens["admin"])).json()
    (second,) = [item for item in listed["requests"] if item["case"] == "CASE-89"]
    declined = admin.post(
        f"/support/requests/{second['id']}/decline",
        data={"csrf": token, "by": "olga@contoso.example", "reason": "not needed"},
        follow_redirects=False,
    )
    assert declined.status_code == 303 and "done=declined" in declined.headers["location"]
    listed = api.get("/api/v1/access/requests", headers=auth(fleet.tokens["admin"])).json()
    (second,) = [item for item in listed["requests"] if item["case"] == "CASE-89"]
    assert (second["state"], second["decline_reason"], second["grant"]) == (
        "declined", "not needed", None,
    )  # fmt: skip

    entries = api.get("/api/v1/audit", headers=auth(fleet.tokens["admin"])).json()["entries"]
    trail = [(entry["action"], entry["actor"]) for entry in entries][-5:]
    assert trail == [
        ("access.request", "jin@contoso.example"),
        ("access.grant", "olga@contoso.example"),
        ("access.approve", "olga@contoso.example"),
        ("access.request", "jin@contoso.example"),
        ("access.decline", "olga@contoso.example"),
    ]
    assert entries[-3]["details"] == {
        "request": request["id"], "grant": grant["id"], "approved_by": "olga@contoso.example"
    }  # fmt: skip
    assert api.get("/api/v1/audit/verify", headers=auth(fleet.tokens["admin"])).json()["intact"]


def test_an_admin_may_approve_a_request_from_a_later_start(fleet: Fleet) -> None:
    """The approve form takes the grant's start (empty: now), as the grant form does; a start
    that is not a time is refused in one line and leaves the request pending."""
    engineer = sign_in(fleet.service.client(), fleet.tokens["support-engineer"])
    asked = {"csrf": csrf_of(engineer.get("/support").text), "cluster": fleet.clusters["stopped"],
             "engineer": "min@contoso.example", "actions": "view-logs", "for": "1h",
             "case": "CASE-91", "reason": "maintenance window on Saturday"}  # fmt: skip
    assert engineer.post("/support/requests", data=asked).status_code == 200
    api = fleet.service.client()
    listed = api.get("/api/v1/access/requests", headers=auth(fleet.tokens["admin"])).json()
    (request,) = [item for item in listed["requests"] if item["case"] == "CASE-91"]
    approve = f"/support/requests/{request['id']}/approve"

    admin = sign_in(fleet.service.client(), fleet.tokens["admin"])
    page = admin.get("/support").text
    assert f'id="approve-starts-{request["id"]}" name="starts_at"' in page
    token = csrf_of(page)
    bad = admin.post(approve, data={"csrf": token, "approved_by": "olga@contoso.example",
                                    "starts_at": "next Saturday"})  # fmt: skip
    assert bad.status_code == 400 and "next Saturday" in bad.text
    listed = api.get("/api/v1/access/requests", headers=auth(fleet.tokens["admin"])).json()
    (still,) = [item for item in listed["requests"] if item["case"] == "CASE-91"]
    assert (still["state"], still["grant"]) == ("pending", None)

    approved = admin.post(
        approve,
        data={"csrf": token, "approved_by": "olga@contoso.example",
              "starts_at": "2099-01-03T09:00:00Z"},
        follow_redirects=False,
    )  # fmt: skip
    assert approved.status_code == 303 and "done=approved" in approved.headers["location"]
    grants = api.get("/api/v1/access/grants", headers=auth(fleet.tokens["admin"])).json()
    (grant,) = [item for item in grants["grants"] if item["case"] == "CASE-91"]
    assert datetime.fromisoformat(grant["starts_at"]) == datetime(2099, 1, 3, 9, tzinfo=UTC)
    assert datetime.fromisoformat(grant["ends_at"]) == datetime(2099, 1, 3, 10, tzinfo=UTC)
    assert grant["state"] != "active"


def test_another_tenants_grant_or_cluster_is_not_found(fleet: Fleet) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["admin"])
    token = csrf_of(client.get("/support").text)
    elsewhere = client.post(
        "/support/grants",
        data={"csrf": token, "cluster": fleet.other_cluster, "engineer": "e@x", "for": "1h",
              "actions": "view-logs", "case": "C-1", "approved_by": "o@x"},
    )  # fmt: skip
    assert elsewhere.status_code == 404
    other = fleet.service.client()
    other_grant = other.post(
        "/api/v1/access/grants",
        json={"cluster": fleet.other_cluster, "engineer": "e@fabrikam.example",
              "actions": "view-logs", "for": "1h", "case": "F-1",
              "approved_by": "o@fabrikam.example"},
        headers=auth(fleet.other_token),
    ).json()  # fmt: skip
    revoke = client.post(
        f"/support/grants/{other_grant['grant']['id']}/revoke", data={"csrf": token, "by": "me"}
    )
    assert revoke.status_code == 404
    assert "F-1" not in revoke.text


# --- what the pages show ----------------------------------------------------------------------


def test_a_viewer_never_sees_another_tenants_cluster(fleet: Fleet) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["viewer"])
    page = client.get("/").text
    assert fleet.other_cluster not in page
    assert all(cluster in page for cluster in fleet.clusters.values())
    missing = client.get(f"/clusters/{fleet.other_cluster}")
    assert missing.status_code == 404
    assert "no such cluster" in missing.text.lower() and "contoso-stopped" not in missing.text
    # The bearer header opens the pages too, with the same tenant scoping.
    other = fleet.service.client().get("/", headers=auth(fleet.other_token)).text
    assert not any(cluster in other for cluster in fleet.clusters.values())
    assert fleet.other_cluster in other


def _api_names(fleet: Fleet, query: str) -> list[str]:
    client = fleet.service.client()
    found = client.get(f"/api/v1/clusters?{query}", headers=auth(fleet.tokens["viewer"]))
    assert found.status_code == 200, found.text
    return [cluster["name"] for cluster in found.json()["clusters"]]


@pytest.mark.parametrize(
    ("page_query", "api_query"),
    [("", ""), ("verdict=unsupported", "verdict=unsupported"),
     ("verdict=at-risk", "verdict=at-risk"),
     ("clause=stop-3", "clause=STOP-3"), ("clause=SHR-4", "clause=SHR-4"),
     ("release=2507", "azure_local_release=2507"), ("q=mesh", "q=mesh"),
     ("verdict=at-risk&release=2508", "verdict=at-risk&azure_local_release=2508")],
)  # fmt: skip
def test_the_filters_show_what_the_api_lists(fleet: Fleet, page_query: str, api_query: str) -> None:
    client = fleet.service.client()
    page = client.get(f"/?{page_query}", headers=auth(fleet.tokens["viewer"])).text
    assert cells(page) == _api_names(fleet, api_query)


def test_the_filters_narrow_the_fleet(fleet: Fleet) -> None:
    """The filter values exist in the data, so the test above compares non-trivial lists."""
    everything = _api_names(fleet, "")
    assert len(everything) == len(fleet.clusters)
    for query in ("verdict=unsupported", "clause=STOP-3", "azure_local_release=2507"):
        narrowed = _api_names(fleet, query)
        assert 0 < len(narrowed) < len(everything), query


def test_htmx_gets_the_list_alone_and_a_history_restore_the_whole_page(fleet: Fleet) -> None:
    client = fleet.service.client()
    headers = {**auth(fleet.tokens["viewer"]), "HX-Request": "true"}
    partial = client.get("/?verdict=unsupported", headers=headers)
    assert partial.status_code == 200
    assert "<html" not in partial.text and "<tbody>" in partial.text
    assert cells(partial.text) == _api_names(fleet, "verdict=unsupported")
    whole = client.get(
        "/?verdict=unsupported", headers={**headers, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in whole.text


def test_a_bad_filter_is_a_page_that_says_so(fleet: Fleet) -> None:
    client = fleet.service.client()
    bad = client.get("/?verdict=fine", headers=auth(fleet.tokens["viewer"]))
    assert bad.status_code == 400 and "must be one of" in bad.text and "<html" in bad.text
    cursor = client.get("/?cursor=bm9wZQ", headers=auth(fleet.tokens["viewer"]))
    assert cursor.status_code == 400


def test_the_fleet_page_totals_chart_and_deadlines(fleet: Fleet) -> None:
    client = fleet.service.client()
    page = client.get("/", headers=auth(fleet.tokens["viewer"])).text
    api = client.get("/api/v1/clusters", headers=auth(fleet.tokens["viewer"])).json()["clusters"]
    for verdict in VERDICTS:
        count = sum(1 for cluster in api if cluster["verdict"] == verdict)
        assert re.search(
            rf'total verdict-{verdict}">\s*<a [^>]*>\s*<span class="count">{count}</span>', page
        ), verdict
    # Verdicts over time: a band for every verdict, and the weekly table ends today with
    # today's totals.
    assert page.count('<polygon class="band ') == len(VERDICTS)
    last_row = re.findall(r'<tr><th scope="row">(2025-10-15)</th>(.*?)</tr>', page)
    assert last_row, "the table of the chart ends today"
    numbers = [int(value) for value in re.findall(r'class="num">(\d+)<', last_row[0][1])]
    assert sum(numbers) == len(api)
    # The weeks before show the earlier verdicts: the fleet's verdicts moved in the month.
    weeks = re.findall(r'<tr><th scope="row">(\d{4}-\d\d-\d\d)</th>(.*?)</tr>', page)
    assert len({row for _, row in weeks}) > 1
    deadlines = client.get(
        "/api/v1/deadlines?before=2026-01-14", headers=auth(fleet.tokens["viewer"])
    ).json()["deadlines"]
    assert deadlines
    for deadline in deadlines:
        assert f'<time datetime="{deadline["date"]}">' in page


def test_the_cluster_page_shows_timeline_findings_operations_plan_and_history(
    fleet: Fleet,
) -> None:
    client = fleet.service.client()
    headers = auth(fleet.tokens["viewer"])
    cluster = fleet.clusters["stopped"]
    page = client.get(f"/clusters/{cluster}", headers=headers).text
    document = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert '<svg class="timeline"' in page  # the report's own timeline template
    assert page.count('class="marker"') == len(document["deadlines"])
    for finding in document["findings"]:
        assert unescape(finding["title"]) in unescape(page)
        for item in finding["evidence"]:
            assert f"<code>{item['field']}</code>" in unescape(page).replace("&#34;", '"')
    # The clause's own words, from the policy pack.
    from helpers import default_pack

    stop3 = default_pack().clauses["STOP-3"].text.en
    assert "STOP-3" in {clause for finding in document["findings"] for clause in finding["clauses"]}
    assert unescape(stop3) in unescape(page)
    for operation, decision in document["operations"].items():
        assert f"<code>{operation}</code>" in page
        for reason in decision["reasons"]:
            assert reason in unescape(page)
    plan = client.get(f"/api/v1/clusters/{cluster}/plan", headers=headers).json()
    for step in plan["steps"]:
        assert f"<strong>{step['to']}</strong>" in page
    history = client.get(f"/api/v1/clusters/{cluster}/history", headers=headers).json()
    assert page.count("<time datetime=") >= len(history["verdict_changes"]) > 0
    for change in history["verdict_changes"]:
        assert f'<time datetime="{change["at"]}">' in page


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_speaks_the_language_asked(fleet: Fleet, lang: Lang) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["admin"], lang)
    pages = {
        "fleet": client.get(f"/?lang={lang}"),
        "cluster": client.get(f"/clusters/{fleet.clusters['disconnected-40d']}?lang={lang}"),
        "support": client.get(f"/support?lang={lang}"),
        "missing": client.get(f"/clusters/nope?lang={lang}"),
        "sign-in": fleet.service.client().get(f"/?lang={lang}"),
    }
    for name, answer in pages.items():
        body = answer.text
        assert f'<html lang="{lang}">' in body, name
        # The words, less code (audit actions such as access.grant) and the link to the other
        # language, which names itself in that language.
        words = re.sub(
            r"<code[^>]*>.*?</code>|<a [^>]*hreflang[^>]*>.*?</a>", " ", body, flags=re.S
        )
        words = re.sub(r"<[^>]+>", " ", words)
        # A catalog key shown instead of its words is a missing translation.
        leaked = re.search(r"\b(dashboard|report|ui|plan|access)\.[a-z-]+", words)
        assert not leaked, (name, leaked)
        assert bool(HANGUL.search(words)) is (lang == "ko"), name


def test_the_pages_refer_to_nothing_outside_the_service(fleet: Fleet) -> None:
    client = sign_in(fleet.service.client(), fleet.tokens["admin"])
    for path in ("/", f"/clusters/{fleet.clusters['healthy']}", "/support"):
        page = client.get(path)
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        for reference in re.findall(r'(?:src|href|action)="([^"]*)"', page.text):
            assert reference.startswith(("/", "#", "?")), reference
    for name, media_type in (("htmx.min.js", "text/javascript"), ("dashboard.css", "text/css"),
                             ("report.css", "text/css")):  # fmt: skip
        static = client.get(f"/static/{name}")
        assert static.status_code == 200 and static.headers["content-type"].startswith(media_type)
        assert "no-store" not in static.headers["cache-control"]
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404
