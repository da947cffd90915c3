"""Consistency checks (freight/checks.py): each check fails on a hand-made variant of tiny.

tiny: cities A, B (zones), river ports P, Q; links R_AP, W_PQ (water, cap 80, background 20),
R_QB, R_AB at file rows 2..5; terminals T_P (row 2, no DG yard) and T_Q (row 3, DG yard);
commodities bulk (row 2, road;water) and dg (row 3, dangerous); demand A->B bulk (row 2), dg (3).
Variants are built in code with ``Network.with_tables`` and ``model_copy``; rows appended in code
are numbered as if written after the file's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from freight.data.csvio import load_network, write_network
from freight.data.network import Network
from freight.data.schema import MODES, TABLES, Demand, Link, Place, Terminal
from freight.errors import DataError, Problem
from freight.model.checks import check_network
from freight.model.graph import build_graph
from freight.scenario.case import load_network_case
from tests import paths

TINY = paths.DATA / "tiny"
SRC = "assumption: test"


@pytest.fixture(scope="module")
def net() -> Network:
    """tiny, loaded and checked."""
    return load_network(TINY)


def _set(rows: tuple[Any, ...], i: int, **update: Any) -> tuple[Any, ...]:
    return rows[:i] + (rows[i].model_copy(update=update),) + rows[i + 1 :]


def _place(pid: str, kind: str = "city", zone: bool = True) -> Place:
    return Place.model_validate(
        {"id": pid, "name": pid, "kind": kind, "lon": 106, "lat": 29, "zone": zone, "source": SRC}
    )


def _link(lid: str, a: str, b: str, mode: str = "road", **kw: Any) -> Link:
    return Link.model_validate(
        {"id": lid, "from": a, "to": b, "mode": mode, "length_km": 10.0, "source": SRC, **kw}
    )


def _terminal(tid: str, place: str, fm: str, tm: str, dg: bool = False) -> Terminal:
    return Terminal.model_validate(
        {
            "id": tid,
            "place": place,
            "from_mode": fm,
            "to_mode": tm,
            "cost_per_t": 1.0,
            "time_h": 1.0,
            "dg_yard": dg,
            "source": SRC,
        }
    )


def _demand(o: str, d: str, c: str = "bulk", t: float = 5.0) -> Demand:
    return Demand(origin=o, destination=d, commodity=c, tonnes=t, base_year=2023, source=SRC)


Variant = Callable[[Network], Network]

# name -> (variant of tiny, expected (file, row, column), regex on the message)
CASES: dict[str, tuple[Variant, tuple[str, int, str], str]] = {
    "duplicate place id": (
        lambda n: n.with_tables(places=n.places + (n.places[0],)),
        ("places.csv", 6, "id"),
        r"^duplicate 'A' \(first at row 2\)$",
    ),
    "duplicate mode": (
        lambda n: n.with_tables(modes=n.modes + (n.modes[1],)),
        ("modes.csv", 4, "mode"),
        r"^duplicate 'water' \(first at row 3\)$",
    ),
    "duplicate link id": (
        lambda n: n.with_tables(links=_set(n.links, 3, id="R_AP")),
        ("links.csv", 5, "id"),
        r"^duplicate 'R_AP' \(first at row 2\)$",
    ),
    "duplicate terminal id": (
        lambda n: n.with_tables(terminals=_set(n.terminals, 1, id="T_P")),
        ("terminals.csv", 3, "id"),
        r"^duplicate 'T_P' \(first at row 2\)$",
    ),
    "duplicate commodity id": (
        lambda n: n.with_tables(commodities=n.commodities + (n.commodities[0],)),
        ("commodities.csv", 4, "id"),
        r"^duplicate 'bulk' \(first at row 2\)$",
    ),
    "duplicate demand row": (
        lambda n: n.with_tables(demand=n.demand + (_demand("A", "B", "dg"),)),
        ("demand.csv", 4, "origin"),
        r"^duplicate 'A/B/dg' \(first at row 3\)$",
    ),
    "link from unknown place": (
        lambda n: n.with_tables(links=_set(n.links, 3, from_="X")),
        ("links.csv", 5, "from"),
        r"^unknown place 'X' \(not in places\.csv\)$",
    ),
    "link to unknown place": (
        lambda n: n.with_tables(links=_set(n.links, 3, to="Y")),
        ("links.csv", 5, "to"),
        r"^unknown place 'Y'",
    ),
    "water link at an inland city": (
        lambda n: n.with_tables(links=n.links + (_link("W_AQ", "A", "Q", "water"),)),
        ("links.csv", 6, "from"),
        r"^place 'A' is a city and cannot serve water links \(a city serves rail, road\)$",
    ),
    "water link to an inland city": (
        lambda n: n.with_tables(links=n.links + (_link("W_QA", "Q", "A", "water"),)),
        ("links.csv", 6, "to"),
        r"^place 'A' is a city and cannot serve water links",
    ),
    "link joins a place to itself": (
        lambda n: n.with_tables(links=_set(n.links, 3, to="A")),
        ("links.csv", 5, "to"),
        r"^link joins place 'A' to itself$",
    ),
    "link mode not in modes.csv": (
        lambda n: n.with_tables(links=n.links + (_link("L_AB", "A", "B", "rail"),)),
        ("links.csv", 6, "mode"),
        r"^mode 'rail' is not in modes\.csv$",
    ),
    "background above capacity": (
        lambda n: n.with_tables(links=_set(n.links, 1, background_t=80.5)),
        ("links.csv", 3, "background_t"),
        r"^background traffic 80\.5 t exceeds capacity_t 80 t$",
    ),
    "unknown excluded commodity": (
        lambda n: n.with_tables(links=_set(n.links, 0, excluded_commodities=("bulk", "coal"))),
        ("links.csv", 2, "excluded_commodities"),
        r"^unknown commodity 'coal'$",
    ),
    "terminal at unknown place": (
        lambda n: n.with_tables(terminals=_set(n.terminals, 0, place="X")),
        ("terminals.csv", 2, "place"),
        r"^unknown place 'X'$",
    ),
    "transfer between equal modes": (
        lambda n: n.with_tables(terminals=_set(n.terminals, 1, from_mode="water")),
        ("terminals.csv", 3, "to_mode"),
        r"^a transfer needs two different modes, got 'water' twice$",
    ),
    "zone access at a non-zone place": (
        lambda n: n.with_tables(terminals=n.terminals + (_terminal("Z_Q", "Q", "zone", "water"),)),
        ("terminals.csv", 4, "from_mode"),
        r"^zone access at 'Q', which is not a zone",
    ),
    "terminal from a mode the place has no links of": (
        lambda n: n.with_tables(terminals=_set(n.terminals, 0, from_mode="rail")),
        ("terminals.csv", 2, "from_mode"),
        r"^place 'P' has no rail links to transfer from$",
    ),
    "terminal to a mode the place has no links of": (
        lambda n: n.with_tables(terminals=_set(n.terminals, 1, to_mode="air")),
        ("terminals.csv", 3, "to_mode"),
        r"^place 'Q' has no air links to transfer to$",
    ),
    "zone access to a mode the zone has no links of": (
        lambda n: n.with_tables(terminals=n.terminals + (_terminal("Z_A", "A", "zone", "rail"),)),
        ("terminals.csv", 4, "to_mode"),
        r"^place 'A' has no rail links to transfer to$",
    ),
    "commodity allows a mode not in modes.csv": (
        lambda n: n.with_tables(commodities=_set(n.commodities, 1, allowed_modes=("road", "air"))),
        ("commodities.csv", 3, "allowed_modes"),
        r"^mode 'air' is not in modes\.csv$",
    ),
    "demand from unknown place": (
        lambda n: n.with_tables(demand=_set(n.demand, 0, origin="X")),
        ("demand.csv", 2, "origin"),
        r"^unknown place 'X' \(not in places\.csv\)$",
    ),
    "demand to a place that is not a zone": (
        lambda n: n.with_tables(demand=_set(n.demand, 1, destination="Q")),
        ("demand.csv", 3, "destination"),
        r"^place 'Q' is not a zone \(set zone=true in places\.csv\)$",
    ),
    "demand from a place to itself": (
        lambda n: n.with_tables(demand=_set(n.demand, 1, destination="A")),
        ("demand.csv", 3, "destination"),
        r"^origin and destination are the same place$",
    ),
    "demand of unknown commodity": (
        lambda n: n.with_tables(demand=_set(n.demand, 0, commodity="coal")),
        ("demand.csv", 2, "commodity"),
        r"^unknown commodity 'coal'$",
    ),
    "unreachable: isolated zone": (
        lambda n: n.with_tables(
            places=n.places + (_place("C"),), demand=n.demand + (_demand("B", "C"),)
        ),
        ("demand.csv", 4, "destination"),
        r"^no path from 'B' to 'C' for 'bulk' using road/water$",
    ),
    "unreachable: allowed modes": (
        lambda n: n.with_tables(commodities=_set(n.commodities, 0, allowed_modes=("water",))),
        ("demand.csv", 2, "destination"),
        r"^no path from 'A' to 'B' for 'bulk' using water$",
    ),
    "unreachable: excluded from every route": (
        lambda n: n.with_tables(
            links=_set(
                _set(n.links, 3, excluded_commodities=("bulk",)), 1, excluded_commodities=("bulk",)
            )
        ),
        ("demand.csv", 2, "destination"),
        r"^no path from 'A' to 'B' for 'bulk'",
    ),
    "unreachable: dangerous goods, no DG yard on the way": (
        lambda n: n.with_tables(links=n.links[:3]),
        ("demand.csv", 3, "destination"),
        r"^no path from 'A' to 'B' for 'dg' using road/water$",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_one_problem(net: Network, name: str) -> None:
    """check_network finds exactly the one defect, at the expected file, row and column."""
    variant, where, pattern = CASES[name]
    problems = check_network(variant(net))
    assert [(p.file, p.row, p.column) for p in problems] == [where], problems
    assert re.search(pattern, problems[0].message), problems[0].message


@pytest.mark.parametrize(
    "name",
    [
        "duplicate link id",
        "water link at an inland city",
        "zone access at a non-zone place",
        "demand of unknown commodity",
        "unreachable: isolated zone",
        "unreachable: dangerous goods, no DG yard on the way",
    ],
)
def test_load_raises_data_error(net: Network, name: str, tmp_path: Path) -> None:
    """The variant written to disk and loaded again raises DataError naming file, row, column."""
    variant, (file, row, column), pattern = CASES[name]
    write_network(variant(net), tmp_path)
    where = re.escape(f"  - {file}, row {row}, column '{column}': ")
    with pytest.raises(DataError, match=where + pattern.removeprefix("^")) as info:
        load_network_case(tmp_path)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [(file, row, column)]
    assert info.value.context == str(tmp_path)


def test_tiny_has_no_problems(net: Network) -> None:
    """The hand-drawn network passes every check (with and without connectivity)."""
    assert check_network(net) == []
    assert check_network(net, connectivity=False) == []


def test_connectivity_can_be_skipped(net: Network) -> None:
    """connectivity=False skips the path search: the isolated zone is then not reported."""
    variant = CASES["unreachable: isolated zone"][0]
    assert check_network(variant(net), connectivity=False) == []


def test_zone_access_terminal_makes_zone_reachable(net: Network) -> None:
    """A zone without road reached by water through its zone<->water terminal is reachable."""
    n = net.with_tables(
        places=net.places + (_place("C", kind="river_port"),),
        links=net.links + (_link("W_QC", "Q", "C", "water"),),
        terminals=net.terminals + (_terminal("Z_C", "C", "zone", "water"),),
        demand=net.demand + (_demand("A", "C"),),
    )
    assert check_network(n) == []
    # without the terminal the same zone cannot be reached
    n2 = n.with_tables(terminals=net.terminals)
    assert [p.message for p in check_network(n2)] == [
        "no path from 'A' to 'C' for 'bulk' using road/water"
    ]


def test_dangerous_goods_through_dg_yard_is_reachable(net: Network) -> None:
    """Making P a DG yard lets dg reach B by water once the direct road A-B is gone."""
    n = net.with_tables(links=net.links[:3], terminals=_set(net.terminals, 0, dg_yard=True))
    assert check_network(n) == []


def test_several_problems_all_reported(net: Network) -> None:
    """Five defects in five tables are all reported at once, each with file, row and column."""
    n = net.with_tables(
        places=net.places + (net.places[2],),
        links=_set(net.links, 1, background_t=100.0),
        terminals=_set(net.terminals, 0, place="X"),
        commodities=_set(net.commodities, 0, allowed_modes=("road", "rail")),
        demand=_set(net.demand, 1, commodity="coal"),
    )
    problems = check_network(n)
    assert sorted((p.file, p.row, p.column) for p in problems) == [
        ("commodities.csv", 2, "allowed_modes"),
        ("demand.csv", 3, "commodity"),
        ("links.csv", 3, "background_t"),
        ("places.csv", 6, "id"),
        ("terminals.csv", 2, "place"),
    ]
    err = DataError(problems, context="tiny")
    assert str(err).startswith("tiny: 5 problems found\n  - ")
    assert all(str(p) in str(err) for p in problems)


def test_several_problems_all_reported_on_load(net: Network, tmp_path: Path) -> None:
    """The same kind of multi-defect network on disk: one DataError lists every problem."""
    n = net.with_tables(
        links=_set(_set(net.links, 3, to="Z"), 2, excluded_commodities=("coal",)),
        demand=_set(net.demand, 0, origin="Q"),
    )
    write_network(n, tmp_path)
    with pytest.raises(DataError, match=r"3 problems found") as info:
        load_network(tmp_path)
    assert sorted(info.value.problems) == [
        Problem("demand.csv", 2, "origin", "place 'Q' is not a zone (set zone=true in places.csv)"),
        Problem("links.csv", 4, "excluded_commodities", "unknown commodity 'coal'"),
        Problem("links.csv", 5, "to", "unknown place 'Z' (not in places.csv)"),
    ]


def test_connectivity_waits_for_other_problems(net: Network) -> None:
    """An unreachable demand is not searched for while other problems exist (graph needs them)."""
    variant = CASES["unreachable: isolated zone"][0]
    n = variant(net).with_tables(links=_set(net.links, 0, excluded_commodities=("coal",)))
    assert [(p.file, p.column) for p in check_network(n)] == [("links.csv", "excluded_commodities")]


def test_rows_are_file_lines(copy_tiny: Callable[..., Path]) -> None:
    """Rows named by the checks are file lines: blank lines before a bad row are counted."""
    folder = copy_tiny()
    p = folder / "links.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "\n")
    lines.insert(3, ",,,,,,,,,,,,,,,,\n")
    p.write_text("".join(lines).replace("R_AB,A,B,", "R_AB,A,Z,"), encoding="utf-8")
    with pytest.raises(DataError, match=r"links\.csv, row 7, column 'to': unknown place 'Z'"):
        load_network(folder)


def test_with_tables_row_numbers_fall_back(net: Network) -> None:
    """A table whose length changed is numbered as if written: row = index + 2."""
    n = net.with_tables(links=(_link("X1", "A", "Q"), *net.links, _link("X2", "B", "B")))
    assert [(p.row, p.column) for p in check_network(n)] == [(7, "to")]


def test_penalty_below_route_cost(net: Network) -> None:
    """bulk's penalty 1 CNY/t is below its cheapest route A->B (85 CNY/t by road): an error."""
    n = net.with_tables(commodities=_set(net.commodities, 0, unserved_penalty_cny_per_t=1.0))
    problems = check_network(n)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("commodities.csv", 2, "unserved_penalty_cny_per_t")
    ]


_PLACES = ["A", "B", "P", "Q", "X"]


@st.composite
def _variants(draw: st.DrawFn) -> Network:
    """tiny with random references: places, modes, zones, kinds, allowed modes, DG yards."""
    net = load_network(TINY)
    rate = draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))  # of bad references
    path_rate = draw(st.sampled_from([0.0, 0.3, 0.6]))  # of changes that may cut paths

    def maybe(old: Any, new: st.SearchStrategy[Any], path: bool = False) -> Any:
        return draw(new) if draw(st.floats(0, 1)) < (path_rate if path else rate) else old

    modes = maybe(net.modes, st.sampled_from([net.modes[:1], net.modes[1:]]))
    links = tuple(
        lk.model_copy(
            update={
                "from_": maybe(lk.from_, st.sampled_from(_PLACES)),
                "to": maybe(lk.to, st.sampled_from(_PLACES)),
                "mode": maybe(lk.mode, st.sampled_from(MODES)),
                "excluded_commodities": maybe((), st.sampled_from([("bulk",), ("dg",)]), True),
            }
        )
        for lk in net.links
        if draw(st.floats(0, 1)) >= rate
    )
    terminals = tuple(
        t.model_copy(
            update={
                "place": maybe(t.place, st.sampled_from(_PLACES)),
                "from_mode": maybe(t.from_mode, st.sampled_from(("zone", *MODES))),
                "to_mode": maybe(t.to_mode, st.sampled_from(MODES)),
                "dg_yard": maybe(t.dg_yard, st.booleans(), True),
            }
        )
        for t in net.terminals
    )
    places = tuple(
        p.model_copy(
            update={
                "zone": maybe(p.zone, st.booleans()),
                "kind": maybe(p.kind, st.sampled_from(["city", "river_port", "waypoint"])),
            }
        )
        for p in net.places
    )
    commodities = tuple(
        c.model_copy(
            update={
                "allowed_modes": maybe(
                    maybe(c.allowed_modes, st.sampled_from([("road",), ("water",)]), True),
                    st.lists(st.sampled_from(MODES), min_size=1).map(tuple),
                )
            }
        )
        for c in net.commodities
    )
    demand = tuple(
        d.model_copy(
            update={
                "origin": maybe(d.origin, st.sampled_from(_PLACES)),
                "destination": maybe(d.destination, st.sampled_from(_PLACES)),
            }
        )
        for d in net.demand
    )
    return net.with_tables(
        places=places,
        modes=modes,
        links=links,
        terminals=terminals,
        commodities=commodities,
        demand=demand,
    )


@settings(max_examples=150, deadline=None)
@given(_variants())
def test_random_variants_never_crash_and_agree_with_networkx(n: Network) -> None:
    """Random variants: problems name a real file and row; unreachable rows agree with networkx."""
    problems = check_network(n)
    sizes = {t.file: len(getattr(n, t.name)) for t in TABLES}
    for p in problems:
        assert p.file in sizes and p.row is not None and 2 <= p.row <= sizes[p.file] + 1, p
        assert p.column and p.message
    if check_network(n, connectivity=False):
        return
    g = build_graph(n)
    expected = []
    for i, d in enumerate(n.demand):
        k = g.commodity_index[d.commodity]
        arcs = np.flatnonzero(g.allowed[k])
        dg = nx.DiGraph()
        dg.add_nodes_from(range(g.n_nodes))
        dg.add_edges_from(zip(g.tail[arcs].tolist(), g.head[arcs].tolist(), strict=True))
        if not nx.has_path(dg, g.src_node[d.origin], g.sink_node[d.destination]):
            expected.append(("demand.csv", i + 2, "destination"))
    assert [(p.file, p.row, p.column) for p in problems] == expected
