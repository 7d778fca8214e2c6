"""Loading a policy pack: the shipped `aks-arc` pack, a user's own pack, or an overlay of it.

A pack is a folder of YAML files (or a single file) whose top-level keys together make one
document. An overlay is a file that says `extends: aks-arc` and holds only the values it
changes; it is merged key by key (lists are replaced whole). Whatever the source, the result
is type-checked and then checked for consistency, and a bad pack is refused with the file,
the field and the reason.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import msgspec
import platformdirs

from arcsupport import usercache
from arcsupport.errors import InputError, PolicyError
from arcsupport.files import write_atomically
from arcsupport.i18n import LANGS, has
from arcsupport.policy.model import (
    KUBERNETES_PLACEHOLDER,
    TAINT_EFFECTS,
    Calendar,
    Pack,
    ReadingWords,
    Terms,
    TriageMatch,
    parse_taint,
)
from arcsupport.semver import KubeVersion
from arcsupport.timeutil import EARLIEST_AT, LATEST_AT, yymm_start
from arcsupport.version import __version__

DEFAULT_PACK = "aks-arc"
USER_OVERLAY = "overlay.yaml"
# Beside this module, as installed: importlib.resources would import zipfile for nothing.
_PACKS = Path(__file__).parent / "packs"


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

    for version, host in pack.platforms.windows_server.items():
        if host.supported_host != (host.end_of_support is not None):
            reason = (
                "a supported host needs its end_of_support date"
                if host.supported_host
                else "a version that is not a supported host has no end_of_support"
            )
            raise _fail(
                origin, "platforms", f"platforms.windows_server.{version}.end_of_support", reason
            )

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

    _check_managed(pack, origin)
    _check_system_metadata(pack, origin)
    _check_node_images(pack, origin)
    _check_identity(pack, origin)
    _check_checked_by(pack, origin)
    _check_triage(pack, origin)


def _check_managed(pack: Pack, origin: dict[str, str]) -> None:
    """Every image template reads only add-ons that every minor of `versions` names."""
    managed = pack.managed
    for minor in managed.versions:
        parsed = KubeVersion.try_parse(minor)
        if parsed is None or parsed.patch is not None:
            raise _fail(origin, "managed", f"managed.versions.{minor}", "key must be major.minor")
    for index, component in enumerate(managed.components):
        where = f"managed.components[{index}]"
        for part in ("containers", "init_containers"):
            for expected in getattr(component, part):
                try:
                    names = expected.placeholders() - {KUBERNETES_PLACEHOLDER}
                except ValueError as exc:
                    raise _fail(origin, "managed", f"{where}.{part}", str(exc)) from None
                for minor, addons in managed.versions.items():
                    missing = sorted(names - set(addons))
                    if missing:
                        raise _fail(
                            origin,
                            "managed",
                            f"{where}.{part}",
                            f"{expected.image} needs {', '.join(missing)}, which "
                            f"managed.versions.{minor} lacks",
                        )


def _check_system_metadata(pack: Pack, origin: dict[str, str]) -> None:
    since = KubeVersion.try_parse(pack.system_metadata.control_plane_taints_since)
    if since is None or since.patch is not None:
        raise _fail(
            origin,
            "system_metadata",
            "system_metadata.control_plane_taints_since",
            "must be major.minor",
        )
    for taint in pack.system_metadata.control_plane_taints:
        if parse_taint(taint) is None:
            raise _fail(
                origin,
                "system_metadata",
                "system_metadata.control_plane_taints",
                f"{taint!r} is not key[=value]:Effect with Effect one of "
                f"{', '.join(TAINT_EFFECTS)}",
            )


def _check_identity(pack: Pack, origin: dict[str, str]) -> None:
    """The pool label that marks AKS Arc is a label AKS Arc owns, so that SHR-4 guards it."""
    label = pack.identity.node_pool_label
    if not any(fnmatchcase(label, pattern) for pattern in pack.system_metadata.labels):
        raise _fail(
            origin,
            "identity",
            "identity.node_pool_label",
            f"{label!r} matches no system label of system_metadata.labels",
        )


def _check_node_images(pack: Pack, origin: dict[str, str]) -> None:
    for patch, images in pack.node_images.items():
        parsed = KubeVersion.try_parse(patch)
        if parsed is None or parsed.patch is None:
            raise _fail(
                origin, "node_images", f"node_images.{patch}", "key must be major.minor.patch"
            )
        for index, image in enumerate(images):
            where = f"node_images.{patch}[{index}]"
            node_os = pack.platforms.node_os.get(image.os)
            if node_os is None:
                raise _fail(
                    origin, "node_images", f"{where}.os", f"unknown platforms.node_os {image.os!r}"
                )
            if not any(re.search(pattern, image.os_image) for pattern in node_os.os_image_patterns):
                raise _fail(
                    origin,
                    "node_images",
                    f"{where}.os_image",
                    f"{image.os_image!r} matches none of platforms.node_os.{image.os}'s patterns",
                )


def _check_checked_by(pack: Pack, origin: dict[str, str]) -> None:
    """The list is one of rule ids; that they are exactly the rules citing the clause is the
    engine's to check, which knows the rules."""
    for clause_id, clause in pack.clauses.items():
        if len(set(clause.checked_by)) != len(clause.checked_by):
            raise _fail(origin, "clauses", f"clauses.{clause_id}.checked_by", "names a rule twice")


def _check_triage(pack: Pack, origin: dict[str, str]) -> None:
    """Scope rules cite clauses the pack has, have unique ids, find something, compile, name
    components the pack knows, and have their reason and question in both message catalogs;
    the reading lists' Korean morphemes are written form/TAG with a Sejong tag."""
    triage = pack.triage
    from_text = triage.upgrade_first.from_text
    cited = {
        "triage.upgrade_first.clauses": triage.upgrade_first.clauses,
        "triage.upgrade_first.when_unsupported_under": triage.upgrade_first.when_unsupported_under,
        "triage.upgrade_first.from_text.clauses": from_text.clauses,
        "triage.changed_by_hand.clauses": triage.changed_by_hand.clauses,
        "triage.known_issues.clauses": triage.known_issues.clauses,
        "triage.access_grant.clauses": triage.access_grant.clauses,
    }
    matches = {
        f"triage.access_grant.when[{index}]": match
        for index, match in enumerate(triage.access_grant.when)
    }
    terms = {
        "triage.upgrade_first.from_text.context": from_text.context,
        "triage.upgrade_first.from_text.other_products": from_text.other_products,
        "triage.upgrade_first.from_text.other_in_clause": from_text.other_in_clause,
        "triage.upgrade_first.from_text.upgraded": from_text.upgraded,
        "triage.upgrade_first.from_text.history": from_text.history,
        "triage.upgrade_first.from_text.node_rows": from_text.node_rows,
    }
    for index, key in enumerate(triage.needs_review.questions):
        _check_catalog(origin, f"triage.needs_review.questions[{index}]", f"triage.question.{key}")
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
        _check_catalog(origin, f"{where}.reason", f"triage.reason.{rule.reason}")
        if rule.question is not None:
            _check_catalog(origin, f"{where}.question", f"triage.question.{rule.question}")
        if rule.bundle is not None:
            cited[f"{where}.bundle.findings"] = rule.bundle.findings
            if rule.bundle.weight <= 0:
                raise _fail(origin, "triage", f"{where}.bundle.weight", "must be positive")
        if rule.lasting is not None:
            cited[f"{where}.lasting.clauses"] = rule.lasting.clauses
            if rule.lasting.over_days <= 0:
                raise _fail(origin, "triage", f"{where}.lasting.over_days", "must be positive")
        matches.update({f"{where}.match[{number}]": m for number, m in enumerate(rule.match)})
    for field, clauses in cited.items():
        for clause_id in clauses:
            if clause_id not in pack.clauses:
                raise _fail(origin, "triage", field, f"unknown clause {clause_id}")
    for where, match in matches.items():
        _check_triage_match(match, where, pack, origin)
    for where, found in terms.items():
        _check_patterns(found, where, origin)
    for lang in ("en", "ko"):
        words = getattr(triage.reading, lang)
        for name in ReadingWords.__struct_fields__:
            for entry in getattr(words, name):
                field = f"triage.reading.{lang}.{name}"
                if not entry.strip():
                    raise _fail(origin, "triage", field, "holds an empty word")
                if lang == "ko":
                    _check_morphemes(entry, field, origin)


# Part-of-speech tags of the Korean analyser (Sejong tag set), by prefix.
_SEJONG_TAGS = (
    "NN", "NR", "NP", "VV", "VA", "VX", "VCP", "VCN", "MM", "MAG", "MAJ", "IC", "JK", "JX",
    "JC", "EP", "EF", "EC", "ET", "XPN", "XSN", "XSV", "XSA", "XR", "SF", "SP", "SS", "SE",
    "SO", "SW", "SL", "SH", "SN",
)  # fmt: skip


def _check_morphemes(entry: str, where: str, origin: dict[str, str]) -> None:
    """Korean `form/TAG` morphemes (space-separated for a sequence) name a Sejong tag."""
    for part in entry.split():
        form, slash, tag = part.rpartition("/")
        if slash and form and tag.isalpha() and tag.isupper() and not tag.startswith(_SEJONG_TAGS):
            raise _fail(origin, "triage", where, f"{entry!r}: {tag!r} is not a Sejong tag")


def _check_catalog(origin: dict[str, str], field: str, key: str) -> None:
    if not all(has(lang, key) for lang in LANGS):
        raise _fail(
            origin, "triage", field, f"{key} is missing from the message catalogs (en and ko)"
        )


def _check_triage_match(match: TriageMatch, where: str, pack: Pack, origin: dict[str, str]) -> None:
    if not match.components and not _terms(match.phrases):
        raise _fail(origin, "triage", where, "finds nothing: give components or phrases")
    if match.requires is not None and not _terms(match.requires):
        raise _fail(origin, "triage", f"{where}.requires", "is empty")
    for number, group in enumerate(match.near):
        if not _terms(group):
            raise _fail(origin, "triage", f"{where}.near[{number}]", "is empty")
    if match.weight <= 0:
        raise _fail(origin, "triage", f"{where}.weight", "must be positive")
    if match.component is not None and match.component not in pack.components:
        raise _fail(
            origin, "triage", f"{where}.component", f"unknown component {match.component!r}"
        )
    # An empty term would be found in every case.
    words = [
        *match.components,
        *_terms(match.phrases),
        *_terms(match.requires),
        *(word for group in match.near for word in _terms(group)),
        *_terms(match.unless),
    ]
    if any(not word.strip(" *") for word in words):
        raise _fail(origin, "triage", where, "holds an empty term")
    korean = [
        *match.phrases.ko,
        *(match.requires.ko if match.requires else []),
        *(match.unless.ko if match.unless else []),
        *(word for group in match.near for word in group.ko),
    ]
    for word in korean:
        _check_morphemes(word, where, origin)
    if match.unless is not None and not _terms(match.unless):
        raise _fail(origin, "triage", f"{where}.unless", "is empty")
    parts = [("phrases", match.phrases), ("requires", match.requires), ("unless", match.unless)]
    parts += [(f"near[{number}]", group) for number, group in enumerate(match.near)]
    for part, found in parts:
        if found is not None:
            _check_patterns(found, f"{where}.{part}", origin)


def _check_patterns(terms: Terms, where: str, origin: dict[str, str]) -> None:
    for pattern in terms.patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(
                origin,
                "triage",
                f"{where}.patterns",
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
    from arcsupport.safeyaml import load_yaml

    target = user_overlay_path()
    try:
        data = target.read_bytes() if target.is_file() else None
    except OSError as exc:
        raise PolicyError(str(target), exc.strerror or str(exc)) from None
    if data is None:
        return {}
    current = load_yaml(data, str(target))
    if not isinstance(current, dict):
        raise PolicyError(str(target), "the overlay must be a mapping")
    return current


def save_user_overlay(overlay: dict[str, Any]) -> Path:
    """Write the user's overlay; refused before anything is written if the pack would not
    load with it."""
    from arcsupport.safeyaml import dump_yaml

    load_pack(user_overlay={key: value for key, value in overlay.items() if key != "extends"})
    target = user_overlay_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(target.parent), exc.strerror or str(exc)) from None
    header = "# arcsupport user overlay, written by `arcsupport policy update`.\n"
    write_atomically(target, (header + dump_yaml(overlay)).encode())
    return target


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
        hashed.update((Path(__file__).parent / module).read_bytes())
    return hashed.hexdigest()


_KEPT_PACKS = 8  # one per combination of overlays in use; older ones are removed


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
    cached = usercache.read("pack", key, Pack)
    if cached is not None:
        return cached
    pack = _build(inputs, path, _user_overlay(inputs))
    usercache.keep("pack", key, pack, newest=_KEPT_PACKS)
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


def pack_as_builtins(pack: Pack) -> dict[str, Any]:
    builtins: dict[str, Any] = msgspec.to_builtins(pack)
    return builtins
