"""Every output table of every command, declared once (as :mod:`freight.data.schema` declares the
inputs).

A :class:`Column` states a column's name, type, unit, description, what a blank cell means and the
rounding of its numbers; an :class:`OutputTable` is one CSV file; a :class:`ResultKind` is the set
of tables one command writes into a result folder (keyed by the manifest's ``command``). The
writer (:class:`freight.results.folder.ResultFolder`) formats cells through the declarations and
raises :class:`UndeclaredError` for a table or a column that is not declared here, the reader
parses cells back by the declared type, and ``python -m tools.gen_docs`` renders
``docs/outputs.md`` from them.

A column name may hold one placeholder in braces, for columns that repeat per mode, commodity,
swept parameter or rank (``flow_t_{commodity}``, ``shift_t_{mode}``, ``p_top_{k}``); see
:data:`PLACEHOLDERS`.

Units: tonnes per year (flows, capacities), CNY in 2023 prices (every money column is in whole
CNY and says so in its name: ``_cny``, ``_cny_per_t``), hours, km, t or kg CO2, as in the inputs.
Numbers are written with :attr:`Column.precision` decimals, trailing zeros stripped, so the same
inputs give the same bytes; infinities and NaN are written blank. A column that does not state its
precision gets the one of its unit (:data:`UNIT_PRECISION`: tonnes to 1 t, CNY to 1 CNY, CNY/t to
0.01, shares to 4 decimals, hours to 0.01 h, km to 0.1 km), else :data:`DEFAULT_PRECISION`.

Every table with a place, link or terminal id also carries its name (``name`` and ``name_zh``
of a link: its places' names joined by an en dash; ``place_name`` of a terminal;
``origin_name`` / ``destination_name`` of a demand row), from ``places.csv``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from freight.data.schema import MODES

ColumnType = Literal["str", "int", "float", "bool"]
"""Type of the values of a column: how a cell is parsed back."""

DEFAULT_PRECISION = 4
"""Decimals of a float cell unless its column says otherwise (trailing zeros stripped)."""

UNIT_PRECISION: dict[str, int] = {
    "t/yr": 0,
    "t-km/yr": 0,
    "t-h/yr": 0,
    "PCU-h/yr": 0,
    "t": 1,
    "t/day": 1,
    "CNY": 0,
    "CNY/yr": 0,
    "CNY/day": 0,
    "CNY/t": 2,
    "fraction": 4,
    "fraction/yr": 4,
    "%": 2,
    "h": 2,
    "h/day": 2,
    "km": 1,
    "km/day": 1,
    "kg/t": 2,
    "kg/day": 2,
    "1/day": 2,
}
"""Decimals of a float column by its unit, when the column does not state its own precision."""

PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "mode": ("|".join(MODES), "a mode: " + ", ".join(MODES)),
    "commodity": (r"[A-Za-z0-9_\-]+", "a commodity id of commodities.csv"),
    "k": (r"[0-9]+", "the k of the top-k ranking (--top)"),
}
"""Placeholders a column name may hold: name -> (regular expression, meaning)."""

_PLACEHOLDER_RE = re.compile(r"\{([a-z]+)\}")

_CHUNK_ROWS = 50_000
"""Rows formatted at once when a table is written (bounds the cell texts held in memory)."""


class UndeclaredError(LookupError):
    """A command wrote a table or a column that is not declared (a bug in freight, not the user's
    input: the command line reports it with exit code 1)."""


def format_cell(x: Any, precision: int | None = DEFAULT_PRECISION) -> str:
    """Format one CSV cell deterministically.

    Parameters
    ----------
    x
        The value: ``None`` (blank), bool (``true``/``false``), int, float, or anything else
        (written with ``str``).
    precision
        Decimals of a float, trailing zeros stripped; ``None`` writes the shortest text that reads
        back to the same float. Infinities and NaN are blank; ``-0`` is ``0``.

    Returns
    -------
    str
        The cell text.
    """
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
        if precision is None:
            return "0" if v == 0 else repr(v)
        s = f"{v:.{precision}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return str(x)


_FLOAT_TYPES = frozenset({float, np.float64, type(None)})
_TEXT_TYPES = frozenset({str, int, np.int64, np.int32, type(None)})


def format_column(values: Sequence[Any], precision: int | None = DEFAULT_PRECISION) -> list[str]:
    """Format the cells of one column: the texts :func:`format_cell` gives each value, computed
    per column (a column of floats, with blanks, formats as one array; of strings and integers,
    in one pass; any other mix cell by cell).

    Parameters
    ----------
    values
        The column's values, in row order.
    precision
        As for :func:`format_cell`.

    Returns
    -------
    list[str]
        One cell text per value.
    """
    vals = values if isinstance(values, list | tuple) else list(values)
    types = set(map(type, vals))
    if types <= _TEXT_TYPES:
        return ["" if x is None else str(x) for x in vals]
    if types <= _FLOAT_TYPES:
        return _format_floats(np.array(vals, dtype=float), precision)
    return [format_cell(x, precision) for x in vals]


def _format_floats(a: np.ndarray, precision: int | None) -> list[str]:
    """:func:`format_cell` of every float of ``a`` (NaN, from a blank, and infinities blank).

    A whole number is written as the integer it is (the fixed-point text of a whole double,
    trailing zeros stripped, is that integer's digits), the others by the fixed-point format."""
    whole = np.abs(a) < 2.0**62
    whole &= a == np.trunc(np.where(whole, a, 0.0))
    if precision is not None and whole.any() and not whole.all():
        res = np.empty(len(a), dtype=object)
        res[whole] = np.array(list(map(str, a[whole].astype(np.int64).tolist())), dtype=object)
        res[~whole] = np.array(_format_floats(a[~whole], precision), dtype=object)
        out_all: list[str] = res.tolist()
        return out_all
    if precision is not None and len(a) and whole.all():
        return list(map(str, a.astype(np.int64).tolist()))
    finite = np.isfinite(a)
    out: list[str]
    if precision is None:
        out = list(map(repr, a.tolist()))
        for i in np.flatnonzero(a == 0).tolist():
            out[i] = "0"
    else:
        text = f"%.{precision}f".__mod__
        if precision > 0:
            out = [s.rstrip("0").rstrip(".") for s in map(text, a.tolist())]
        else:
            out = list(map(text, a.tolist()))
        for i in np.flatnonzero(np.signbit(a) & finite).tolist():
            if out[i] == "-0":
                out[i] = "0"
    for i in np.flatnonzero(~finite).tolist():
        out[i] = ""
    return out


@dataclass(frozen=True)
class Column:
    """One declared column of an output table.

    Attributes
    ----------
    name
        Column name; may hold one placeholder of :data:`PLACEHOLDERS` (``flow_t_{commodity}``).
    type
        ``str``, ``int``, ``float`` or ``bool``: how the cell is parsed back.
    unit
        Unit of the values (``t/yr``, ``CNY/t``, ``h`` …), ``""`` for none.
    description
        What the column holds.
    blank
        What a blank cell means (``""``: not applicable or not computed).
    blank_value
        The value a blank cell is read back as (``None``, or ``math.inf`` for "unbounded").
    precision
        Decimals of a float cell; ``None`` for the shortest exact text.
    """

    name: str
    type: ColumnType
    unit: str
    description: str
    blank: str = ""
    blank_value: float | None = None
    precision: int | None = DEFAULT_PRECISION

    @property
    def pattern(self) -> re.Pattern[str]:
        """Regular expression matching the names this column declares."""
        parts: list[str] = []
        pos = 0
        for m in _PLACEHOLDER_RE.finditer(self.name):
            parts.append(re.escape(self.name[pos : m.start()]))
            parts.append(f"(?:{PLACEHOLDERS[m.group(1)][0]})")
            pos = m.end()
        parts.append(re.escape(self.name[pos:]))
        return re.compile("".join(parts))

    @property
    def is_template(self) -> bool:
        """True when the name holds a placeholder (the column repeats)."""
        return _PLACEHOLDER_RE.search(self.name) is not None

    def matches(self, name: str) -> bool:
        """Whether a written column name is declared by this column."""
        return name == self.name or (self.is_template and self.pattern.fullmatch(name) is not None)

    def format(self, x: Any) -> str:
        """The cell text of a value (see :func:`format_cell`)."""
        return format_cell(x, self.precision)

    def format_values(self, values: Sequence[Any]) -> list[str]:
        """The cell texts of a column of values (see :func:`format_column`)."""
        return format_column(values, self.precision)

    def parse(self, text: str) -> Any:
        """The value of a cell text, by the declared type (blank: :attr:`blank_value`).

        Raises
        ------
        ValueError
            If the text is not a value of the declared type.
        """
        if text == "":
            return (
                self.blank_value
                if self.type in ("float", "int")
                else (None if self.type == "bool" else "")
            )
        if self.type == "float":
            return float(text)
        if self.type == "int":
            return int(text)
        if self.type == "bool":
            if text not in ("true", "false"):
                raise ValueError(f"column {self.name!r}: expected true or false, got {text!r}")
            return text == "true"
        return text


@dataclass(frozen=True)
class OutputTable:
    """One declared CSV file: its columns, in the order they are written.

    Attributes
    ----------
    file
        File name (``link_flows.csv``).
    description
        What one row is.
    columns
        The declared columns.
    key
        Columns that identify a row.
    """

    file: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.file}: a column is declared twice")
        for c in self.columns:
            for p in _PLACEHOLDER_RE.findall(c.name):
                if p not in PLACEHOLDERS:
                    raise ValueError(f"{self.file}: unknown placeholder {{{p}}} in {c.name!r}")

    def column(self, name: str) -> Column:
        """The declaration of a written column (exact names first, then templates).

        Raises
        ------
        UndeclaredError
            If the column is not declared.
        """
        for c in self.columns:
            if c.name == name:
                return c
        for c in self.columns:
            if c.matches(name):
                return c
        raise UndeclaredError(
            f"{self.file}: column {name!r} is not declared in freight/results/declared.py"
        )

    def check(self, names: Iterable[str]) -> list[Column]:
        """The declarations of written columns, in order.

        Raises
        ------
        UndeclaredError
            If any column is not declared (all such columns are named).
        """
        out: list[Column] = []
        missing: list[str] = []
        for n in names:
            try:
                out.append(self.column(n))
            except UndeclaredError:
                missing.append(n)
        if missing:
            raise UndeclaredError(
                f"{self.file}: undeclared column(s) {', '.join(map(repr, missing))}; declare them "
                "in freight/results/declared.py"
            )
        return out

    @property
    def fixed_columns(self) -> tuple[str, ...]:
        """Declared names without placeholders (the header of an empty table)."""
        return tuple(c.name for c in self.columns if not c.is_template)

    def csv_text(
        self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
    ) -> str:
        """The CSV text of rows: header, one line per row, LF line ends.

        Parameters
        ----------
        rows
            The rows; a missing key is a blank cell.
        columns
            Column order; default: the keys of the first row (the declared fixed columns when
            there are no rows).

        Raises
        ------
        UndeclaredError
            If a column is not declared.
        """
        import csv
        import io

        rows = rows if isinstance(rows, list | tuple) else list(rows)
        if columns is not None:
            cols = list(columns)
        elif rows:
            cols = list(rows[0])
        else:
            cols = list(self.fixed_columns)
        decl = self.check(cols)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        if not cols:
            w.writerows([] for _ in rows)
            return buf.getvalue()
        for lo in range(0, len(rows), _CHUNK_ROWS):  # formatted per column, a block at a time
            block = rows[lo : lo + _CHUNK_ROWS]
            cells = [d.format_values(v) for v, d in zip(_columns(block, cols), decl, strict=True)]
            if len(cols) > 1 and not any(_needs_quotes(c) for c in cells):
                buf.write("\n".join(map(",".join, zip(*cells, strict=True))) + "\n")
            else:  # the csv writer quotes what needs it (and a lone blank cell)
                w.writerows(zip(*cells, strict=True))
        return buf.getvalue()

    def parse_rows(self, rows: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
        """Rows of cell texts (as ``csv.DictReader`` gives them) parsed by the declared types.

        Raises
        ------
        UndeclaredError
            If a column is not declared.
        ValueError
            If a cell is not a value of its column's type.
        """
        out: list[dict[str, Any]] = []
        decl: dict[str, Column] = {}
        for r in rows:
            row: dict[str, Any] = {}
            for k, v in r.items():
                if k not in decl:
                    decl[k] = self.column(k)
                row[k] = decl[k].parse(v if v is not None else "")
            out.append(row)
        return out


def _columns(rows: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> list[list[Any]]:
    """The values of each column of ``rows`` (a missing key is ``None``)."""
    out: list[list[Any]] = []
    for c in cols:
        try:
            out.append(list(map(operator.itemgetter(c), rows)))
        except KeyError:
            out.append([r.get(c) for r in rows])
    return out


def _needs_quotes(cells: list[str]) -> bool:
    """Whether a cell of the column holds a character the csv writer quotes (the delimiter, the
    quote character or a line end)."""
    text = "\x00".join(cells)
    return "," in text or '"' in text or "\n" in text or "\r" in text


@dataclass(frozen=True)
class ResultKind:
    """The tables one command writes into a result folder.

    Attributes
    ----------
    command
        The manifest's ``command`` value (``run``, ``compare`` …).
    description
        What the folder holds.
    tables
        The declared tables.
    optional
        File names of tables that are written only in some cases.
    """

    command: str
    description: str
    tables: tuple[OutputTable, ...]
    optional: frozenset[str] = field(default_factory=frozenset)

    def table(self, file: str) -> OutputTable:
        """The declaration of a table of this folder.

        Raises
        ------
        UndeclaredError
            If the folder has no such table.
        """
        for t in self.tables:
            if t.file == file:
                return t
        known = ", ".join(t.file for t in self.tables)
        raise UndeclaredError(
            f"'{self.command}' result folder: table {file!r} is not declared (declared: {known})"
        )


def _c(
    name: str,
    type_: ColumnType,
    unit: str,
    description: str,
    *,
    blank: str = "",
    blank_value: float | None = None,
    precision: int | None | Literal["unit"] = "unit",
) -> Column:
    """A column; ``precision="unit"`` takes the unit's (:data:`UNIT_PRECISION`), else 4."""
    p = UNIT_PRECISION.get(unit, DEFAULT_PRECISION) if precision == "unit" else precision
    return Column(name, type_, unit, description, blank, blank_value, p)


def unit_precision(unit: str) -> int:
    """Decimals of a number in ``unit`` (:data:`UNIT_PRECISION`, else :data:`DEFAULT_PRECISION`)."""
    return UNIT_PRECISION.get(unit, DEFAULT_PRECISION)


# ------------------------------------------------------------------------------------ KPIs


@dataclass(frozen=True)
class Kpi:
    """One headline indicator of ``kpis.csv`` (and a column of ``runs.csv`` and ``sweep.csv``)."""

    metric: str
    unit: str
    description: str
    type: ColumnType = "float"

    def column(self) -> Column:
        """The indicator as a column of a wide table (one column per metric)."""
        return _c(self.metric, self.type, self.unit, self.description, blank="not defined")


KPIS: tuple[Kpi, ...] = (
    Kpi("demand", "t/yr", "total demand"),
    Kpi("served", "t/yr", "demand carried"),
    Kpi("unserved", "t/yr", "demand not carried (priced at each commodity's penalty)"),
    Kpi("generalized_cost", "CNY/yr", "money cost, plus cargo time at each commodity's VOT, plus CO2 at the "
        "carbon price, plus (behavioural view) the vehicles' time in congestion and lock queues"),
    Kpi("money_cost", "CNY/yr", "tariffs, fixed charges and handling paid"),
    Kpi("time_cost", "CNY/yr", "transport and handling time valued at each commodity's VOT"),
    Kpi("tonne_hours", "t-h/yr", "tonnes times hours on links and in terminals"),
    Kpi("co2", "t/yr", "CO2 emitted by the carried freight"),
    Kpi("unserved_penalty", "CNY/yr", "unserved tonnes times their penalty"),
    Kpi("objective", "CNY/yr", "objective of the solve: generalized cost plus unserved penalty"),
    Kpi("binding_capacities", "arcs", "arcs whose capacity shadow price is positive", "int"),
    Kpi("tonne_km_{mode}", "t-km/yr", "tonne-km on the mode's links"),
    Kpi("tonnes_{mode}", "t/yr", "tonnes lifted by the mode (entering it)"),
    Kpi("share_tonnes_{mode}", "fraction", "the mode's share of all tonnes lifted"),
    Kpi(
        "logsum",
        "CNY/yr",
        "behavioural model: Σ demand × the row's logsum (expected minimum cost); its fall is the "
        "users' benefit",
    ),
    Kpi(
        "background_delay_road",
        "PCU-h/yr",
        "behavioural model: background road users' extra time caused by the modelled freight",
    ),
    Kpi(
        "background_delay_locks",
        "t-h/yr",
        "behavioural model: background ships' extra lock time caused by the modelled freight",
    ),
    Kpi(
        "lock_wait",
        "h",
        "behavioural model: queue wait at the locks, passage-weighted over links and directions",
    ),
    Kpi(
        "lock_passages",
        "t/yr",
        "behavioural model: tonnes through the locks, both directions, background ships included "
        "(the unit of the lock statistics)",
    ),
)
"""The headline indicators, in the order ``kpis.csv`` lists them."""


def kpi(metric: str) -> Kpi:
    """The declaration of a KPI metric (``tonne_km_rail`` matches ``tonne_km_{mode}``).

    Raises
    ------
    UndeclaredError
        If the metric is not declared.
    """
    for k in KPIS:
        if k.metric == metric:
            return k
    for k in KPIS:
        if k.column().matches(metric):
            return k
    raise UndeclaredError(f"KPI {metric!r} is not declared in freight/results/declared.py")


KPI_COLUMNS: tuple[Column, ...] = tuple(k.column() for k in KPIS)

# ------------------------------------------------------------------------------- freight run

_SHADOW = (
    "capacity shadow price: generalized cost saved per tonne of extra capacity (the dual of the "
    "capacity constraint; under logit the equilibrium's capacity multiplier of a hard capacity)"
)
_SHADOW_BLANK = (
    "no dual here: ue/so have none; logit has them on hard capacities only (rail lines, "
    "terminals): roads and the lock are priced by their delay, other channels and air unbounded"
)

_OD_NAMES: tuple[Column, ...] = (
    _c("origin_name", "str", "", "English name of the origin"),
    _c("origin_name_zh", "str", "", "Chinese name of the origin", blank="no name_zh"),
    _c("destination_name", "str", "", "English name of the destination"),
    _c("destination_name_zh", "str", "", "Chinese name of the destination", blank="no name_zh"),
)

LINK_FLOWS = OutputTable(
    "link_flows.csv",
    "one row per link and direction (each direction has its own capacity)",
    (
        _c("link", "str", "", "link id of links.csv"),
        _c("name", "str", "", "English names of the places the flow leaves and enters, 'A–B'"),
        _c("name_zh", "str", "", "Chinese names of the two places, 'A–B'", blank="no name_zh"),
        _c("line", "str", "", "line or route name of links.csv", blank="none given"),
        _c("mode", "str", "", "road, rail, water or air"),
        _c("from", "str", "", "place id the flow leaves"),
        _c("to", "str", "", "place id the flow enters"),
        _c("direction", "str", "", "forward (from → to of links.csv) or reverse"),
        _c("length_km", "float", "km", "length of the link"),
        _c("time_h", "float", "h", "time per traversal in this direction, waits included"),
        _c(
            "capacity_t",
            "float",
            "t/yr",
            "capacity per direction exactly as links.csv states it",
            blank="unbounded",
            blank_value=math.inf,
        ),
        _c("background_t", "float", "t/yr", "traffic not modelled that uses the same capacity"),
        _c(
            "capacity_free_t",
            "float",
            "t/yr",
            "capacity left for the modelled freight: capacity_t − background_t",
            blank="unbounded",
            blank_value=math.inf,
        ),
        _c("flow_t", "float", "t/yr", "modelled freight flow, all commodities"),
        _c(
            "utilization",
            "float",
            "fraction",
            "(flow_t + background_t) / capacity_t",
            blank="unbounded or zero capacity",
        ),
        _c(
            "shadow_price_cny_per_t",
            "float",
            "CNY/t",
            _SHADOW,
            blank=_SHADOW_BLANK,
        ),
        _c("money_cny_per_t", "float", "CNY/t", "money cost of one traversal per tonne"),
        _c("money_cost_cny", "float", "CNY/yr", "money cost of the flow on this link direction"),
        _c("tonne_km", "float", "t-km/yr", "flow_t × length_km"),
        _c("co2_t", "float", "t/yr", "CO2 emitted by the flow"),
        _c(
            "teu",
            "float",
            "TEU/yr",
            "boxes of the flow: tonnes x container_share / t_per_teu of each commodity "
            "(background not counted)",
            precision=0,
        ),
        _c(
            "speed_kmh",
            "float",
            "km/h",
            "behavioural model: length_km / time_h at the equilibrium",
            blank="not the behavioural model",
            precision=1,
        ),
        _c(
            "volume_capacity_ratio",
            "float",
            "fraction",
            "behavioural model: (freight PCU + background PCU) / capacity PCU on roads, "
            "(freight + background tonnes) / design capacity at a lock",
            blank="not a congested link, or not the behavioural model",
        ),
        _c(
            "delay_h",
            "float",
            "h",
            "behavioural model: time_h minus the time with no traffic at all",
            blank="not the behavioural model",
        ),
        _c(
            "lock_wait_h",
            "float",
            "h",
            "behavioural model: the queue wait at a lock (above the lockage itself), an output",
            blank="not a lock, or not the behavioural model",
        ),
        _c(
            "background_delay_pcu_h",
            "float",
            "PCU-h/yr",
            "behavioural model: background road users' extra time caused by the freight, "
            "background PCU × (time_h − time with the background alone)",
            blank="not a congested road, or not the behavioural model",
            precision=0,
        ),
        _c(
            "background_delay_t_h",
            "float",
            "t-h/yr",
            "behavioural model: background ships' extra lock time caused by the modelled "
            "freight, background tonnes × (time_h − time with the background alone)",
            blank="not a lock, or not the behavioural model",
            precision=0,
        ),
        _c("flow_t_{commodity}", "float", "t/yr", "flow of one commodity"),
    ),
    key=("link", "direction"),
)

OD_FLOWS = OutputTable(
    "od_flows.csv",
    "one row per demand row: how it is served, averaged over its paths (weighted by tonnes)",
    (
        _c("origin", "str", "", "origin zone (place id)"),
        _c("destination", "str", "", "destination zone (place id)"),
        _c("commodity", "str", "", "commodity id"),
        *_OD_NAMES,
        _c("demand_t", "float", "t/yr", "demand of the row"),
        _c("served_t", "float", "t/yr", "tonnes carried"),
        _c("unserved_t", "float", "t/yr", "tonnes not carried"),
        _c("money_cny_per_t", "float", "CNY/t", "average money cost", blank="nothing carried"),
        _c(
            "generalized_cny_per_t",
            "float",
            "CNY/t",
            "average generalized cost (money plus time valued at the commodity's VOT, plus CO2 at "
            "the carbon price); in the behavioural view the sum of its cost parts at the congested "
            "times, whose vehicle time is charged at the link's own speed, so on links faster than "
            "their mode's nominal speed (block trains) it can be below money_cny_per_t, the tariff",
            blank="nothing carried",
        ),
        _c("time_h", "float", "h", "average door-to-door time", blank="nothing carried"),
        _c("distance_km", "float", "km", "average distance", blank="nothing carried"),
        _c("co2_kg_per_t", "float", "kg/t", "average CO2 per tonne", blank="nothing carried"),
        _c("modes", "str", "", "mode chain of the main path, e.g. road>rail>road"),
        _c("transfers", "int", "", "mode transfers on the main path", blank="nothing carried"),
        _c("paths", "int", "", "number of paths carrying the row"),
        _c(
            "mode_chains",
            "str",
            "t/yr",
            "every mode chain used with its tonnes ('road>rail 1200; road 300'), largest first",
        ),
        _c("path", "str", "", "links and terminals of the main path, space-separated"),
        _c(
            "logsum_cny_per_t",
            "float",
            "CNY/t",
            "behavioural model: expected minimum cost of the row (nested-logit logsum, the "
            "unserved alternative included); its change × demand is the users' benefit",
            blank="not the behavioural model",
        ),
    ),
    key=("origin", "destination", "commodity"),
)

_PART_TEXT = (
    "behavioural model: cost per tonne of the chain's {part}, its paths averaged with their "
    "shares within the chain"
)

OD_CHAINS = OutputTable(
    "od_chains.csv",
    "behavioural model: one row per demand row and mode chain of its choice set, with the "
    "chain's share and the cost of each part (why a chain wins, and by how much the others lose)",
    (
        _c("origin", "str", "", "origin zone (place id)"),
        _c("destination", "str", "", "destination zone (place id)"),
        _c("commodity", "str", "", "commodity id"),
        _c("chain", "str", "", "mode chain of the links, e.g. road>rail>road"),
        _c("share", "float", "fraction", "share of the row's demand on the chain"),
        _c("tonnes_t", "float", "t/yr", "tonnes on the chain"),
        _c("paths", "int", "", "routes of the chain in the choice set"),
        _c(
            "cost_cny_per_t",
            "float",
            "CNY/t",
            "composite (route logsum) cost of the chain at the equilibrium",
        ),
        _c("best_path_cny_per_t", "float", "CNY/t", "cost of the chain's cheapest route"),
        _c(
            "above_best_chain_cny_per_t",
            "float",
            "CNY/t",
            "cost_cny_per_t minus that of the row's cheapest chain (0 for the winner)",
        ),
        _c("logsum_cny_per_t", "float", "CNY/t", "logsum of the demand row (all chains)"),
        _c("vehicle_distance_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="vehicle distance cost (fuel, tyres, maintenance)")),
        _c("vehicle_time_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="vehicle time cost (crew, capital) at the congested times")),
        _c("cargo_time_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="cargo time at the commodity's value of time")),
        _c("handling_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="handling and mode entering charges")),
        _c("tolls_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="tolls, taxes and fees (transfers, not resource costs)")),
        _c("co2_cny_per_t", "float", "CNY/t", _PART_TEXT.format(part="CO2 at the carbon price")),
        _c("capacity_price_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="hard-capacity multipliers (rail lines, terminals)")),
        _c("asc_cny_per_t", "float", "CNY/t",
           _PART_TEXT.format(part="alternative-specific constant")),
    ),
    key=("origin", "destination", "commodity", "chain"),
)  # fmt: skip

MODE_SUMMARY = OutputTable(
    "mode_summary.csv",
    "one row per mode with links, and a row 'transfer' for handling in terminals",
    (
        _c("mode", "str", "", "road, rail, water, air, or transfer"),
        _c(
            "tonnes_lifted",
            "float",
            "t/yr",
            "tonnes entering the mode",
            blank="transfer row",
        ),
        _c(
            "tonnes_share",
            "float",
            "fraction",
            "share of all tonnes lifted",
            blank="transfer row, or nothing lifted",
        ),
        _c("tonne_km", "float", "t-km/yr", "tonne-km on the mode's links"),
        _c(
            "tonne_km_share",
            "float",
            "fraction",
            "share of all tonne-km",
            blank="transfer row, or no tonne-km",
        ),
        _c("money_cost_cny", "float", "CNY/yr", "money paid on the mode (incl. entry charges)"),
        _c("tonne_hours", "float", "t-h/yr", "tonnes times hours on the mode's links"),
        _c("co2_t", "float", "t/yr", "CO2 emitted on the mode's links"),
    ),
    key=("mode",),
)

TERMINALS = OutputTable(
    "terminals.csv",
    "one row per terminal of terminals.csv (mode transfers and zone access)",
    (
        _c("terminal", "str", "", "terminal id of terminals.csv"),
        _c("place", "str", "", "place id"),
        _c("place_name", "str", "", "English name of the place"),
        _c("place_name_zh", "str", "", "Chinese name of the place", blank="no name_zh"),
        _c("from_mode", "str", "", "one side: a mode, or zone"),
        _c("to_mode", "str", "", "the other side"),
        _c("kind", "str", "", "kind of the handling arc (transfer or access)"),
        _c("throughput_t", "float", "t/yr", "tonnes handled, both directions"),
        _c(
            "capacity_t",
            "float",
            "t/yr",
            "throughput capacity as terminals.csv states it",
            blank="unbounded",
            blank_value=math.inf,
        ),
        _c(
            "utilization",
            "float",
            "fraction",
            "throughput_t / capacity_t",
            blank="unbounded or zero capacity",
        ),
        _c(
            "shadow_price_cny_per_t",
            "float",
            "CNY/t",
            _SHADOW,
            blank=_SHADOW_BLANK,
        ),
        _c("handling_cost_cny", "float", "CNY/yr", "throughput_t × handling cost per tonne"),
        _c("dangerous_t", "float", "t/yr", "dangerous goods handled"),
        _c(
            "teu",
            "float",
            "TEU/yr",
            "boxes handled, both directions: tonnes x container_share / t_per_teu of each "
            "commodity (the unit of the port statistics for containers)",
            precision=0,
        ),
    ),
    key=("terminal",),
)

KPIS_TABLE = OutputTable(
    "kpis.csv",
    "one row per headline indicator (the metrics are listed below the table)",
    (
        _c("metric", "str", "", "indicator name (see the KPI list)"),
        _c("value", "float", "", "value, in the row's unit", blank="not defined"),
        _c("unit", "str", "", "unit of the value"),
    ),
    key=("metric",),
)

OD_PATHS = OutputTable(
    "od_paths.csv",
    "one row per path of each demand row, largest first (what `freight route` reads)",
    (
        _c("origin", "str", "", "origin zone (place id)"),
        _c("destination", "str", "", "destination zone (place id)"),
        _c("commodity", "str", "", "commodity id"),
        *_OD_NAMES,
        _c("path_no", "int", "", "path number within the demand row, from 1 (largest first)"),
        _c("tonnes_t", "float", "t/yr", "tonnes on the path"),
        _c("modes", "str", "", "mode chain of the path, e.g. road>rail>road"),
        _c("generalized_cny_per_t", "float", "CNY/t", "generalized cost of the path"),
        _c("path", "str", "", "links and terminals of the path in order, space-separated"),
    ),
    key=("origin", "destination", "commodity", "path_no"),
)

RUN = ResultKind(
    "run",
    "`freight run PATH --out DIR`: the solved flows of one network or scenario",
    (LINK_FLOWS, OD_FLOWS, MODE_SUMMARY, TERMINALS, OD_PATHS, KPIS_TABLE, OD_CHAINS),
    optional=frozenset({"od_chains.csv"}),
)

# --------------------------------------------------------------------------- freight compare

_SIDE = {
    "base": "value in the base run",
    "scenario": "value in the scenario run",
    "delta": "scenario − base (a side without the row counts as 0)",
}


def _compared(table: OutputTable, keep: Sequence[str]) -> tuple[Column, ...]:
    """``{field}_base``, ``{field}_scenario``, ``{field}_delta`` for every float column."""
    out: list[Column] = []
    for c in table.columns:
        if c.type != "float" or c.name in keep:
            continue
        for side, what in _SIDE.items():
            out.append(
                _c(
                    f"{c.name}_{side}",
                    "float",
                    c.unit,
                    f"{c.name} ({c.description}): {what}",
                    blank="not in that run, or blank there"
                    if side != "delta"
                    else "blank on both sides",
                    precision=c.precision,
                )
            )
    return tuple(out)


_STATUS = _c("status", "str", "", "both, added (only in the scenario) or removed (only in base)")


def _keep(table: OutputTable, names: Sequence[str]) -> tuple[Column, ...]:
    return tuple(table.column(n) for n in names)


KPI_COMPARISON = OutputTable(
    "kpi_comparison.csv",
    "one row per KPI (outer join on metric)",
    (
        _c("metric", "str", "", "indicator name (see the KPI list)"),
        _c("unit", "str", "", "unit of base, scenario and delta"),
        _c("base", "float", "", "value in the base run", blank="not in that run"),
        _c("scenario", "float", "", "value in the scenario run", blank="not in that run"),
        _c("delta", "float", "", "scenario − base", blank="a side is blank"),
        _c("delta_pct", "float", "%", "100 × delta / base", blank="base is 0 or blank"),
    ),
    key=("metric",),
)
MODE_COMPARISON = OutputTable(
    "mode_comparison.csv",
    "one row per mode of mode_summary.csv in either run",
    (*_keep(MODE_SUMMARY, ("mode",)), _STATUS, *_compared(MODE_SUMMARY, ("mode",))),
    key=("mode",),
)
LINK_CHANGES = OutputTable(
    "link_changes.csv",
    "one row per link direction of link_flows.csv in either run, largest |flow change| first",
    (
        *_keep(LINK_FLOWS, ("link", "direction", "name", "name_zh", "mode", "from", "to")),
        _STATUS,
        *_compared(LINK_FLOWS, ()),
    ),
    key=("link", "direction"),
)
TERMINAL_CHANGES = OutputTable(
    "terminal_changes.csv",
    "one row per terminal of terminals.csv in either run",
    (
        *_keep(
            TERMINALS, ("terminal", "place", "place_name", "place_name_zh", "from_mode", "to_mode")
        ),
        _STATUS,
        *_compared(TERMINALS, ()),
    ),
    key=("terminal",),
)
OD_CHANGES = OutputTable(
    "od_changes.csv",
    "one row per demand row of od_flows.csv in either run",
    (
        *_keep(OD_FLOWS, ("origin", "destination", "commodity")),
        *_OD_NAMES,
        _STATUS,
        *_compared(OD_FLOWS, ()),
        _c("modes_base", "str", "", "mode chain of the main path in the base run"),
        _c("modes_scenario", "str", "", "mode chain of the main path in the scenario run"),
        _c("mode_changed", "bool", "", "whether the main path's mode chain differs"),
    ),
    key=("origin", "destination", "commodity"),
)

COMPARE = ResultKind(
    "compare",
    "`freight compare BASE SCENARIO --out DIR`: two runs side by side",
    (KPI_COMPARISON, MODE_COMPARISON, LINK_CHANGES, TERMINAL_CHANGES, OD_CHANGES),
)

# -------------------------------------------------------------------------- freight appraise

APPRAISAL = OutputTable(
    "appraisal.csv",
    "one row per future × project × test (put_one_in: the do-minimum plus the project against the "
    "same without it; take_one_out: the plan without the projects that require the project, with "
    "and without it; take_one_out_group: the whole plan against the plan without the project and "
    "its dependents); ranked by NPV within a future and test (do-minimum projects unranked). "
    "Money at the price base (price_base_year), economic prices, discounted to it",
    (
        _c("future", "str", "", "the future: the scenario id without its year"),
        _c("years", "str", "", "the modelled years of the future, space-separated"),
        _c("project", "str", "", "project id"),
        _c("name", "str", "", "project name"),
        _c("test", "str", "", "put_one_in, take_one_out or take_one_out_group"),
        _c("do_minimum", "bool", "", "open before the base year: in the do-minimum, no cost"),
        _c("dependents", "str", "", "projects that require this one, space-separated"),
        _c("benefit_method", "str", "",
           "rule_of_half (generalized cost per demand row) or logsum_per_alternative "
           "(behavioural: the logsum change per route and chain over one choice set)"),
        _c("method", "str", "", "model method of every solve"),
        _c("benefit_year", "int", "year", "first operating year from the base year on"),
        _c("benefit_cny_per_yr", "float", "CNY/yr",
           "full annual benefit in benefit_year (no ramp-up): the sum of benefits.csv's components"),
        _c("money_saving_cny", "float", "CNY/yr",
           "of it: vehicle operating costs, handling, logsum adjustment (transfers: the users' toll and VAT change plus the government's revenue change; they net to 0 when routes stay, not when freight leaves a tolled route)"),
        _c("time_saving_cny", "float", "CNY/yr", "of it: cargo time and background traffic time"),
        _c("co2_value_cny", "float", "CNY/yr", "of it: CO2 avoided × the carbon price"),
        _c("unserved_penalty_avoided_cny", "float", "CNY/yr",
           "unserved penalty avoided in the first modelled year: shown, never counted"),
        _c("newly_served_t", "float", "t/yr", "tonnes served with and not without (first modelled year)"),
        _c("unvalued_t", "float", "t/yr",
           "of them, tonnes of rows wholly unserved without (no cost to compare, valued 0 by the "
           "rule of half)"),
        _c("capex_cny", "float", "CNY", "capex as stated, at price_year market prices"),
        _c("price_year", "int", "year", "price year of capex_cny"),
        _c("price_base_year", "int", "year", "price base of every money column"),
        _c("capex_base_cny", "float", "CNY",
           "freight capex re-indexed to the price base at economic prices (sunk part included)"),
        _c("sunk_capex_cny", "float", "CNY", "of it, spent before the base year: not counted"),
        _c("optimism_bias_rate", "float", "fraction", "optimism-bias uplift of the counted capex"),
        _c("freight_capex_share", "float", "fraction", "share of the capex charged to freight"),
        _c("opening_year", "int", "year", "year the project opens"),
        _c("pv_benefit_cny", "float", "CNY", "present value of benefits"),
        _c("pv_residual_cny", "float", "CNY", "present value of the residual value"),
        _c("pv_capex_cny", "float", "CNY", "present value of the counted capex"),
        _c("pv_optimism_bias_cny", "float", "CNY", "present value of the optimism bias"),
        _c("pv_opex_cny", "float", "CNY", "present value of operating costs"),
        _c("pv_cost_cny", "float", "CNY", "pv_capex + pv_optimism_bias + pv_opex"),
        _c("npv_cny", "float", "CNY", "pv_benefit + pv_residual − pv_cost"),
        _c("bcr", "float", "", "(pv_benefit + pv_residual) / pv_cost", blank="no cost"),
        _c("bcr_full_capex", "float", "", "BCR with the whole capex charged", blank="no cost"),
        _c("irr", "float", "1/yr", "internal rate of return", blank="no sign change"),
        _c("fyrr", "float", "fraction", "benefit of the first operating year / capex",
           blank="no capital cost"),
        _c("capex_switch_cny", "float", "CNY", "capex (with optimism bias) at which BCR = 1",
           blank="no cost or no benefit"),
        _c("benefit_switch_share", "float", "fraction", "share of the benefits at which BCR = 1",
           blank="no cost or no benefit"),
        _c("largest_components", "str", "",
           "the three largest components by PV, as shares of pv_benefit_cny (or in CNY when it "
           "is not positive)"),
        _c("status_with", "str", "", "solver status with the project, per modelled year"),
        _c("status_without", "str", "", "solver status without the project, per modelled year"),
        _c("rank", "int", "", "rank by NPV within the future and test (1 = best)",
           blank="do-minimum project"),
    ),
    key=("future", "project", "test"),
)  # fmt: skip
BENEFITS = OutputTable(
    "benefits.csv",
    "one row per future × project × test × year × user class × component (kind benefit), and "
    "the costs (kind cost: capex, optimism_bias, opex; kind residual); CNY at the price base",
    (
        _c("future", "str", "", "the future"),
        _c("project", "str", "", "project id"),
        _c("test", "str", "", "put_one_in, take_one_out or take_one_out_group"),
        _c("year", "int", "year", "calendar year"),
        _c("kind", "str", "", "benefit, cost or residual"),
        _c("user_class", "str", "",
           "freight, background, government, society (benefits) or costs"),
        _c("component", "str", "",
           "vehicle_distance, vehicle_time, cargo_time, handling, transfers_tolls, "
           "transfers_vat, logsum_adjustment, co2, local_air, accidents (the background "
           "class: vehicle_time and cargo_time); "
           "with the behavioural model also transfers_carbon, capacity_rationing (capacity "
           "multipliers of binding rail lines and terminals) and new_alternatives (surplus of "
           "the routes the project adds); capex, optimism_bias, opex, residual_value"),
        _c("value_cny", "float", "CNY", "value in the year at the price base"),
        _c("discounted_cny", "float", "CNY", "value discounted to the base year"),
        _c("price_base_year", "int", "year", "price base and discounting year"),
    ),
    key=("future", "project", "test", "year", "user_class", "component"),
)  # fmt: skip
TEE = OutputTable(
    "tee.csv",
    "TAG TEE / AMCB layout: one row per future × project × test × component, the present value "
    "by user class (CNY at the price base)",
    (
        _c("future", "str", "", "the future"),
        _c("project", "str", "", "project id"),
        _c("test", "str", "", "put_one_in, take_one_out or take_one_out_group"),
        _c("component", "str", "", "benefit component (benefits.csv)"),
        _c("freight_cny", "float", "CNY", "modelled freight users"),
        _c("background_cny", "float", "CNY", "background traffic (not modelled)"),
        _c("government_cny", "float", "CNY", "government and infrastructure operators"),
        _c("society_cny", "float", "CNY", "externalities"),
        _c("total_cny", "float", "CNY", "sum of the user classes"),
        _c("price_base_year", "int", "year", "price base and discounting year"),
    ),
    key=("future", "project", "test", "component"),
)  # fmt: skip
SENSITIVITY = OutputTable(
    "sensitivity.csv",
    "one row per future × project × test × sensitivity test (values in the economics file)",
    (
        _c("future", "str", "", "the future"),
        _c("project", "str", "", "project id"),
        _c("test", "str", "", "put_one_in, take_one_out or take_one_out_group"),
        _c("sensitivity", "str", "",
           "central, capex_high, benefits_low, vot_elasticity, vot_low, carbon_low, carbon_high"),
        _c("npv_cny", "float", "CNY", "net present value under the test"),
        _c("bcr", "float", "", "benefit-cost ratio under the test", blank="no cost"),
    ),
    key=("future", "project", "test", "sensitivity"),
)  # fmt: skip
INTERACTIONS = OutputTable(
    "interactions.csv",
    "one row per future: the whole plan against the sum of its projects one at a time",
    (
        _c("future", "str", "", "the future"),
        _c("year", "int", "year", "first modelled year (the year of the benefits below)"),
        _c("plan_benefit_cny_per_yr", "float", "CNY/yr",
           "benefit of the whole plan against the do-minimum (price base)"),
        _c("carbon_price_cny_per_t", "float", "CNY/t", "carbon price used"),
        _c("discount_rate", "float", "fraction/yr", "discount rate used"),
        _c("newly_served_t", "float", "t/yr", "tonnes the plan newly serves"),
        _c("sum_of_singles_cny_per_yr", "float", "CNY/yr",
           "sum of the put-one-in benefits of the projects not in the do-minimum, in the same "
           "year (full benefit, price base)"),
        _c("interaction_cny_per_yr", "float", "CNY/yr", "plan benefit − sum of singles"),
    ),
    key=("future",),
)  # fmt: skip
RUNS = OutputTable(
    "runs.csv",
    "one row per solved network variant: its KPIs (one column per metric)",
    (
        _c("scenario", "str", "", "file name stem of the scenario"),
        _c("projects", "str", "", "projects applied, space-separated, or (base)"),
        _c("status", "str", "", "solver status"),
        *KPI_COLUMNS,
    ),
    key=("scenario", "projects"),
)

APPRAISE = ResultKind(
    "appraise",
    "`freight appraise PLAN... --out DIR`: cost-benefit appraisal of every project of a plan",
    (APPRAISAL, BENEFITS, TEE, SENSITIVITY, INTERACTIONS, RUNS),
)

# ----------------------------------------------------------------------- freight criticality

CRITICALITY = OutputTable(
    "criticality.csv",
    "one row per link, terminal or lock closed (or derated) in turn, most critical first",
    (
        _c("element", "str", "", "link or terminal id"),
        _c("kind", "str", "", "link, terminal or lock"),
        _c("mode", "str", "", "mode of the element"),
        _c("from", "str", "", "place id of one end (the place, for a terminal)"),
        _c("to", "str", "", "place id of the other end"),
        _c("name", "str", "", "'A–B' of a link's places, or the terminal's place name"),
        _c("name_zh", "str", "", "the same in Chinese", blank="no name_zh"),
        _c("base_flow_t", "float", "t/yr", "flow through the element in the base run"),
        _c("skipped", "bool", "", "true when the element carries no flow (not re-solved)"),
        _c("status", "str", "", "solver status of the re-solve, or error: message"),
        _c(
            "extra_cost_cny",
            "float",
            "CNY/yr",
            "objective without the element − base objective",
            blank="the re-solve failed",
        ),
        _c("extra_unserved_t", "float", "t/yr", "tonnes no longer served"),
        _c("extra_co2_t", "float", "t/yr", "extra CO2"),
        _c("ods_cut", "int", "", "demand rows that lose tonnes"),
        _c("ods_cut_list", "str", "", "the first 20 of them, 'O-D:commodity; …'"),
        _c("shift_t_{mode}", "float", "t/yr", "change of the tonnes lifted by the mode"),
        _c("rank", "int", "", "rank by extra_cost_cny (1 = most critical)"),
    ),
    key=("element",),
)
CRITICALITY_KIND = ResultKind(
    "criticality",
    "`freight criticality PATH --out DIR`: the cost of losing each element",
    (CRITICALITY,),
)

# --------------------------------------------------------------------- freight sweep --appraise

ROBUST_RANKING = OutputTable(
    "robust_ranking.csv",
    "one row per project: its NPV over the futures, most robust first",
    (
        _c("project", "str", "", "project id"),
        _c("futures", "int", "", "number of futures"),
        _c("npv_mean_cny", "float", "CNY", "mean NPV (put-one-in)"),
        _c("npv_min_cny", "float", "CNY", "lowest NPV"),
        _c("npv_max_cny", "float", "CNY", "highest NPV"),
        _c("p_npv_positive", "float", "fraction", "share of futures with NPV > 0"),
        _c(
            "p_top_{k}",
            "float",
            "fraction",
            "share of futures where the project ranks in the top k",
        ),
        _c("regret_mean_cny", "float", "CNY", "mean regret (best NPV of the future − NPV)"),
        _c("regret_max_cny", "float", "CNY", "largest regret"),
        _c("bcr_mean", "float", "", "mean benefit-cost ratio", blank="no future has a BCR"),
        _c("robust_rank", "int", "", "rank by largest regret, then mean NPV (1 = most robust)"),
    ),
    key=("project",),
)
REGRET = OutputTable(
    "regret.csv",
    "one row per future × project",
    (
        _c("future", "str", "", "scenario id of the future"),
        _c("project", "str", "", "project id"),
        _c("npv_cny", "float", "CNY", "NPV of the project in the future (put-one-in)"),
        _c("rank", "int", "", "rank by NPV in the future"),
        _c("regret_cny", "float", "CNY", "best NPV of the future − npv_cny"),
    ),
    key=("future", "project"),
)
ROBUST = ResultKind(
    "sweep --appraise",
    "`freight sweep ... --appraise --out DIR`: the plan appraised in every sampled future; also "
    "holds the appraisal tables above and each generated case's scenario file "
    "(scenarios__CASE.toml)",
    (ROBUST_RANKING, REGRET, APPRAISAL, BENEFITS, TEE, SENSITIVITY, INTERACTIONS, RUNS),
)

# ----------------------------------------------------------------------------- freight route

TOURS = OutputTable(
    "tours.csv",
    "one row per stop of the consolidated (less-than-truckload) truck tours of a day",
    (
        _c("kind", "str", "", "collection (to the terminal) or delivery (from it)"),
        _c("vehicle", "int", "", "tour number, from 0"),
        _c("stop", "int", "", "stop number, 0 = leaving the terminal"),
        _c("place", "str", "", "place id of the stop"),
        _c("load_t", "float", "t", "load on board after the stop"),
        _c("arrival_h", "float", "h", "arrival time after the start of the shift"),
        _c("cumulative_km", "float", "km", "distance driven so far"),
    ),
    key=("kind", "vehicle", "stop"),
)
SHUTTLES = OutputTable(
    "shuttles.csv",
    "one row per customer zone and kind with full-truckload shuttles",
    (
        _c("kind", "str", "", "collection or delivery"),
        _c("place", "str", "", "customer zone (place id)"),
        _c("trips_per_day", "int", "1/day", "full-truckload round trips per day"),
        _c("trucks", "int", "", "trucks needed within one shift"),
        _c("km_one_way", "float", "km", "road distance terminal – zone"),
        _c("hours_per_trip", "float", "h", "round trip time incl. loading and unloading"),
        _c("tonnes_per_day", "float", "t/day", "tonnes carried by the shuttles"),
    ),
    key=("kind", "place"),
)
SUMMARY = OutputTable(
    "summary.csv",
    "one row per kind (collection, delivery): the day's drayage at the terminal",
    (
        _c("terminal", "str", "", "terminal id"),
        _c("place", "str", "", "place id of the terminal"),
        _c("kind", "str", "", "collection or delivery"),
        _c("customers", "int", "", "customer zones"),
        _c("tonnes_per_day", "float", "t/day", "tonnes collected or delivered by road"),
        _c("vehicles_per_day", "float", "1/day", "trucks used: shuttles plus tours"),
        _c("shuttle_trucks", "float", "1/day", "trucks of the shuttles"),
        _c("tour_vehicles", "float", "1/day", "trucks of the tours"),
        _c("vehicle_km_per_day", "float", "km/day", "vehicle-km driven"),
        _c("vehicle_hours_per_day", "float", "h/day", "vehicle-hours"),
        _c("cost_cny_per_day", "float", "CNY/day", "vehicle-km × cost per vehicle-km"),
        _c("co2_kg_per_day", "float", "kg/day", "CO2 of the tonne-km driven"),
        _c(
            "co2_kg_per_day_full_load_bound",
            "float",
            "kg/day",
            "CO2 if every vehicle-km were at full load (upper bound)",
        ),
        _c(
            "drayage_cny_per_t",
            "float",
            "CNY/t",
            "cost per tonne carried (tonnes_per_day less unreached_t_per_day)",
            blank="no tonnes",
        ),
        _c(
            "unreached_customers",
            "int",
            "",
            "customers left out of the tours: no truck reaches them and is back inside the shift",
        ),
        _c(
            "unreached_t_per_day",
            "float",
            "t/day",
            "their less-than-truckload tonnes, counted in tonnes_per_day but not carried",
        ),
    ),
    key=("kind",),
)
ROUTE = ResultKind(
    "route",
    "`freight route RESULT --terminal T --out DIR`: daily first/last-mile trucking at a terminal",
    (TOURS, SHUTTLES, SUMMARY),
)

# ----------------------------------------------------------------------- freight import-tntp

TNTP_LINKS = OutputTable(
    "links.csv",
    "one row per link of the TNTP network file (units are those of the data set)",
    (
        _c("link", "int", "", "link number, from 1, in file order"),
        _c("init_node", "int", "", "tail node, 1-based as in the file"),
        _c("term_node", "int", "", "head node, 1-based as in the file"),
        _c("capacity", "float", "veh/h", "capacity (the data set's unit)"),
        _c("length", "float", "", "length (the data set's unit)"),
        _c("free_flow_time", "float", "", "free-flow travel time (the data set's unit)"),
        _c("b", "float", "", "BPR coefficient"),
        _c("power", "float", "", "BPR power"),
        _c("toll", "float", "", "toll"),
        _c("link_type", "int", "", "link type code"),
    ),
    key=("link",),
)
TNTP_TRIPS = OutputTable(
    "trips.csv",
    "one row per origin–destination pair with trips (zero and intrazonal entries left out)",
    (
        _c("origin", "int", "", "origin zone, 1-based"),
        _c("destination", "int", "", "destination zone, 1-based"),
        _c("flow", "float", "veh/h", "demand (the data set's unit)"),
    ),
    key=("origin", "destination"),
)
TNTP_LINK_FLOWS = OutputTable(
    "link_flows.csv",
    "one row per link at equilibrium (with --assign)",
    (
        _c("link", "int", "", "link number, from 1"),
        _c("init_node", "int", "", "tail node, 1-based"),
        _c("term_node", "int", "", "head node, 1-based"),
        _c("flow", "float", "veh/h", "equilibrium flow"),
        _c("time", "float", "", "travel time at that flow (the data set's unit)"),
    ),
    key=("link",),
)
TNTP_CONVERGENCE = OutputTable(
    "convergence.csv",
    "one row per iteration of the assignment (with --assign)",
    (
        _c("iteration", "int", "", "iteration, from 1"),
        _c("relative_gap", "float", "", "relative duality gap after the iteration", precision=None),
    ),
    key=("iteration",),
)
IMPORT_TNTP = ResultKind(
    "import-tntp",
    "`freight import-tntp NET TRIPS --out DIR`: a TNTP case as tidy CSVs",
    (TNTP_LINKS, TNTP_TRIPS, TNTP_LINK_FLOWS, TNTP_CONVERGENCE),
    optional=frozenset({"link_flows.csv", "convergence.csv"}),
)

# ---------------------------------------------------------------- benchmarks/projects/run_suite

SUITE_COMPARISON = OutputTable(
    "comparison.csv",
    "one row per project × check of the project benchmark suite",
    (
        _c("project", "str", "", "project id"),
        _c("check", "str", "", "name of the check"),
        _c("unit", "str", "", "unit of base and with"),
        _c("base", "float", "", "value without the project"),
        _c("with", "float", "", "value with the project"),
        _c("expected", "str", "", "expected direction of the change"),
        _c("pass", "bool", "", "whether the change has the expected direction"),
    ),
    key=("project", "check"),
)
SUITE_PROJECTS = OutputTable(
    "projects.csv",
    "one row per project of the benchmark suite",
    (
        _c("project", "str", "", "project id"),
        _c("requires", "str", "", "projects it needs, space-separated"),
        _c("benefit_cny_per_yr", "float", "CNY/yr", "objective without − with the project"),
        _c("money_saving_cny", "float", "CNY/yr", "money cost saved"),
        _c("time_saving_cny", "float", "CNY/yr", "time cost saved"),
        _c("co2_avoided_t", "float", "t/yr", "CO2 avoided"),
        _c("unserved_avoided_t", "float", "t/yr", "tonnes no longer unserved"),
        _c("status_without", "str", "", "solver status without the project"),
        _c("status_with", "str", "", "solver status with the project"),
    ),
    key=("project",),
)
SUITE_KPI_DELTAS = OutputTable(
    "kpi_deltas.csv",
    "one row per project × KPI: the KPI comparison without and with the project",
    (_c("project", "str", "", "project id"), *KPI_COMPARISON.columns),
    key=("project", "metric"),
)
PROJECT_SUITE = ResultKind(
    "benchmarks/projects/run_suite.py",
    "`python benchmarks/projects/run_suite.py`: the project benchmark suite",
    (SUITE_COMPARISON, SUITE_PROJECTS, SUITE_KPI_DELTAS),
)

# ------------------------------------------------------------------------- freight calibrate

VALIDATION = OutputTable(
    "validation.csv",
    "one row per figure of observed.csv: the observation, its tolerance band and the model's "
    "value of the same quantity (freight/analysis/validation.py)",
    (
        _c("figure", "str", "", "figure id of observed.csv"),
        _c("element", "str", "", "what is measured (a mode, places, a transfer, a link)"),
        _c("quantity", "str", "", "the measure (observed.csv's quantity)"),
        _c("commodity", "str", "", "the commodity it is restricted to", blank="all"),
        _c("role", "str", "", "target (fitted by freight calibrate) or validation (compared only)"),
        _c("year", "int", "year", "year the observation refers to"),
        _c("unit", "str", "", "unit of observed, low, high and modelled"),
        _c("observed", "float", "", "the observed (or estimated central) value", precision=6),
        _c("low", "float", "", "lower end of the tolerance band", precision=6),
        _c("high", "float", "", "upper end of the tolerance band", precision=6),
        _c(
            "modelled",
            "float",
            "",
            "the model's value of the same quantity",
            blank="the method cannot give it",
            precision=6,
        ),
        _c("ratio", "float", "", "modelled / observed", blank="no modelled value"),
        _c(
            "geh",
            "float",
            "",
            "GEH statistic (TAG M3.1) on the mean hourly rate of the annual figure",
            blank="not a flow (shares, hours)",
            precision=2,
        ),
        _c("within", "bool", "", "low <= modelled <= high"),
    ),
    key=("figure",),
)
PARAMETERS = OutputTable(
    "parameters.csv",
    "one row per fitted parameter of freight calibrate",
    (
        _c("parameter", "str", "", "column, or column@commodity"),
        _c("column", "str", "", "column of commodities.csv"),
        _c("commodity", "str", "", "the commodity it applies to", blank="every commodity"),
        _c("start", "float", "", "value before the fit (ASCs in CNY/t)", precision=6),
        _c("fitted", "float", "", "value after the fit (ASCs in CNY/t)", precision=6),
        _c("lower", "float", "", "lower bound of the fit", precision=6),
        _c("upper", "float", "", "upper bound of the fit", precision=6),
        _c("unit", "str", "", "unit of the parameter", blank="dimensionless"),
        _c("at_bound", "bool", "", "the fitted value sits on a bound"),
    ),
    key=("parameter",),
)


def _input_columns(table: str) -> tuple[Column, ...]:
    """The columns of an input table of :mod:`freight.data.schema`, as output columns."""
    from freight.data.schema import column_docs

    kinds: dict[str, ColumnType] = {"float": "float", "int": "int", "bool": "bool"}
    return tuple(
        _c(d["column"], kinds.get(d["type"].split(" ")[0], "str"), d["unit"], d["description"])
        for d in column_docs()
        if d["table"] == table
    )


CALIBRATED_COMMODITIES = OutputTable(
    "commodities.csv",
    "the input commodities.csv with the fitted values (the calibrated parameter file; the "
    "columns of the input table, docs/scenarios.md)",
    _input_columns("commodities.csv"),
    key=("id",),
)
CALIBRATE = ResultKind(
    "calibrate",
    "`freight calibrate SCENARIO --observed FILE --out DIR`: the behavioural model fitted to the "
    "calibration targets (also validation.png: modelled against observed with the bands)",
    (VALIDATION, PARAMETERS, CALIBRATED_COMMODITIES),
)

# ------------------------------------------------------------------------- freight portfolio

PORTFOLIO_PROGRAMME = OutputTable(
    "programme.csv",
    "one row per candidate project (a plan project not in the do-minimum): whether the optimized "
    "programme builds it and when, beside the greedy programme's choice. Money at the price base; "
    "capex and spend in market prices (what the budget pays), costs in economic prices",
    (
        _c("project", "str", "", "project id"),
        _c("name", "str", "", "project name"),
        _c("chosen", "bool", "", "in the optimized programme"),
        _c("committed", "bool", "", "must be built (under construction at the price base, or "
           "named in the budget file's committed)"),
        _c("start_year", "int", "year", "construction start in the optimized programme",
           blank="not chosen"),
        _c("opening_year", "int", "year", "opening in the optimized programme (start + the "
           "project file's construction years)", blank="not chosen"),
        _c("delay_years", "int", "years", "start_year − the project file's construction_start",
           blank="not chosen"),
        _c("plan_construction_start", "int", "year", "construction_start of the project file"),
        _c("plan_opening_year", "int", "year", "opening_year of the project file"),
        _c("earliest_start", "int", "year", "earliest start the search allowed"),
        _c("capex_cny", "float", "CNY", "whole capex re-indexed to the price base (market "
           "prices, no optimism bias)"),
        _c("spend_counted_cny", "float", "CNY", "of it, spent from the price base year on (what "
           "the budget pays; earlier years are sunk)", blank="not chosen"),
        _c("pv_cost_cny", "float", "CNY", "PV of capex, optimism bias and opex of the chosen "
           "start (economic prices, freight share)", blank="not chosen"),
        _c("single_npv_cny", "float", "CNY", "NPV of the project alone at its earliest start "
           "(its benefit over the candidates it requires)"),
        _c("single_bcr", "float", "", "BCR of the project alone at its earliest start (the "
           "greedy ranking)", blank="no cost"),
        _c("greedy_chosen", "bool", "", "in the greedy programme (rank by BCR, fill the budget)"),
        _c("greedy_start_year", "int", "year", "construction start in the greedy programme",
           blank="not chosen"),
        _c("requires", "str", "", "candidates it requires, space-separated"),
        _c("excludes", "str", "", "candidates it excludes (either file says so), space-separated"),
    ),
    key=("project",),
)  # fmt: skip
PORTFOLIO_SUMMARY = OutputTable(
    "summary.csv",
    "one row per programme: optimized, greedy (rank by BCR, fill the budget) and optimized "
    "with one more 亿 CNY of budget; verified values from the network solves of every open set "
    "of the programme, CNY at the price base, discounted to it",
    (
        _c("programme", "str", "", "optimized, greedy or optimized_budget_plus_1"),
        _c("budget", "str", "", "the budget it meets"),
        _c("projects", "int", "", "projects built"),
        _c("programme_text", "str", "", "PROJECT@START_YEAR, by start year"),
        _c("verified_npv_cny", "float", "CNY", "NPV of the programme from its network solves"),
        _c("predicted_npv_cny", "float", "CNY", "the master's NPV of the same programme before "
           "it was verified", blank="greedy: no prediction"),
        _c("pv_benefit_cny", "float", "CNY", "PV of the benefits (each open set's increment "
           "from its opening year, with the ramp-up)"),
        _c("pv_residual_cny", "float", "CNY", "PV of the residual values"),
        _c("pv_cost_cny", "float", "CNY", "PV of capex, optimism bias and opex"),
        _c("bcr", "float", "", "(PV benefits + PV residual) / PV costs", blank="no cost"),
        _c("spend_cny", "float", "CNY", "capex spent from the price base year on (market "
           "prices, undiscounted)"),
        _c("marginal_npv_per_100m_cny", "float", "CNY", "verified NPV with one more 亿 CNY "
           "of budget (budget_plus_1 row) − this row's", blank="other rows"),
        _c("converged", "bool", "", "the master's prediction and the verified NPV agreed",
           blank="greedy"),
        _c("note", "str", "", "how the search ended"),
    ),
    key=("programme",),
)  # fmt: skip
PORTFOLIO_SPEND = OutputTable(
    "spend.csv",
    "one row per budget year: the capex of the optimized and of the greedy programme against "
    "the budget (market prices, price base)",
    (
        _c("year", "int", "year", "calendar year"),
        _c("budget_cny", "float", "CNY", "the year's budget", blank="no annual cap"),
        _c("spend_cny", "float", "CNY", "capex of the optimized programme"),
        _c("greedy_spend_cny", "float", "CNY", "capex of the greedy programme"),
        _c("committed_spend_cny", "float", "CNY", "of it, the committed projects'"),
        _c("unused_cny", "float", "CNY", "budget − spend_cny", blank="no annual cap"),
    ),
    key=("year",),
)  # fmt: skip
PORTFOLIO_ITERATIONS = OutputTable(
    "iterations.csv",
    "one row per master solve of the evaluate-and-cut loop (for the budget, then for one more "
    "亿): its programme, the predicted and the verified NPV (master wall times are in the "
    "manifest's timings_s)",
    (
        _c("budget", "str", "", "budget (the given one) or budget_plus_1"),
        _c("iteration", "int", "", "master solve, from 1"),
        _c("programme", "str", "", "PROJECT@START_YEAR, by start year"),
        _c("predicted_npv_cny", "float", "CNY", "the master's NPV of its programme"),
        _c("verified_npv_cny", "float", "CNY", "the programme's NPV from its network solves"),
        _c("difference_cny", "float", "CNY", "predicted − verified"),
        _c("new_sets", "int", "", "open sets solved for the first time to verify it"),
        _c("sets_known", "int", "", "open sets known after it (the master's terms)"),
        _c("master_status", "str", "", "CP-SAT status: optimal or feasible (time limit)"),
    ),
    key=("budget", "iteration"),
)  # fmt: skip
PORTFOLIO_SOLVES = OutputTable(
    "solves.csv",
    "one row per network solve (the cache: set of open projects × modelled year × method)",
    (
        _c("projects", "str", "", "open candidate projects, space-separated (the do-minimum "
           "always open), or (do-minimum)"),
        _c("n_projects", "int", "", "number of open candidates"),
        _c("year", "int", "year", "modelled year"),
        _c("method", "str", "", "model method"),
        _c("status", "str", "", "solver status"),
        _c("benefit_cny_per_yr", "float", "CNY/yr", "annual benefit of the set against the "
           "do-minimum in that year (price base, full benefit)"),
    ),
    key=("projects", "year", "method"),
)  # fmt: skip
PORTFOLIO = ResultKind(
    "portfolio",
    "`freight portfolio PLAN... --budget AMOUNT --out DIR`: the budget-constrained programme and "
    "phasing of the plan's projects (also programme.png: Gantt and annual spend against the "
    "budget, optimized and greedy)",
    (PORTFOLIO_PROGRAMME, PORTFOLIO_SUMMARY, PORTFOLIO_SPEND, PORTFOLIO_ITERATIONS,
     PORTFOLIO_SOLVES),
)  # fmt: skip

RESULT_KINDS: tuple[ResultKind, ...] = (
    RUN,
    COMPARE,
    APPRAISE,
    CRITICALITY_KIND,
    ROBUST,
    ROUTE,
    IMPORT_TNTP,
    PROJECT_SUITE,
    CALIBRATE,
    PORTFOLIO,
)
"""Every result folder a command writes, keyed by the manifest's ``command``."""

# ---------------------------------------------------------------------- single-file tables

SWEEP_PARAMETERS: tuple[Column, ...] = (
    _c("growth", "float", "fraction/yr", "overall demand growth per year set by the case"),
    _c("carbon_price", "float", "CNY/t", "carbon price set by the case"),
    _c("vot_factor", "float", "", "multiplier on every value of time set by the case"),
    _c("demand_factor", "float", "", "multiplier on every demand row set by the case"),
    _c("tariff_{mode}", "float", "", "multiplier on the mode's money costs set by the case"),
)

SWEEP = OutputTable(
    "sweep.csv",
    "one row per finished case of `freight sweep` (in the sweep folder, rebuilt after every "
    "case): the swept values and the case's KPIs",
    (
        _c(
            "case",
            "str",
            "",
            "case id (parent stem and a hash of its full path and the swept values)",
        ),
        _c("scenario", "str", "", "file name of the case's scenario"),
        _c("parent", "str", "", "file name of the parent scenario"),
        _c("method", "str", "", "solution method of the case (mcf or lp)"),
        _c(
            "key",
            "str",
            "",
            "content key: SHA-256 of the case's resolved inputs, values and method",
        ),
        *SWEEP_PARAMETERS,
        _c("status", "str", "", "solver status, or error"),
        _c("error", "str", "", "the error of a failed case", blank="no error"),
        *KPI_COLUMNS,
    ),
    key=("case",),
)
VRP_ROUTES = OutputTable(
    "routes.csv",
    "`freight vrp FILE --out CSV` (default FILE.routes.csv): one row per stop of every used "
    "vehicle (units are those of the instance file)",
    (
        _c("vehicle", "int", "", "vehicle, from 0"),
        _c("stop", "int", "", "stop number, 0 = leaving the start depot"),
        _c("node", "int", "", "node id of the file (or 0-based node)"),
        _c("load", "float", "", "load on board after the stop (demand units)"),
        _c("arrival_time", "float", "", "earliest start of service", blank="no times"),
        _c("cumulative_distance", "float", "", "distance driven so far"),
    ),
    key=("vehicle", "stop"),
)

SINGLE_FILES: tuple[OutputTable, ...] = (SWEEP, VRP_ROUTES)
"""Tables written as one file rather than into a result folder."""

SINGLE_FILE_BY_NAME: dict[str, OutputTable] = {SWEEP.file: SWEEP}
"""Single-file tables checked by file name when written with ``write_file_atomic``."""


def result_kind(command: str) -> ResultKind:
    """The declared result folder of a command (the manifest's ``command``).

    Raises
    ------
    UndeclaredError
        If the command writes no declared result folder.
    """
    for k in RESULT_KINDS:
        if k.command == command:
            return k
    known = ", ".join(repr(k.command) for k in RESULT_KINDS)
    raise UndeclaredError(f"no result folder is declared for command {command!r} (known: {known})")


def declared_table(command: str, file: str) -> OutputTable:
    """The declaration of one table of a command's result folder.

    Raises
    ------
    UndeclaredError
        If the command or the table is not declared.
    """
    return result_kind(command).table(file)
