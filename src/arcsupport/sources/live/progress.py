"""How a collector reports what it is doing: per bundle part, the items and pages read so far,
then how the part ended. Shown as a live display on a terminal; always tallied for the summary
line a command prints at the end."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


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


class TerminalProgress:
    """`with TerminalProgress() as progress:` a rich display on stderr when stderr is a
    terminal, nothing otherwise; `tally` holds the final counts either way."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._display = RichProgress(
            SpinnerColumn(finished_text=" "),
            TextColumn("{task.description:<34}"),
            TextColumn("{task.fields[detail]:>28}"),
            TextColumn("{task.fields[outcome]}", style="dim"),
            TimeElapsedColumn(),
            console=self._console,
            disable=not self._console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}
        self.tally: dict[str, PartTally] = {}

    def __enter__(self) -> TerminalProgress:
        self._display.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._display.stop()

    def _task(self, part: str) -> TaskID:
        task = self._tasks.get(part)
        if task is None:
            task = self._display.add_task(part, total=None, detail="", outcome="")
            self._tasks[part] = task
            self.tally[part] = PartTally()
        return task

    def update(self, part: str, *, items: int, pages: int, total: int | None = None) -> None:
        task = self._task(part)
        tally = self.tally[part]
        tally.items, tally.pages = items, pages
        detail = f"{items:,} items, {pages:,} page" + ("" if pages == 1 else "s")
        self._display.update(task, completed=items, total=total, detail=detail)

    def finish(self, part: str, outcome: str) -> None:
        task = self._task(part)
        self.tally[part].outcome = outcome
        done = self.tally[part].items
        self._display.update(task, completed=done, total=done, outcome=outcome)
        self._display.stop_task(task)

    def say(self, message: str) -> None:
        """A line above the display, for collectors that report steps rather than counts."""
        if self._console.is_terminal:
            self._display.console.print(message, style="dim", highlight=False)
