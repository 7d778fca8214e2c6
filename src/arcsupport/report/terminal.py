"""Drawing the table views: on the terminal in colour at its width, or as plain text at 80
columns for a file or a pipe, without the padding rich leaves at line ends. Emoji codes are
off: a value such as `a:b:c` in a cell is printed as written (not with `:b:` as an emoji), and
rich's table of emoji codes (2 ms of start-up to import) is never loaded."""

from __future__ import annotations

import io
import sys

from rich.console import Console, RenderableType

Renderables = list[RenderableType]


def console() -> Console:
    interactive = sys.stdout.isatty()
    return Console(
        width=None if interactive else 80,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        color_system="auto" if interactive else None,
    )


def print_renderables(console: Console, renderables: Renderables) -> None:
    """Print, dropping the padding Rich leaves at line ends (it shows up in diffs and pipes)."""
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    console.file.write("\n".join(lines) + "\n")


def show(renderables: Renderables) -> None:
    """On stdout: coloured at the terminal's width, plain at 80 columns in a pipe."""
    print_renderables(console(), renderables)


def draw(renderables: Renderables) -> str:
    """Plain text at 80 columns, for a file."""
    buffer = io.StringIO()
    print_renderables(
        Console(file=buffer, width=80, color_system=None, highlight=False, emoji=False),
        renderables,
    )
    return buffer.getvalue()
