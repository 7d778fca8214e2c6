"""Count-dependent wording: a catalog template says `{count} {count:one=node is|other=nodes
are} not Ready`, and CLDR's plural rule of the template's language, evaluated by Babel, picks
the form for the count. Korean has no plural forms: its templates need no such field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from arcsupport.types import Lang

if TYPE_CHECKING:
    from babel.plural import PluralRule

# CLDR's rules for the catalogs' languages, as Babel ships them in its locale data
# (tests/i18n/test_plural.py holds them to `babel.Locale.parse(lang).plural_form.rules`).
# Loading that data costs 30 ms of every run's start-up; the rule is one line.
PLURAL_RULES: Mapping[Lang, Mapping[str, str]] = {
    "en": {"one": "i in 1 and v in 0"},
    "ko": {},
}
CATEGORIES = ("zero", "one", "two", "few", "many", "other")

_FORM = rf"(?:{'|'.join(CATEGORIES)})=[^{{}}|]*"
# `{name:one=...|other=...}`: the forms hold no braces, and `other` is always given.
PLURAL_FIELD = re.compile(rf"\{{(\w+):({_FORM}(?:\|{_FORM})*)\}}")


@cache
def _rule(lang: Lang) -> PluralRule:
    from babel.plural import PluralRule

    return PluralRule(PLURAL_RULES[lang])


def plural_category(lang: Lang, count: Any) -> str:
    """The CLDR plural category of `count` in `lang`; `other` for what is not a number."""
    if isinstance(count, str) and count.isdecimal():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int | float):
        return "other"
    category: str = _rule(lang)(count)
    return category


@cache
def has_plural_fields(template: str) -> bool:
    return PLURAL_FIELD.search(template) is not None


def choose_plurals(template: str, lang: Lang, args: Mapping[str, Any]) -> str:
    """The template with each plural field replaced by the form its count takes."""

    def form(match: re.Match[str]) -> str:
        forms = dict(part.split("=", 1) for part in match[2].split("|"))
        category = plural_category(lang, args.get(match[1]))
        return forms.get(category, forms["other"])

    return PLURAL_FIELD.sub(form, template)
