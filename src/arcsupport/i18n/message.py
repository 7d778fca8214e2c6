"""What the core says, before it is said in a language: a catalog key and its arguments."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from arcsupport.types import Arg


class Message(msgspec.Struct, frozen=True, gc=False):
    """A catalog key and its arguments; rendered in the reader's language at the edge.

    An argument may itself be a message, or a tuple of them (a list, joined with commas): it is
    said in the same language, so a text built from parts (what a rule needs, and why it was
    not collected) is translated part by part."""

    key: str
    args: Mapping[str, MessageArg] = msgspec.field(default_factory=dict)

    def __hash__(self) -> int:
        # Equal to what equality compares; messages key the caches of rendered text and of the
        # effects of a rule that could not run.
        return hash((self.key, frozenset(self.args.items()))) if self.args else hash(self.key)


MessageArg = Arg | Message | tuple[Message, ...]
