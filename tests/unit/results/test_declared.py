"""The output declarations: cell formatting, column matching, round trips, and that every table
a run writes is declared with today's bytes."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import pytest

from freight.data.csvio import load_network
from freight.model.linear import solve_network
from freight.results import declared as d
from freight.results.tables import kpis, run_tables
from tests.paths import DATA

TINY = DATA / "tiny"


def _fmt_before(x: Any, decimals: int | None = 4) -> str:
    """The cell formatter as it was before the declarations (kept here as the reference), with
    the decimals of the column's unit since issue 14."""
    if x is None:
        return ""
    if isinstance(x, bool | np.bool_):
        return "true" if x else "false"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        v = float(x)
        if math.isnan(v) or math.isinf(v):
            return ""
        s = f"{v:.{decimals}f}"
        s = s.rstrip("0").rstrip(".") if "." in s else s
        return "0" if s in ("-0", "") else s
    return str(x)


def _csv_before(rows: list[dict[str, Any]], table: d.OutputTable | None = None) -> str:
    cols = list(rows[0]) if rows else []
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_fmt_before(r.get(c), table.column(c).precision if table else 4) for c in cols])
    return buf.getvalue()


@pytest.fixture(scope="module")
def tiny_run() -> Any:
    """The hand-drawn network solved once."""
    return solve_network(load_network(TINY), method="mcf")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.23456, "1.2346"),
        (2.0, "2"),
        (-0.00001, "0"),
        (math.inf, ""),
        (math.nan, ""),
        (None, ""),
        (True, "true"),
        (np.bool_(False), "false"),
        (np.int64(7), "7"),
        (np.float32(0.5), "0.5"),
        ("road>rail", "road>rail"),
        (12345678.91239, "12345678.9124"),
    ],
)
def test_format_cell_default_precision(value: Any, text: str) -> None:
    """The default precision is the 4-decimal format of the result CSVs."""
    assert d.format_cell(value) == text
    assert d.format_cell(value) == _fmt_before(value)


def test_format_cell_exact_precision() -> None:
    """Precision None writes the shortest text that reads back to the same float."""
    assert d.format_cell(1.234e-9, None) == "1.234e-09"
    assert float(d.format_cell(0.1 + 0.2, None)) == 0.1 + 0.2
    assert d.format_cell(0.0, None) == "0"


def _hard_floats() -> list[float]:
    """Floats at every formatting edge: halves at each precision, negative zeros and tiny
    negatives, infinities, NaN, huge and subnormal values, and random magnitudes."""
    rng = np.random.default_rng(18)
    edge = [0.0, -0.0, -0.00001, -0.00005, 0.00005, 0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375,
            1.00005, 2.675, 1e-320, -1e-320, 1e300, -1e300, 2.0**53 + 2, math.inf, -math.inf,
            math.nan, 12345678.91239, 0.1 + 0.2]  # fmt: skip
    rand = (rng.standard_normal(3000) * 10.0 ** rng.integers(-8, 12, 3000)).tolist()
    halves = (rng.integers(-(10**6), 10**6, 2000) / 2.0 ** rng.integers(1, 9, 2000)).tolist()
    return edge + rand + halves


@pytest.mark.parametrize("precision", [None, 0, 1, 2, 4, 6])
def test_format_column_gives_the_cells_of_format_cell(precision: int | None) -> None:
    """A column formatted at once has, cell by cell, the texts of format_cell (and of the
    formatter before the declarations): floats with blanks (None), numpy floats, integers with
    blanks, strings, and mixed columns (cell by cell)."""
    floats = _hard_floats()
    columns: list[list[Any]] = [
        floats,
        [np.float64(x) for x in floats],
        [None if i % 7 == 0 else x for i, x in enumerate(floats)],
        [None, None],
        [],
        [1, None, -3, np.int64(2**40), 0, np.int32(-7)],
        ["road>rail", "", None, 'a "quoted", cell', 5],
        [True, np.bool_(False), 1.5, None, 2, "x", np.float32(0.1), math.nan],
    ]
    for col in columns:
        expected = [d.format_cell(x, precision) for x in col]
        assert d.format_column(col, precision) == expected
        assert d.format_column(tuple(col), precision) == expected
        if precision is not None:
            assert expected == [_fmt_before(x, precision) for x in col]


def test_csv_text_by_columns_equals_row_by_row() -> None:
    """The table writer (columns formatted a block of rows at a time, lines joined directly
    where no cell needs quotes) gives the bytes of the row-by-row csv writer: a block without
    quotes, one with quoted cells and one with missing keys (blank cells)."""
    floats = _hard_floats()
    n = d._CHUNK_ROWS
    rows: list[dict[str, Any]] = []
    for i in range(2 * n + 17):
        name = f"place {i}" if i < n else ("a, b" if i % 3 else 'say "x"')
        row: dict[str, Any] = {"link": f"L{i}", "name": name,
                               "length_km": floats[i % len(floats)],
                               "flow_t": None if i % 5 == 0 else float(i) / 3.0}  # fmt: skip
        if i < 2 * n or i % 4:
            row["utilization"] = floats[(7 * i) % len(floats)]
        rows.append(row)
    table = d.RUN.table("link_flows.csv")
    cols = ["link", "name", "length_km", "flow_t", "utilization"]
    expected = _csv_before([{c: r.get(c) for c in cols} for r in rows], table)
    assert table.csv_text(rows, cols) == expected
    one = [{"link": ""}, {"link": "L1"}]  # a lone blank cell is quoted by the csv writer
    assert table.csv_text(one, ["link"]) == 'link\n""\nL1\n'


def test_template_columns_match_only_their_placeholder() -> None:
    """flow_t_{commodity} matches commodity columns; shift_t_{mode} only the four modes."""
    assert d.LINK_FLOWS.column("flow_t_grain").name == "flow_t_{commodity}"
    assert d.LINK_FLOWS.column("flow_t").name == "flow_t"
    assert d.CRITICALITY.column("shift_t_rail").name == "shift_t_{mode}"
    with pytest.raises(d.UndeclaredError, match="'shift_t_boat' is not declared"):
        d.CRITICALITY.column("shift_t_boat")
    assert d.ROBUST_RANKING.column("p_top_3").unit == "fraction"


def test_undeclared_column_is_rejected() -> None:
    """Writing a column that is not declared raises and names it."""
    rows = [{"mode": "road", "tonnes_lifted": 1.0, "speed_kmh": 60.0}]
    with pytest.raises(d.UndeclaredError, match="mode_summary.csv: undeclared column.*speed_kmh"):
        d.MODE_SUMMARY.csv_text(rows)


def test_undeclared_table_and_command_are_rejected() -> None:
    """A table a command does not declare, or an unknown command, raises."""
    with pytest.raises(d.UndeclaredError, match="table 'flows.csv' is not declared"):
        d.declared_table("run", "flows.csv")
    with pytest.raises(d.UndeclaredError, match="no result folder is declared for command 'fly'"):
        d.result_kind("fly")


def test_round_trip_of_a_declared_table() -> None:
    """Rows written and parsed back give the values (flow_t rounded to 1 t), blanks as declared."""
    rows = [
        {"link": "R_1", "mode": "rail", "capacity_t": math.inf, "flow_t": 12.345678,
         "utilization": None, "flow_t_grain": 3.0},
        {"link": "R_2", "mode": "road", "capacity_t": 100.0, "flow_t": 0.0,
         "utilization": 0.25, "flow_t_grain": 0.0},
    ]  # fmt: skip
    text = d.LINK_FLOWS.csv_text(rows)
    assert text.splitlines()[1] == "R_1,rail,,12,,3"
    back = d.LINK_FLOWS.parse_rows(csv.DictReader(io.StringIO(text)))
    assert back[0]["capacity_t"] == math.inf  # blank = unbounded
    assert back[0]["utilization"] is None
    assert back[0]["flow_t"] == 12.0
    assert back[1] == {"link": "R_2", "mode": "road", "capacity_t": 100.0, "flow_t": 0.0,
                       "utilization": 0.25, "flow_t_grain": 0.0}  # fmt: skip


def test_parse_rejects_a_cell_of_the_wrong_type() -> None:
    """A bool column holding anything but true/false is an error naming the column."""
    with pytest.raises(ValueError, match="column 'mode_changed': expected true or false"):
        d.OD_CHANGES.column("mode_changed").parse("yes")


def test_empty_table_gets_the_declared_header() -> None:
    """A table without rows is written with its fixed declared columns."""
    assert d.SHUTTLES.csv_text([]) == (
        "kind,place,trips_per_day,trucks,km_one_way,hours_per_trip,tonnes_per_day\n"
    )


def test_run_tables_are_declared_and_bytes_unchanged(tiny_run: Any) -> None:
    """Every table of a run is declared, and the declared writer gives the bytes of before with
    each column rounded to its unit's decimals (tonnes to 1 t, CNY to 1 CNY, shares 4)."""
    tables = run_tables(tiny_run)
    assert set(tables) <= {t.file for t in d.RUN.tables}
    for name, rows in tables.items():
        text = d.RUN.table(name).csv_text(rows)
        assert text == _csv_before(rows, d.RUN.table(name)), name
    flows = d.RUN.table("link_flows.csv").csv_text(tables["link_flows.csv"]).splitlines()
    assert flows[0].startswith("link,name,name_zh,line,mode,from,to,direction,length_km")


def test_kpi_metrics_declared_with_their_units(tiny_run: Any) -> None:
    """Every KPI a run reports is declared, with the unit kpis.csv states."""
    rows = kpis(tiny_run)
    assert [r["metric"] for r in rows][:3] == ["demand", "served", "unserved"]
    for r in rows:
        assert d.kpi(r["metric"]).unit == r["unit"], r["metric"]
    assert d.kpi("share_tonnes_water").metric == "share_tonnes_{mode}"


def test_compared_columns_follow_the_run_declarations() -> None:
    """link_changes.csv declares base/scenario/delta of every float column of link_flows.csv."""
    names = {c.name for c in d.LINK_CHANGES.columns}
    for c in d.LINK_FLOWS.columns:
        if c.type == "float":
            assert {f"{c.name}_base", f"{c.name}_scenario", f"{c.name}_delta"} <= names
    assert d.LINK_CHANGES.column("capacity_t_delta").unit == "t/yr"


def test_vrp_route_columns_declared() -> None:
    """The columns the VRP routes writer (in solvers) uses are the declared ones, in order."""
    from solvers.formats.vrplib import CSV_COLUMNS

    assert tuple(c.name for c in d.VRP_ROUTES.columns) == tuple(CSV_COLUMNS)


def test_every_column_is_documented() -> None:
    """Each declared column has a description and a known type; file names are unique per kind."""
    tables = [t for k in d.RESULT_KINDS for t in k.tables] + list(d.SINGLE_FILES)
    for t in tables:
        assert t.description
        for c in t.columns:
            assert c.description, (t.file, c.name)
            assert c.type in ("str", "int", "float", "bool")
    for k in d.RESULT_KINDS:
        files = [t.file for t in k.tables]
        assert len(files) == len(set(files)), k.command


def test_a_column_declared_twice_is_an_error() -> None:
    """Declaring a column twice in one table raises."""
    col = d.Column("x", "float", "t", "a column")
    with pytest.raises(ValueError, match="declared twice"):
        d.OutputTable("t.csv", "a table", (col, col))
