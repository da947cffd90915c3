"""Errors raised for invalid input.

Every problem names where it came from (file, row, column or key) and what was expected; a
:class:`DataError` collects all problems found in one pass and is raised once, so an analyst fixes
everything in one round instead of one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

MAX_SHOWN = 50
"""How many problems an error message lists; the rest are counted (a file of 600,000 duplicate
rows gives one screen of problems and "... and 599,950 more", not 65 MB of text)."""


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """A hint naming the valid choice nearest to ``word`` (difflib), or ``""`` if none is close.

    A choice that ``word`` starts (``speed`` -> ``speed_kmh``) wins; otherwise the most similar
    choice with a difflib ratio of at least ``cutoff``.

    Examples
    --------
    >>> did_you_mean("speed", ["speed_kmh", "length_km"])
    '; did you mean `speed_kmh`?'
    """
    options = list(choices)
    low = word.lower()
    # a key that starts a valid one (speed -> speed_kmh) beats a merely similar one (opened)
    prefixed = [c for c in options if c.lower().startswith(low) or low.startswith(c.lower())]
    ranked = prefixed or options
    close = difflib.get_close_matches(word, ranked, n=1, cutoff=0.0 if prefixed else cutoff)
    return f"; did you mean `{close[0]}`?" if close else ""


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

    def __init__(
        self, problems: Iterable[Problem], context: str = "", *, max_shown: int = MAX_SHOWN
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        head = f"{context}: " if context else ""
        n = len(self.problems)
        lines = [f"{head}{n:,} problem{'s' if n != 1 else ''} found"]
        if n > max_shown:
            lines[0] += f" (the first {max_shown} are listed)"
        lines += [f"  - {p}" for p in self.problems[:max_shown]]
        if n > max_shown:
            rest = n - max_shown
            lines.append(f"  ... and {rest:,} more problem{'s' if rest != 1 else ''}")
        super().__init__("\n".join(lines))


class ScenarioError(DataError):
    """Invalid scenario or project file (TOML)."""
