"""The pandas API (freight.load → Case → solve → Result → write) on tests/data/tiny, and the
quickstart notebook executed with nbclient."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

import freight
from cli import main
from tests import paths

ROOT = paths.ROOT
TINY = ROOT / "tests" / "data" / "tiny"
SC = ROOT / "tests" / "data" / "scenarios"


def test_dir_of_freight_lists_the_api() -> None:
    """`dir(freight)` shows the entry points (the issue found it empty)."""
    assert {"load", "open_result", "Case", "Result", "DataError", "__version__"} <= set(
        dir(freight)
    )


def test_case_tables_are_dataframes() -> None:
    """A case has the six input tables as DataFrames with the CSV columns (W_PQ: 80 t, 20 t)."""
    import pandas as pd

    case = freight.load(TINY)
    assert list(case.tables) == ["places", "modes", "links", "terminals", "commodities", "demand"]
    assert all(isinstance(df, pd.DataFrame) for df in case.tables.values())
    w = case.links.set_index("id").loc["W_PQ"]
    assert (w["capacity_t"], w["background_t"]) == (80, 20)
    assert not case.edited()


def test_solve_gives_the_hand_computed_flows() -> None:
    """Base: W_PQ carries its 60 t of free capacity, R_AB the other 50 t (tests/test_plot.py)."""
    result = freight.load(TINY).solve(method="mcf")
    assert result.status == "optimal"
    lf = result.link_flows.set_index(["link", "direction"])
    assert lf.loc[("W_PQ", "forward"), "flow_t"] == 60.0
    assert lf.loc[("R_AB", "forward"), "flow_t"] == 50.0
    assert lf.loc[("R_AB", "forward"), "name"] == "Alpha–Beta"
    kpis = result.kpis.set_index("metric")["value"]
    assert kpis["demand"] == 110.0 and kpis["unserved"] == 0.0


def test_an_edit_changes_the_answer() -> None:
    """Raising W_PQ to 200 t (as project P_WCAP does) sends all 110 t by water: W_PQ 110 t."""
    case = freight.load(TINY)
    case.links.loc[case.links["id"] == "W_PQ", "capacity_t"] = 200
    assert case.edited()
    lf = case.solve().link_flows.set_index(["link", "direction"])
    # dangerous goods still cannot change mode at P (no P_YARD): 100 t bulk by water
    assert lf.loc[("W_PQ", "forward"), "flow_t"] == 100.0
    assert lf.loc[("R_AB", "forward"), "flow_t"] == 10.0


def test_invalid_edit_is_refused_before_solving() -> None:
    """A negative capacity raises DataError naming links.csv, row 3, capacity_t (no solve)."""
    case = freight.load(TINY)
    case.links.loc[case.links["id"] == "W_PQ", "capacity_t"] = -5
    with pytest.raises(freight.DataError, match=r"links.csv, row 3, column 'capacity_t'"):
        case.solve()


def test_write_gives_the_bytes_of_freight_run(tmp_path: Path) -> None:
    """result.write(dir) writes the tables `freight run` writes, byte for byte."""
    freight.load(TINY).solve(method="mcf").write(tmp_path / "api")
    assert main(["run", str(TINY), "--out", str(tmp_path / "cli")]) == 0
    for name in ("link_flows.csv", "od_flows.csv", "terminals.csv", "kpis.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_open_result_reads_any_folder_verified(tmp_path: Path) -> None:
    """A comparison and a run read back as DataFrames (a blank capacity is inf); a damaged
    folder raises DataError."""
    cmp = tmp_path / "cmp"
    assert main(["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(cmp)]) == 0
    res = freight.open_result(cmp)
    lc = res.link_changes.groupby("link")["flow_t_delta"].sum()
    assert lc["W_PQ"] == 50.0 and lc["R_AB"] == -50.0
    assert main(["run", str(TINY), "--out", str(tmp_path / "run")]) == 0
    flows = freight.open_result(tmp_path / "run").link_flows.set_index(["link", "direction"])
    assert math.isinf(flows.loc[("R_AB", "forward"), "capacity_t"])  # blank = unbounded
    bad = tmp_path / "bad"
    shutil.copytree(cmp, bad)
    (bad / "link_changes.csv").write_text("link\n", encoding="utf-8")
    with pytest.raises(freight.DataError, match="link_changes.csv"):
        freight.open_result(bad)
    with pytest.raises(ValueError, match="written already"):
        res.write(tmp_path / "again")


def test_quickstart_notebook_runs() -> None:
    """examples/quickstart.ipynb executes top to bottom (nbclient) and prints the known flows."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "examples" / "quickstart.ipynb", as_version=4)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outputs = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )  # fmt: skip
    assert "optimal" in outputs
    assert "W_PQ" in outputs and "110" in outputs
