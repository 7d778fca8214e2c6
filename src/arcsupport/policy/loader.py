"""Loading a policy pack: the shipped `aks-arc` pack, a user's own pack, or an overlay of it.

A pack is a folder of YAML files (or a single file) whose top-level keys together make one
document. An overlay is a file that says `extends: aks-arc` and holds only the values it
changes; it is merged key by key (lists are replaced whole). Whatever the source, the result
is type-checked and then checked for consistency, and a bad pack is refused with the file,
the field and the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import platformdirs

from arcsupport.errors import PolicyError
from arcsupport.i18n import LANGS, has
from arcsupport.policy.model import Calendar, Pack, Terms, TriageMatch
from arcsupport.semver import KubeVersion
from arcsupport.timeutil import EARLIEST_AT, LATEST_AT, yymm_start
from arcsupport.version import __version__

DEFAULT_PACK = "aks-arc"
USER_OVERLAY = "overlay.yaml"
_PACKS = resources.files("arcsupport.policy") / "packs"


def _read_documents(files: list[tuple[str, bytes]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge the top-level keys of several YAML files; remember which file set each key."""
    document: dict[str, Any] = {}
    origin: dict[str, str] = {}
    # Imported here: a pack kept in the cache is loaded without YAML.
    from arcsupport.safeyaml import load_yaml

    for where, data in files:
        loaded = load_yaml(data, where)
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise PolicyError(where, "a policy file must be a mapping of top-level keys")
        for key, value in loaded.items():
            if key in document:
                raise PolicyError(where, f"top-level key {key!r} is already set in {origin[key]}")
            document[key] = value
            origin[key] = where
    return document, origin


def _shipped_files(name: str) -> list[tuple[str, bytes]]:
    folder = _PACKS / name
    if not folder.is_dir():
        raise PolicyError(f"pack {name!r}", "no such shipped pack (available: aks-arc)")
    return [
        (f"{name}/{entry.name}", entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith(".yaml")
    ]


def _user_files(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        if not files:
            raise PolicyError(str(path), "holds no .yaml files")
    elif path.is_file():
        files = [path]
    else:
        raise PolicyError(str(path), "no such policy file or folder")
    result = []
    for file in files:
        try:
            result.append((str(file), file.read_bytes()))
        except OSError as exc:
            raise PolicyError(str(file), exc.strerror or str(exc)) from None
    return result


def _merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return overlay


_PATH_KEY = re.compile(r"\$\.([A-Za-z_]+)")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]*)`")


def _validation_error(
    exc: msgspec.ValidationError, origin: dict[str, str], source: str
) -> PolicyError:
    text = str(exc)
    reason, _, path = text.partition(" - at `")
    path = path.rstrip("`")
    match = _PATH_KEY.match(path)
    if match:
        return PolicyError(
            origin.get(match.group(1), source), f"field {path.removeprefix('$.')}: {reason}"
        )
    # At the top level: an unknown key is in the file that set it; a missing one is in none.
    unknown = _UNKNOWN_FIELD.search(reason)
    if unknown and unknown.group(1) in origin:
        return PolicyError(origin[unknown.group(1)], f"field {unknown.group(1)}: {reason}")
    return PolicyError(source, f"field (top level): {reason}")


def _typed(document: dict[str, Any], origin: dict[str, str], source: str) -> Pack:
    try:
        return msgspec.convert(document, Pack)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, origin, source) from None


def _fail(origin: dict[str, str], key: str, field: str, reason: str) -> PolicyError:
    return PolicyError(origin.get(key, "policy"), f"field {field}: {reason}")


def check_consistency(pack: Pack, origin: dict[str, str]) -> None:
    """Cross-field rules a type check cannot express."""
    for clause_id, clause in pack.clauses.items():
        if clause.section not in pack.sections:
            raise _fail(
                origin,
                "clauses",
                f"clauses.{clause_id}.section",
                f"unknown section {clause.section!r}",
            )
    for name, component in pack.components.items():
        for clause_id in component.clauses:
            if clause_id not in pack.clauses:
                raise _fail(
                    origin,
                    "components",
                    f"components.{name}.clauses",
                    f"unknown clause {clause_id}",
                )

    _check_calendar(pack, origin)
    _check_dates(pack, origin)

    for os_id, node_os in pack.platforms.node_os.items():
        for pattern in node_os.os_image_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _fail(
                    origin,
                    "platforms",
                    f"platforms.node_os.{os_id}.os_image_patterns",
                    f"{pattern!r} is not a regular expression ({exc})",
                ) from None

    for index, api in enumerate(pack.deprecated_apis):
        for attribute in ("deprecated_in", "removed_in", "replacement_available_in"):
            value = getattr(api, attribute)
            if value is not None and KubeVersion.try_parse(value) is None:
                raise _fail(
                    origin,
                    "deprecated_apis",
                    f"deprecated_apis[{index}].{attribute}",
                    f"{value!r} is not a version",
                )

    _check_triage(pack, origin)


def _check_triage(pack: Pack, origin: dict[str, str]) -> None:
    """Scope rules cite clauses the pack has, have unique ids, find something, compile, and
    have their reason in both message catalogs."""
    triage = pack.triage
    cited = {
        "triage.upgrade_first.clauses": triage.upgrade_first.clauses,
        "triage.upgrade_first.when_unsupported_under": triage.upgrade_first.when_unsupported_under,
        "triage.known_issues.clauses": triage.known_issues.clauses,
        "triage.access_grant.clauses": triage.access_grant.clauses,
    }
    matches = {
        f"triage.access_grant.when[{index}]": match
        for index, match in enumerate(triage.access_grant.when)
    }
    first_index: dict[str, int] = {}
    for index, rule in enumerate(triage.rules):
        where = f"triage.rules[{index}]"
        if rule.id in first_index:
            raise _fail(
                origin,
                "triage",
                f"{where}.id",
                f"{rule.id!r} is already the id of triage.rules[{first_index[rule.id]}]",
            )
        first_index[rule.id] = index
        cited[f"{where}.clauses"] = rule.clauses
        if not rule.match:
            raise _fail(origin, "triage", f"{where}.match", "needs at least one entry")
        key = f"triage.reason.{rule.reason}"
        if not all(has(lang, key) for lang in LANGS):
            raise _fail(
                origin,
                "triage",
                f"{where}.reason",
                f"{key} is missing from the message catalogs (en and ko)",
            )
        matches.update({f"{where}.match[{number}]": m for number, m in enumerate(rule.match)})
    for field, clauses in cited.items():
        for clause_id in clauses:
            if clause_id not in pack.clauses:
                raise _fail(origin, "triage", field, f"unknown clause {clause_id}")
    for where, match in matches.items():
        _check_triage_match(match, where, origin)


def _check_triage_match(match: TriageMatch, where: str, origin: dict[str, str]) -> None:
    if not match.components and not _terms(match.phrases):
        raise _fail(origin, "triage", where, "finds nothing: give components or phrases")
    if match.requires is not None and not _terms(match.requires):
        raise _fail(origin, "triage", f"{where}.requires", "is empty")
    # An empty term would be found in every case.
    words = [*match.components, *_terms(match.phrases), *_terms(match.requires)]
    if any(not word.strip(" *") for word in words):
        raise _fail(origin, "triage", where, "holds an empty term")
    for part, terms in (("phrases", match.phrases), ("requires", match.requires)):
        for pattern in terms.patterns if terms else []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _fail(
                    origin,
                    "triage",
                    f"{where}.{part}.patterns",
                    f"{pattern!r} is not a regular expression ({exc})",
                ) from None


def _terms(terms: Terms | None) -> list[str]:
    return [*terms.en, *terms.ko, *terms.patterns] if terms else []


def _dates(value: Any, path: str) -> Iterator[tuple[str, date]]:
    """Every date in the pack, with its field; iterative, as deep as the model goes."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, date):
            yield where, item
        elif isinstance(item, msgspec.Struct):
            names = item.__struct_fields__
            stack.extend((getattr(item, name), f"{where}.{name}".lstrip(".")) for name in names)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, date):
                    yield f"{where}.{key}", key
                stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))


def _check_dates(pack: Pack, origin: dict[str, str]) -> None:
    """Dates outside the range `--at` accepts would overflow the arithmetic on them."""
    earliest, latest = EARLIEST_AT.date(), LATEST_AT.date()
    for field, day in _dates(pack, ""):
        if not earliest <= day <= latest:
            raise _fail(
                origin, field.split(".", 1)[0], field, f"{day} is outside {earliest}..{latest}"
            )


def _check_calendar(pack: Pack, origin: dict[str, str]) -> None:
    calendar = pack.calendar
    for minor, entry in calendar.kubernetes.items():
        parsed = KubeVersion.try_parse(minor)
        if parsed is None or parsed.patch is not None:
            raise _fail(
                origin, "calendar", f"calendar.kubernetes.{minor}", "key must be major.minor"
            )
        upstream = entry.upstream_release
        if entry.end_of_support and upstream and entry.end_of_support <= upstream:
            raise _fail(
                origin,
                "calendar",
                f"calendar.kubernetes.{minor}.end_of_support",
                "is not after the upstream release",
            )
    first_seen: dict[str, tuple[date, str]] = {}
    for release, info in calendar.azure_local.items():
        try:
            month = yymm_start(release)
        except ValueError as exc:
            raise _fail(origin, "calendar", f"calendar.azure_local.{release}", str(exc)) from None
        if (info.released.year, info.released.month) != (month.year, month.month):
            raise _fail(
                origin,
                "calendar",
                f"calendar.azure_local.{release}.released",
                f"{info.released} is not in the month the name {release} stands for",
            )
        for listed in (*info.kubernetes, *info.kubernetes_preview):
            version = _listed_version(calendar, listed, f"calendar.azure_local.{release}", origin)
            if listed in info.kubernetes:
                earliest = first_seen.get(version.minor_key)
                if earliest is None or info.released < earliest[0]:
                    first_seen[version.minor_key] = (info.released, release)
    for day, seen_on in calendar.observed.items():
        for listed in (*seen_on.kubernetes, *seen_on.kubernetes_preview):
            _listed_version(calendar, listed, f"calendar.observed.{day}", origin)
    for minor, entry in calendar.kubernetes.items():
        seen = first_seen.get(minor)
        declared = entry.first_azure_local
        if declared is None and seen is None:
            continue
        if declared is None or seen is None or seen[1] != declared:
            actual = seen[1] if seen else "no release"
            raise _fail(
                origin,
                "calendar",
                f"calendar.kubernetes.{minor}.first_azure_local",
                f"says {declared}, but the release listings first offer {minor} in {actual}",
            )


def _listed_version(
    calendar: Calendar, listed: str, field: str, origin: dict[str, str]
) -> KubeVersion:
    version = KubeVersion.try_parse(listed)
    if version is None:
        raise _fail(origin, "calendar", f"{field}.kubernetes", f"{listed!r} is not a version")
    if version.minor_key not in calendar.kubernetes:
        raise _fail(
            origin,
            "calendar",
            f"{field}.kubernetes",
            f"{listed} is of minor {version.minor_key}, which calendar.kubernetes lacks",
        )
    return version


def user_config_dir() -> Path:
    """Where the user's own overlay lives; ARCSUPPORT_CONFIG_DIR moves it (tests, CI, teams)."""
    chosen = os.environ.get("ARCSUPPORT_CONFIG_DIR")
    return Path(chosen) if chosen else platformdirs.user_config_path("arcsupport")


def user_overlay_path() -> Path:
    return user_config_dir() / USER_OVERLAY


def read_user_overlay() -> dict[str, Any]:
    """The user's overlay as written (for `policy update` to merge into); {} when none."""
    target = user_overlay_path()
    try:
        data = target.read_bytes() if target.is_file() else None
    except OSError as exc:
        raise PolicyError(str(target), exc.strerror or str(exc)) from None
    if data is None:
        return {}
    from arcsupport.safeyaml import load_yaml

    current = load_yaml(data, str(target))
    if not isinstance(current, dict):
        raise PolicyError(str(target), "the overlay must be a mapping")
    return current


def _with_overlay(
    document: dict[str, Any], origin: dict[str, str], overlay: dict[str, Any], where: str
) -> dict[str, Any]:
    for key in overlay:
        origin[key] = where
    merged: dict[str, Any] = _merge(document, overlay)
    return merged


class _Inputs(msgspec.Struct, frozen=True):
    """Every file that can change the effective pack, read once."""

    given: list[tuple[str, bytes]] | None  # --policy
    overlay: list[tuple[str, bytes]] | None  # the user's overlay in the config folder
    shipped: list[tuple[str, bytes]]  # every file of every shipped pack

    @classmethod
    def read(cls, path: Path | None) -> _Inputs:
        overlay = user_overlay_path()
        try:
            return cls(
                _user_files(path) if path is not None else None,
                _user_files(overlay) if overlay.is_file() else None,
                [file for entry in _PACKS.iterdir() for file in _shipped_files(entry.name)],
            )
        except OSError as exc:  # a folder on the way that cannot be read
            raise PolicyError(str(exc.filename or path), exc.strerror or str(exc)) from None

    def shipped_pack(self, name: str) -> list[tuple[str, bytes]]:
        files = [(where, data) for where, data in self.shipped if where.startswith(f"{name}/")]
        if not files:
            raise PolicyError(f"pack {name!r}", "no such shipped pack (available: aks-arc)")
        return files

    def digest(self) -> str:
        """Names and bytes of the inputs, and the code version that turns them into a Pack."""
        hashed = hashlib.sha256(f"arcsupport {__version__}\0{_model_source_hash()}".encode())
        for group in (self.given, self.overlay, self.shipped):
            hashed.update(b"\1" if group is None else b"\2")
            for where, data in group or ():
                hashed.update(f"{where}\0{len(data)}\0".encode())
                hashed.update(data)
        return hashed.hexdigest()


def _model_source_hash() -> str:
    """The pack's types and this loader: a cached pack from other code is never reused."""
    hashed = hashlib.sha256()
    for module in ("model.py", "loader.py"):
        hashed.update((resources.files("arcsupport.policy") / module).read_bytes())
    return hashed.hexdigest()


def load_pack(path: Path | None = None, *, user_overlay: dict[str, Any] | None = None) -> Pack:
    """The effective pack: the shipped `aks-arc` pack, then the user's overlay from the config
    folder (see `policy update`), then `path` as an overlay. A `path` that is a whole pack (no
    `extends`) is used alone. `user_overlay` replaces the file's content (to check an update
    before it is written).

    A pack built from the same files by the same code is kept in the user's cache folder:
    parsing the YAML is most of the start-up of a short command."""
    inputs = _Inputs.read(path)
    if user_overlay is not None:
        return _build(inputs, path, (user_overlay, str(user_overlay_path())))
    key = inputs.digest()
    cached = _cached_pack(key)
    if cached is not None:
        return cached
    pack = _build(inputs, path, _user_overlay(inputs))
    _keep_pack(key, pack)
    return pack


def _user_overlay(inputs: _Inputs) -> tuple[dict[str, Any], str] | None:
    if inputs.overlay is None:
        return None
    document, _ = _read_documents(inputs.overlay)
    where = str(user_overlay_path())
    if document.pop("extends", DEFAULT_PACK) != DEFAULT_PACK:
        raise PolicyError(where, f"field extends: the user overlay must extend {DEFAULT_PACK}")
    return document, where


def _build(inputs: _Inputs, path: Path | None, own: tuple[dict[str, Any], str] | None) -> Pack:
    source = f"pack {DEFAULT_PACK}" if path is None else str(path)
    user_document: dict[str, Any] = {}
    user_origin: dict[str, str] = {}
    if inputs.given is not None:
        user_document, user_origin = _read_documents(inputs.given)
    extends = user_document.pop("extends", None)
    if path is not None and extends is None:
        document, origin = user_document, user_origin
    else:
        if extends is not None and not isinstance(extends, str):
            raise PolicyError(user_origin["extends"], "field extends: must be a pack name")
        base = extends or DEFAULT_PACK
        document, origin = _read_documents(inputs.shipped_pack(base))
        if own is not None and base == DEFAULT_PACK:
            document = _with_overlay(document, origin, own[0], own[1])
        if path is not None:
            document = _with_overlay(document, origin, user_document, str(path))
    pack = _typed(document, origin, source)
    check_consistency(pack, origin)
    return pack


_KEPT_PACKS = 8  # one per combination of overlays in use; older ones are removed


def pack_cache_dir() -> Path:
    """ARCSUPPORT_CACHE_DIR moves it (tests, read-only homes)."""
    chosen = os.environ.get("ARCSUPPORT_CACHE_DIR")
    return Path(chosen) if chosen else platformdirs.user_cache_path("arcsupport")


def _cached_pack(key: str) -> Pack | None:
    try:
        return msgspec.msgpack.decode(
            (pack_cache_dir() / f"pack-{key}.msgpack").read_bytes(), type=Pack
        )
    except (OSError, msgspec.MsgspecError):
        return None  # not built yet, unreadable or damaged: built again from the YAML


def _keep_pack(key: str, pack: Pack) -> None:
    """Best effort: a cache that cannot be written costs time, never a result."""
    folder = pack_cache_dir()
    target = folder / f"pack-{key}.msgpack"
    temporary = folder / f".pack-{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(msgspec.msgpack.encode(pack))
        temporary.replace(target)
        kept = sorted(folder.glob("pack-*.msgpack"), key=lambda file: file.stat().st_mtime)
        for old in kept[:-_KEPT_PACKS]:
            old.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def pack_as_builtins(pack: Pack) -> dict[str, Any]:
    builtins: dict[str, Any] = msgspec.to_builtins(pack)
    return builtins
