"""Errors that end a command with exit code 2 and one line on stderr."""


class InputError(Exception):
    """The user's input (a file, a flag, a bundle) cannot be used as given."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
