"""Count-dependent English messages take CLDR's plural forms, chosen by Babel: "1 node is not
Ready", "2 nodes are not Ready", "in 1 day", never "1 node(s)" or "1 ... clusters are"."""

from __future__ import annotations

import re
import string

import pytest
from babel.core import Locale

from arcsupport.i18n import LANGS, Lang, catalog, format_number, text
from arcsupport.i18n.plural import PLURAL_FIELD, PLURAL_RULES, plural_category

# Nouns that follow a count; `{x} days` without a plural field for x is a hand-made plural.
COUNT_NOUN = re.compile(
    r"\{(\w+)\} (?!\{\1:)(days?|nodes?|minors?|clusters?|objects?|packages?|entries|hours?|"
    r"months?|rules?|replicas?|records?|items?|pools?|pods?|components?|DaemonSets?|issues?)\b"
)
# Placeholders before such a noun that are not counts.
NOT_COUNTS = {
    ("deprecated-apis.removed", "message", "minor"): "this 1.30 cluster: a version",
    ("node-drift.count", "title", "count"): "2 node pools: the plural field follows `node`",
}


def english_templates() -> list[tuple[str, str, str]]:
    return [
        (key, field, template)
        for key, entry in sorted(catalog("en").items())
        for field, template in entry.items()
    ]


def plural_templates() -> list[tuple[str, str, str]]:
    return [item for item in english_templates() if PLURAL_FIELD.search(item[2])]


@pytest.mark.parametrize("lang", LANGS)
def test_the_rules_are_babels(lang: Lang) -> None:
    assert Locale.parse(lang).plural_form.rules == PLURAL_RULES[lang]


def test_plural_categories() -> None:
    assert [plural_category("en", n) for n in (0, 1, 2, 21, "1", "7", "x", None)] == [
        "other", "one", "other", "other", "one", "other", "other", "other",
    ]  # fmt: skip
    assert {plural_category("ko", n) for n in (0, 1, 2)} == {"other"}


def test_there_are_plural_messages() -> None:
    assert len(plural_templates()) >= 60


@pytest.mark.parametrize(
    ("key", "field", "template"), plural_templates(), ids=lambda value: str(value)[:60]
)
def test_count_1_and_count_2_read_right(key: str, field: str, template: str) -> None:
    counts = {match[1] for match in PLURAL_FIELD.finditer(template)}
    args = {
        name: f"<{name}>"
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    }
    one = text("en", key, field, **{**args, **dict.fromkeys(counts, 1)})
    two = text("en", key, field, **{**args, **dict.fromkeys(counts, 2)})
    for rendered in (one, two):
        assert "(s)" not in rendered
        assert "=" not in rendered.replace("==", ""), rendered  # no plural field left over
        assert "{" not in rendered, rendered
    assert one != two
    for match in PLURAL_FIELD.finditer(template):
        forms = dict(part.split("=", 1) for part in match[2].split("|"))
        assert forms.get("one", forms["other"]) in one
        assert forms["other"] in two


def test_some_messages_in_full() -> None:
    assert text("en", "ui.days-left", days=1) == "in 1 day"
    assert text("en", "ui.days-left", days=46) == "in 46 days"
    assert text("en", "ui.days-ago", days=1) == "1 day ago"
    assert text("en", "ui.coverage", evaluated=1, total=1) == "Coverage: 1 of 1 rule evaluated"
    assert text("en", "ui.coverage", evaluated=19, total=20) == (
        "Coverage: 19 of 20 rules evaluated"
    )
    assert text("en", "node-not-ready.not-ready", "title", count=1) == "1 node is not Ready"
    assert text("en", "node-not-ready.not-ready", count=1, nodes="moc-a", longest="moc-a",
                hours=1, days=0) == (
        "moc-a is not Ready; moc-a has been so for 1 hour (about 0 days)."
    )  # fmt: skip
    # Korean needs no plural forms, and the English forms never leak into it.
    assert text("ko", "ui.days-left", days=1) == text("ko", "ui.days-left", days=2).replace(
        "2", "1"
    )
    assert "day" not in text("ko", "ui.days-left", days=1)


def test_no_hand_made_plurals_are_left() -> None:
    found = []
    for key, field, template in english_templates():
        if "(s)" in template:
            found.append(f"{key}.{field}: (s)")
        for match in COUNT_NOUN.finditer(template):
            if (key, field, match[1]) not in NOT_COUNTS:
                found.append(f"{key}.{field}: {match[0]}")
    assert found == []


def test_korean_keeps_its_own_wording() -> None:
    assert [key for key, entry in catalog("ko").items()
            for template in entry.values() if PLURAL_FIELD.search(template)] == []  # fmt: skip


def test_numbers_are_written_as_the_language_writes_them() -> None:
    assert format_number(10_485_760, "en") == "10,485,760"
    assert format_number(10_485_760, "ko") == "10,485,760"
