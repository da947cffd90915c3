"""The deterministic demand generator and the committed base network network_data/chuannan_yuxi.

Targets are the regional freight figures of network_data/chuannan_yuxi/SOURCES.md (generation,
intra-region share, gateway shares, mean hauls, the Guoyuan segments), written out here on
purpose instead of imported from tools.demandgen, so that a change of the generator's constants
cannot move the goalposts. Most tests read the committed demand.csv; regenerating it runs the
behavioural model three times (a few seconds on a quiet machine), so the byte-for-byte
regeneration tests are marked slow. After a change of the network (links, terminals, commodities'
constants) the generator must be rerun: ``python -m tools.demandgen network_data/chuannan_yuxi``.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from freight.data.csvio import load_network
from freight.data.network import Network
from freight.errors import DataError
from freight.model.graph import build_graph
from tests import paths
from tools import demandgen

BASE = paths.ROOT / "network_data" / "chuannan_yuxi"
REGION = {"ZG", "LZ", "NJ", "YB", "JJ", "YC", "QJ", "WS", "DZ", "TL", "RC"}
CORES = {"CD", "CQ"}
EAST = {"WH", "NJG", "SH"}
YUNGUI = {"GY", "KM", "BJ"}


def _committed() -> list[demandgen.DemandRow]:
    out = []
    with (BASE / "demand.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            m = re.search(r"segment (\w+)", r["source"])
            seg = m.group(1) if m else "T"
            out.append(
                demandgen.DemandRow(
                    r["origin"],
                    r["destination"],
                    r["commodity"],
                    int(r["tonnes"]),
                    seg,
                    r["source"],
                )
            )
    return out


@pytest.fixture(scope="module")
def rows() -> list[demandgen.DemandRow]:
    return _committed()


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    return load_network(BASE, check=False)


def _touching(rows: list[demandgen.DemandRow]) -> list[demandgen.DemandRow]:
    return [r for r in rows if r.origin in REGION or r.destination in REGION]


def _outside(r: demandgen.DemandRow) -> str:
    return r.destination if r.origin in REGION else r.origin


@pytest.mark.slow
def test_regeneration_gives_the_committed_bytes() -> None:
    """Regenerating demand.csv from the folder (behavioural logsums included) gives the committed
    file, twice (byte-deterministic)."""
    first = demandgen.render_csv(demandgen.generate(BASE)).encode("utf-8")
    second = demandgen.render_csv(demandgen.generate(BASE)).encode("utf-8")
    assert first == second
    assert first == (BASE / "demand.csv").read_bytes()


def test_rows_sorted_and_unique(rows: list[demandgen.DemandRow]) -> None:
    """Rows sorted by (origin, destination, commodity), no duplicate key."""
    keys = [(r.origin, r.destination, r.commodity) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_generated_total_in_fact_sheet_range(rows: list[demandgen.DemandRow]) -> None:
    """Plan-area outbound inter-zonal tonnes / 0.35 lies in §7.1's 550-650 Mt/yr."""
    outbound = sum(r.tonnes for r in rows if r.origin in REGION)
    assert 550e6 <= outbound / 0.35 <= 650e6
    assert demandgen.check(rows).item("generated_total").value == pytest.approx(outbound / 0.35)


def test_od_pattern_shares_within_fact_sheet_targets(rows: list[demandgen.DemandRow]) -> None:
    """§7.3 shares of the tonnes touching the plan area lie in their target ranges."""
    touching = _touching(rows)
    total = sum(r.tonnes for r in touching)
    share: dict[str, float] = defaultdict(float)
    for r in touching:
        out = _outside(r)
        cat = (
            "intra_and_cores"
            if out in REGION | CORES
            else "east"
            if out in EAST
            else "beibu"
            if out == "QZP"
            else "cr_express"
            if out == "ALS"
            else "yungui"
            if out in YUNGUI
            else "other"
        )
        share[cat] += r.tonnes / total
    assert 0.70 <= share["intra_and_cores"] <= 0.80
    assert 0.08 <= share["east"] <= 0.10
    assert 0.02 <= share["beibu"] <= 0.04
    assert 0.0 < share["cr_express"] < 0.01
    assert 0.05 <= share["yungui"] <= 0.08
    assert share["other"] == 0.0


def test_commodity_volumes_within_fact_sheet_ranges(rows: list[demandgen.DemandRow]) -> None:
    """§7.2 volumes: baijiu per city, batteries, auto parts, chemicals, coal, grain, cold chain."""
    touching = _touching(rows)

    def tot(com: str) -> int:
        return sum(r.tonnes for r in touching if r.commodity == com)

    assert (
        0.8e6 <= sum(r.tonnes for r in rows if (r.origin, r.commodity) == ("YB", "baijiu")) <= 1e6
    )
    assert (
        0.7e6 <= sum(r.tonnes for r in rows if (r.origin, r.commodity) == ("LZ", "baijiu")) <= 1e6
    )
    assert 1e6 <= tot("batteries") <= 2e6
    assert 5e6 <= tot("auto_parts") <= 10e6
    assert 8e6 <= tot("chemicals") <= 12e6
    assert 15e6 <= tot("bulk_coal_minerals") <= 25e6
    grain_in = sum(
        r.tonnes
        for r in rows
        if r.commodity == "grain" and r.destination in REGION and r.origin not in REGION
    )
    assert 2e6 <= grain_in <= 3e6
    assert 0.8e6 <= tot("cold_chain_meat_fruit") <= 1.5e6
    assert demandgen.check(rows).ok


def test_segment_shares_sum_to_one() -> None:
    """Each commodity's segment shares, and the through-flow mix, sum to 1."""
    for com, spec in demandgen.SPECS.items():
        assert sum(spec.split.values()) == pytest.approx(1.0, abs=1e-12), com
        assert set(spec.split) <= set(demandgen.SEGMENTS), com
    assert sum(demandgen.THROUGH_MIX.values()) == pytest.approx(1.0, abs=1e-12)


def test_block_totals_are_exact(rows: list[demandgen.DemandRow]) -> None:
    """Largest-remainder rounding keeps exact totals: chemicals 10 Mt, through flow 2 x 12 Mt."""
    assert sum(r.tonnes for r in _touching(rows) if r.commodity == "chemicals") == 10_000_000
    through = [r for r in rows if {r.origin, r.destination} == {"CD", "CQ"}]
    assert sum(r.tonnes for r in through) == 24_000_000
    cd_cq = {r.commodity: r.tonnes for r in through if r.origin == "CD"}
    assert cd_cq["general_containers"] == 6_600_000  # 12 Mt x 55 %


def test_gateway_pools_keep_the_pattern_split(rows: list[demandgen.DemandRow]) -> None:
    """The gateway logit's constants reproduce each segment's §7.3 total: baijiu east 1.8 Mt x
    40 % = 720,000 t; general cargo south 125 Mt x 3 % = 3.75 Mt out, west x 0.4 % = 0.5 Mt in."""

    def seg(com: str, outside: set[str], out: bool) -> int:
        return sum(
            r.tonnes
            for r in rows
            if r.commodity == com
            and (
                (r.origin in REGION and r.destination in outside)
                if out
                else (r.destination in REGION and r.origin in outside)
            )
        )

    assert seg("baijiu", EAST, True) == 720_000
    assert seg("general_containers", {"QZP"}, True) == 3_750_000
    assert seg("general_containers", {"ALS"}, False) == 500_000


def test_gateway_shares_vary_by_zone(rows: list[demandgen.DemandRow]) -> None:
    """Cost-elastic gateway choice: the share of a zone's outbound general-cargo pool going south
    differs between zones (with fixed shares it was the same everywhere)."""
    south: dict[str, float] = defaultdict(float)
    pool: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.commodity == "general_containers" and r.origin in REGION:
            if r.destination in EAST | {"QZP", "ALS"}:
                pool[r.origin] += r.tonnes
                if r.destination == "QZP":
                    south[r.origin] += r.tonnes
    shares = [south[z] / pool[z] for z in pool if south[z] > 0]
    assert max(shares) - min(shares) > 0.01


def _road_km(net) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    """Shortest road km between zones (scipy Dijkstra over the road links, both directions)."""
    ids = sorted(net.place_by_id)
    ix = {p: i for i, p in enumerate(ids)}
    road = [lk for lk in net.links if lk.mode == "road"]
    m = csr_matrix(
        (
            [lk.length_km for lk in road] * 2,
            (
                [ix[lk.from_] for lk in road] + [ix[lk.to] for lk in road],
                [ix[lk.to] for lk in road] + [ix[lk.from_] for lk in road],
            ),
        ),
        shape=(len(ids), len(ids)),
    )
    d = dijkstra(m)
    zones = [p.id for p in net.places if p.zone]
    return {(a, b): float(d[ix[a], ix[b]]) for a in zones for b in zones}


MEAN_HAUL_KM = {
    "building_materials": 85,
    "general_containers": 105,
    "bulk_coal_minerals": 120,
    "chemicals": 100,
    "auto_parts": 95,
    "baijiu": 120,
    "grain": 100,
    "batteries": 85,
    "cold_chain_meat_fruit": 100,
    "electronics": 110,
}
"""Mean-haul targets inside the plan area (observed.csv mean_haul_<commodity>), road km."""


def test_plan_area_mean_hauls_meet_their_targets(
    rows: list[demandgen.DemandRow], net: Network
) -> None:
    """Inside the plan area (both ends among its eleven zones), each commodity's mean haul in
    shortest road km is its target (the fitted decay; whole-tonne rounding moves it < 0.01 %),
    and observed.csv holds the same targets."""
    km = _road_km(net)
    for com, target in MEAN_HAUL_KM.items():
        sel = [
            r for r in rows if r.commodity == com and r.origin in REGION and r.destination in REGION
        ]
        t = sum(r.tonnes for r in sel)
        h = sum(r.tonnes * km[(r.origin, r.destination)] for r in sel) / t
        assert h == pytest.approx(target, rel=1e-4), com
    with (BASE / "observed.csv").open(encoding="utf-8", newline="") as f:
        obs = {r["id"]: r for r in csv.DictReader(f) if r["quantity"] == "mean_haul_km"}
    for com, target in MEAN_HAUL_KM.items():
        row = obs[f"mean_haul_{com}"]
        assert set(row["element"].split(";")) == REGION
        assert (row["commodity"], float(row["value"]), row["role"]) == (com, target, "target")


def test_block_is_doubly_constrained(rows: list[demandgen.DemandRow]) -> None:
    """Every plan-area zone ships (R + Co) x its production weight and receives (R + Ci) x its
    consumption weight (to whole-tonne rounding), for every commodity; the cores together receive
    Co and send Ci exactly."""
    for com, spec in demandgen.SPECS.items():
        prod = demandgen._normalized(spec.prod or demandgen.GDP_2023)
        cons = demandgen._normalized(spec.cons or demandgen.GDP_2023)
        r_, co, ci = (spec.total_t * spec.split.get(s, 0.0) for s in ("R", "Co", "Ci"))
        block = [r for r in rows if r.commodity == com and r.segment in ("R", "Co", "Ci")]
        for z in REGION:
            out = sum(r.tonnes for r in block if r.origin == z)
            into = sum(r.tonnes for r in block if r.destination == z)
            assert out == pytest.approx((r_ + co) * prod.get(z, 0.0), abs=20), (com, z)
            assert into == pytest.approx((r_ + ci) * cons.get(z, 0.0), abs=20), (com, z)
        assert sum(r.tonnes for r in block if r.destination in CORES) == round(co)
        assert sum(r.tonnes for r in block if r.origin in CORES) == round(ci)


def test_guoyuan_segments_hand_computed(rows: list[demandgen.DemandRow]) -> None:
    """Chongqing core <-> east through Guoyuan: Chongqing port 197 Mt (S33) x 26/230 (Guoyuan's
    capacity share) x 2/3 / 2 = 7,423,188.4 t each way (two segments rounded apart: +-1 t); of it
    the express line's boxes 1.3908 M TEU / 63 months x 12 x 10 t / 0.7 / 2 = 1,892,245 t of
    general cargo Chongqing <-> Shanghai."""
    each = 197e6 * 26 / 230 * 2 / 3 / 2
    out = sum(r.tonnes for r in rows if r.origin == "CQ" and r.destination in EAST)
    back = sum(r.tonnes for r in rows if r.destination == "CQ" and r.origin in EAST)
    assert out == pytest.approx(each, abs=1.0)
    assert back == pytest.approx(each, abs=1.0)
    got = {(r.origin, r.destination, r.commodity): r.tonnes for r in rows}
    assert got[("CQ", "SH", "general_containers")] == 1_892_245
    assert got[("SH", "CQ", "general_containers")] == 1_892_245


def test_cores_split_follows_mass_and_decay(
    rows: list[demandgen.DemandRow],
    net: Network,
) -> None:
    """The cores share one balancing factor, so Rongchang's general cargo from the cores splits
    CD:CQ as 22000 e^(-d_CD/L) : 16000 e^(-d_CQ/L), d in road km, L as written in the source."""
    km = _road_km(net)
    got = {(r.origin, r.destination, r.commodity): r for r in rows}
    cd, cq = got[("CD", "RC", "general_containers")], got[("CQ", "RC", "general_containers")]
    m = re.search(r"L = ([0-9.]+) km", cd.source)
    assert m is not None
    length = float(m.group(1))
    expected = (
        22000
        * math.exp(-km[("CD", "RC")] / length)
        / (16000 * math.exp(-km[("CQ", "RC")] / length))
    )
    assert cd.tonnes / cq.tonnes == pytest.approx(expected, rel=2e-3)


def test_every_od_is_a_zone_and_every_commodity_exists(
    rows: list[demandgen.DemandRow],
    net: Network,
) -> None:
    """Every origin and destination is a zone place; every commodity is in commodities.csv."""
    zones = {p.id for p in net.places if p.zone}
    coms = {c.id for c in net.commodities}
    assert all(r.origin in zones and r.destination in zones for r in rows)
    assert all(r.origin != r.destination for r in rows)
    assert {r.commodity for r in rows} == coms
    assert all(r.tonnes > 0 for r in rows)
    assert 300 <= len(rows) <= 1500


def test_base_network_passes_the_loader_checks() -> None:
    """The case loader's checks (references, kinds, connectivity of every OD) accept the folder."""
    from freight.scenario.case import load_network_case

    net = load_network_case(BASE).net
    assert len(net.places) >= 40
    assert sum(p.zone for p in net.places) == 21
    assert net.total_demand() == sum(r.tonnes for r in _committed())


def test_no_post_base_date_infrastructure(net) -> None:  # type: ignore[no-untyped-def]
    """Nothing opened after 2023-03 is in the base (叙毕, Yibin spur, 内大, Shilongyan, new 隆叙)."""
    pairs = {(lk.mode, frozenset((lk.from_, lk.to))) for lk in net.links}
    assert ("rail", frozenset(("XY", "BJ"))) not in pairs  # Xuyong–Bijie rail, 2023-12
    assert ("rail", frozenset(("YB", "YBP"))) not in pairs  # Yibin port spur, 2023-12
    assert ("road", frozenset(("NJ", "DZ"))) not in pairs  # Neijiang–Dazu expressway, 2023-09
    assert ("road", frozenset(("CQ", "XY"))) not in pairs  # 渝赤叙, under construction
    assert "LZS" not in net.place_by_id  # Shilongyan terminal, 2024-12
    old = net.link_by_id["R_LC_LZ"].length_km + net.link_by_id["R_LZ_XY"].length_km
    assert old == 161  # the old Longchang–Xuyong line (S6)
    assert net.link_by_id["R_LC_LZ"].co2_g_per_t_km == 25  # diesel
    assert all(lk.opened is None or lk.opened <= 2023 for lk in net.links)


def _cheapest_costs(net) -> dict[tuple[str, str, str], float]:  # type: ignore[no-untyped-def]
    """Cheapest generalized cost (money + VoT x time, no carbon price) of every demand row on the
    virtual multimodal graph, by scipy's Dijkstra (parallel arcs reduced to their cheapest)."""
    g = build_graph(net)
    cost = g.cost_matrix()
    out: dict[tuple[str, str, str], float] = {}
    for k, cid in enumerate(g.commodities):
        ok = np.isfinite(cost[k])
        a = np.nonzero(ok)[0]
        a = a[np.lexsort((cost[k][a], g.head[a], g.tail[a]))]
        key = g.tail[a] * g.n_nodes + g.head[a]
        first = np.ones(len(a), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        a = a[first]
        m = csr_matrix((cost[k][a] + 1e-12, (g.tail[a], g.head[a])), shape=(g.n_nodes,) * 2)
        rows = [d for d in net.demand if d.commodity == cid]
        origins = sorted({g.src_node[d.origin] for d in rows})
        dist = dijkstra(m, indices=origins)
        at = {o: i for i, o in enumerate(origins)}
        for d in rows:
            out[(d.origin, d.destination, cid)] = float(
                dist[at[g.src_node[d.origin]], g.sink_node[d.destination]]
            )
    return out


def test_unserved_penalty_exceeds_the_cheapest_route_of_every_od() -> None:
    """Every demand row has a finite route on the multimodal graph, cheaper than its penalty."""
    net = load_network(BASE, check=False)
    best = _cheapest_costs(net)
    pen = {c.id: c.unserved_penalty_cny_per_t for c in net.commodities}
    for d in net.demand:
        key = (d.origin, d.destination, d.commodity)
        assert best[key] < pen[d.commodity], key
    # hand check: Rongchang -> Chongqing core building materials by road via Yongchuan
    # (37 + 80 km): 15 + 0.35 x 117 + 0.001 x 117 / 55 = 55.95 CNY/t
    assert best[("RC", "CQ", "building_materials")] == pytest.approx(
        15 + 0.35 * 117 + 0.001 * 117 / 55, abs=1e-6
    )


@pytest.mark.slow
def test_main_rewrites_the_folder_and_reports(tmp_path: Path) -> None:
    """`python -m tools.demandgen FOLDER` rewrites demand.csv identically and exits 0."""
    folder = tmp_path / "net"
    shutil.copytree(BASE, folder)
    (folder / "demand.csv").unlink()
    assert demandgen.main([str(folder)]) == 0
    assert (folder / "demand.csv").read_bytes() == (BASE / "demand.csv").read_bytes()
    assert demandgen.main([]) == 2


def test_missing_zone_is_reported(tmp_path: Path) -> None:
    """A folder without the ALS gateway zone raises a DataError naming it."""
    folder = tmp_path / "net"
    shutil.copytree(BASE, folder)
    lines = (folder / "places.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "places.csv").write_text(
        "".join(x for x in lines if not x.startswith("ALS,")), encoding="utf-8"
    )
    with pytest.raises(DataError, match="zone 'ALS' used by the demand generator is missing"):
        demandgen.generate(folder)


def test_unknown_check_name_raises(rows: list[demandgen.DemandRow]) -> None:
    """Asking a DemandCheck for a check it does not have raises KeyError."""
    with pytest.raises(KeyError, match="no check named 'nope'"):
        demandgen.check(rows).item("nope")
