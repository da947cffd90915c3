"""The Python API: cases and results whose tables are pandas DataFrames.

::

    import freight

    case = freight.load("network_data/chuannan_yuxi")   # or a scenario .toml, or a result folder
    case.tables["links"]                                # a DataFrame per input table
    case.links.loc[case.links["id"] == "W_TGD_YICHANG", "capacity_t"] = 90e6   # edit freely
    result = case.solve()                               # logit by default; checks the tables first
    result.kpis                                         # metric, value, unit
    result.tables["link_flows"]                         # a DataFrame per output table
    result.write("results/my_run")                      # a result folder, as `freight run` writes

    freight.open_result("results/my_run").link_flows    # read a result folder back (verified)

Input tables are those of :mod:`freight.data.schema` (``places``, ``modes``, ``links``,
``terminals``, ``commodities``, ``demand``; units in ``docs/DESIGN.md``): one row per CSV row, one
column per CSV column, blank cells as missing values (``NaN`` / ``<NA>``). :meth:`Case.solve`
writes the tables back through the CSV reader of :mod:`freight.data.csvio` and runs every data
check (:func:`freight.model.checks.check_network`), so an edit that the CSV reader would refuse
(a negative capacity, an unknown place) raises :class:`freight.errors.DataError` naming the table,
row and column instead of solving. Output tables are those of :mod:`freight.results.declared`
(``docs/outputs.md``), keyed by file stem (``link_flows`` for ``link_flows.csv``).
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from freight.data.csvio import load_network, table_text
from freight.data.network import Network
from freight.data.schema import TABLES
from freight.errors import DataError
from freight.model.linear import ModelRun
from freight.model.methods import DEFAULT_METHOD, Method, solve
from freight.results.folder import ResultFolder
from freight.results.tables import input_hashes, run_tables, versions
from freight.scenario.case import Case as _Case
from freight.scenario.case import load_case

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

INPUT_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES)
"""Names of a case's tables, in the order of the network folder's CSV files."""


def _frame(csv_text: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(io.StringIO(csv_text), dtype_backend="numpy_nullable")


def network_frames(net: Network) -> dict[str, pd.DataFrame]:
    """The six input tables of a network as DataFrames (CSV columns, blank = missing)."""
    return {t.name: _frame(table_text(t, getattr(net, t.name))) for t in TABLES}


def frames_network(frames: dict[str, pd.DataFrame], *, name: str = "") -> Network:
    """A checked :class:`Network` from the six DataFrames (through the CSV reader).

    Raises
    ------
    DataError
        If a table is missing or a cell, a row or the tables together are invalid (every
        problem named by table file, row and column).
    """
    missing = [t for t in INPUT_TABLES if t not in frames]
    if missing:
        from freight.errors import Problem

        raise DataError(
            [Problem(f"{t}.csv", None, "", "table missing from the case") for t in missing]
        )
    with tempfile.TemporaryDirectory(prefix="freight-case-") as tmp:
        folder = Path(tmp) / (name or "case")
        folder.mkdir()
        for t in TABLES:
            frames[t.name].to_csv(folder / t.file, index=False, na_rep="", lineterminator="\n")
        try:
            return load_network(folder, check=True)
        except DataError as exc:  # name the tables, not the temporary folder
            raise DataError(exc.problems, context=f"the tables of case {name or 'case'}") from None


@dataclass
class Result:
    """A solved case, or a result folder read back: every output table as a DataFrame.

    Attributes
    ----------
    tables
        File stem (``link_flows``) -> DataFrame of the declared table.
    manifest
        The result folder's manifest (for a fresh solve: what :meth:`write` will record).
    run
        The :class:`freight.model.linear.ModelRun` of a fresh solve (``None`` when read back).
    """

    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    run: ModelRun | None = None
    _rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)
    _inputs: tuple[Path, ...] = ()

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.tables})

    @property
    def kpis(self) -> pd.DataFrame:
        """The headline indicators (``metric``, ``value``, ``unit``)."""
        return self.tables["kpis"]

    @property
    def status(self) -> str:
        """The solver status (``optimal`` …)."""
        return str(self.manifest.get("status", ""))

    def write(self, out: str | os.PathLike[str]) -> Path:
        """Write the result folder (the bytes ``freight run`` writes for the same case).

        Raises
        ------
        freight.results.folder.OutputError
            If ``out`` may not or cannot be written.
        ValueError
            If the result was read back from a folder (it is already written).
        """
        if not self._rows:
            raise ValueError("a result read from a folder is written already; copy the folder")
        return ResultFolder.write(out, self._rows, self.manifest, inputs=self._inputs).path


@dataclass
class Case:
    """A network ready to solve: its tables as DataFrames, its prices and where it came from.

    Attributes
    ----------
    tables
        Table name (``places``, ``links`` …) -> DataFrame; edit them before :meth:`solve`.
    source
        The loaded :class:`freight.scenario.case.Case` (scenario, prices, inputs).
    """

    tables: dict[str, pd.DataFrame]
    source: _Case

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.tables})

    @property
    def network(self) -> Network:
        """The checked network of the tables as they are now (see :func:`frames_network`)."""
        return frames_network(self.tables, name=self.source.net.name)

    def edited(self) -> bool:
        """Whether a table differs from the loaded network's."""
        base = network_frames(self.source.net)
        return any(not base[k].equals(self.tables[k]) for k in INPUT_TABLES)

    def solve(self, method: Method | None = None) -> Result:
        """Check the tables and solve.

        Parameters
        ----------
        method
            ``logit``, ``mcf``, ``lp``, ``ue`` or ``so`` (:data:`freight.model.methods.Method`);
            given, it wins; else the scenario's ``[solver] method`` (or the method a result
            folder was solved with), else :data:`~freight.model.methods.DEFAULT_METHOD`
            (``logit``, the behavioural model). ``mcf``/``lp`` give the planner's system optimum
            with capacity shadow prices.

        Returns
        -------
        Result
            The output tables of ``freight run`` as DataFrames.

        Raises
        ------
        DataError
            If the (edited) tables are invalid: nothing is solved.
        """
        edited = self.edited()
        net = self.network if edited else self.source.net
        chosen: Method = method if method is not None else self.source.method_or(DEFAULT_METHOD)
        run = solve(net, self.source.params, chosen)
        rows = run_tables(run)
        scenario = dict(self.source.scenario)
        if edited:
            scenario["edited_in_python"] = True
        manifest = {
            "command": "run",
            "scenario": scenario,
            "network": net.name,
            "method": chosen,
            "status": run.status,
            "objective_cny": run.objective,
            "inputs": input_hashes(self.source.inputs),
            "versions": versions(),
            "units": {"flow": "t/yr", "money": "CNY (2023 prices)", "time": "h", "co2": "t"},
        }
        frames = _result_frames(rows, "run")
        log.info("solved %s with %s: %s", self.source.path, chosen, run.status)
        return Result(frames, manifest, run, rows, tuple(self.source.inputs))


def _result_frames(rows: dict[str, list[dict[str, Any]]], command: str) -> dict[str, pd.DataFrame]:
    """DataFrames of output rows, each cell rounded as the CSV writes it (declared precision)."""
    import pandas as pd

    from freight.results.declared import declared_table

    out: dict[str, pd.DataFrame] = {}
    for file, table_rows in rows.items():
        decl = declared_table(command, file)
        text = decl.csv_text(table_rows)
        parsed = decl.parse_rows(__import__("csv").DictReader(io.StringIO(text)))
        cols = list(table_rows[0]) if table_rows else list(decl.fixed_columns)
        out[Path(file).stem] = pd.DataFrame(parsed, columns=cols)
    return out


def load(path: str | os.PathLike[str]) -> Case:
    """Load a network folder, a scenario ``.toml`` file or a result folder as a :class:`Case`.

    Raises
    ------
    DataError
        If the path is none of these, or its data or scenario is invalid.
    """
    src = load_case(path, results=True)
    return Case(network_frames(src.net), src)


def open_result(path: str | os.PathLike[str]) -> Result:
    """Read a result folder (any command's; its manifest verified) as a :class:`Result`.

    Raises
    ------
    DataError
        If the folder is missing, has no manifest, or a listed file is missing or damaged.
    """
    import pandas as pd

    folder = ResultFolder.open(path, verify=True)
    frames = {}
    for file in folder.tables:
        rows = folder.rows(file)
        cols = list(rows[0]) if rows else list(folder.table(file).fixed_columns)
        frames[Path(file).stem] = pd.DataFrame(rows, columns=cols)
    return Result(frames, dict(folder.manifest))
