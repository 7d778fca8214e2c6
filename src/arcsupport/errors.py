"""Every error arcsupport raises on purpose, in one place.

    InputError        the user's input (a file, a flag, a bundle) cannot be used as given:
    │                 exit code 2 and one line on stderr, naming where and what
    ├── PolicyError   a policy pack or overlay is malformed or inconsistent
    └── InputTooLarge the input is over a size limit (the service answers 413, not 400)

Rules signal missing facts with `arcsupport.rules.outcome.NotEvaluated`, which is not an error:
the engine turns it into coverage. The audit log's `HeadMissing` lives with the audit chain.
"""

from __future__ import annotations

import re


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


def raised_by(variable: str) -> str:
    """How a refusal over a size limit names the environment variable that raises it."""
    return f"({variable} raises it)"


_RAISED_BY = re.compile(r" \(ARCSUPPORT_[A-Z_]+ raises it\)")


def without_raised_by(problem: str) -> str:
    """The refusal as told to someone who cannot set the variable: whoever uploads to the fleet
    service, whose limits are its operator's."""
    return _RAISED_BY.sub("", problem)


__all__ = ["InputError", "InputTooLarge", "PolicyError", "raised_by", "without_raised_by"]
