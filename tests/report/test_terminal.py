"""The table views as text: values in cells are printed as written, whatever they look like."""

from __future__ import annotations

import pytest
from rich.table import Table

from arcsupport.report.terminal import draw, show


def cells(*values: str) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_row(*values)
    return table


def test_a_value_shaped_like_an_emoji_code_is_drawn_as_written() -> None:
    assert draw([cells("registry:b:x", ":smile:")]) == "registry:b:x  :smile:\n"


def test_a_value_shaped_like_an_emoji_code_is_shown_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show([cells("registry:b:x", ":smile:")])
    assert capsys.readouterr().out == "registry:b:x  :smile:\n"
