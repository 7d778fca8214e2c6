"""Decoding bytes into typed facts, turning every failure into one clear InputError.

Every document goes through untrusted.py first: its encoding (UTF-8, UTF-16) and its nesting
depth. Kubernetes Lists (`decode_list`, `decode_collection`) are not scanned for depth: they
are the only inputs of gigabytes, where the scan would cost more than decoding them, and they
are decoded straight into narrow Structs (or items kept raw), where msgspec's own guard, in C,
stops runaway nesting; what the readers then walk in Python comes from the scanned documents.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

from arcsupport.errors import InputError
from arcsupport.untrusted import Document, as_utf8, check_depth

T = TypeVar("T")


class KubeList(msgspec.Struct, Generic[T], gc=False):
    """A List as `kubectl get <plural> -A -o json` or the API server prints it."""

    kind: str = ""
    apiVersion: str = ""
    items: list[T] = []


def explain_msgspec_error(exc: Exception) -> str:
    text = str(exc)
    # ValidationError is a subclass of DecodeError: well-formed JSON of the wrong shape.
    if isinstance(exc, msgspec.ValidationError):
        return f"unexpected content: {text}"
    if isinstance(exc, msgspec.DecodeError):
        if "truncated" in text:
            return "truncated JSON (the file ends in the middle of a value)"
        return f"malformed JSON: {text}"
    return f"unexpected content: {text}"


def _decode(data: Document, typ: Any, where: str) -> Any:
    try:
        return msgspec.json.decode(data, type=typ)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InputError(where, explain_msgspec_error(exc)) from None
    except RecursionError:
        raise InputError(
            where, "JSON nested too deeply (past about 1,000 levels); refused"
        ) from None
    except MemoryError:
        raise InputError(where, "does not fit in the memory available") from None


def decode_json(data: Document, typ: type[T], where: str) -> T:
    """A JSON document (UTF-8, UTF-16), checked for depth, decoded into `typ`."""
    data = as_utf8(data, where)
    check_depth(data, where)
    decoded: T = _decode(data, typ, where)
    return decoded


def decode_collection(data: Document, typ: type[T], where: str) -> T:
    """A List or an ARM collection, decoded for its items to be read one by one: not scanned
    for depth (see the module's docstring)."""
    decoded: T = _decode(as_utf8(data, where), typ, where)
    return decoded


def convert(obj: Any, typ: type[T], where: str) -> T:
    try:
        return msgspec.convert(obj, typ)
    except msgspec.ValidationError as exc:
        raise InputError(where, f"unexpected content: {exc}") from None


def decode_list(data: Document, item: type[T], expected_kind: str | None, where: str) -> list[T]:
    """Decode a List; with `expected_kind`, refuse items of another kind (a misplaced file).

    Not scanned for depth (see the module's docstring)."""
    decoded = decode_collection(data, KubeList[item], where)  # type: ignore[valid-type]
    if decoded.kind and not decoded.kind.endswith("List"):
        raise InputError(
            where,
            f"expected a List as `kubectl get <plural> -A -o json` prints it, "
            f"got a single {decoded.kind}",
        )
    items: list[T] = decoded.items
    if expected_kind is None:
        return items
    # `kubectl cluster-info dump` prints typed lists (a DaemonSetList of apps/v1) whose items
    # carry no kind and no apiVersion: they are the list's.
    list_api = decoded.apiVersion if decoded.kind not in ("", "List") else ""
    for index, obj in enumerate(items):
        entry: Any = obj
        kind = getattr(entry, "kind", "")
        if not kind:
            if hasattr(entry, "kind"):
                entry.kind = expected_kind
            if list_api and getattr(entry, "apiVersion", None) == "":
                entry.apiVersion = list_api
        elif kind != expected_kind:
            raise InputError(where, f"item {index} is a {kind}, expected a {expected_kind}")
    return items


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def decode_json_nulls_absent(data: Document, typ: type[T], where: str) -> T:
    """For ARM payloads, which write `null` for anything unset (`"errorMessage": null`): a null
    reads as an absent field. They are small, so the detour through plain objects is cheap;
    the depth check keeps the recursive walk within the stack."""
    plain = decode_json(data, object, where)
    return convert(_without_nulls(plain), typ, where)
