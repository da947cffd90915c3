"""The result tables built over all rows at once give the values of the row-by-row code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from freight.data.csvio import load_network
from freight.model.linear import solve_network
from freight.model.paths import PathTable
from freight.results.declared import format_cell
from freight.results.tables import _row_sums, od_flows, od_paths, path_stats, run_tables
from tests.paths import DATA


@pytest.fixture(scope="module")
def tiny_run() -> Any:
    """The hand-drawn network solved once (several paths per demand row)."""
    return solve_network(load_network(DATA / "tiny"), method="mcf")


def test_row_sums_are_pythons_sums() -> None:
    """Per row, the sum of its paths' values equals Python's ``sum`` over the row (path order,
    from 0) bit for bit, for rows of 0 to 40 paths."""
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 41, 500)
    start = np.concatenate([[0], np.cumsum(counts)])
    values = rng.standard_normal(int(start[-1])) * 10 ** rng.uniform(-3, 8, int(start[-1]))
    got = _row_sums(values, start).tolist()
    v = values.tolist()
    assert got == [float(sum(v[start[r] : start[r + 1]])) for r in range(len(counts))]
    assert _row_sums(np.zeros(0), np.zeros(1, dtype=np.int64)).tolist() == []


def _od_flows_by_row(run: Any) -> list[dict[str, Any]]:
    """The averages and mode chains of od_flows.csv computed row by row (the code before the
    tables were built over all rows at once), as the reference."""
    st = path_stats(run)
    pt: PathTable = st["table"]
    tonnes = pt.tonnes.tolist()
    keys = ("money", "generalized", "time", "km", "co2")
    vals = {key: st[key].tolist() for key in keys}
    starts = pt.row_start.tolist()
    out = []
    for r in range(len(run.net.demand)):
        lo, hi = starts[r], starts[r + 1]
        tot = sum(tonnes[lo:hi])
        row: dict[str, Any] = {}
        for key in keys:
            v = vals[key]
            row[key] = sum(v[p] * tonnes[p] for p in range(lo, hi)) / tot if tot > 0 else None
        chains: dict[str, float] = {}
        for p in range(lo, hi):
            chains[st["chain"][p]] = chains.get(st["chain"][p], 0.0) + tonnes[p]
        row["mode_chains"] = "; ".join(
            f"{c} {format_cell(t)}" for c, t in sorted(chains.items(), key=lambda x: (-x[1], x[0]))
        )
        row["paths"] = hi - lo
        row["modes"] = st["chain"][lo] if hi > lo else ""
        out.append(row)
    return out


def test_od_flows_equal_the_row_by_row_values(tiny_run: Any) -> None:
    """Average costs, times, distances and CO2 per tonne, mode chains and path counts of
    od_flows.csv equal the row-by-row computation exactly; some rows use several paths."""
    rows = od_flows(tiny_run)
    ref = _od_flows_by_row(tiny_run)
    assert len(rows) == len(ref) == len(tiny_run.net.demand)
    assert any(r["paths"] > 1 for r in ref)
    names = {"money": "money_cny_per_t", "generalized": "generalized_cny_per_t",
             "time": "time_h", "km": "distance_km", "co2": "co2_kg_per_t"}  # fmt: skip
    for got, want in zip(rows, ref, strict=True):
        for key, col in names.items():
            assert got[col] == want[key], (col, got, want)
        for col in ("mode_chains", "paths", "modes"):
            assert got[col] == want[col]


def test_tables_with_shared_path_stats_equal_their_own(tiny_run: Any) -> None:
    """od_flows.csv and od_paths.csv from the run's shared path statistics equal the tables each
    builds on its own, and run_tables gives them."""
    st = path_stats(tiny_run)
    tables = run_tables(tiny_run)
    assert od_flows(tiny_run, st) == od_flows(tiny_run) == tables["od_flows.csv"]
    assert od_paths(tiny_run, st) == od_paths(tiny_run) == tables["od_paths.csv"]
