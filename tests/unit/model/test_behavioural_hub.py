"""A hub (a place with a same-mode terminal row): the mode's links ending there reach the rest of
the mode only through the place's same-mode rows, and each cargo picks the row its value of time
favours (hand-computed on a copy of the tiny network with a water hub H between P and Q)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from freight.analysis.validation import modelled_value
from freight.data.csvio import load_network
from freight.data.network import Network
from freight.data.schema import Observed
from freight.model.graph import LINK, build_graph
from freight.model.linear import solve_network
from tests.paths import DATA

ROWS = (
    "T_H_TRANSHIP,H,water,water,10,1,,true,assumption: test transhipment\n"
    "T_H_THROUGH,H,water,water,0,20,,true,assumption: test through passage\n"
)


def _hub_net(tmp: Path) -> Network:
    """Tiny with W_PQ split at a hub H (P→H 50 km, H→Q 50 km, no capacity) and the rows of ROWS."""
    folder = tmp / "hub"
    shutil.copytree(DATA / "tiny", folder)
    places = (folder / "places.csv").read_text(encoding="utf-8")
    places += "H,Hub H,,river_port,,104.5,29.0,false,assumption: test hub\n"
    (folder / "places.csv").write_text(places, encoding="utf-8")
    links = (folder / "links.csv").read_text(encoding="utf-8").splitlines()
    head, rows = links[0], [r for r in links[1:] if not r.startswith("W_PQ,")]
    w_pq = next(r for r in links[1:] if r.startswith("W_PQ,")).split(",")
    assert w_pq[5] == "100"
    for lid, a, b in (("W_PH", "P", "H"), ("W_HQ", "H", "Q")):
        rows.append(",".join([lid, a, b, *w_pq[3:5], "50", "", "", *w_pq[8:]]))
    (folder / "links.csv").write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    terms = (folder / "terminals.csv").read_text(encoding="utf-8")
    terms = terms.replace("T_P,P,road,water,10,5,1000,false,", "T_P,P,road,water,10,5,1000,true,")
    (folder / "terminals.csv").write_text(terms + ROWS, encoding="utf-8")
    comm = (folder / "commodities.csv").read_text(encoding="utf-8").splitlines()
    comm[0] += ",container_share"
    comm[1:] = [r + (",1" if r.startswith("dg,") else ",0") for r in comm[1:]]
    (folder / "commodities.csv").write_text("\n".join(comm) + "\n", encoding="utf-8")
    return load_network(folder, check=False)


def test_links_ending_at_the_hub_reach_the_mode_only_through_its_rows(tmp_path: Path) -> None:
    """P→H ends at H's arrival node; H→Q starts at H's water node; only the two rows join them,
    both ways, with no entering charge and no new lift into water."""
    g = build_graph(_hub_net(tmp_path))
    arr, main = g.meta["arrival_node"][("H", "water")], g.mode_node[("H", "water")]
    ph = [a for a in range(g.n_arcs) if g.element[a] == "W_PH" and g.kind[a] == LINK]
    assert {int(g.head[a]) for a in ph if g.direction[a] == 1} == {arr}
    assert {int(g.tail[a]) for a in ph if g.direction[a] == -1} == {arr}
    into_main = {g.element[a] for a in range(g.n_arcs) if g.head[a] == main}
    assert into_main == {"W_HQ", "T_H_TRANSHIP", "T_H_THROUGH"}
    rows = [a for a in range(g.n_arcs) if g.element[a] in ("T_H_TRANSHIP", "T_H_THROUGH")]
    assert all(g.meta["entering_mode"][a] == -1 for a in rows)
    assert g.meta["node_mode"][arr] == g.meta["node_mode"][main]


def test_each_cargo_takes_the_row_its_value_of_time_favours(tmp_path: Path) -> None:
    """Bulk (VoT 0.1 CNY/t-h): through 0 + 0.1 x 20 = 2 < transhipment 10 + 0.1 x 1 = 10.1; dg
    (VoT 1): through 20 > transhipment 11. Both go by water (the road is dearer), so all 100 t
    of bulk pass through and all 10 t of dg are transhipped; the water tonnes are lifted once."""
    net = _hub_net(tmp_path)
    run = solve_network(net)
    g = run.graph
    bulk, dg = g.commodity_index["bulk"], g.commodity_index["dg"]
    through, tranship = g.handling_arc["T_H_THROUGH"], g.handling_arc["T_H_TRANSHIP"]
    assert run.flow[bulk, through] == pytest.approx(100.0)
    assert run.flow[bulk, tranship] == pytest.approx(0.0, abs=1e-9)
    assert run.flow[dg, tranship] == pytest.approx(10.0)
    assert run.flow[dg, through] == pytest.approx(0.0, abs=1e-9)
    lifted = run.flow.sum(axis=0)[g.meta["entering_mode"] == 2].sum()  # into water
    assert lifted == pytest.approx(110.0)
    share = Observed(
        id="t",
        element="P>H",
        quantity="transhipment_share",
        commodity=None,
        value=0.5,
        unit="share",
        year=2023,
        low=0.0,
        high=1.0,
        role="validation",
        source="assumption: test",
    )
    # boxes: bulk has none (container_share 0), dg's all transship; the through row is no
    # transhipment (no handling charge)
    assert modelled_value(run, share) == pytest.approx(1.0)
    port = Observed(
        **{**share.model_dump(), "element": "H", "quantity": "port_tonnes", "unit": "t/yr"}
    )
    # port tonnes: the 10 t transhipped are handled once; the 100 t that sail on are not handled
    assert modelled_value(run, port) == pytest.approx(10.0)
    assert np.isfinite(run.objective)


def test_same_mode_rows_are_refused_except_at_a_hub(tmp_path: Path) -> None:
    """check_tables accepts H's rows (water links end and start at H) and refuses the same row
    at P, where water links only start."""
    from freight.data.checks import check_tables

    net = _hub_net(tmp_path)
    assert not [p for p in check_tables(net) if p.column == "to_mode"]
    bad = net.terminals[0].model_copy(
        update={"id": "T_P_WW", "place": "P", "from_mode": "water", "to_mode": "water"}
    )
    probs = [p for p in check_tables(net.with_tables(terminals=(*net.terminals, bad)))]
    assert [p.column for p in probs] == ["to_mode"]
    assert probs[0].message == "a transfer needs two different modes, got 'water' twice"
