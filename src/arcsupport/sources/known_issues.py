"""Known-issue records read from YAML: the starter set of documented AKS Arc issues that ships
in `known-issues/aks-arc.yaml` beside this module, and a support team's own files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import msgspec

from arcsupport.errors import InputError
from arcsupport.safeyaml import load_yaml
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.known_issue import SCHEMA, KnownIssue, KnownIssueFile, release_number
from arcsupport.timeutil import yymm_start

BUILTIN = "aks-arc.yaml"
_ID = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_URL = re.compile(r"https?://\S+")

# --- reading -----------------------------------------------------------------------------------

_PATH_INDEX = re.compile(r"\$\.records\[(\d+)\]")


def _release(text: str, field: str) -> int:
    try:
        yymm_start(text)
    except ValueError:
        raise ValueError(
            f"{field}: {text!r} is not an Azure Local release (YYMM, e.g. 2507)"
        ) from None
    return release_number(text)


def _kube(text: str, field: str) -> KubeVersion:
    try:
        return KubeVersion.parse(text)
    except ValueError:
        raise ValueError(
            f"{field}: {text!r} is not a Kubernetes version (1.29 or 1.29.4)"
        ) from None


def _check(issue: KnownIssue) -> None:
    """What types cannot say; raises ValueError naming the field."""
    if not _ID.fullmatch(issue.id):
        raise ValueError(f"id: {issue.id!r} must be lower-case letters, digits, dots, dashes")
    for name, value in (
        ("title", issue.title), ("workaround", issue.workaround), ("timeline", issue.timeline),
    ):  # fmt: skip
        if not value.strip():
            raise ValueError(f"{name}: must not be empty")
    if not issue.symptoms or not all(text.strip() for text in issue.symptoms):
        raise ValueError("symptoms: list at least one, none empty")
    if not issue.affected.components:
        raise ValueError("affected.components: list at least one")
    for name, url in [("source", issue.source)] + [
        (f"upstream[{i}]", link) for i, link in enumerate(issue.upstream)
    ]:
        if not _URL.fullmatch(url):
            raise ValueError(f"{name}: {url!r} is not an http(s) link")
    fixed = _release(issue.fixed_in, "fixed_in") if issue.fixed_in is not None else None
    if issue.status == "fixed" and fixed is None:
        raise ValueError("fixed_in: a fixed issue names the release that fixes it")
    span = issue.affected.azure_local
    if span is not None:
        low = _release(span.from_, "affected.azure_local.from") if span.from_ else None
        high = _release(span.through, "affected.azure_local.through") if span.through else None
        if low is not None and high is not None and low > high:
            raise ValueError("affected.azure_local: `from` is after `through`")
        last = high if high is not None else low
        if fixed is not None and last is not None and fixed <= last:
            raise ValueError("fixed_in: must come after the affected releases")
    versions = issue.affected.kubernetes
    if versions is not None:
        low_v = _kube(versions.from_, "affected.kubernetes.from") if versions.from_ else None
        high_v = (
            _kube(versions.through, "affected.kubernetes.through") if versions.through else None
        )
        if low_v is not None and high_v is not None and low_v > high_v:
            raise ValueError("affected.kubernetes: `from` is after `through`")


def parse_known_issues(data: bytes, source: str) -> list[KnownIssue]:
    """A known-issue file: typed, then checked record by record; errors name the record."""
    document = load_yaml(data, source)
    if not isinstance(document, dict):
        raise InputError(source, f"a known-issue file is a mapping with `schema: {SCHEMA}`")
    if document.get("schema") != SCHEMA:
        raise InputError(source, f"schema: {document.get('schema')!r} is not {SCHEMA}")
    try:
        parsed = msgspec.convert(document, KnownIssueFile)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _PATH_INDEX.search(text)
        if match and isinstance(document.get("records"), list):
            record = document["records"][int(match.group(1))]
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                text += f" (record {record['id']})"
        if "got `int`" in text:
            text += '; quote release names and versions ("2507")'
        raise InputError(source, text) from None
    seen: set[str] = set()
    for index, issue in enumerate(parsed.records):
        try:
            _check(issue)
        except ValueError as exc:
            raise InputError(source, f"records[{index}] ({issue.id}): {exc}") from None
        if issue.id in seen:
            raise InputError(source, f"records[{index}]: id {issue.id} appears twice")
        seen.add(issue.id)
    return parsed.records


def builtin_known_issues() -> list[KnownIssue]:
    """The starter set shipped with arcsupport."""
    resource = resources.files("arcsupport.sources") / "known-issues" / BUILTIN
    return parse_known_issues(resource.read_bytes(), f"arcsupport/sources/known-issues/{BUILTIN}")


def load_known_issues(paths: Sequence[Path] = ()) -> list[KnownIssue]:
    """The shipped records, then the given files and folders (*.yaml, *.yml); a record with a
    shipped record's id replaces it, so a support team can correct or update one."""
    records = {issue.id: issue for issue in builtin_known_issues()}
    own: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not files:
                raise InputError(str(path), "holds no .yaml known-issue files")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(str(path), "no such known-issue file or folder")
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise InputError(str(file), exc.strerror or str(exc)) from None
            for issue in parse_known_issues(data, str(file)):
                if issue.id in own:
                    raise InputError(str(file), f"id {issue.id} is already set in {own[issue.id]}")
                own[issue.id] = str(file)
                records[issue.id] = issue
    return list(records.values())
