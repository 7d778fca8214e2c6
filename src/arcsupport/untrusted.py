"""What every document from outside passes before a decoder sees it (decoding.py for JSON,
safeyaml.py for YAML): its encoding, and how deeply it nests.

- Encoding. JSON is UTF-8 and so is the YAML arcsupport reads; a UTF-8 byte-order mark is
  skipped. UTF-16 (what Windows PowerShell 5.1's `>` and `Out-File` write, with a BOM) is
  converted to UTF-8 and read: the BOM, or without one the zero byte beside each ASCII
  character, says exactly which encoding it is, and Azure Local hosts are administered from
  that shell, so refusing would only send every such user to convert files by hand.
- Nesting depth. MAX_DEPTH is checked by a linear scan of the bytes that counts brackets
  outside strings, before decoding: code that walks a decoded value (the null stripping of
  ARM payloads, msgspec.convert, a YAML constructor) would otherwise run out of stack.
"""

from __future__ import annotations

import codecs
from array import array
from itertools import accumulate
from typing import TypeAlias

from arcsupport.errors import InputError

# What the readers hand to the decoders: file contents, a view past a BOM or of a mapped file.
Document: TypeAlias = bytes | bytearray | memoryview

# The deepest real payload in tests/data/reference and /work/shared/reference is 11 levels (an
# ARM kubernetesVersions listing); collected Lists reach 15 (a Deployment's managedFields).
# 128 leaves room for deep custom resources (OpenAPI schemas nest two levels per field) and
# stays far below the depth at which recursive code runs out of stack (about 490 levels).
MAX_DEPTH = 128

SAVE_AS_UTF8 = (
    "save it as UTF-8, e.g. in PowerShell: Get-Content FILE | Set-Content -Encoding utf8 NEW"
)

# --- encodings ---------------------------------------------------------------------------------

_TRANSCODE_CHUNK = 16 * 1024 * 1024


def _utf16_encoding(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the BOM says which byte order; the codec drops it
    # Without a BOM, text that starts with two ASCII characters has a zero byte beside each
    # (the detection of RFC 4627, section 3).
    if len(head) == 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le"
    if len(head) == 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be"
    return None


def as_utf8(data: Document, where: str) -> Document:
    """The document as UTF-8: as given (no copy), past a UTF-8 BOM (a view, no copy), or
    converted from UTF-16 chunk by chunk into one buffer."""
    view = memoryview(data)
    head = bytes(view[:4])
    if head.startswith(codecs.BOM_UTF8):
        return view[3:]
    # Checked first: UTF-32's little-endian BOM (FF FE 00 00) begins with UTF-16's.
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(where, f"is UTF-32, which arcsupport does not read; {SAVE_AS_UTF8}")
    encoding = _utf16_encoding(head)
    if encoding is None:
        return data
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    out = bytearray()
    try:
        for start in range(0, len(view), _TRANSCODE_CHUNK):
            final = start + _TRANSCODE_CHUNK >= len(view)
            out += decoder.decode(view[start : start + _TRANSCODE_CHUNK], final=final).encode()
    except UnicodeError as exc:
        raise InputError(
            where, f"looks like UTF-16 but is not valid UTF-16 ({exc}); {SAVE_AS_UTF8}"
        ) from None
    return out


# --- nesting depth -----------------------------------------------------------------------------

_SCAN_CHUNK = 16 * 1024 * 1024
_KEEP_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def nesting_depth(data: Document, limit: int = MAX_DEPTH) -> int:
    """How deeply a JSON text nests, counting brackets outside strings, in one pass over the
    bytes (a chunk at a time, with C-speed bytes operations); it stops as soon as the depth
    exceeds `limit`. Malformed text gives a number the decoder refuses anyway."""
    view = memoryview(data).cast("B")
    size = len(view)
    start = 0
    depth = 0
    deepest = 0
    inside = False  # within a string where the chunk starts
    while start < size:
        end = min(start + _SCAN_CHUNK, size)
        while end < size and view[end - 1] == 0x5C:  # never cut an escape in two
            end += 1
        chunk = view[start:end].tobytes()
        start = end
        if b"\\" in chunk:
            # Escapes only occur in strings; without them every quote opens or closes one.
            chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
        tokens = chunk.translate(None, _KEEP_STRUCTURE)
        if inside:
            tokens = b'"' + tokens
        # Two quotes side by side close a string and open the next, or enclose one without
        # brackets: dropping them keeps what is inside and what is outside as it was.
        tokens = tokens.replace(b'""', b"")
        inside = False
        if b'"' in tokens:
            pieces = tokens.split(b'"')
            inside = len(pieces) % 2 == 0
            tokens = b"".join(pieces[0::2])
        if not tokens:
            continue
        steps = array("b", tokens.translate(_BRACKET_STEPS))
        deepest = max(deepest, max(accumulate(steps, initial=depth)))
        if deepest > limit:
            return deepest
        depth = max(0, depth + sum(steps))
    return deepest


def check_depth(data: Document, where: str, limit: int = MAX_DEPTH) -> None:
    if nesting_depth(data, limit) > limit:
        raise InputError(where, f"nested more than {limit} levels deep; refused")
