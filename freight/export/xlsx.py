"""Excel workbook of a result folder: a sheet per table, units under the header, numbers as numbers.

Each declared table of the folder becomes one sheet (named by the file's stem, cut to Excel's 31
characters). Row 1 holds the column names, row 2 their units (``t/yr``, ``CNY/yr`` …, blank for
none) and the data start in row 3, with the panes frozen below the units. Cells are parsed by the
declared column type, so numbers are numbers (an unbounded capacity is the text ``unbounded``),
and a number format shows the column's declared precision. Text (``泸州``, ``Neijiang–Dazu``) is
stored as Unicode: Excel shows it without the mojibake a CSV without BOM gets. A first sheet
``about`` names the command, the folder and the inputs of the manifest.
"""

from __future__ import annotations

import logging
import math
import os
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from freight.errors import DataError, Problem
from freight.results.declared import Column, UndeclaredError, unit_precision
from freight.results.folder import ResultFolder, write_file

log = logging.getLogger(__name__)

MAX_SHEET = 31
"""Longest sheet name Excel accepts."""

_BOLD = Font(bold=True)
_UNIT = Font(italic=True, color="666666")
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF4")


def number_format(column: Column) -> str:
    """The Excel number format of a declared float column: its precision, thousands separated.

    ``precision=0`` gives ``#,##0``; 2 gives ``#,##0.00``; ``None`` (shortest exact text) gives
    ``General``.
    """
    if column.type == "int":
        return "0" if column.unit in ("year", "") else "#,##0"
    if column.type != "float" or column.precision is None:
        return "General"
    if column.precision == 0:
        return "#,##0"
    return "#,##0." + "0" * column.precision


def unit_format(unit: str) -> str:
    """The Excel number format of a value in ``unit`` (its declared decimals; shares as %)."""
    if unit == "fraction":
        return "0.00%"
    p = unit_precision(unit)
    return "#,##0" if p == 0 else "#,##0." + "0" * p


def _cell(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isinf(value):
            return "unbounded" if value > 0 else None
        if math.isnan(value):
            return None
        return round(value, column.precision) if column.precision is not None else value
    return value


MIN_WIDTH, MAX_WIDTH = 8, 60
"""Column widths in characters: wide enough for the header, the unit and every value as Excel
shows it (thousands separators, the column's decimals), within these bounds."""


def _shown_width(value: Any, column: Column) -> int:
    """Characters Excel needs to show ``value`` (a CJK character counts two)."""
    if value is None:
        return 0
    if isinstance(value, float) or isinstance(value, int) and not isinstance(value, bool):
        dec = column.precision if column.precision is not None and column.precision > 0 else 0
        if isinstance(value, float) and column.precision is None:
            dec = 2
        text = f"{value:,.{dec}f}"
    else:
        text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_name(file: str, taken: set[str]) -> str:
    base = Path(file).stem[:MAX_SHEET]
    name, i = base, 2
    while name.lower() in taken:
        suffix = f"_{i}"
        name, i = base[: MAX_SHEET - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def workbook_bytes(folder: ResultFolder) -> bytes:
    """The ``.xlsx`` bytes of an opened result folder (see the module doc)."""
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "about"
    m = folder.manifest
    about.append(["freight result folder", str(folder.path.name)])
    about.append(["command", folder.command])
    for key in ("method", "status", "written_by"):
        if key in m:
            about.append([key, str(m[key])])
    about.append(["tables", ", ".join(folder.tables)])
    about.append(["inputs", "; ".join(str(p) for p in folder.inputs)])
    about.append(["units", "row 2 of every sheet; money in CNY (2023 prices)"])
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 100
    taken = {"about"}
    for file in folder.tables:
        decl = folder.table(file)
        try:
            rows = folder.rows(file)
        except UndeclaredError as exc:  # a folder written by another version of freight
            raise DataError(
                [Problem(str(folder.path / file), None, "", f"{exc}; run the command again")]
            ) from None
        header = list(rows[0]) if rows else list(decl.fixed_columns)
        cols = [decl.column(c) for c in header]
        ws = wb.create_sheet(_sheet_name(file, taken))
        ws.append(header)
        ws.append([c.unit for c in cols])
        for c in ws[1]:
            c.font, c.fill = _BOLD, _HEAD_FILL
        for c in ws[2]:
            c.font = _UNIT
        widths = [max(len(h), len(c.unit)) for h, c in zip(header, cols, strict=True)]
        for r in rows:
            cells = [_cell(r.get(h), c) for h, c in zip(header, cols, strict=True)]
            ws.append(cells)
            for j, (v, c) in enumerate(zip(cells, cols, strict=True)):
                widths[j] = max(widths[j], _shown_width(v, c))
        row_units = [str(r.get("unit") or "") for r in rows] if "unit" in header else None
        for j, c in enumerate(cols, 1):
            letter = get_column_letter(j)
            fmt = number_format(c)
            if row_units is not None and c.type == "float" and not c.unit:
                # a value column whose unit is per row (kpis.csv, kpi_comparison.csv)
                for i, (cell,) in enumerate(ws.iter_rows(min_row=3, min_col=j, max_col=j)):
                    cell.number_format = unit_format(row_units[i])
            elif fmt != "General":
                for (cell,) in ws.iter_rows(min_row=3, min_col=j, max_col=j):
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = min(max(widths[j - 1] + 2, MIN_WIDTH), MAX_WIDTH)
        ws.freeze_panes = "A3"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(result_dir: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Write the workbook of a result folder (verified first) atomically.

    Parameters
    ----------
    result_dir
        A folder written by a freight command.
    out
        The ``.xlsx`` file to (re)write.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    freight.errors.DataError
        If the folder is missing, has no manifest, or a listed file is missing or damaged.
    freight.results.folder.OutputError
        If ``out`` may not or cannot be written.
    """
    folder = ResultFolder.open(result_dir, verify=True)
    data = workbook_bytes(folder)
    log.info("%s: %d sheets", out, len(folder.tables) + 1)
    return write_file(out, data, inputs=[folder.path])
