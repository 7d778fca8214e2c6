"""How a collector reports what it is doing: per bundle part, the items and pages read so far,
then how the part ended. `Tally` counts it for the summary line a command prints at the end;
report/progress.py adds the live display a terminal shows meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol


class Progress(Protocol):
    """Called from the collector's worker threads; implementations must tolerate that."""

    def update(self, part: str, *, items: int, pages: int, total: int | None = None) -> None:
        """`items` and `pages` read so far (they drop back to 0 when a list restarts);
        `total` when the server says how many items the list holds."""

    def finish(self, part: str, outcome: str) -> None:
        """The part is written ("done") or was not collected (the reason)."""


@dataclass(slots=True)
class PartTally:
    items: int = 0
    pages: int = 0
    outcome: str = ""


class Tally:
    """A Progress that counts and shows nothing. Entered for the length of a collection, so
    that a subclass can show a display for exactly that long."""

    def __init__(self) -> None:
        self.tally: dict[str, PartTally] = {}

    def __enter__(self) -> Tally:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None

    def update(self, part: str, *, items: int, pages: int, total: int | None = None) -> None:
        tally = self.tally.setdefault(part, PartTally())
        tally.items, tally.pages = items, pages

    def finish(self, part: str, outcome: str) -> None:
        self.tally.setdefault(part, PartTally()).outcome = outcome

    def say(self, message: str) -> None:
        """A step, from collectors that report steps rather than counts."""

    @property
    def objects(self) -> int:
        return sum(part.items for part in self.tally.values())
