"""Snapshots and assessments as stored: msgpack (msgspec), read back into the same Structs.

msgpack decodes several times faster than the JSON of a bundle, and the stored Snapshot holds
only the fields rules read, so re-assessing a stored cluster costs a fraction of reading its
upload again. One wrinkle: managedFields' `fieldsV1` is kept as raw JSON (msgspec.Raw), which
msgpack would splice into its stream as is; those bytes are wrapped as a msgpack binary while
encoding and unwrapped after decoding.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from arcsupport.engine.assess import Assessment
from arcsupport.i18n.message import Message
from arcsupport.snapshot.kube import ManagedFieldsEntry
from arcsupport.snapshot.model import Snapshot

_ENCODER = msgspec.msgpack.Encoder()
_SNAPSHOT = msgspec.msgpack.Decoder(Snapshot)
_ASSESSMENT = msgspec.msgpack.Decoder(Assessment)
_MESSAGE = msgspec.msgpack.Decoder(Message)
_BYTES = msgspec.msgpack.Decoder(bytes)


def managed_fields(snapshot: Snapshot) -> Iterator[ManagedFieldsEntry]:
    """Every managedFields entry the snapshot holds (the only place a Raw value lives: a test
    walks the Snapshot's types to keep it so)."""
    for objects in (
        snapshot.nodes,
        snapshot.namespaces,
        snapshot.daemonsets,
        snapshot.deployments,
        snapshot.statefulsets,
        snapshot.services,
    ):
        for item in objects or ():
            yield from item.metadata.managedFields


def encode_snapshot(snapshot: Snapshot) -> bytes:
    entries = list(managed_fields(snapshot))
    originals = [entry.fieldsV1 for entry in entries]
    try:
        for entry, raw in zip(entries, originals, strict=True):
            entry.fieldsV1 = msgspec.Raw(_ENCODER.encode(bytes(raw)))
        return _ENCODER.encode(snapshot)
    finally:
        for entry, raw in zip(entries, originals, strict=True):
            entry.fieldsV1 = raw


def decode_snapshot(data: bytes) -> Snapshot:
    snapshot = _SNAPSHOT.decode(data)
    for entry in managed_fields(snapshot):
        entry.fieldsV1 = msgspec.Raw(_BYTES.decode(entry.fieldsV1))
    return snapshot


def encode_assessment(assessment: Assessment) -> bytes:
    return _ENCODER.encode(assessment)


def decode_assessment(data: bytes) -> Assessment:
    return _ASSESSMENT.decode(data)


def encode_message(message: Message) -> bytes:
    return _ENCODER.encode(message)


def decode_message(data: bytes) -> Message:
    return _MESSAGE.decode(data)
