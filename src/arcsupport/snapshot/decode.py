"""Decoding bytes into typed facts, turning every failure into one clear InputError."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

from arcsupport.errors import InputError

T = TypeVar("T")


class KubeList(msgspec.Struct, Generic[T], gc=False):
    """A List as `kubectl get <plural> -A -o json` or the API server prints it."""

    kind: str = ""
    items: list[T] = []


def explain_msgspec_error(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, msgspec.DecodeError):
        if "truncated" in text:
            return "truncated JSON (the file ends in the middle of a value)"
        return f"malformed JSON: {text}"
    return f"unexpected content: {text}"


def decode_json(data: bytes | memoryview, typ: type[T], where: str) -> T:
    try:
        return msgspec.json.decode(data, type=typ)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InputError(where, explain_msgspec_error(exc)) from None


def convert(obj: Any, typ: type[T], where: str) -> T:
    try:
        return msgspec.convert(obj, typ)
    except msgspec.ValidationError as exc:
        raise InputError(where, f"unexpected content: {exc}") from None


def decode_list(
    data: bytes | memoryview, item: type[T], expected_kind: str | None, where: str
) -> list[T]:
    """Decode a List; with `expected_kind`, refuse items of another kind (a misplaced file)."""
    decoded = decode_json(data, KubeList[item], where)  # type: ignore[valid-type]
    if decoded.kind and not decoded.kind.endswith("List"):
        raise InputError(
            where,
            f"expected a List as `kubectl get <plural> -A -o json` prints it, "
            f"got a single {decoded.kind}",
        )
    items: list[T] = decoded.items
    if expected_kind is None:
        return items
    for index, obj in enumerate(items):
        kind = getattr(obj, "kind", "")
        if kind and kind != expected_kind:
            raise InputError(where, f"item {index} is a {kind}, expected a {expected_kind}")
    return items
