"""The privacy check of `arcsupport bundle inspect`: what must not leave the cluster in a bundle.

It names every place (file, object, field) where something sensitive sits, never the value:
Secret payloads, environment variable values, full last-applied-configuration annotations,
credential fields, client certificates, and every string that holds a secret (cloud keys,
tokens, private keys, connection strings with a password: sources/secrets.py).

Big Kubernetes lists are scanned item by item: each item is first searched as raw bytes for
anything that could lead to a hit, and only the few that match are decoded and walked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from arcsupport.snapshot.kube import LAST_APPLIED
from arcsupport.sources.secrets import BYTES_ANCHORS, SHORTEST, base64_pem_heads, secret_kind
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

_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----")

# Anything that could lead to a hit, searched in raw bytes: an env entry hits only with a
# "value" key (collected bundles keep env names and valueFrom), a Secret only with its kind,
# a credential field only as a key, a secret only with one of the anchors of its detectors. A
# JSON escape (\u, \/) could hide a key or a pattern, so an item that holds one is always
# walked. All but the anchors start with a literal, which the regex engine finds at the speed
# of a plain byte search: a whole List is sifted in a few passes.
_TRIGGERS: tuple[re.Pattern[bytes], ...] = (
    re.compile(rb"\\[u/]"),
    re.compile(rb'"value"'),
    re.compile(rb'"Secret"'),
    re.compile(re.escape(LAST_APPLIED.encode())),
    re.compile(rb"-----BEGIN"),
    *BYTES_ANCHORS,
    re.compile(
        rb'"(?:'
        + b"|".join(re.escape(key.encode()) for key in sorted(_CREDENTIAL_KEYS))
        + rb')"\s*:'
    ),
)
# In files that are not JSON or YAML (metrics.txt and anything else): each line that holds an
# anchor is judged like a string, and the credential keys of a kubeconfig pasted as text.
_TEXT_KEYS = re.compile(
    rb"(?m)(?:client-key-data|client-certificate-data|^\s*(?:token|id-token|refresh-token|password))"
    rb"\s*:\s*[\"']?[^\s\"']"
)
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


def string_problem(value: str, field: str) -> str | None:
    """What a string looks like, if it looks like a credential: the kind of secret it holds
    (sources/secrets.py), or a client certificate. A certificate counts only in a client
    field: CA bundles (webhook caBundle, kube-root-ca.crt) are public and belong in a bundle."""
    if len(value) < SHORTEST:
        return None
    kind = secret_kind(value)
    if kind or "client" not in field.lower():
        return kind
    if _CERTIFICATE.search(value):
        return "client certificate (PEM)"
    if any(_CERTIFICATE.search(head) for head in base64_pem_heads(value)):
        return "client certificate (base64 PEM)"
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
                        kind = secret_kind(entry["value"])
                        what = f" ({kind})" if kind else ""
                        hit((entry_path, "value"), f"environment variable value{what}")
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
    """A file read as text, line by line: credential keys, and lines that hold a secret."""
    found: list[tuple[int, str]] = [
        (match.start(), "credential field") for match in _TEXT_KEYS.finditer(data)
    ]
    anchored_lines = {
        data.rfind(b"\n", 0, match.start()) + 1
        for anchor in BYTES_ANCHORS
        for match in anchor.finditer(data)
    }
    for start in anchored_lines:
        end = data.find(b"\n", start)
        kind = secret_kind(data[start : len(data) if end < 0 else end].decode("utf-8", "replace"))
        if kind:
            found.append((start, kind))
    line = 1
    position = 0
    for start, problem in sorted(found):
        line += data.count(b"\n", position, start)
        position = start
        yield Hit(file, f"line {line}", "-", problem)
