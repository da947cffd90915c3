"""Read and write network folders (one CSV per table, DESIGN §3).

The reader and the writer mirror each other: ``write_network`` then ``load_network`` gives the
same :class:`~freight.data.network.Network`. The reader never stops at the first problem: it reads every
table, collects every problem (file, row, column, what was expected) and raises one
:class:`~freight.errors.DataError` listing them all.
"""

from __future__ import annotations

import csv
import gc
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from freight.data.network import Network
from freight.data.schema import (
    LIST_SEP,
    OBSERVED,
    TABLES,
    Observed,
    Row,
    Table,
    allowed_hint,
    columns,
    field_name,
    format_value,
    required_columns,
)
from freight.errors import DataError, Problem

_LIST_FIELDS = {"excluded_commodities", "allowed_modes"}


@contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cycle collector while a table of many rows is built or checked.

    Rows are acyclic objects freed by reference counting; each full collection would traverse
    every live row, and building 10^5 rows triggers many, so the time would grow faster than the
    rows (at 100× the regional size: reading 20 % and the table checks 60 % of their time). The
    collector resumes afterwards, with nothing lost.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _decode(path: Path, file: str, problems: list[Problem]) -> str | None:
    if path.exists() and not path.is_file() and not path.is_dir():
        # a FIFO, socket or device: reading it could block forever
        problems.append(Problem(file, None, "", "not a regular file (a pipe, socket or device)"))
        return None
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(file, None, "", "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(file, None, "", f"cannot read file: {exc.strerror}"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark (Excel's "CSV UTF-8"): read as plain UTF-8
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                file,
                line,
                "",
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
            )
        )
        return None


def _row_dict(
    model: type[Row],
    header: Sequence[str],
    values: Sequence[str],
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One CSV record as the dict the model validates: blank declared fields left to their
    defaults, list fields split. ``names`` are the field names of ``header`` (computed once per
    table by :func:`read_table`; looked up here when omitted)."""
    if names is None:
        names = [field_name(model, c) for c in header]
    keep_blank, lists = _row_spec(model, header, names)
    return _record(header, keep_blank, lists, values)


def _row_spec(
    model: type[Row], header: Sequence[str], names: Sequence[str]
) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    """Per column of ``header``, whether a blank cell is kept (a column the model does not
    declare: an extra column keeps its text), and the list columns (split at ``LIST_SEP``)."""
    fields = model.model_fields
    keep_blank = tuple(name not in fields for name in names)
    lists = tuple(c for c, name in zip(header, names, strict=True) if name in _LIST_FIELDS)
    return keep_blank, lists


def _record(
    header: Sequence[str],
    keep_blank: Sequence[bool],
    lists: Sequence[str],
    values: Sequence[str],
) -> dict[str, Any]:
    """The dict of one record (see :func:`_row_dict`): cells stripped, blank declared cells
    left out (the declared default applies), list cells split."""
    data: dict[str, Any] = {
        col: v
        for col, keep, v in zip(header, keep_blank, map(str.strip, values), strict=True)
        if v or keep
    }
    for col in lists:
        if col in data:
            data[col] = tuple(v.strip() for v in data[col].split(LIST_SEP) if v.strip())
    return data


def read_table(folder: Path, table: Table) -> tuple[list[Row], list[int], list[Problem]]:
    """Read one table of a network folder.

    Returns
    -------
    rows, lines, problems
        The valid rows (in file order), the file line of each, and every problem found. Row
        numbers in problems are file line numbers; the header is row 1.
    """
    lines: list[int] = []
    problems: list[Problem] = []
    text = _decode(folder / table.file, table.file, problems)
    if text is None:
        return [], lines, problems
    if not text.strip():
        expected = ",".join(columns(table.model))
        problems.append(
            Problem(table.file, None, "", f"file is empty; expected header: {expected}")
        )
        return [], lines, problems
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        problems.append(Problem(table.file, 1, "", f"malformed CSV header: {exc}"))
        return [], lines, problems
    expected_cols = columns(table.model)
    if len(header) == 1 and header[0] not in expected_cols:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")):
            if sep in header[0]:
                problems.append(
                    Problem(
                        table.file,
                        1,
                        "",
                        f"the file is {name}-separated ({sep!r}); freight reads comma-separated "
                        "CSV (in Excel: save as 'CSV UTF-8 (comma delimited)')",
                    )
                )
                return [], lines, problems
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(table.file, 1, h, "column appears twice in the header"))
        seen.add(h)
        if h == "":
            problems.append(Problem(table.file, 1, "", "empty column name in the header"))
    missing = [c for c in required_columns(table.model) if c not in header]
    for c in missing:
        problems.append(Problem(table.file, 1, c, "missing required column"))
    if missing or len(seen) != len(header):
        return [], lines, problems
    rows: list[Row] = []
    names = [field_name(table.model, c) for c in header]
    keep_blank, lists = _row_spec(table.model, header, names)
    validate = table.model.__pydantic_validator__.validate_python  # model_validate's own call
    while True:
        line = reader.line_num + 1  # the line where the next record starts
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(table.file, line, "", f"malformed CSV: {exc}"))
            break
        if not values or (not values[0].strip() and all(not v.strip() for v in values)):
            continue  # a blank record
        if len(values) != len(header):
            spans = reader.line_num > line
            msg = (
                f"unclosed quote starting at row {line} (the record runs to row {reader.line_num})"
                if spans and any("\n" in v for v in values)
                else f"expected {len(header)} fields (as in the header), found {len(values)}"
            )
            problems.append(Problem(table.file, line, "", msg))
            continue
        data = _record(header, keep_blank, lists, values)
        try:
            rows.append(validate(data))
            lines.append(line)
        except ValidationError as exc:
            for err in exc.errors():
                loc = err["loc"]
                col = str(loc[0]) if loc else ""
                col = (
                    table.model.model_fields[col].alias or col
                    if col in table.model.model_fields
                    else col
                )
                given = data.get(col, "")
                if isinstance(given, tuple):
                    given = LIST_SEP.join(given)
                msg = err["msg"]
                if err["type"] == "missing":
                    msg = "required value is blank"
                elif given != "":
                    msg = f"{msg} (got {given!r}){allowed_hint(table.model, col, err['type'])}"
                problems.append(Problem(table.file, line, col, msg))
    return rows, lines, problems


def read_tables(
    folder: str | os.PathLike[str],
) -> tuple[dict[str, list[Row]], dict[str, list[int]], list[Problem]]:
    """Read every table of a folder, collecting problems (no consistency checks)."""
    path = Path(folder)
    problems: list[Problem] = []
    if not path.is_dir():
        raise DataError(
            [Problem(str(folder), None, "", "not a folder (expected a network folder)")]
        )
    tables: dict[str, list[Row]] = {}
    lines: dict[str, list[int]] = {}
    with bulk():
        for table in TABLES:
            rows, tlines, probs = read_table(path, table)
            tables[table.name] = rows
            lines[table.name] = tlines
            problems += probs
    return tables, lines, problems


def read_observed(path: str | os.PathLike[str]) -> tuple[Observed, ...]:
    """Read an observed-figures table (``observed.csv``, :class:`~freight.data.schema.Observed`).

    Parameters
    ----------
    path
        The CSV file (any name; the columns of :data:`freight.data.schema.OBSERVED`).

    Raises
    ------
    DataError
        Listing every problem found (file, row, column), duplicate ids included.
    """
    p = Path(path)
    table = Table(OBSERVED.name, p.name, OBSERVED.model, OBSERVED.key)
    rows, lines, problems = read_table(p.parent, table)
    seen: dict[str, int] = {}
    observed = [r for r in rows if isinstance(r, Observed)]
    for r, line in zip(observed, lines, strict=True):
        oid = r.id
        if oid in seen:
            problems.append(Problem(p.name, line, "id", f"duplicate id {oid!r} (row {seen[oid]})"))
        seen.setdefault(oid, line)
    if problems:
        raise DataError(problems, context=str(path))
    return tuple(observed)


def load_network(folder: str | os.PathLike[str], *, check: bool = True) -> Network:
    """Load and check a network folder.

    Parameters
    ----------
    folder
        A folder holding places.csv, modes.csv, links.csv, terminals.csv, commodities.csv and
        demand.csv.
    check
        Run the table checks of :mod:`freight.data.checks` (unknown ids, duplicates, modes a
        place cannot serve, …). Whether every demand row can be carried needs the virtual graph:
        :func:`freight.model.checks.check_network` (or the case loader,
        :func:`freight.scenario.case.load_network_case`) runs both.

    Raises
    ------
    DataError
        Listing every problem found, each with file, row and column.
    """
    tables, lines, problems = read_tables(folder)
    if problems:
        raise DataError(problems, context=str(folder))
    net = Network(
        places=tuple(tables["places"]),  # type: ignore[arg-type]
        modes=tuple(tables["modes"]),  # type: ignore[arg-type]
        links=tuple(tables["links"]),  # type: ignore[arg-type]
        terminals=tuple(tables["terminals"]),  # type: ignore[arg-type]
        commodities=tuple(tables["commodities"]),  # type: ignore[arg-type]
        demand=tuple(tables["demand"]),  # type: ignore[arg-type]
        name=Path(folder).resolve().name,
        meta={"path": str(folder), "lines": lines},
    )
    if check:
        from freight.data.checks import check_tables

        found = check_tables(net)
        if found:
            raise DataError(found, context=str(folder))
    return net


def _extra_columns(rows: Iterable[Row]) -> list[str]:
    extra: list[str] = []
    for r in rows:
        for k in r.model_extra or {}:
            if k not in extra:
                extra.append(k)
    return extra


def table_text(table: Table, rows: Sequence[Row]) -> str:
    """CSV text of a table: declared columns in order, then extra columns, LF line ends."""
    cols = columns(table.model)
    extra = _extra_columns(rows)
    lines = [_csv_line(cols + extra)]
    for r in rows:
        dumped = r.model_dump(by_alias=True)
        extras = r.model_extra or {}
        lines.append(
            _csv_line(
                [format_value(dumped[c]) for c in cols]
                + [format_value(extras.get(c)) for c in extra]
            )
        )
    return "".join(lines)


def _csv_cell(value: str) -> str:
    if any(ch in value for ch in ',"\n\r') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_line(values: Sequence[str]) -> str:
    """One CSV record with LF line end; quotes every cell holding a comma, quote, CR or LF."""
    return ",".join(_csv_cell(v) for v in values) + "\n"


def write_network(net: Network, folder: str | os.PathLike[str]) -> None:
    """Write a network as a CSV folder that :func:`load_network` reads back unchanged."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        rows = getattr(net, table.name)
        (path / table.file).write_text(table_text(table, rows), encoding="utf-8", newline="")
