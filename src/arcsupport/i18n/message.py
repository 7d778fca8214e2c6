"""What the core says, before it is said in a language: a catalog key and its arguments."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from arcsupport.types import Arg


class Message(msgspec.Struct, frozen=True, gc=False):
    """A catalog key and its arguments; rendered in the reader's language at the edge."""

    key: str
    args: Mapping[str, Arg] = msgspec.field(default_factory=dict)
