"""Message catalogs: English and Korean agree key by key, field by field and placeholder by
placeholder, and every message the engine and the rules emit renders in both."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import msgspec
import pytest

from arcsupport.engine.assess import Assessment, assess
from arcsupport.i18n import LANGS, Lang, Message, catalog, has, render
from arcsupport.report.documents.assessment import assessment_document
from arcsupport.report.table import render_assessment
from arcsupport.sources.read import read_snapshot
from arcsupport.types import OPERATIONS, SEVERITY_ORDER
from helpers import ROOT, at, default_pack, placeholders

SOURCES = sorted(
    path
    for folder in (ROOT / "tests" / "data" / "bundles", ROOT / "examples")
    if folder.is_dir()
    for path in folder.iterdir()
    if (path / "manifest.json").is_file() or path.name.endswith((".tar.gz", ".tgz"))
)
# Dates around the calendar's edges, and one late enough for the stale-data notice.
DATES = ["2024-06-01", "2025-09-15", "2025-10-15", "2026-01-15", "2026-06-01"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_catalogs_are_not_empty() -> None:
    assert len(catalog("en")) > 50
    assert "ui" in catalog("en")
    assert "ui" in catalog("ko")


def test_the_catalogs_have_the_same_keys_and_fields() -> None:
    english, korean = catalog("en"), catalog("ko")
    assert sorted(set(english) - set(korean)) == [], "keys only in English"
    assert sorted(set(korean) - set(english)) == [], "keys only in Korean"
    for key, entry in english.items():
        assert set(entry) == set(korean[key]), key


def test_the_catalogs_have_the_same_placeholders() -> None:
    english, korean = catalog("en"), catalog("ko")
    for key in english.keys() & korean.keys():
        for field in english[key].keys() & korean[key].keys():
            assert placeholders(english[key][field]) == placeholders(korean[key][field]), (
                f"{key}.{field}"
            )


def test_every_template_is_well_formed_and_translated() -> None:
    for lang in LANGS:
        for key, entry in catalog(lang).items():
            for field, template in entry.items():
                assert template.strip(), f"{lang} {key}.{field} is empty"
                list(string.Formatter().parse(template))  # raises on a stray brace
    korean = catalog("ko")
    untranslated = [
        f"{key}.{field}"
        for key, entry in catalog("en").items()
        for field, template in entry.items()
        if korean[key][field] == template and re.search(r"[a-z]{4} [a-z]{4}", template)
    ]
    assert untranslated == [], "Korean entries identical to English sentences"


def test_the_labels_the_reports_print_exist() -> None:
    keys = [f"ui.severity.{severity}" for severity in SEVERITY_ORDER]
    keys += [f"ui.decision.{decision}" for decision in ("allow", "warn", "block")]
    keys += [f"ui.verdict.{verdict}" for verdict in ("supported", "at-risk", "unsupported")]
    keys += [f"ui.versions.status.{status}" for status in
             ("supported", "deprecated", "removed", "preview", "unreleased")]  # fmt: skip
    keys += [f"ui.basis.{basis}" for basis in ("published", "removal", "one-year", "shipped")]
    for lang in LANGS:
        for key in keys:
            assert has(lang, key), f"{lang}: {key}"
    assert len(OPERATIONS) == 5


# --- what the engine emits -------------------------------------------------------------------


def assessments() -> Iterator[tuple[str, Assessment]]:
    pack = default_pack()
    for source in SOURCES:
        snapshot = read_snapshot(source)
        for day in DATES:
            yield f"{source.name}@{day}", assess(snapshot, pack, at(day))


def emitted(assessment: Assessment) -> Iterator[tuple[Message, tuple[str, ...]]]:
    for finding in assessment.findings:
        yield finding.message, ("title", "message", "fix")
    for decision in assessment.operations.values():
        for reason in decision.reasons:
            yield reason, ("message",)
    for deadline in assessment.deadlines:
        yield deadline.what, ("message",)
    for notice in assessment.notices:
        yield notice, ("message",)


def test_there_are_bundles_to_run() -> None:
    assert len(SOURCES) >= 3


@pytest.mark.parametrize("lang", LANGS)
def test_every_emitted_message_exists_and_renders(lang: Lang) -> None:
    seen: set[str] = set()
    for name, assessment in assessments():
        for message, message_fields in emitted(assessment):
            seen.add(message.key)
            for field in message_fields:
                assert has(lang, message.key, field), f"{name}: {lang} {message.key}.{field}"
                rendered = render(lang, message, field)
                assert rendered.strip(), f"{name}: {message.key}.{field} is empty"
                assert "{" not in rendered and "}" not in rendered, f"{name}: {rendered!r}"
                assert message.key not in rendered, f"{name}: raw key in {rendered!r}"
                if lang == "ko" and field == "title":
                    assert HANGUL.search(rendered), f"{name}: {rendered!r} is not Korean"
    # The runs reach the engine's own messages and more than one rule's.
    assert "engine.notice.stale-policy-data" in seen
    assert "engine.notice.old-snapshot" in seen
    assert len({key.split(".")[0] for key in seen}) >= 4


@pytest.mark.parametrize("lang", LANGS)
def test_whole_reports_have_no_leaks(lang: Lang) -> None:
    from rich.console import Console

    for name, assessment in assessments():
        data = msgspec.to_builtins(assessment_document(assessment, lang))
        strings = [data["verdict"], *data["notices"]]
        for finding in data["findings"]:
            strings += [finding["title"], finding["message"], finding["remediation"]]
        for decision in data["operations"].values():
            strings += decision["reasons"]
        strings += [deadline["what"] for deadline in data["deadlines"]]
        for value in strings:
            assert "{" not in value, f"{name}: {value!r}"
        console = Console(width=80, color_system=None, record=True)
        with console.capture() as captured:
            for renderable in render_assessment(assessment, lang):
                console.print(renderable)
        table = captured.get()
        # A label missing from the catalog prints as its key (evidence may hold braces).
        assert not re.search(r"\bui\.[a-z-]+", table), f"{name}: an untranslated label"
