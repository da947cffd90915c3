"""Errors raised for invalid input.

Every problem names where it came from (file, row, column or key) and what was expected; a
:class:`DataError` collects all problems found in one pass and is raised once, so an analyst fixes
everything in one round instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    file
        File name (relative to the data folder, or the scenario file path).
    row
        Line number in the file (the CSV header is row 1), or ``None`` for file-level problems.
    column
        Column (CSV) or key (TOML) concerned, or ``""``.
    message
        What is wrong and what was expected.
    """

    file: str
    row: int | None
    column: str
    message: str

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order: file, then file-level problems before row problems, then row, column."""
        return (self.file, -1 if self.row is None else self.row, self.column, self.message)

    def __lt__(self, other: Problem) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'" if self.row is not None else f", '{self.column}'"
        return f"{where}: {self.message}"


class FreightError(Exception):
    """Base class of the errors freight reports to its users (exit code 2 on the command line)."""


class DataError(FreightError):
    """Invalid input data: one or more :class:`Problem` s, all reported together."""

    def __init__(self, problems: Iterable[Problem], context: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        head = f"{context}: " if context else ""
        n = len(self.problems)
        lines = [f"{head}{n} problem{'s' if n != 1 else ''} found"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ScenarioError(DataError):
    """Invalid scenario or project file (TOML)."""
