"""The privacy check of `arcsupport bundle inspect`: what must not leave the cluster in a bundle.

It names every place (file, object, field) where something sensitive sits, never the value:
Secret payloads, environment variable values, full last-applied-configuration annotations,
credential fields, and strings shaped like private keys, client certificates or bearer tokens.

Big Kubernetes lists are scanned item by item: each item is first searched as raw bytes for
anything that could lead to a hit, and only the few that match are decoded and walked.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from arcsupport.snapshot.kube import LAST_APPLIED
from arcsupport.untrusted import MAX_DEPTH, nesting_depth

# The collector keeps apiVersion and kind of the last-applied configuration (the API version
# a manifest was written for), nothing else.
_LAST_APPLIED_KEPT = frozenset({"apiVersion", "kind"})
# Fields that carry a credential whatever their value looks like (kubeconfig, token files).
_CREDENTIAL_KEYS = frozenset(
    {
        "token",
        "bearerToken",
        "bearer_token",
        "access_token",
        "accessToken",
        "refresh_token",
        "refreshToken",
        "id_token",
        "id-token",
        "client-key-data",
        "client-certificate-data",
        "clientKey",
        "clientSecret",
        "client_secret",
        "password",
    }
)

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----")
# base64 of "-----BEGIN " (what a kubeconfig or a Secret holds): decoded to tell what begins.
_BASE64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,120}")
# A JWT (Kubernetes service account tokens, Entra ID tokens): base64url of '{"', three parts.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_BEARER = re.compile(r"\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}")
# kubeadm bootstrap token: 6 and 16 characters of [a-z0-9], not part of a longer name.
_BOOTSTRAP = re.compile(r"(?<![A-Za-z0-9._-])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9._-])")

# Anything that could lead to a hit, searched in raw bytes: an env entry hits only with a
# "value" key (collected bundles keep env names and valueFrom), a Secret only with its kind,
# a credential field only as a key. A JSON escape (\u) could hide a key or a pattern, so an
# item that holds one is always walked. Each starts with a literal, which the regex engine
# finds at the speed of a plain byte search: a whole List is sifted in a few passes.
_TRIGGERS: tuple[re.Pattern[bytes], ...] = (
    re.compile(rb"\\u"),
    re.compile(rb'"value"'),
    re.compile(rb'"Secret"'),
    re.compile(re.escape(LAST_APPLIED.encode())),
    re.compile(rb"-----BEGIN"),
    re.compile(rb"LS0tLS1CRUdJTi"),
    re.compile(rb"eyJ"),
    re.compile(rb"earer"),
    re.compile(rb"\.[a-z0-9]{16}"),
    re.compile(
        rb'"(?:'
        + b"|".join(re.escape(key.encode()) for key in sorted(_CREDENTIAL_KEYS))
        + rb')"\s*:'
    ),
)
# In files that are not JSON or YAML (metrics.txt and anything else): patterns, and the
# credential keys of a kubeconfig pasted as text.
_TEXT_KEYS = re.compile(
    rb"(?m)(?:client-key-data|client-certificate-data|^\s*(?:token|id-token|refresh-token|password))"
    rb"\s*:\s*[\"']?[^\s\"']"
)
_TEXT_PATTERNS = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,120}"
    rb"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    rb"|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}"
    rb"|(?<![A-Za-z0-9._-])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9._-])"
)
# No pattern above matches fewer characters (a bootstrap token, "Bearer " and 16): most
# strings of an object (names, labels, timestamps) are shorter and need no regex at all.
_SHORTEST = 23
# Every string pattern above starts with one of these: strings without any are not examined.
_STRING_ANCHORS = re.compile(r"-----BEGIN|LS0tLS1CRUdJTi|eyJ|[Bb]earer|[a-z0-9]{6}\.[a-z0-9]{16}")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Keys whose value is judged by the key itself; every other key is walked as it is.
_SPECIAL_KEYS = _CREDENTIAL_KEYS | {"data", "stringData", "env", "annotations"}


@dataclass(frozen=True, slots=True)
class Hit:
    """One sensitive place: where it is and what it looks like, never the value itself."""

    file: str
    object: str
    field: str
    problem: str


def _decoded_pem_head(encoded: str) -> str:
    usable = encoded[: len(encoded) // 4 * 4]
    try:
        return base64.b64decode(usable).decode("ascii", "replace")
    except (binascii.Error, ValueError):
        return ""


def string_problem(value: str, field: str) -> str | None:
    """What a string looks like, if it looks like a credential. A certificate counts only in
    a client field: CA bundles (webhook caBundle) are public and belong in a bundle."""
    if len(value) < _SHORTEST or not _STRING_ANCHORS.search(value):
        return None
    client_field = "client" in field.lower()
    if _PRIVATE_KEY.search(value):
        return "private key (PEM)"
    for match in _BASE64_PEM.finditer(value):
        head = _decoded_pem_head(match.group())
        if _PRIVATE_KEY.search(head):
            return "private key (base64 PEM)"
        if client_field and _CERTIFICATE.search(head):
            return "client certificate (base64 PEM)"
    if client_field and _CERTIFICATE.search(value):
        return "client certificate (PEM)"
    if _JWT.search(value):
        return "bearer token (JWT)"
    if _BEARER.search(value):
        return "bearer token"
    if _BOOTSTRAP.search(value):
        return "bootstrap token"
    return None


# A path is built as a chain (parent, step) and spelled out only for a hit: most values
# visited never need theirs. A step is a key, or (index, item) for a list item.
_Path = tuple[Any, Any] | None


def _spell(path: _Path) -> str:
    steps: list[Any] = []
    while path is not None:
        path, step = path
        steps.append(step)
    text = ""
    for step in reversed(steps):
        if isinstance(step, tuple):
            index, item = step
            name = item.get("name") if isinstance(item, dict) else None
            text += f"[{name if isinstance(name, str) and name else index}]"
        elif _PLAIN_KEY.match(step):
            text += f".{step}" if text else step
        else:
            text += f'["{step}"]'
    return text


def describe(obj: Any, fallback: str) -> str:
    """`Kind namespace/name` for a Kubernetes object, the name of an ARM resource."""
    if not isinstance(obj, dict):
        return fallback
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
        kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
        namespace = metadata.get("namespace")
        name = f"{namespace}/{metadata['name']}" if isinstance(namespace, str) else metadata["name"]
        return f"{kind} {name}".strip()
    name = obj.get("name")
    return name if isinstance(name, str) and name else fallback


def _last_applied_is_stub(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return True
    # JSON in a string escapes the scan of its file: one nested past the cap is no stub.
    if nesting_depth(value.encode()) > MAX_DEPTH:
        return False
    try:
        applied = msgspec.json.decode(value)
    except msgspec.DecodeError:
        return False
    return isinstance(applied, dict) and set(applied) <= _LAST_APPLIED_KEPT


def scan_object(obj: Any, file: str, name: str) -> list[Hit]:
    """Every hit in one decoded document or List item. Iterative, so that deep nesting cannot
    exhaust the stack."""
    hits: list[Hit] = []
    stack: list[tuple[Any, _Path, str]] = [(obj, None, "")]
    while stack:
        value, path, key = stack.pop()
        if isinstance(value, str):
            problem = string_problem(value, key)
            if problem:
                hits.append(Hit(file, name, _spell(path), problem))
        elif isinstance(value, list):
            stack.extend((item, (path, (index, item)), key) for index, item in enumerate(value))
        elif isinstance(value, dict):
            _scan_mapping(value, path, stack, file, name, hits)
    # By field, so that a report reads the same whatever order the walk took.
    return sorted(hits, key=lambda hit: hit.field)


def _scan_mapping(
    mapping: dict[str, Any],
    path: _Path,
    stack: list[tuple[Any, _Path, str]],
    file: str,
    name: str,
    hits: list[Hit],
) -> None:
    def hit(at: _Path, problem: str) -> None:
        hits.append(Hit(file, name, _spell(at), problem))

    secret = mapping.get("kind") == "Secret"
    for any_key, child in mapping.items():
        key = any_key if isinstance(any_key, str) else str(any_key)  # YAML allows 1: or true:
        child_path = (path, key)
        if key not in _SPECIAL_KEYS:
            stack.append((child, child_path, key))
        elif secret and key in ("data", "stringData"):
            if child:
                count = len(child) if isinstance(child, dict | list | str) else 1
                hit(child_path, f"Secret payload ({'1 key' if count == 1 else f'{count} keys'})")
        elif key in _CREDENTIAL_KEYS and isinstance(child, str) and child:
            hit(child_path, f"credential field ({key})")
        elif key == "env" and isinstance(child, list):
            for index, entry in enumerate(child):
                entry_path = (child_path, (index, entry))
                if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                    if entry["value"]:
                        hit((entry_path, "value"), "environment variable value")
                    entry = {k: v for k, v in entry.items() if k != "value"}
                stack.append((entry, entry_path, key))
        elif key == "annotations" and isinstance(child, dict) and LAST_APPLIED in child:
            if not _last_applied_is_stub(child[LAST_APPLIED]):
                hit(
                    (child_path, LAST_APPLIED),
                    "last-applied-configuration with more than apiVersion and kind",
                )
            rest = {k: v for k, v in child.items() if k != LAST_APPLIED}
            stack.append((rest, child_path, key))
        else:
            stack.append((child, child_path, key))


def triggers_in(data: bytes) -> tuple[re.Pattern[bytes], ...]:
    """The triggers a whole file holds: its items need to be sifted for these only, and for
    none at all when it holds none (the common case for a collected bundle)."""
    return tuple(trigger for trigger in _TRIGGERS if trigger.search(data))


def scan_item(
    raw: msgspec.Raw, file: str, fallback: str, triggers: tuple[re.Pattern[bytes], ...]
) -> list[Hit]:
    """One List item as raw JSON: decoded only when its bytes hold one of the triggers that
    `triggers_in` found in its file."""
    view = memoryview(raw)
    if not any(trigger.search(view) for trigger in triggers):
        return []
    item = msgspec.json.decode(raw)
    return scan_object(item, file, describe(item, fallback))


def scan_text(data: bytes, file: str) -> Iterator[Hit]:
    """A file read as text: patterns only, reported by line."""
    line = 1
    position = 0
    found: list[tuple[int, str]] = []
    for match in _TEXT_KEYS.finditer(data):
        found.append((match.start(), "credential field"))
    for match in _TEXT_PATTERNS.finditer(data):
        problem = string_problem(match.group().decode("ascii", "replace"), "")
        if problem:
            found.append((match.start(), problem))
    for start, problem in sorted(found):
        line += data.count(b"\n", position, start)
        position = start
        yield Hit(file, f"line {line}", "-", problem)
