"""The plan's project files and scenarios on the regional network, and the system-optimal
properties of the model (issue acceptance: removing capacity never lowers total cost, adding a
link never raises it).

Fast: every project file validates and applies on the base network with the projects it requires,
each edit landing as written; every scenario resolves and builds; hand-computed rail times and
disruption capacities; the direction-check helper of benchmarks/projects/run_suite.py.
Property-based (hypothesis, tests/data/tiny): random capacity cuts and random new road links.
Slow (``-m slow``): the whole before/after direction suite on the central 2025 future.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from freight.analysis.appraise import closure
from freight.data.csvio import load_network
from freight.data.network import Network
from freight.data.schema import Link
from freight.model.graph import build_graph
from freight.model.linear import solve_network
from freight.scenario.resolve import (
    ProjectFile,
    build_scenario_network,
    read_project_file,
    read_scenario_file,
    resolve,
)
from tests import paths

ROOT = paths.ROOT
SCEN = ROOT / "scenarios"
PROJ = SCEN / "projects"
TINY = paths.DATA / "tiny"


def _load_suite() -> ModuleType:
    path = ROOT / "benchmarks" / "projects" / "run_suite.py"
    spec = importlib.util.spec_from_file_location("run_suite", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["run_suite"] = mod
    spec.loader.exec_module(mod)
    return mod


suite = _load_suite()

PLAN_PROJECTS = {
    "P_LONGXU",
    "P_XUBI",
    "P_CHENGLONG",
    "P_YUGUI",
    "P_WLSC_WEST",
    "P_WLSC_CENTRAL",
    "P_SPUR_YB",
    "P_LZ_PORT",
    "P_SPUR_LZS",
    "P_SPUR_LZP",
    "P_YB_PORT",
    "P_YC_PORT",
    "P_DG_YARDS",
    "P_NEIDA",
    "P_CHENGYU_SC",
    "P_CHENGYU_CQ",
    "P_YUHEXU",
    "P_YANGTZE_III_II",
    "P_TGD_NEW",
    "P_NJ_AIRPORT",
    "P_QJWS_HUB",
    "P_CRE_PORTS",
}
PROJECT_IDS = sorted(p.stem for p in PROJ.glob("*.toml"))
PROJECTS: dict[str, ProjectFile] = {p: read_project_file(PROJ / f"{p}.toml") for p in PROJECT_IDS}
SCENARIOS = sorted(SCEN.glob("*.toml"))


@pytest.fixture(scope="module")
def base_net() -> Network:
    """The regional base network (read once)."""
    return load_network(ROOT / "network_data" / "chuannan_yuxi")


def test_project_set_matches_plan() -> None:
    """There is one file per plan project, every plan scenario lists all of them, and the
    direction suite has checks for each."""
    assert set(PROJECT_IDS) == PLAN_PROJECTS
    for name in [f"plan_{y}_{f}" for y in (2025, 2035, 2045) for f in ("low", "central", "high")]:
        sf = read_scenario_file(SCEN / f"{name}.toml")
        assert sf.projects is not None and set(sf.projects) == PLAN_PROJECTS
        assert len(sf.projects) == len(PLAN_PROJECTS)
    assert set(suite.CHECKS) == PLAN_PROJECTS


@pytest.mark.parametrize("pid", PROJECT_IDS)
def test_project_file_fields(pid: str) -> None:
    """Each project file is complete: id = file name, plan section, sourced numbers, costs,
    dates, lifetime by asset class, known requires/excludes and an expected effect."""
    p = PROJECTS[pid]
    assert p.id == pid
    assert p.plan_section in ("(十一)", "(十七)")
    assert p.name and p.name_zh and p.description.strip() and p.expected_effect.strip()
    assert "assumption: " in p.source and re.search(r"\bS\d+", p.source)
    assert p.capex_cny > 0 and p.opex_cny_per_year > 0
    assert 2015 <= p.construction_start <= p.opening_year <= 2035
    expected_life = {"road": 30, "water_terminal": 40, "air": 40}.get(p.mode, 50)
    assert p.lifetime_years == expected_life
    for other in (*p.requires, *p.excludes):
        assert other in PLAN_PROJECTS and other != pid
    n_edits = sum(
        len(getattr(p, f"{verb}_{t}"))
        for verb in ("add", "modify", "remove")
        for t in ("places", "links", "terminals")
        if hasattr(p, f"{verb}_{t}")
    )
    assert n_edits >= 1


def _column(row: Any, column: str) -> Any:
    data = row.model_dump(by_alias=True)
    data.update(row.model_extra or {})
    value = data[column]
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("pid", PROJECT_IDS)
def test_project_applies_on_base(pid: str, base_net: Network) -> None:
    """The project applies on the base with the projects it requires, and every edit it lists
    is in the resulting network exactly as written in its file."""
    sc = resolve(SCEN / "base_2023.toml")
    order = suite.apply_order(closure(pid, PROJECTS), PROJECTS)
    net, elog = build_scenario_network(sc, projects=tuple(order), base=base_net)
    p = PROJECTS[pid]
    tables: dict[str, dict[str, Any]] = {
        "places": net.place_by_id,
        "links": net.link_by_id,
        "terminals": net.terminal_by_id,
    }
    for table, rows in tables.items():
        for added in getattr(p, f"add_{table}"):
            row = rows[added["id"]]
            for col, val in added.items():
                got = _column(row, col)
                if isinstance(val, int | float) and not isinstance(val, bool):
                    assert got == pytest.approx(val), (added["id"], col)
                else:
                    assert got == val, (added["id"], col)
        for m in getattr(p, f"modify_{table}"):
            for col, val in m.set.items():
                assert _column(rows[m.id], col) == val
    for rid in p.remove_links:
        assert rid not in net.link_by_id
    assert any(line.startswith(f"{pid}: ") for line in elog.lines)


def test_longxu_rail_time_by_hand(base_net: Network) -> None:
    """Rail time Luzhou -> Chengdu: 320 km at 30 km/h = 10.667 h on the old line; with the new
    alignment 54 km at 45 km/h + 257 km at 30 km/h = 9.767 h."""
    sc = resolve(SCEN / "base_2023.toml")
    old, _ = build_scenario_network(sc, projects=(), base=base_net, check=False)
    new, _ = build_scenario_network(sc, projects=("P_LONGXU",), base=base_net, check=False)
    t_old = suite.graph_mode_time(build_graph(old), "rail", "LZ", "CD")
    t_new = suite.graph_mode_time(build_graph(new), "rail", "LZ", "CD")
    assert t_old == pytest.approx(320 / 30, abs=1e-6)
    assert t_new == pytest.approx(54 / 45 + 257 / 30, abs=1e-6)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_resolves_and_builds(path: Path, base_net: Network) -> None:
    """Every scenario file resolves (id = file name, a title and description, year 2023–2045)
    and its network builds and passes the consistency checks."""
    sf = read_scenario_file(path)
    assert sf.id == path.stem and sf.title and sf.description.strip()
    sc = resolve(path)
    assert sc.year in (2023, 2025, 2035, 2045)
    assert sc.params.carbon_price == 100.0 and sc.discount_rate == 0.08
    net, _ = build_scenario_network(sc, base=base_net)
    assert len(net.demand) == len(base_net.demand)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_validates_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight validate` accepts every shipped scenario with its projects within the strict
    keys and bounds (exit 0; the summary names the scenario and its project count)."""
    from cli import main

    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    flat = " ".join(capsys.readouterr().out.split())
    assert f"{path.stem}: valid" in flat
    n = len(resolve(path).projects)
    assert f"{n} project{'s' if n != 1 else ''}" in flat


def test_future_demand_by_hand(base_net: Network) -> None:
    """future_2025_central scales each commodity by (1 + g)^2 with the growth rates in its file
    (e.g. batteries 15 %/yr: × 1.3225)."""
    sc = resolve(SCEN / "future_2025_central.toml")
    net, _ = build_scenario_network(sc, base=base_net, check=False)
    rates = read_scenario_file(SCEN / "future_2025_central.toml").demand.by_commodity
    assert rates["batteries"] == 0.15
    for c in ("batteries", "bulk_coal_minerals", "general_containers"):
        before = sum(d.tonnes for d in base_net.demand if d.commodity == c)
        after = sum(d.tonnes for d in net.demand if d.commodity == c)
        assert after == pytest.approx(before * (1 + rates[c]) ** 2, rel=1e-12)


# aggregate freight growth per decade (2023–25, 2025–35, 2035–45) of each future, %/yr
# (scenarios/README.md §2); coal has its own rate
DECADES = {"low": (2.5, 1.4, 0.75), "central": (4.5, 3.0, 1.75), "high": (7.2, 4.8, 3.15)}
COAL = {"low": -0.015, "central": 0.0, "high": 0.015}


@pytest.mark.parametrize("future", sorted(DECADES))
@pytest.mark.parametrize("year", [2025, 2035, 2045])
def test_future_rates_follow_the_decade_path(future: str, year: int) -> None:
    """Every future's rate from 2023 is the constant rate equivalent to the central 2023–25
    rates scaled by the future's aggregate growth of each decade (2 years, then 10, then 10):
    the same path in 2025, 2035 and 2045, so the three modelled years are one future."""
    central = read_scenario_file(SCEN / "future_2025_central.toml").demand.by_commodity
    rates = read_scenario_file(SCEN / f"future_{year}_{future}.toml").demand.by_commodity
    assert set(rates) == set(central)
    years = (2, max(0, min(year, 2035) - 2025), max(0, year - 2035))
    for c, r in central.items():
        steps = (
            [COAL[future]] * 3 if c == "bulk_coal_minerals"
            else [r * a / DECADES["central"][0] for a in DECADES[future]]
        )  # fmt: skip
        factor = math.prod((1 + g) ** n for g, n in zip(steps, years, strict=True))
        assert rates[c] == pytest.approx(factor ** (1 / (year - 2023)) - 1, abs=1.5e-4), (c, year)


def test_tgd_outage_by_hand(base_net: Network) -> None:
    """One month of lock closure keeps the background + the capacity left for modelled freight ×
    (1 − 0.0833), and adds 365 h × 0.0833 of waiting to the base wait (values read from the base)."""
    sc = resolve(SCEN / "disruption_tgd_outage.toml")
    net, _ = build_scenario_network(sc, base=base_net, check=False)
    lk = net.link_by_id["W_TGD_YICHANG"]
    b = base_net.link_by_id["W_TGD_YICHANG"]
    assert b.capacity_t is not None and b.capacity_t > b.background_t
    left = b.capacity_t - b.background_t
    assert lk.capacity_t == pytest.approx(b.background_t + left * (1 - 0.0833))
    assert lk.wait_h == pytest.approx(b.wait_h + 365 * 0.0833)


@pytest.mark.parametrize(
    ("expected", "base", "with_", "ok"),
    [
        ("decrease", 10.0, 9.0, True),
        ("decrease", 10.0, 10.0, False),
        ("increase", 0.0, 1.0, True),
        ("increase", 5.0, 5.0, False),
        ("not_increase", 5.0, 5.0, True),
        ("not_increase", 5.0, 5.1, False),
        ("not_decrease", 5.0, 5.0, True),
        ("not_decrease", 5.0, 4.9, False),
        ("decrease", math.inf, 7.0, True),
        ("not_decrease", math.inf, math.inf, True),
        ("decrease", math.nan, 1.0, False),
    ],
)
def test_direction_helper(expected: str, base: float, with_: float, ok: bool) -> None:
    """The suite's direction test gives the hand-decided verdicts (a missing route is inf)."""
    assert suite.passes(expected, base, with_) is ok


def test_direction_helper_rejects_unknown() -> None:
    """An unknown direction name is an error that names the allowed ones."""
    with pytest.raises(ValueError, match="unknown direction 'sideways'"):
        suite.passes("sideways", 1.0, 2.0)


def test_apply_order_puts_requirements_first() -> None:
    """Projects come after the projects they require (P_DG_YARDS edits terminals that
    P_SPUR_YB and P_YC_PORT add)."""
    order = suite.apply_order(["P_DG_YARDS", "P_YC_PORT", "P_SPUR_YB", "P_WLSC_WEST"], PROJECTS)
    assert order.index("P_DG_YARDS") > order.index("P_SPUR_YB")
    assert order.index("P_DG_YARDS") > order.index("P_YC_PORT")
    assert order == ["P_SPUR_YB", "P_WLSC_WEST", "P_YC_PORT", "P_DG_YARDS"]


# ----------------------------------------------------------------------------- properties

TINY_NET = load_network(TINY)
TINY_OBJECTIVE = solve_network(TINY_NET).objective
TINY_DEMAND = TINY_NET.total_demand()
TINY_PLACES = [p.id for p in TINY_NET.places]


def test_tiny_base_optimum() -> None:
    """The anchor of the property tests: the hand-computed optimum of tests/data/tiny,
    8,903.6 CNY/yr (tests/test_model.py)."""
    assert TINY_OBJECTIVE == pytest.approx(8903.6, abs=0.05)


@settings(max_examples=25, deadline=None, database=None)
@given(
    i=st.integers(0, len(TINY_NET.links) - 1),
    factor=st.floats(0.0, 1.0, allow_nan=False),
)
def test_less_capacity_never_cheaper(i: int, factor: float) -> None:
    """System optimum: scaling a link's capacity (for modelled freight) down never lowers the
    total cost (unserved demand is priced, so the model stays feasible)."""
    links = list(TINY_NET.links)
    lk = links[i]
    if lk.capacity_t is None:
        cap = factor * TINY_DEMAND  # an unbounded link gets a finite capacity
    else:
        cap = lk.background_t + factor * (lk.capacity_t - lk.background_t)
    links[i] = lk.model_copy(update={"capacity_t": cap})
    obj = solve_network(TINY_NET.with_tables(links=tuple(links))).objective
    assert obj >= TINY_OBJECTIVE - 1e-6 * TINY_OBJECTIVE


@settings(max_examples=25, deadline=None, database=None)
@given(
    pair=st.sampled_from([(a, b) for a in TINY_PLACES for b in TINY_PLACES if a != b]),
    length=st.floats(1.0, 400.0, allow_nan=False),
)
def test_new_link_never_dearer(pair: tuple[str, str], length: float) -> None:
    """System optimum: adding a road link between two places never raises the total cost."""
    a, b = pair
    new = Link.model_validate(
        {
            "id": "R_NEW",
            "from": a,
            "to": b,
            "mode": "road",
            "length_km": length,
            "source": "assumption: property test",
        }
    )
    obj = solve_network(TINY_NET.with_tables(links=(*TINY_NET.links, new))).objective
    assert obj <= TINY_OBJECTIVE + 1e-6 * TINY_OBJECTIVE


# ----------------------------------------------------------------------------- the suite


@pytest.mark.slow
def test_direction_suite_central_2025() -> None:
    """Every project moves its indicators in the direction it is built for on the central 2025
    future (put-one-in), and none raises the total cost; e.g. the new Three Gorges channel cuts
    the time through the locks by its 126 h of waiting."""
    res = suite.run_suite(SCEN / "future_2025_central.toml")
    failed = [(r["project"], r["check"]) for r in res.comparison if not r["pass"]]
    assert failed == []
    assert {r["project"] for r in res.projects} == PLAN_PROJECTS
    tgd = [r for r in res.comparison if r["project"] == "P_TGD_NEW" and "locks" in r["check"]]
    # the new channel cuts the locks' wait from 150 h to 24 h (P_TGD_NEW.toml): 126 h less
    assert tgd[0]["base"] - tgd[0]["with"] == pytest.approx(150.0 - 24.0, abs=1e-3)
