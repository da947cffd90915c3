"""The pandas API (freight.load → Case → solve → Result → write) on tests/data/tiny, and the
quickstart notebook executed with nbclient."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

import freight
from cli import main
from freight.model.methods import DEFAULT_METHOD, as_method
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
    lf = case.solve(method="mcf").link_flows.set_index(["link", "direction"])
    # dangerous goods still cannot change mode at P (no P_YARD): 100 t bulk by water
    assert lf.loc[("W_PQ", "forward"), "flow_t"] == 100.0
    assert lf.loc[("R_AB", "forward"), "flow_t"] == 10.0


def test_invalid_edit_is_refused_before_solving() -> None:
    """A negative capacity raises DataError naming links.csv, row 3, capacity_t (no solve)."""
    case = freight.load(TINY)
    case.links.loc[case.links["id"] == "W_PQ", "capacity_t"] = -5
    with pytest.raises(freight.DataError, match=r"links.csv, row 3, column 'capacity_t'"):
        case.solve()


@pytest.mark.parametrize("method", [None, "mcf"])
def test_write_gives_the_bytes_of_freight_run(tmp_path: Path, method: str | None) -> None:
    """result.write(dir) writes the tables `freight run` writes, byte for byte, with the same
    default method (the behavioural model) and with an explicit one."""
    res = freight.load(TINY).solve(method=None if method is None else as_method(method))
    assert res.manifest["method"] == (method or DEFAULT_METHOD)
    res.write(tmp_path / "api")
    argv = ["run", str(TINY), "--out", str(tmp_path / "cli")]
    assert main([*argv, "--method", method] if method else argv) == 0
    for name in ("link_flows.csv", "od_flows.csv", "terminals.csv", "kpis.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_default_method_is_the_behavioural_model() -> None:
    """Case.solve() without a method solves with logit: every tonne is served or unserved, and
    the 110 t from A to B split between the water chain (W_PQ) and the direct road (R_AB), where
    the linear model sends 60 t and 50 t (test above)."""
    result = freight.load(TINY).solve()
    assert DEFAULT_METHOD == "logit" and result.manifest["method"] == "logit"
    assert result.status == "converged"
    kpis = result.kpis.set_index("metric")["value"]
    assert kpis["served"] + kpis["unserved"] == pytest.approx(kpis["demand"])
    lf = result.link_flows.set_index(["link", "direction"])
    water, road = lf.loc[("W_PQ", "forward"), "flow_t"], lf.loc[("R_AB", "forward"), "flow_t"]
    assert water > 0 and road > 0
    assert water + road == pytest.approx(kpis["served"], abs=1e-6)


def test_open_result_reads_any_folder_verified(tmp_path: Path) -> None:
    """A comparison and a run read back as DataFrames (a blank capacity is inf); a damaged
    folder raises DataError."""
    cmp = tmp_path / "cmp"
    assert main(["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(cmp)]) == 0
    res = freight.open_result(cmp)
    lc = res.link_changes.groupby("link")["flow_t_delta"].sum()
    # the plan draws tonnes from the direct road to the water chain (50 t in the linear model;
    # the default behavioural model moves a share): what water gains, the road loses
    assert lc["W_PQ"] > 0 and lc["W_PQ"] == pytest.approx(-lc["R_AB"], abs=0.01)
    assert res.manifest["method"] == DEFAULT_METHOD
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
