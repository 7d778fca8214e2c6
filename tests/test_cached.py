"""arcsupport.cached: computed once per instance on first access, kept in the instance."""

from __future__ import annotations

import threading

import pytest

from arcsupport.cached import cached


class Counted:
    def __init__(self, base: int) -> None:
        self.base = base
        self.calls = 0

    @cached
    def doubled(self) -> int:
        """Twice the base."""
        self.calls += 1
        return self.base * 2


def test_computed_on_first_access_then_read_from_the_instance() -> None:
    item = Counted(21)
    assert "doubled" not in item.__dict__
    assert item.doubled == 42
    assert item.doubled == 42
    assert item.calls == 1
    assert item.__dict__["doubled"] == 42


def test_each_instance_keeps_its_own_value() -> None:
    first, second = Counted(1), Counted(5)
    assert (first.doubled, second.doubled) == (2, 10)
    assert (first.calls, second.calls) == (1, 1)


def test_the_class_attribute_is_the_descriptor_with_its_doc() -> None:
    assert isinstance(Counted.doubled, cached)
    assert Counted.doubled.__doc__ == "Twice the base."
    assert Counted.doubled.name == "doubled"


def test_an_error_keeps_nothing_and_the_next_access_computes_again() -> None:
    class Flaky:
        def __init__(self) -> None:
            self.failures = 1

        @cached
        def value(self) -> str:
            if self.failures:
                self.failures -= 1
                raise ValueError("not yet")
            return "ready"

    item = Flaky()
    with pytest.raises(ValueError, match="not yet"):
        _ = item.value
    assert "value" not in item.__dict__
    assert item.value == "ready"


def test_threads_racing_on_first_access_all_see_the_same_value() -> None:
    item = Counted(4)
    start = threading.Barrier(8)
    seen: list[int] = []

    def read() -> None:
        start.wait()
        seen.append(item.doubled)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [8] * 8
    assert item.doubled == 8
