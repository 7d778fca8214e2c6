"""Every error arcsupport raises on purpose, in one place.

    InputError        the user's input (a file, a flag, a bundle) cannot be used as given:
    │                 exit code 2 and one line on stderr, naming where and what
    ├── PolicyError   a policy pack or overlay is malformed or inconsistent
    └── InputTooLarge the input is over a size limit (the service answers 413, not 400)

Rules signal missing facts with `arcsupport.rules.outcome.NotEvaluated`, which is not an error:
the engine turns it into coverage. The audit log's `HeadMissing` lives with the audit chain.
"""

from __future__ import annotations


class InputError(Exception):
    """The user's input (a file, a flag, a bundle) cannot be used as given."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class PolicyError(InputError):
    """A policy pack or overlay is malformed or inconsistent."""


class InputTooLarge(InputError):
    """The input is over a size limit (an archive that unpacks to too much, too many members)."""


__all__ = ["InputError", "InputTooLarge", "PolicyError"]
