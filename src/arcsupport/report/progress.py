"""What a terminal shows while a command works: the live display of a collection and its
closing line, and the bar of a fleet being assessed. Nothing is drawn when stderr is not a
terminal; rich is imported only when something is."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from arcsupport.sources.live.collect import Collected
from arcsupport.sources.live.progress import Tally

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID


class TerminalProgress(Tally):
    """`with TerminalProgress() as progress:` a rich display on stderr when stderr is a
    terminal, nothing otherwise; `tally` holds the final counts either way."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        super().__init__()
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
        return task

    def update(self, part: str, *, items: int, pages: int, total: int | None = None) -> None:
        task = self._task(part)
        super().update(part, items=items, pages=pages, total=total)
        detail = f"{items:,} items, {pages:,} page" + ("" if pages == 1 else "s")
        self._display.update(task, completed=items, total=total, detail=detail)

    def finish(self, part: str, outcome: str) -> None:
        task = self._task(part)
        super().finish(part, outcome)
        done = self.tally[part].items
        self._display.update(task, completed=done, total=done, outcome=outcome)
        self._display.stop_task(task)

    def say(self, message: str) -> None:
        """A line above the display, for collectors that report steps rather than counts."""
        if self._console.is_terminal:
            self._display.console.print(message, style="dim", highlight=False)


def collected_line(collected: Collected) -> str:
    """The one line a collection ends with."""
    line = f"wrote {collected.bundle}: {collected.objects:,} Kubernetes objects"
    if collected.not_collected:
        line += f"; not collected: {', '.join(collected.not_collected)} (reasons in manifest.json)"
    return line


@contextmanager
def assessing_bar() -> Iterator[Callable[[int, int], None] | None]:
    """`advance(done, total)` for a bar on stderr while a fleet is assessed; None (nothing to
    draw) when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("assessing", total=None)

        def advance(done: int, total: int) -> None:
            if done % 100 == 0 or done == total:
                bar.update(task, completed=done, total=total)

        yield advance
