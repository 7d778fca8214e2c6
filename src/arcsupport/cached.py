"""`cached`: a property computed on first access and kept in the instance, like
functools.cached_property but without its lock.

On CPython 3.11 `functools.cached_property` takes an RLock on every first access (the lock was
removed in 3.12 as useless for most uses and harmful for some): the derived views of a
snapshot (rules/facts.py) are first accessed about five times per cluster, 51,000 times for a
fleet of 10,000, and the lock made up a tenth of assessing it. The values kept this way are
pure functions of their instance, so two threads that race to compute one compute the same
value, and the one stored last wins harmlessly, as on 3.12.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

Owner = TypeVar("Owner")  # the class that holds the property
T = TypeVar("T")


class cached(Generic[Owner, T]):  # lower case: a decorator, like `property`
    """A non-data descriptor: once the value is in the instance's `__dict__`, attribute lookup
    finds it there and this code never runs again for that instance."""

    def __init__(self, compute: Callable[[Owner], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type[Owner], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> cached[Owner, T]: ...

    @overload
    def __get__(self, instance: Owner, owner: type[Any] | None = None) -> T: ...

    def __get__(
        self, instance: Owner | None, owner: type[Any] | None = None
    ) -> T | cached[Owner, T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value
