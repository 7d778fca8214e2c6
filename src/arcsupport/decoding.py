"""Decoding bytes into typed facts, turning every failure into one clear InputError.

Every document goes through untrusted.py first: its encoding (UTF-8, UTF-16) and its nesting
depth. Kubernetes Lists (`decode_list`, `decode_collection`) are not scanned for depth: they
are the only inputs of gigabytes, where the scan would cost more than decoding them, and they
are decoded straight into narrow Structs (or items kept raw), where msgspec's own guard, in C,
stops runaway nesting; what the readers then walk in Python comes from the scanned documents.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from arcsupport.errors import InputError, InputTooLarge, raised_by
from arcsupport.untrusted import Document, as_utf8, check_depth

T = TypeVar("T")

# A List is read through a buffer of this size: peak memory is the decoded items, the buffer
# and the largest single item, never the file.
LIST_BUFFER_BYTES = 16 * 1024 * 1024
# The largest single item (or other value) of a List; the readers pass the user's limit.
MAX_ITEM_BYTES = 4 * 1024**3


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


def decode_list(
    source: Document | Readable,
    item: type[T],
    expected_kind: str | None,
    where: str,
    max_item_bytes: int = MAX_ITEM_BYTES,
    buffer_bytes: int = LIST_BUFFER_BYTES,
    settle: Callable[[list[Any]], None] | None = None,
) -> list[T]:
    """Decode a List; with `expected_kind`, refuse items of another kind (a misplaced file).

    From a stream (a file) the List is read item by item: memory follows the decoded items
    and the largest single item, never the file. Bytes already in memory are decoded in one
    call, and read item by item only when that fails, for the message to name the item.
    `settle` is run on each batch of decoded items as it comes (after managedFields are
    detached), to slim them before the next batch is read.
    Not scanned for depth (see the module's docstring)."""
    if isinstance(source, bytes | bytearray | memoryview):
        source = as_utf8(source, where)
        try:
            whole = msgspec.json.decode(source, type=KubeList[item])  # type: ignore[valid-type]
        except (msgspec.DecodeError, RecursionError, MemoryError):
            buffer_bytes = min(buffer_bytes, len(source) + 64)  # read again for the message
        else:
            _settle(whole.items, settle)
            return _checked(whole.kind, whole.apiVersion, whole.items, expected_kind, where)
    reader = _ListReader(
        _utf8_stream(source, where), item, where, max_item_bytes, buffer_bytes, settle
    )
    try:
        reader.read()
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    except MemoryError:
        raise InputError(where, "does not fit in the memory available") from None
    return _checked(reader.kind, reader.api_version, reader.items, expected_kind, where)


def _checked(
    list_kind: str, api_version: str, items: list[T], expected_kind: str | None, where: str
) -> list[T]:
    if list_kind and not list_kind.endswith("List"):
        raise InputError(
            where,
            f"expected a List as `kubectl get <plural> -A -o json` prints it, "
            f"got a single {list_kind}",
        )
    if expected_kind is None:
        return items
    # `kubectl cluster-info dump` prints typed lists (a DaemonSetList of apps/v1) whose items
    # carry no kind and no apiVersion: they are the list's.
    list_api = api_version if list_kind not in ("", "List") else ""
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


# --- Kubernetes Lists, item by item -------------------------------------------------------------

_WHITESPACE = re.compile(rb"[ \t\r\n]*")
_BLANK = frozenset(b" \t\r\n")
_TRAILING_AT = re.compile(r"trailing characters \(byte (\d+)\)")
_BYTE_AT = re.compile(r"\(byte (\d+)\)")
_TOO_LONG = re.compile(r"Expected `str` of length <= (\d+) - at `([^`]+)`")
# What two items begin with, up to the first object they open (`{"apiVersion":"v1","kind":
# "Pod","metadata":{`), else up to the last `,` or `:` they share: the keys every item of the
# List starts with, not the first two items' names or annotations.
_HEAD_BYTES = 64
_HEAD_END = re.compile(rb"\{[^{]*\{|.*[,:]", re.DOTALL)
_OPEN, _CLOSE, _ARRAY, _ARRAY_END, _COMMA, _COLON, _QUOTE = b'{}[],:"'


def _counted_from(start: int, text: str) -> str:
    """msgspec counts bytes from the slice it was given: count them from the stream's start."""
    return _BYTE_AT.sub(lambda found: f"(byte {start + int(found[1])})", text)


class Readable(Protocol):
    def readinto(self, buffer: Any, /) -> int | None: ...


class _BufferReader:
    """Bytes already in memory, read into the List's buffer a piece at a time (no copy of
    the whole)."""

    def __init__(self, data: Document) -> None:
        self.view = memoryview(data).cast("B")
        self.at = 0

    def readinto(self, buffer: Any, /) -> int:
        count = min(len(buffer), len(self.view) - self.at)
        buffer[:count] = self.view[self.at : self.at + count]
        self.at += count
        return count


class _Prefixed:
    """A stream whose first bytes were read to learn its encoding, put back in front."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head = head
        self.rest = rest

    def readinto(self, buffer: Any, /) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        return self.rest.readinto(buffer) or 0


def _read_exactly(handle: Readable, size: int) -> bytes:
    chunk = bytearray(size)
    got = 0
    while got < size:
        count = handle.readinto(memoryview(chunk)[got:]) or 0
        if not count:
            break
        got += count
    return bytes(chunk[:got])


def _utf8_stream(source: Document | Readable, where: str) -> Readable:
    """The List as a UTF-8 stream: bytes as they are, past a UTF-8 BOM; UTF-16 (which
    as_utf8 converts whole, being rare and small) read in full first."""
    if isinstance(source, bytes | bytearray | memoryview):
        return _BufferReader(as_utf8(source, where))
    head = _read_exactly(source, 4)
    if head.startswith(codecs.BOM_UTF8):
        return _Prefixed(head[3:], source)
    if as_utf8(head, where) is head:
        return _Prefixed(head, source)
    rest = bytearray(head)
    while chunk := _read_exactly(source, LIST_BUFFER_BYTES):
        rest += chunk
    return _BufferReader(as_utf8(rest, where))


def _settle(items: list[Any], settle: Callable[[list[Any]], None] | None) -> None:
    detach_managed_fields(items)
    if settle is not None:
        settle(items)


def detach_managed_fields(items: list[Any]) -> None:
    """managedFields' fieldsV1 stay undecoded (msgspec.Raw) but must not point into the bytes
    they were decoded from: a List's buffer is reused, and a whole file held for them would
    stay in memory (126 MiB of Deployments in a big cluster)."""
    for item in items:
        for entry in getattr(getattr(item, "metadata", None), "managedFields", ()):
            if entry.fieldsV1:
                entry.fieldsV1 = entry.fieldsV1.copy()


class _ListReader:
    """A List decoded from a stream: the envelope's keys one by one, the `items` array in
    batches, each batch one msgspec call into the narrow item type.

    A batch runs from a known item start to the last place in the buffer where the bytes read
    like the boundary between the first two items (`marker`); the bytes on either side are
    turned into `[` and `]` in place and the slice is decoded as a list. Success proves the
    guess: a run of items that parses as a JSON array ends exactly between two items, since a
    JSON value parses the same wherever it stands. When it fails (the guess fell inside an
    item, or the data is bad) the same bytes are read again one item at a time, each item's
    end found by msgspec, so that a bad item is named by its index."""

    def __init__(
        self,
        handle: Readable,
        item: Any,
        where: str,
        max_item_bytes: int,
        buffer_bytes: int,
        settle: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.handle = handle
        self.settle = settle
        self.item = item
        self.batch_type = list[item]
        self.where = where
        self.max_item_bytes = max_item_bytes
        # Never more than one object may take: one that needs more is over the limit.
        self.buffer = bytearray(max(min(buffer_bytes, max_item_bytes + 2), 64))
        self.lo = 0  # the next byte to read in the buffer
        self.hi = 0  # the end of the bytes read into it
        self.offset = 0  # where the buffer's first byte is in the stream
        self.eof = False
        self.kind = ""
        self.api_version = ""
        self.items: list[Any] = []
        self.marker: bytes | None = None

    # -- the buffer

    def _fill(self) -> bool:
        """Read more, keeping what is unread and the byte before it (where a batch's `[`
        goes); grow the buffer when one value fills it. False when nothing more came."""
        if self.eof:
            return False
        keep = max(self.lo - 1, 0)
        if keep:
            self.buffer[: self.hi - keep] = self.buffer[keep : self.hi]
            self.offset += keep
            self.lo -= keep
            self.hi -= keep
        if self.hi == len(self.buffer):
            if self.hi > self.max_item_bytes:
                raise InputTooLarge(
                    self.where,
                    f"item {len(self.items)} of the List is over {self.max_item_bytes} bytes, "
                    f"the limit of one object {raised_by('ARCSUPPORT_MAX_OBJECT_SIZE')}; refused",
                )
            # Grown in place: a copy into a new buffer would hold both at once. The zeros
            # appended come from fresh pages (calloc), so only the grown buffer counts.
            self.buffer += bytes(min(len(self.buffer), self.max_item_bytes + 2 - self.hi))
        before = self.hi
        with memoryview(self.buffer) as view:
            while self.hi < len(self.buffer):
                count = self.handle.readinto(view[self.hi :])
                if not count:
                    self.eof = True
                    break
                self.hi += count
        return self.hi > before

    def _next(self) -> int:
        """The next byte that is not whitespace (left unread), -1 at the end."""
        while True:
            self.lo = _WHITESPACE.match(self.buffer, self.lo, self.hi).end()  # type: ignore[union-attr]
            if self.lo < self.hi:
                return self.buffer[self.lo]
            if not self._fill():
                return -1

    @property
    def position(self) -> int:
        """Where `lo` is in the stream."""
        return self.offset + self.lo

    # -- errors

    def _malformed(self, problem: str, context: str = "") -> InputError:
        """Said as msgspec says it of a whole document, the byte counted as it counts it."""
        at = self.position + (problem == "trailing characters")
        return InputError(
            self.where, f"malformed JSON{context}: JSON is malformed: {problem} (byte {at})"
        )

    def _truncated(self, index: int | None) -> InputError:
        if index is None:
            return InputError(self.where, "truncated JSON (the file ends in the middle of a value)")
        return InputError(
            self.where,
            f"truncated JSON (the file ends in the middle of item {index} of the List)",
        )

    # -- values

    def _value(self, typ: Any, path: str, index: int | None = None) -> Any:
        """Decode the value at `lo` into `typ` (None: check it and pass over it), and move
        past it."""
        context = "" if index is None else f" in item {index} of the List"
        while True:
            start = self.lo
            try:
                msgspec.json.decode(memoryview(self.buffer)[start : self.hi], type=msgspec.Raw)
            except msgspec.DecodeError as exc:
                text = str(exc)
                trailing = _TRAILING_AT.search(text)
                if trailing:  # msgspec counts from 1: the byte after the value's end
                    end = start + int(trailing[1]) - 1
                    break
                if "truncated" in text:
                    if self._fill():
                        continue
                    raise self._truncated(index) from None
                text = _counted_from(self.offset + start, text)
                raise InputError(self.where, f"malformed JSON{context}: {text}") from None
            except RecursionError:
                raise InputError(
                    self.where,
                    f"JSON{context} nested too deeply (past about 1,000 levels); refused",
                ) from None
            if self._fill():
                continue  # the value reached the end of what was read: it may go on
            end = self.hi
            break
        self.lo = end
        if typ is None:
            return None
        return self._decode(start, end, typ, path, context)

    def _decode(self, start: int, end: int, typ: Any, path: str, context: str) -> Any:
        try:
            return msgspec.json.decode(memoryview(self.buffer)[start:end], type=typ)
        except msgspec.ValidationError as exc:
            text = str(exc)
            if " - at `$" in text:
                text = text.replace(" - at `$", f" - at `{path}", 1)
            elif path != "$":
                text = f"{text} - at `{path}`"
            too_long = _TOO_LONG.fullmatch(text)
            if too_long:  # a name (snapshot/kube.py): a cluster never wrote a longer one
                text = (
                    f"{too_long[2]} is longer than the {too_long[1]} characters Kubernetes "
                    "allows there; refused"
                )
                raise InputError(self.where, text) from None
            raise InputError(self.where, f"unexpected content: {text}") from None
        except msgspec.DecodeError as exc:  # what passing over it does not check (UTF-8)
            text = _counted_from(self.offset + start, str(exc))
            raise InputError(self.where, f"malformed JSON{context}: {text}") from None
        except RecursionError:
            raise InputError(
                self.where, f"{path} is nested too deeply (past about 1,000 levels); refused"
            ) from None

    # -- the List

    def read(self) -> None:
        first = self._next()
        if first == -1:
            raise self._truncated(None)
        if first != _OPEN:  # not an object: msgspec says what it is, as for any document
            self._value(KubeList[self.item], "$")  # type: ignore[name-defined]
            raise self._malformed("expected a Kubernetes List")  # pragma: no cover
        self.lo += 1
        found = self._next()
        if found == _CLOSE:
            self.lo += 1
        while found != _CLOSE:
            if found == -1:
                raise self._truncated(None)
            if found != _QUOTE:
                raise self._malformed("object keys must be strings")
            key = self._value(str, "$")
            found = self._next()
            if found != _COLON:
                raise self._truncated(None) if found == -1 else self._malformed("expected ':'")
            self.lo += 1
            if self._next() == -1:
                raise self._truncated(None)
            if key == "items":
                self._items()
            elif key == "kind":
                self.kind = self._value(str, "$.kind")
            elif key == "apiVersion":
                self.api_version = self._value(str, "$.apiVersion")
            else:
                self._value(None, "")
            found = self._next()
            if found == _COMMA:
                self.lo += 1
                found = self._next()
                if found == _CLOSE:
                    raise self._malformed("trailing comma in object")
            elif found == _CLOSE:
                self.lo += 1
            elif found == -1:
                raise self._truncated(None)
            else:
                raise self._malformed("expected ',' or '}'")
        if self._next() != -1:
            raise self._malformed("trailing characters")

    def _items(self) -> None:
        if self.buffer[self.lo] != _ARRAY:  # null, an object: msgspec says what it got
            self._value(self.batch_type, "$.items")
            raise self._malformed("expected '['")  # pragma: no cover
        self.lo += 1
        self.items = []  # a second `items` replaces the first, as for any decoded object
        self.marker = None
        if self._next() == _ARRAY_END:
            self.lo += 1
            return
        one_by_one_to = -1  # after a failed batch, items are read one at a time up to here
        while True:
            if self.marker is not None and self.position > one_by_one_to:
                one_by_one_to = self._batch()
                if one_by_one_to < 0:
                    if self._after_item(len(self.items) - 1):
                        return
                    continue
                # The guess did not hold: learn again from the next two items.
                self.marker = None
            index = len(self.items)
            start = self.lo
            head = bytes(self.buffer[start : start + _HEAD_BYTES])
            item = self._value(self.item, f"$.items[{index}]", index)
            _settle([item], self.settle)
            self.items.append(item)
            # The item's last byte that is not whitespace, where the separator begins (found
            # in place: a copy of the item would double what a big one costs).
            end = self.lo
            while end > start and self.buffer[end - 1] in _BLANK:
                end -= 1
            separator_at = self.offset + end
            if self._after_item(index):
                return
            if self.marker is None:
                self._learn_marker(head, separator_at)

    def _after_item(self, index: int) -> bool:
        """Past the separator after an item: True at the end of the array."""
        found = self._next()
        if found == _COMMA:
            self.lo += 1
            if self._next() == _ARRAY_END:
                raise self._malformed("trailing comma in array")
            return False
        if found == _ARRAY_END:
            self.lo += 1
            return True
        if found == -1:
            raise self._truncated(index)
        raise self._malformed("expected ',' or ']'", f" after item {index} of the List")

    def _learn_marker(self, head: bytes, separator_at: int) -> None:
        """With an item's first bytes and where it ended, and the next one's start at `lo`:
        the bytes that lie between two items."""
        end = separator_at - self.offset
        if end < 1:
            return  # the buffer moved on past it: learn from the next two
        second = bytes(self.buffer[self.lo : self.lo + _HEAD_BYTES])
        shared = 0
        while shared < min(len(head), len(second)) and head[shared] == second[shared]:
            shared += 1
        common = _HEAD_END.match(head[:shared])
        self.marker = bytes(self.buffer[end - 1 : self.lo]) + (common[0] if common else head[:1])

    def _batch(self) -> int:
        """Decode the items from `lo` up to the last boundary in the buffer in one call:
        -1 when done, else the position up to which items are to be read one at a time."""
        assert self.marker is not None
        if not self.eof and self.hi - self.lo < len(self.buffer) // 2:
            self._fill()
        start = self.lo
        boundary = self.buffer.rfind(self.marker, start + 1, self.hi)
        if boundary < 0:
            return self.offset + self.hi  # no boundary in what was read
        close = boundary + 1  # the separator's first byte, which becomes the `]`
        saved_open, saved_close = self.buffer[start - 1], self.buffer[close]
        self.buffer[start - 1] = _ARRAY
        self.buffer[close] = _ARRAY_END
        try:
            batch = msgspec.json.decode(
                memoryview(self.buffer)[start - 1 : close + 1], type=self.batch_type
            )
        except (msgspec.DecodeError, RecursionError):
            return self.offset + close
        finally:
            self.buffer[start - 1] = saved_open
            self.buffer[close] = saved_close
        _settle(batch, self.settle)
        self.items.extend(batch)
        self.lo = close
        return -1
