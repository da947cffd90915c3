"""Bounds of the CSV columns and the capped problem list, through ``freight validate DATA_DIR``
(issue #17 item 2: every number finite and bounded, file, row, column and range named)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import cli
from freight.data.schema import (
    MAX_TONNES,
    TABLES,
    Demand,
    Link,
    bounds_text,
    column_adapter,
    strict_model,
)
from freight.errors import MAX_SHOWN, DataError, Problem, did_you_mean

# (file, line, column, new value, text the message must hold)
CELLS: list[tuple[str, int, str, str, str]] = [
    ("links.csv", 2, "length_km", "1e308", "allowed: > 0, <= 20000"),
    ("links.csv", 3, "capacity_t", "1e11", "allowed: >= 0, <= 1e+10"),
    ("links.csv", 3, "wait_h", "1e308", "allowed: >= 0, <= 8760"),
    ("links.csv", 2, "speed_kmh", "0.001", "allowed: >= 1, <= 1000"),
    ("links.csv", 2, "opened", "1000000000", "allowed: >= 1800, <= 2100"),
    ("demand.csv", 2, "tonnes", "1e18", "allowed: >= 0, <= 1e+09"),
    ("demand.csv", 2, "tonnes", "1e308", "allowed: >= 0, <= 1e+09"),
    ("demand.csv", 3, "base_year", "1000000000", "allowed: >= 1990, <= 2100"),
    ("terminals.csv", 2, "time_h", "1e9", "allowed: >= 0, <= 8760"),
    ("modes.csv", 2, "cost_per_t_km", "1e300", "allowed: >= 0, <= 100"),
    ("modes.csv", 3, "bpr_beta", "400", "allowed: >= 0, <= 10"),
    ("commodities.csv", 2, "value_of_time_cny_per_t_h", "1e30", "allowed: >= 0, <= 10000"),
    ("commodities.csv", 3, "unserved_penalty_cny_per_t", "1e300", "allowed: > 0, <= 1e+07"),
]


def _set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    path = folder / file
    rows = path.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = value
    rows[line - 1] = ",".join(cells)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("file", "line", "column", "value", "text"), CELLS)
def test_out_of_bounds_cell_exit_2(
    file: str,
    line: int,
    column: str,
    value: str,
    text: str,
    copy_tiny: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One out-of-range cell: exit 2, one problem naming file, row and column with the bound."""
    folder = copy_tiny()
    _set_cell(folder, file, line, column, value)
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "1 problem found" in err, err
    assert f"{file}, row {line}, column '{column}'" in err
    assert text in err and repr(value) in err, err


def test_every_numeric_column_is_bounded() -> None:
    """Every float or int column of every table has an upper bound (a finite range), so no
    1e308 passes; the bound text shows it."""
    numeric = 0
    for t in TABLES:
        for name, f in t.model.model_fields.items():
            base = str(f.annotation)
            if base.startswith(("<class 'float'>", "<class 'int'>", "float", "int")):
                numeric += 1
                assert "<=" in bounds_text(f), (t.file, name)
    # places 2, modes 14, links 14, terminals 3, commodities 11, demand 2
    assert numeric == 46


def test_duplicate_rows_problem_list_capped(
    copy_tiny: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """2,000 duplicate demand rows: the count is exact, 50 are listed, the rest counted."""
    folder = copy_tiny()
    path = folder / "demand.csv"
    row = path.read_text(encoding="utf-8").splitlines()[1]
    with path.open("a", encoding="utf-8") as f:
        f.write((row + "\n") * 2000)
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip().startswith("- ")]
    assert "2,000 problems found (the first 50 are listed)" in err
    assert len(lines) == MAX_SHOWN
    assert err.rstrip().endswith("... and 1,950 more problems")


def test_max_problems_option(
    copy_tiny: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """`--max-problems 3` lists three problems of seven and counts the other four."""
    folder = copy_tiny()
    path = folder / "demand.csv"
    row = path.read_text(encoding="utf-8").splitlines()[1]
    with path.open("a", encoding="utf-8") as f:
        f.write((row + "\n") * 7)
    assert cli.main(["validate", str(folder), "--max-problems", "3"]) == 2
    err = capsys.readouterr().err
    assert len([ln for ln in err.splitlines() if ln.strip().startswith("- ")]) == 3
    assert "... and 4 more problems" in err


def test_max_problems_must_be_positive(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--max-problems 0` is a usage error (exit 2) naming the option."""
    assert cli.main(["validate", str(tiny_path), "--max-problems", "0"]) == 2
    assert "--max-problems" in capsys.readouterr().err


def test_data_error_cap_and_count() -> None:
    """DataError lists max_shown problems and counts the rest; below the cap nothing is hidden."""
    probs = [Problem("a.csv", i + 2, "id", "duplicate") for i in range(5)]
    text = str(DataError(probs, max_shown=2))
    assert text.splitlines() == [
        "5 problems found (the first 2 are listed)",
        "  - a.csv, row 2, column 'id': duplicate",
        "  - a.csv, row 3, column 'id': duplicate",
        "  ... and 3 more problems",
    ]
    assert "more" not in str(DataError(probs[:2], max_shown=2))


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("speed", ["opened", "speed_kmh", "reverse_speed_kmh"], "; did you mean `speed_kmh`?"),
        ("capacity", ["capacity_t", "background_t"], "; did you mean `capacity_t`?"),
        ("raill", ["road", "rail", "water", "air"], "; did you mean `rail`?"),
        ("grian", ["grain", "baijiu"], "; did you mean `grain`?"),
        ("zzz", ["road", "rail"], ""),
    ],
)
def test_did_you_mean(word: str, choices: list[str], hint: str) -> None:
    """The nearest key is suggested (a prefix match first), nothing when none is close."""
    assert did_you_mean(word, choices) == hint


def test_column_adapter_checks_type_and_bounds() -> None:
    """One column's validator: a value in range passes, inf and out-of-range values fail, and an
    unknown column is a KeyError."""
    cap = column_adapter(Link, "capacity_t")
    assert cap.validate_python(5) == 5.0
    for bad in (float("inf"), float("nan"), -1.0, 1e11):
        with pytest.raises(ValueError, match="finite number|greater than|less than"):
            cap.validate_python(bad)
    assert column_adapter(Link, "excluded_commodities").validate_python(["a"]) == ("a",)
    with pytest.raises(KeyError, match="speed"):
        column_adapter(Link, "speed")


def test_strict_model_forbids_unknown_columns() -> None:
    """The strict row model refuses a column the CSV model would keep as an extra."""
    row = {"origin": "A", "destination": "B", "commodity": "c", "tonnes": 1.0,
           "base_year": 2023, "source": "s", "tonnez": 2.0}  # fmt: skip
    assert Demand.model_validate(row).model_extra == {"tonnez": 2.0}
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        strict_model(Demand).model_validate(row)
    assert MAX_TONNES == 1e9
