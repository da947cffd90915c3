"""The virtual multimodal graph of the hand-drawn network tests/data/tiny, checked arc by arc.

tiny: cities A and B (zones), river ports P and Q; road A–P 10 km, Q–B 20 km, A–B 150 km; water
P→Q 100 km (P upstream) with capacity 80 t, background 20 t, lock dues 2 CNY/t and a 3 h wait.
Road: 0.5 CNY/t-km, 10 CNY/t on entry, 50 km/h, 80 g/t-km. Water: 0.05 CNY/t-km, 10 km/h down,
5 km/h up, 20 g/t-km down, 30 up. Terminals: P road<->water 10 CNY/t, 5 h, 1000 t, no DG yard;
Q road<->water 10 CNY/t, 5 h, unbounded, DG yard. Commodities: bulk (VoT 0.1 CNY/t-h), dg
(dangerous, cost factor 2, VoT 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from freight.data.csvio import load_network
from freight.model.graph import ACCESS, LINK, TRANSFER, CostParams, build_graph, demand_arrays
from tests import paths

TINY = paths.DATA / "tiny"


@pytest.fixture(scope="module")
def graph():  # type: ignore[no-untyped-def]
    return build_graph(load_network(TINY))


def _arc(g, tail: str, head: str) -> int:  # type: ignore[no-untyped-def]
    hits = [
        a
        for a in range(g.n_arcs)
        if g.node_label[g.tail[a]] == tail and g.node_label[g.head[a]] == head
    ]
    assert len(hits) == 1, (tail, head, hits)
    return hits[0]


def test_nodes(graph) -> None:  # type: ignore[no-untyped-def]
    """Mode nodes per place and mode, src/sink per zone, in/out per terminal: 14 nodes."""
    assert set(graph.node_label) == {
        "A|road", "B|road", "P|road", "P|water", "Q|road", "Q|water",
        "A|src", "A|sink", "B|src", "B|sink",
        "P|T_P:in", "P|T_P:out", "Q|T_Q:in", "Q|T_Q:out",
    }  # fmt: skip
    assert graph.n_arcs == 8 + 2 * 5 + 4


def test_water_link_both_directions(graph) -> None:  # type: ignore[no-untyped-def]
    """Downstream P→Q: 100/10 + 3 = 13 h, 2.0 kg; upstream 100/5 + 3 = 23 h, 3.0 kg; capacity 80 t
    as stated, 20 t background, 60 t left for modelled freight."""
    down, up = _arc(graph, "P|water", "Q|water"), _arc(graph, "Q|water", "P|water")
    assert graph.kind[down] == LINK and graph.direction[down] == 1 and graph.direction[up] == -1
    assert graph.time_h[down] == pytest.approx(13.0)
    assert graph.time_h[up] == pytest.approx(23.0)
    assert graph.co2_kg_per_t[down] == pytest.approx(2.0)
    assert graph.co2_kg_per_t[up] == pytest.approx(3.0)
    assert graph.capacity_t[down] == graph.capacity_t[up] == 80.0
    assert graph.background_t[down] == graph.background_t[up] == 20.0
    assert graph.capacity_free_t[down] == graph.capacity_free_t[up] == 60.0
    bulk, dg = graph.commodity_index["bulk"], graph.commodity_index["dg"]
    # money: 0.05 × 100 × cost_factor + 2 lock dues
    assert graph.money[bulk, down] == pytest.approx(7.0)
    assert graph.money[dg, down] == pytest.approx(12.0)
    # generalized: money + VoT × time
    assert graph.generalized[bulk, down] == pytest.approx(7.0 + 0.1 * 13)
    assert graph.generalized[dg, up] == pytest.approx(12.0 + 1.0 * 23)


def test_road_link(graph) -> None:  # type: ignore[no-untyped-def]
    """Road A→B 150 km: 75 CNY/t, 3 h, 12 kg CO2/t, unbounded."""
    a = _arc(graph, "A|road", "B|road")
    assert graph.money[graph.commodity_index["bulk"], a] == pytest.approx(75.0)
    assert graph.time_h[a] == pytest.approx(3.0)
    assert graph.co2_kg_per_t[a] == pytest.approx(12.0)
    assert math.isinf(graph.capacity_t[a])


def test_transfer_arcs(graph) -> None:  # type: ignore[no-untyped-def]
    """Handling arc carries cost, time, shared capacity; entering road charges road's 10 CNY/t."""
    h = _arc(graph, "P|T_P:in", "P|T_P:out")
    assert graph.kind[h] == TRANSFER
    assert graph.money_base[h] == 10.0 and graph.time_h[h] == 5.0 and graph.capacity_t[h] == 1000.0
    assert graph.money_base[_arc(graph, "P|T_P:out", "P|road")] == 10.0
    assert graph.money_base[_arc(graph, "P|T_P:out", "P|water")] == 0.0
    assert graph.money_base[_arc(graph, "P|water", "P|T_P:in")] == 0.0


def test_dangerous_goods_need_a_yard(graph) -> None:  # type: ignore[no-untyped-def]
    """dg may not change mode at P (no yard) but may at Q (yard); bulk may at both."""
    bulk, dg = graph.commodity_index["bulk"], graph.commodity_index["dg"]
    hp, hq = _arc(graph, "P|T_P:in", "P|T_P:out"), _arc(graph, "Q|T_Q:in", "Q|T_Q:out")
    assert graph.allowed[bulk, hp] and graph.allowed[bulk, hq]
    assert not graph.allowed[dg, hp] and graph.allowed[dg, hq]
    assert math.isinf(graph.cost_matrix()[dg, hp])


def test_road_access(graph) -> None:  # type: ignore[no-untyped-def]
    """Zones load onto road door to door (10 CNY/t) and unload free; no path through a zone."""
    a = _arc(graph, "A|src", "A|road")
    assert graph.kind[a] == ACCESS and graph.money_base[a] == 10.0
    assert graph.money_base[_arc(graph, "B|road", "B|sink")] == 0.0
    src, sink = graph.src_node["A"], graph.sink_node["A"]
    assert not np.any(graph.head == src) and not np.any(graph.tail == sink)


def test_carbon_price_and_vot_factor() -> None:
    """Carbon price 100 CNY/tCO2 adds 0.1 × kg; VoT factor 2 doubles the time term."""
    g = build_graph(load_network(TINY), CostParams(carbon_price=100.0, vot_factor=2.0))
    a = _arc(g, "A|road", "B|road")
    bulk = g.commodity_index["bulk"]
    assert g.generalized[bulk, a] == pytest.approx(75.0 + 2 * 0.1 * 3.0 + 100 * 12.0 / 1000)


def test_demand_arrays(graph) -> None:  # type: ignore[no-untyped-def]
    """Demand rows map to src/sink nodes, commodity rows and their penalties."""
    d = demand_arrays(load_network(TINY), graph)
    assert [graph.node_label[i] for i in d.origin] == ["A|src", "A|src"]
    assert [graph.node_label[i] for i in d.destination] == ["B|sink", "B|sink"]
    assert d.tonnes.tolist() == [100.0, 10.0]
    assert d.penalty.tolist() == [1000.0, 5000.0]


def test_deterministic() -> None:
    """Building twice gives identical arrays and labels."""
    g1, g2 = build_graph(load_network(TINY)), build_graph(load_network(TINY))
    assert g1.node_label == g2.node_label
    assert np.array_equal(g1.tail, g2.tail) and np.array_equal(g1.generalized, g2.generalized)
