"""A support case as triage receives it: a title, a description, the components the customer
picked and whether they said a preview feature is involved."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

import msgspec

from arcsupport.errors import InputError

# A support ticket, not a document: generous for pasted error output, small enough to refuse
# a file given by mistake.
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 20_000
MAX_COMPONENTS = 50

ComponentName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Case(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE_CHARS)]
    description: Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_CHARS)] = ""
    components: Annotated[list[ComponentName], msgspec.Meta(max_length=MAX_COMPONENTS)] = []
    preview_feature: bool = False


class KnownIssue(Protocol):
    """A known issue already matched to the cluster (UPS-2); the fields triage shows."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def workaround(self) -> str: ...


def parse_case(document: Any, where: str) -> Case:
    """A case from decoded YAML/JSON (or the command line), with unknown keys refused."""
    if not isinstance(document, dict):
        raise InputError(where, "a case must be a mapping with a title and a description")
    try:
        case = msgspec.convert(document, Case)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `")
        field = path.rstrip("`").removeprefix("$").lstrip(".")
        raise InputError(where, f"field {field}: {reason}" if field else reason) from None
    if not case.title.strip():
        raise InputError(where, "field title: must not be blank")
    return case
