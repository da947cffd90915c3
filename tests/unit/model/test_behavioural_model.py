"""Unit tests of the behavioural model: cost parts, vehicles, congestion, nested-logit shares."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from freight.data.csvio import load_network
from freight.data.network import Network
from freight.model.behavioural import (
    DETOUR,
    EARTH_RADIUS_KM,
    check_behavioural,
    reference_cost,
    solve_behavioural,
)
from freight.model.congestion import bpr_time
from freight.model.costs import cost_parts
from freight.model.graph import LINK, build_graph
from freight.model.vehicles import vehicles_per_tonne
from tests.paths import REGION

SRC = "assumption: unit test network"
MODES_HDR = (
    "mode,cost_per_t_km,fixed_cost_per_t,speed_kmh,reverse_speed_kmh,co2_g_per_t_km,"
    "reverse_co2_g_per_t_km,payload_t,pcu,bpr_alpha,bpr_beta,load_factor,empty_share,"
    "vehicle_cost_per_h,toll_per_t_km,source"
)
LINKS_HDR = (
    "id,from,to,mode,line,length_km,capacity_t,background_t,speed_kmh,reverse_speed_kmh,"
    "cost_per_t_km,fixed_cost_per_t,wait_h,co2_g_per_t_km,excluded_commodities,opened,source"
)
COMM_HDR = (
    "id,name,value_cny_per_t,value_of_time_cny_per_t_h,allowed_modes,t_per_teu,dangerous,"
    "cost_factor,unserved_penalty_cny_per_t,chain_scale,route_scale,asc_rail,asc_water,"
    "asc_air,source"
)


def _write(folder: Path, tables: dict[str, list[str]]) -> Network:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in tables.items():
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_network(folder)


def _logit_net(folder: Path, asc_rail: float = 3.0) -> Network:
    """A and B on the equator 0.9° apart; road direct (100 km) or via C (60 + 60 km); rail
    A–B 100 km with road–rail terminals at both ends; no capacity anywhere."""
    return _write(
        folder,
        {
            "places": [
                "id,name,name_zh,kind,province,lon,lat,zone,source",
                f"A,Alpha,,city,,0.0,0.0,true,{SRC}",
                f"B,Beta,,city,,0.9,0.0,true,{SRC}",
                f"C,Gamma,,city,,0.45,0.3,false,{SRC}",
            ],
            "modes": [
                MODES_HDR,
                f"road,0.3,10,50,,0,,20,2.0,0.15,4,1.0,0.0,100,0.05,{SRC}",
                f"rail,0.1,20,40,,0,,1000,1.0,0,0,1.0,0.0,0,0,{SRC}",
            ],
            "links": [
                LINKS_HDR,
                f"RD_AB,A,B,road,,100,,,,,,,,,,,{SRC}",
                f"RD_AC,A,C,road,,60,,,,,,,,,,,{SRC}",
                f"RD_CB,C,B,road,,60,,,,,,,,,,,{SRC}",
                f"RL_AB,A,B,rail,,100,,,,,,,,,,,{SRC}",
            ],
            "terminals": [
                "id,place,from_mode,to_mode,cost_per_t,time_h,capacity_t,dg_yard,source",
                f"T_A,A,road,rail,5,2,,false,{SRC}",
                f"T_B,B,road,rail,5,2,,false,{SRC}",
            ],
            "commodities": [
                COMM_HDR,
                f"gen,General,1000,1.0,road;rail,,false,1,1000000,4,8,{asc_rail},0,0,{SRC}",
            ],
            "demand": [
                "origin,destination,commodity,tonnes,base_year,source",
                f"A,B,gen,1000,2023,{SRC}",
            ],
        },
    )


def test_vehicles_per_tonne_hand() -> None:
    """(1 + 0.3) / (25 × 0.85) vehicle trips per tonne."""
    assert vehicles_per_tonne(25.0, 0.85, 0.3) == pytest.approx(1.3 / 21.25, rel=1e-12)


def test_cost_parts_add_up_to_the_rate(tmp_path: Path) -> None:
    """Road 0.3 CNY/t-km = 0.05 toll + 100 CNY/h / 20 t / 50 km/h + 0.15 distance."""
    net = _logit_net(tmp_path)
    g = build_graph(net)
    parts = cost_parts(net, g)
    a = next(i for i in range(g.n_arcs) if g.element[i] == "RD_AB")
    assert parts.tolls[0, a] == pytest.approx(5.0, rel=1e-12)
    assert parts.vehicle_time_value[a] == pytest.approx(5.0, rel=1e-12)
    assert parts.distance[0, a] == pytest.approx(15.0, rel=1e-12)
    assert parts.distance[0, a] + parts.tolls[0, a] + 5.0 * 2.0 == pytest.approx(g.money[0, a])


def test_nested_logit_closed_form(tmp_path: Path) -> None:
    """Without congestion, chain and route shares equal the closed-form nested logit (1e-9)."""
    net = _logit_net(tmp_path)
    run = solve_behavioural(net)
    assert run.status == "optimal"
    # hand-computed path costs (CNY/t): road entering 10, 0.3/km money, (vot 1 + 0) per hour;
    # the vehicle time value 5 CNY/(t·h) is inside the 0.3 rate at 50 km/h
    g_direct = 10 + 0.3 * 100 + 1.0 * 100 / 50  # 42
    g_via = 10 + 0.3 * 120 + 1.0 * 120 / 50  # 48.4
    # rail: road entering 10, handling 5 (2 h), rail entering 20, 0.1 × 100 (2.5 h), handling 5
    # (2 h), road entering 10; plus the rail constant 3
    g_rail = 10 + 5 + 20 + 10 + 5 + 10 + 1.0 * (2 + 2.5 + 2) + 3.0  # 69.5
    crow = EARTH_RADIUS_KM * math.radians(0.9)
    c_ref = 10 + DETOUR * crow * (0.3 + 1.0 / 50)
    assert reference_cost(net)[0] == pytest.approx(c_ref, rel=1e-12)
    tc, tr = 4 / c_ref, 8 / c_ref
    g_road = -math.log(math.exp(-tr * g_direct) + math.exp(-tr * g_via)) / tr
    den = math.exp(-tc * g_road) + math.exp(-tc * g_rail)
    p_road = math.exp(-tc * g_road) / den
    p_direct = math.exp(-tr * g_direct) / (math.exp(-tr * g_direct) + math.exp(-tr * g_via))
    assert run.choice is not None and run.sue is not None
    labels = [run.choice.nest_label[n] for n in run.choice.path_nest]
    assert sorted(labels) == ["rail", "road", "road"]  # the rail path has no road link
    share = {}
    for p, arcs in enumerate(run.choice.path_arcs):
        km = sum(run.graph.length_km[a] for a in arcs if run.graph.kind[a] == LINK)
        share[(labels[p], round(km))] = float(run.sue.path_share[p])
    assert share[("road", 100)] == pytest.approx(p_road * p_direct, abs=1e-9)
    assert share[("road", 120)] == pytest.approx(p_road * (1 - p_direct), abs=1e-9)
    assert share[("rail", 100)] == pytest.approx(1 - p_road, abs=1e-9)
    assert float(run.sue.path_cost[labels.index("rail")]) == pytest.approx(g_rail)
    assert check_behavioural(run) == []


def test_bpr_time_hand() -> None:
    """2 h × (1 + 0.15 × 0.5⁴) = 2.01875 h."""
    assert float(bpr_time(2.0, 0.15, 4.0, 50_000.0, 100_000.0)) == pytest.approx(2.01875)
    assert float(bpr_time(2.0, 0.15, 4.0, 50_000.0, math.inf)) == 2.0


def test_road_delay_with_background_hand(tmp_path: Path) -> None:
    """One road link, 100 km at 50 km/h, capacity 1 Mt (100,000 PCU at 25 t and 2.5 PCU per
    truck), background 0.4 Mt (40,000 PCU), 100 kt of freight (10,000 PCU): V/C 0.5, time
    2.01875 h; background users lose 40,000 × (2.01875 − 2 (1 + 0.15 × 0.4⁴)) PCU·h."""
    net = _write(
        tmp_path,
        {
            "places": [
                "id,name,name_zh,kind,province,lon,lat,zone,source",
                f"A,Alpha,,city,,0.0,0.0,true,{SRC}",
                f"B,Beta,,city,,0.9,0.0,true,{SRC}",
            ],
            "modes": [MODES_HDR, f"road,0.3,10,50,,0,,25,2.5,0.15,4,1.0,0.0,0,0,{SRC}"],
            "links": [LINKS_HDR, f"RD_AB,A,B,road,,100,1000000,400000,,,,,,,,,{SRC}"],
            "terminals": ["id,place,from_mode,to_mode,cost_per_t,time_h,capacity_t,dg_yard,source"],
            "commodities": [
                COMM_HDR,
                f"gen,General,1000,1.0,road,,false,1,1000000,4,8,0,0,0,{SRC}",
            ],
            "demand": [
                "origin,destination,commodity,tonnes,base_year,source",
                f"A,B,gen,100000,2023,{SRC}",
            ],
        },
    )
    run = solve_behavioural(net)
    assert run.sue is not None
    a = next(
        i
        for i in range(run.graph.n_arcs)
        if run.graph.element[i] == "RD_AB" and run.graph.direction[i] == 1
    )
    assert run.sue.volume[a] == pytest.approx(50_000.0, rel=1e-12)
    assert run.sue.volume_capacity_ratio[a] == pytest.approx(0.5, rel=1e-12)
    assert run.graph.time_h[a] == pytest.approx(2.01875, rel=1e-12)
    t_bg = 2.0 * (1 + 0.15 * 0.4**4)
    assert run.sue.background_delay[a] == pytest.approx(40_000 * (2.01875 - t_bg), rel=1e-9)
    assert check_behavioural(run) == []


def test_lock_curve_reproduces_the_fact_sheet() -> None:
    """The fitted Three Gorges curve gives 106 h at 69 Mt and 200 h at 84.5 Mt per direction
    (138 Mt in 2017, S31a/S31d; 169 Mt in 2023, S31b/S31e), within 0.1 %."""
    net = load_network(REGION)
    lk = net.link_by_id["W_TGD_YICHANG"]
    assert lk.queue_capacity_t is not None
    for volume, wait in ((69e6, 106.0), (84.5e6, 200.0)):
        t = float(bpr_time(lk.queue_base_h, lk.queue_alpha, lk.queue_beta, volume,
                           lk.queue_capacity_t))  # fmt: skip
        assert t - lk.queue_base_h == pytest.approx(wait, rel=1e-3)


def test_capacitated_rail_is_rationed(tmp_path: Path) -> None:
    """A rail line with 100 t of capacity carries at most 100 t (multiplier > 0), the rest goes
    by road, and every flow check passes."""
    net = _logit_net(tmp_path, asc_rail=-200.0)
    rows = [lk.model_copy(update={"capacity_t": 100.0}) if lk.id == "RL_AB" else lk
            for lk in net.links]  # fmt: skip
    net = net.with_tables(links=tuple(rows))
    run = solve_behavioural(net)
    assert run.status == "converged"
    rail = [i for i in range(run.graph.n_arcs) if run.graph.element[i] == "RL_AB"]
    assert float(run.flow.sum(axis=0)[rail].max()) <= 100.0 * (1 + 2e-4)
    assert float(np.nanmax(run.capacity_dual[rail])) > 0
    assert check_behavioural(run) == []


def test_od_chain_rows_parts_by_hand(tmp_path: Path) -> None:
    """od_chains rows of the closed-form network: shares sum to 1, the rail chain's parts are
    handling 10 + 5 + 20 + 5 + 10 = 50, distance 0.1 × 100 = 10, cargo time 6.5 h × 1, constant 3,
    and its cost is their sum; the road chain's tolls are 5 and 6 CNY/t averaged by route share."""
    from freight.model.behavioural import od_chain_rows

    run = solve_behavioural(_logit_net(tmp_path))
    rows = {r["chain"]: r for r in od_chain_rows(run)}
    assert set(rows) == {"road", "rail"}
    assert sum(r["share"] for r in rows.values()) == pytest.approx(1.0, abs=1e-12)  # type: ignore[misc]
    rail = rows["rail"]
    assert rail["handling_cny_per_t"] == pytest.approx(50.0)
    assert rail["vehicle_distance_cny_per_t"] == pytest.approx(10.0)
    assert rail["cargo_time_cny_per_t"] == pytest.approx(6.5)
    assert rail["asc_cny_per_t"] == pytest.approx(3.0)
    assert rail["tolls_cny_per_t"] == 0.0 and rail["capacity_price_cny_per_t"] == 0.0
    assert rail["cost_cny_per_t"] == pytest.approx(69.5)
    c_ref = 10 + DETOUR * EARTH_RADIUS_KM * math.radians(0.9) * (0.3 + 1.0 / 50)
    tr = 8 / c_ref
    p_direct = 1 / (1 + math.exp(-tr * (48.4 - 42.0)))
    # tolls 0.05 CNY/t-km: 5 on the direct route, 6 via C, averaged with the route shares
    assert rows["road"]["tolls_cny_per_t"] == pytest.approx(5 * p_direct + 6 * (1 - p_direct))


def test_closed_link_leaves_the_choice_set(tmp_path: Path) -> None:
    """Closing the direct road (capacity as criticality derates it: background only) leaves the
    road via C and rail, with the two-chain closed form of the remaining paths."""
    from freight.model.capacity import derated_capacity

    net = _logit_net(tmp_path)
    g = build_graph(net)
    cap = g.capacity_t.copy()
    idx = [i for i in range(g.n_arcs) if g.element[i] == "RD_AB"]
    cap[idx] = derated_capacity(cap[idx], g.background_t[idx], 0.0)
    run = solve_behavioural(net, capacity=cap)
    assert run.choice is not None and run.sue is not None
    assert not any(a in idx for p in run.choice.path_arcs for a in p)
    c_ref = 10 + DETOUR * EARTH_RADIUS_KM * math.radians(0.9) * (0.3 + 1.0 / 50)
    tc = 4 / c_ref
    p_road = 1 / (1 + math.exp(-tc * (69.5 - 48.4)))
    road = [n for n, lab in enumerate(run.choice.nest_label) if lab == "road"]
    assert float(run.sue.nest_share[road[0]]) == pytest.approx(p_road, abs=1e-9)
    assert check_behavioural(run) == []


def test_include_adds_the_other_runs_paths(tmp_path: Path) -> None:
    """A third road A–E–B (130 km) is never searched while the direct road and the road via C
    exist (best path, then one penalty alternative); a run without C finds it, and a run of the
    full network that includes that run chooses over all four paths."""
    net = _logit_net(tmp_path)
    c = net.place_by_id["C"]
    e = c.model_copy(update={"id": "E", "name": "Epsilon", "lat": -0.3})
    ac = net.link_by_id["RD_AC"]
    extra = (
        ac.model_copy(update={"id": "RD_AE", "to": "E", "length_km": 65.0}),
        ac.model_copy(update={"id": "RD_EB", "from_": "E", "to": "B", "length_km": 65.0}),
    )
    full = net.with_tables(places=(*net.places, e), links=(*net.links, *extra))
    alone = solve_behavioural(full)
    assert alone.choice is not None and alone.choice.n_paths == 3
    no_c = full.with_tables(links=tuple(lk for lk in full.links if lk.id not in ("RD_AC", "RD_CB")))
    other = solve_behavioural(no_c)
    both = solve_behavioural(full, include=other)
    assert both.choice is not None and both.choice.n_paths == 4
    kms = sorted(
        round(sum(both.graph.length_km[a] for a in p if both.graph.kind[a] == LINK))
        for p in both.choice.path_arcs
    )
    assert kms == [100, 100, 120, 130]
    assert check_behavioural(both) == []


def test_shared_paths_keep_their_path_size(tmp_path: Path) -> None:
    """A project adds C→B2 (50 km); its route A–C–B2 overlaps A–C (60 km) of the old route via C.
    Its own path-size factor is (60/2 + 50) / 110; the old route, shared with the run without
    the project (``include``), keeps that run's factor 1 instead of (60/2 + 60) / 120 = 0.75."""
    net = _logit_net(tmp_path)
    base = solve_behavioural(net)
    cb = net.link_by_id["RD_CB"]
    cb2 = cb.model_copy(update={"id": "RD_CB2", "length_km": 50.0})
    with_ = solve_behavioural(net.with_tables(links=(*net.links, cb2)), include=base)
    assert with_.choice is not None
    ps = {}
    for p, arcs in enumerate(with_.choice.path_arcs):
        ids = tuple(with_.graph.element[a] for a in arcs if with_.graph.kind[a] == LINK)
        ps[ids] = float(with_.path_size[p])
    assert ps[("RD_AC", "RD_CB2")] == pytest.approx(80 / 110, rel=1e-12)
    assert ps[("RD_AC", "RD_CB")] == 1.0
    assert ps[("RD_AB",)] == 1.0
