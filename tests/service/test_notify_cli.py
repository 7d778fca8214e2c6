"""`arcsupport notify`: channels added, listed without their secrets, removed; a tenant's days
and language; bad input is one line and exit 2, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from arcsupport.service.db import Database, database_url
from arcsupport.service.models import NotifyChannel
from arcsupport.service.notify import settings
from arcsupport.service.notify.notice import threshold

SLACK = "https://hooks.slack.com/services/T000/B000/s3cr3tpath"


def test_channels_added_listed_and_removed(arcsupport: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    password = tmp_path / "smtp-password"
    password.write_text("hunter2\n")
    code, _, err = arcsupport("notify", "add", "--tenant", "contoso", "--slack", SLACK, "--db", db)
    assert code == 0 and "https://hooks.slack.com/…" in err and "s3cr3t" not in err
    code, _, err = arcsupport(
        "notify", "add", "--tenant", "contoso", "--smtp", "smtp://mailer@mail.example.com",
        "--mail-from", "arcsupport@example.com", "--mail-to", "ops@example.com",
        "--mail-to", "lead@example.com", "--smtp-password-file", str(password), "--db", db,
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = arcsupport("notify", "set", "--tenant", "contoso", "--days", "7,60",
                              "--notify-lang", "ko", "--db", db)  # fmt: skip
    assert code == 0
    assert out == "Tenant contoso is reminded before each deadline (days ahead: 60/7), in Korean.\n"
    code, listing, _ = arcsupport("notify", "list", "--db", db)
    assert code == 0
    assert "1  contoso  slack  https://hooks.slack.com/…" in listing
    assert (
        "2  contoso  email  smtp://mail.example.com:587 → ops@example.com, lead@example.com"
        in listing
    )
    assert "s3cr3t" not in listing and "hunter2" not in listing
    assert "(days ahead: 60/7)" in listing
    database = Database(database_url(db))
    with database.reading() as session:
        (slack, mail) = session.scalars(
            select(NotifyChannel.target).order_by(NotifyChannel.id)
        ).all()
    database.dispose()
    stored = settings.decode_target(mail)
    assert isinstance(stored, settings.SmtpTarget)
    assert (stored.security, stored.username, stored.password) == ("starttls", "mailer", "hunter2")
    assert settings.decode_target(slack) == settings.WebhookTarget(SLACK)
    code, _, err = arcsupport("notify", "remove", "1", "--db", db)
    assert code == 0 and "removed" in err
    code, listing, _ = arcsupport(
        "notify", "list", "--tenant", "contoso", "--db", db, "--lang", "ko"
    )
    assert "slack" not in listing and "추가" in listing and "한국어" in listing


def test_bad_input_is_one_line_and_changes_nothing(arcsupport: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    for bad in (
        ("add", "--tenant", "contoso", "--webhook", "http://hooks.example.com/x"),  # plain http
        ("add", "--tenant", "contoso", "--webhook", "ftp://example.com/x"),
        ("add", "--tenant", "contoso", "--slack", SLACK, "--teams", SLACK),
        ("add", "--tenant", "contoso"),
        ("add", "--tenant", "contoso", "--slack", SLACK, "--mail-to", "ops@example.com"),
        ("add", "--tenant", "contoso", "--smtp", "smtp://u:pw@mail.example.com",
         "--mail-from", "a@example.com", "--mail-to", "b@example.com"),
        ("add", "--tenant", "contoso", "--smtp", "smtp://mail.example.com",
         "--mail-to", "b@example.com"),
        ("add", "--tenant", "contoso", "--smtp", "smtp://mail.example.com",
         "--mail-from", "a@example.com", "--mail-to", "not an address"),
        ("add", "--tenant", "contoso", "--smtp", "smtp://mail.example.com:99999",
         "--mail-from", "a@example.com", "--mail-to", "b@example.com"),
        ("add", "--tenant", "Not A Tenant", "--slack", SLACK),
        ("set", "--tenant", "contoso", "--days", "0,30"),
        ("set", "--tenant", "contoso", "--days", "soon"),
        ("set", "--tenant", "contoso", "--notify-lang", "fr"),
        ("set", "--tenant", "contoso"),
        ("remove", "7"),
    ):  # fmt: skip
        code, _, err = arcsupport("notify", *bad, "--db", db)
        assert code == 2 and err.count("\n") == 1 and err.startswith("arcsupport: error:"), (
            bad,
            err,
        )
        assert "s3cr3t" not in err and "pw@" not in err
    code, listing, _ = arcsupport("notify", "list", "--db", db)
    assert code == 0 and listing == "No channels.\n"


def test_the_days_parse_into_distinct_days_largest_first() -> None:
    assert settings.parse_days("7, 90,30,30") == (90, 30, 7)


@given(st.sets(st.integers(1, settings.MAX_DAYS), min_size=1, max_size=6))
def test_any_days_written_back_parse_to_themselves(days: set[int]) -> None:
    written = ",".join(str(day) for day in days)
    assert settings.parse_days(written) == tuple(sorted(days, reverse=True))


@given(
    st.sets(st.integers(1, settings.MAX_DAYS), min_size=1, max_size=6),
    st.integers(-400, 400),
)
def test_a_deadline_is_reminded_at_the_smallest_day_it_is_within(days: set[int], left: int) -> None:
    chosen = tuple(sorted(days, reverse=True))
    level = threshold(left, chosen)
    if left < 0 or left > max(days):
        assert level is None
        return
    assert level is not None and left <= level
    assert not any(left <= day < level for day in days)
    # A day later the reminder is the same or a nearer one, never a further one.
    later = threshold(left - 1, chosen)
    assert later is None if left == 0 else later is not None and later <= level
