"""What every document shares: the Struct base, the string shapes the schemas hold values to,
and the policy block."""

from __future__ import annotations

from typing import Annotated

import msgspec

from arcsupport.policy.model import PackInfo


class Document(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    """A JSON object whose fields are written in declaration order.

    forbid_unknown_fields makes the generated schema say `additionalProperties: false`; gc=False
    because a fleet builds hundreds of thousands of them and none is part of a cycle. Each
    document says `frozen=True` again: msgspec inherits it, but mypy reads it per class."""


# The one spelling of a moment (timeutil.iso_time) and of a day in every document.
Timestamp = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", description="UTC, to the second"
    ),
]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
ClauseId = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z]+(-[A-Z]+)?-\d+$", description="A clause of POLICY.md")
]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class PolicyDoc(Document, frozen=True):
    """The policy pack the document was judged against."""

    name: str
    version: str
    data_as_of: IsoDate


def policy_doc(info: PackInfo) -> PolicyDoc:
    return PolicyDoc(name=info.name, version=info.version, data_as_of=info.data_as_of.isoformat())
