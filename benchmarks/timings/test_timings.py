"""Function timings with the pytest-benchmark fixture (``make bench-timings``).

Each benchmark times one function of the pipeline on the regional network (or a published
instance) and asserts its answer, so a fast wrong result cannot pass. These are timings, not
tests of the suite: ``make test`` does not collect this folder (``testpaths = tests``).

Run: ``.venv/bin/pytest benchmarks/timings -p no:cacheprovider --benchmark-only`` (add
``--benchmark-json FILE`` to keep the figures, ``--benchmark-compare`` to compare runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from freight.data.csvio import load_network
from freight.model.graph import build_graph
from freight.model.linear import solve_network
from freight.results.tables import run_tables
from freight.scenario.case import load_network_case
from solvers.formats.dimacs import read_dimacs_min
from solvers.mincostflow import solve as mcf_solve

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "network_data" / "chuannan_yuxi"
NETGEN = ROOT / "tests" / "data" / "validation" / "mincostflow"


@pytest.fixture(scope="module")
def net() -> Any:
    return load_network(REGION)


def test_validate_regional(benchmark: Any) -> None:
    """Load and check the regional data folder (tables and reachability of every OD)."""
    case = benchmark(load_network_case, REGION)
    assert sum(p.zone for p in case.net.places) == 21


def test_build_graph_regional(benchmark: Any, net: Any) -> None:
    """Build the virtual multimodal graph of the regional network."""
    g = benchmark(build_graph, net)
    assert g.n_arcs > 0 and g.generalized.shape == (len(net.commodities), g.n_arcs)


def test_solve_regional_mcf(benchmark: Any, net: Any) -> None:
    """The planner's view of the regional network (default method), served + unserved = demand."""
    run = benchmark(solve_network, net)
    assert run.status == "optimal"
    assert float(run.demand.tonnes.sum()) == pytest.approx(net.total_demand())


def test_result_tables_regional(benchmark: Any, net: Any) -> None:
    """Build every result table of a regional run (path statistics of every OD)."""
    run = solve_network(net)
    tables = benchmark(run_tables, run)
    assert len(tables["od_flows.csv"]) == len(net.demand)


def test_mincostflow_netgen_8_10a(benchmark: Any) -> None:
    """OR-Tools min-cost flow on NETGEN-8 10a: the published optimum 369269289."""
    p = read_dimacs_min(NETGEN / "netgen_8_10a.min")
    res = benchmark(mcf_solve, p.tail, p.head, p.capacity, p.cost, p.supply)
    assert res.status == "optimal"
    assert round(float(res.objective) + float(p.objective_offset)) == 369269289
