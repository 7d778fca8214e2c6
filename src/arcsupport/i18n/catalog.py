"""Keyed message catalogs (English and Korean), one TOML file per area and language; a rule
module's documentation and messages are in `rules/<module>.toml`, named as the module is.

A key names one entry, e.g. `version-lifecycle.removed`; the entry holds fields such as
`title`, `message` and `fix`, each a `str.format` template over the message's arguments.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from arcsupport import usercache
from arcsupport.i18n.message import Message
from arcsupport.i18n.particles import choose_particles, has_particle_fields
from arcsupport.i18n.plural import choose_plurals, has_plural_fields
from arcsupport.types import Lang


def _flatten(prefix: str, table: dict[str, Any], into: dict[str, dict[str, str]]) -> None:
    strings = {key: value for key, value in table.items() if isinstance(value, str)}
    if strings:
        into.setdefault(prefix, {}).update(strings)
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}.{key}" if prefix else key, value, into)


Entries = dict[str, dict[str, str]]
_KEPT_CATALOGS = 4  # per language: a few installs side by side; older ones are removed


@cache
def catalog(lang: Lang) -> Entries:
    """Every entry of the language, by key. Parsed from the TOML once per version of the
    files and of this code, then read from the user's cache folder (usercache.py)."""
    # Beside this module, as installed: importlib.resources would import zipfile for nothing.
    folder = Path(__file__).parent / lang
    files = [
        (f"{area.name}/{item.name}", item.read_bytes())
        for area in (folder, folder / "rules")
        for item in sorted(area.iterdir(), key=lambda entry: entry.name)
        if item.name.endswith(".toml")
    ]
    hashed = hashlib.sha256(Path(__file__).read_bytes())
    for name, data in files:
        hashed.update(f"\0{name}\0{len(data)}\0".encode())
        hashed.update(data)
    key = hashed.hexdigest()
    entries = usercache.read(f"catalog-{lang}", key, Entries)
    if entries is None:
        import tomllib  # only to build the cache: a cached catalog needs no parser

        entries = {}
        for _, data in files:
            _flatten("", tomllib.loads(data.decode("utf-8")), entries)
        usercache.keep(f"catalog-{lang}", key, entries, newest=_KEPT_CATALOGS)
    return entries


class _Args(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def _lookup(lang: Lang, key: str, field: str) -> str | None:
    entry = catalog(lang).get(key)
    if entry is not None and field in entry:
        return entry[field]
    if field == "message" and "." in key:
        # Short strings are addressed as `table.name`, e.g. `ui.header`.
        table, _, name = key.rpartition(".")
        return catalog(lang).get(table, {}).get(name)
    return None


def text(lang: Lang, key: str, field: str = "message", **args: Any) -> str:
    """The `field` of entry `key` in `lang`, falling back to English, then to the key.

    Plural fields (`{count:one=node|other=nodes}`) take the form the count needs in the
    template's own language; Korean particle fields (`{name}{name:을/를}`) the form the
    value's last sound needs (particles.py). A message among the arguments is said in `lang`
    first, a tuple of them as a list joined with commas."""
    if any(type(value) is Message or type(value) is tuple for value in args.values()):
        args = {name: _said(lang, value) for name, value in args.items()}
    template = _lookup(lang, key, field)
    if template is None:
        lang = "en"
        template = _lookup(lang, key, field)
        if template is None:
            return key if field == "message" else ""
    if has_plural_fields(template):
        template = choose_plurals(template, lang, args)
    if has_particle_fields(template):
        template = choose_particles(template, args)
    return template.format_map(_Args(args))


def _said(lang: Lang, value: Any) -> Any:
    if type(value) is Message:
        return render(lang, value)
    if type(value) is tuple:
        return ", ".join(render(lang, part) for part in value)
    return value


def format_number(number: int, lang: Lang) -> str:
    """A count as the language writes it (10,485,760), by CLDR's number formats."""
    from babel.numbers import format_decimal

    return format_decimal(number, locale=lang)


_RENDERED: dict[tuple[object, ...], str] = {}


def render(lang: Lang, message: Message, field: str = "message") -> str:
    # A fleet renders the same few messages (a rule not evaluated, an operation's reason)
    # thousands of times; their arguments are plain values, so the text can be kept.
    key = (lang, message.key, field, *message.args.items())
    found = _RENDERED.get(key)
    if found is None:
        found = text(lang, message.key, field, **message.args)
        if len(_RENDERED) < 100_000:
            _RENDERED[key] = found
    return found


def has(lang: Lang, key: str, field: str = "message") -> bool:
    return _lookup(lang, key, field) is not None
