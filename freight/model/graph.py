"""The virtual multimodal graph (DESIGN §2): one directed graph on which a single optimization
chooses mode, route and transfer points together.

Nodes
    * a *mode node* ``(place, mode)`` for every place with links of that mode;
    * two *zone nodes* per zone place, ``src`` (where its outgoing freight starts) and ``sink``
      (where its incoming freight ends), so that no route can pass *through* a zone;
    * two *facility nodes* per terminal row, ``in`` and ``out``, joined by one handling arc that
      carries the terminal's cost, time and capacity; the capacity is therefore shared by both
      directions of the transfer.

Arcs (``kind``)
    * ``link``: one per physical link and direction, between mode nodes of the same mode;
    * ``transfer``: mode node → facility ``in``, the handling arc ``in`` → ``out``, and
      ``out`` → mode node; the arc into a mode node charges that mode's fixed cost per tonne
      (loading, base tariff);
    * ``access``: the zone's own loading/unloading: ``src`` → ``(place, road)`` (road fixed cost)
      and ``(place, road)`` → ``sink`` at every zone place with road links (door to door), and the
      same through facility nodes for ``terminals.csv`` rows whose ``from_mode`` is ``zone``.

Hubs
    A place with a terminal row whose ``from_mode`` equals its ``to_mode`` (``water``–``water``
    at Guoyuan) is a *hub* of that mode: the mode's links that **end** there (for water the
    upstream reach: ``from`` is the upstream end) attach to a second mode node, the *arrival*
    node ``(place, "water<")``, and those that start there to the mode node. Only the place's
    same-mode rows join the two (a transhipment between vessels, or a through passage of ships
    that sail on, each with its own cost, time and capacity); the place's other terminals with a
    side of that mode serve both nodes. A same-mode row charges no entering cost and lifts no
    tonne into the mode (the tonne is already in it). ``meta["arrival_node"]`` maps ``(place, mode)`` to the
    arrival node and ``meta["node_mode"]`` gives every node's mode index (−1: not a mode node).

Per commodity an arc is *forbidden* when it touches a mode node of a mode the commodity may not
use, when the link lists the commodity in ``excluded_commodities``, or when it is the handling arc
of a transfer between two modes without a dangerous-goods yard and the commodity is dangerous.

Costs are per tonne: money (CNY, 2023 prices), time (h), CO2 (kg). The generalized cost of
commodity k on an arc is ``money + vot_k × vot_factor × time_h + carbon_price × co2_kg / 1000``
with ``carbon_price`` in CNY per tonne of CO2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.capacity import free_capacity

KINDS: tuple[str, ...] = ("link", "transfer", "access")
LINK, TRANSFER, ACCESS = 0, 1, 2


@dataclass(frozen=True)
class CostParams:
    """Prices that turn an arc's money, time and CO2 into a generalized cost.

    Attributes
    ----------
    carbon_price
        CNY per tonne of CO2 (0 = emissions not priced).
    vot_factor
        Multiplies every commodity's value of time.
    vot_factors
        Per-commodity multipliers on the value of time, on top of ``vot_factor``.
    tariff_factors
        Per-mode multipliers on money cost (rates and fixed charges), e.g. ``{"rail": 0.9}``.
    """

    carbon_price: float = 0.0
    vot_factor: float = 1.0
    vot_factors: dict[str, float] = field(default_factory=dict)
    tariff_factors: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class VirtualGraph:
    """Arrays of the virtual multimodal graph. Arc arrays have shape ``(n_arcs,)``; per-commodity
    arrays ``(n_commodities, n_arcs)``. Capacities are tonnes per year (``inf`` = unbounded):
    ``capacity_t`` as the data states it, ``background_t`` the traffic not modelled (links only),
    and :attr:`capacity_free_t` what is left for modelled freight (:mod:`freight.model.capacity`)."""

    node_label: tuple[str, ...]
    node_place: tuple[str, ...]
    node_role: tuple[str, ...]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    kind: NDArray[np.int8]
    mode: NDArray[np.int8]
    direction: NDArray[np.int8]
    element: tuple[str, ...]
    length_km: NDArray[np.float64]
    time_h: NDArray[np.float64]
    capacity_t: NDArray[np.float64]
    background_t: NDArray[np.float64]
    co2_kg_per_t: NDArray[np.float64]
    money_base: NDArray[np.float64]
    link_rate: NDArray[np.float64]
    commodities: tuple[str, ...]
    allowed: NDArray[np.bool_]
    money: NDArray[np.float64]
    vot: NDArray[np.float64]
    generalized: NDArray[np.float64]
    src_node: dict[str, int]
    sink_node: dict[str, int]
    mode_node: dict[tuple[str, str], int]
    handling_arc: dict[str, int]
    params: CostParams
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_label)

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return len(self.tail)

    @cached_property
    def capacity_free_t(self) -> NDArray[np.float64]:
        """Capacity left for modelled freight per arc (t/yr): the one rule of
        :func:`freight.model.capacity.free_capacity`."""
        return free_capacity(self.capacity_t, self.background_t)

    @cached_property
    def commodity_index(self) -> dict[str, int]:
        """Commodity id -> row of the per-commodity arrays."""
        return {c: i for i, c in enumerate(self.commodities)}

    @cached_property
    def is_handling(self) -> NDArray[np.bool_]:
        """Mask of the terminals' handling arcs (facility ``in`` → ``out``)."""
        mask = np.zeros(self.n_arcs, dtype=bool)
        mask[list(self.handling_arc.values())] = True
        return mask

    def cost_matrix(self) -> NDArray[np.float64]:
        """Generalized cost per commodity with ``inf`` on forbidden arcs (solver input)."""
        return np.where(self.allowed, self.generalized, np.inf)

    def arc_label(self, a: int) -> str:
        """Readable name of arc ``a``: ``element tail->head``."""
        return f"{self.element[a]} {self.node_label[self.tail[a]]}->{self.node_label[self.head[a]]}"


class _Builder:
    def __init__(self) -> None:
        self.labels: list[str] = []
        self.places: list[str] = []
        self.roles: list[str] = []
        self.index: dict[str, int] = {}
        self.handling: dict[str, int] = {}
        self.excluded: list[tuple[int, frozenset[str]]] = []  # (arc, commodities) where any
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "tail",
                "head",
                "kind",
                "mode",
                "direction",
                "element",
                "length_km",
                "time_h",
                "capacity_t",
                "background_t",
                "co2",
                "money",
                "rate",
                "entering",
                "dg_block",
            )
        }

    def node(self, place: str, role: str) -> int:
        label = f"{place}|{role}"
        if label not in self.index:
            self.index[label] = len(self.labels)
            self.labels.append(label)
            self.places.append(place)
            self.roles.append(role)
        return self.index[label]

    def arc(
        self,
        tail: int,
        head: int,
        kind: int,
        element: str,
        *,
        mode: int = -1,
        direction: int = 0,
        length_km: float = 0.0,
        time_h: float = 0.0,
        capacity_t: float = math.inf,
        background_t: float = 0.0,
        co2: float = 0.0,
        money: float = 0.0,
        rate: float = 0.0,
        entering: int = -1,
        excluded: frozenset[str] = frozenset(),
        dg_block: bool = False,
    ) -> None:
        c = self.cols
        c["tail"].append(tail)
        c["head"].append(head)
        c["kind"].append(kind)
        c["mode"].append(mode)
        c["direction"].append(direction)
        c["element"].append(element)
        c["length_km"].append(length_km)
        c["time_h"].append(time_h)
        c["capacity_t"].append(capacity_t)
        c["background_t"].append(background_t)
        c["co2"].append(co2)
        c["money"].append(money)
        c["rate"].append(rate)
        c["entering"].append(entering)
        c["dg_block"].append(dg_block)
        if excluded:
            self.excluded.append((len(c["tail"]) - 1, excluded))


def build_graph(net: Network, params: CostParams | None = None) -> VirtualGraph:
    """Expand a physical network into the virtual multimodal graph.

    Parameters
    ----------
    net
        A loaded (and checked) network.
    params
        Prices for the generalized cost; defaults to no carbon price and unit factors.

    Returns
    -------
    VirtualGraph
        Deterministic and independent of the input files' row order: the graph is built from
        the canonical network (:meth:`freight.data.network.Network.canonical`: places, links,
        terminals and commodities by id), modes in the order road, rail, water, air; links, then
        terminals, then access arcs.
    """
    params = params or CostParams()
    net = net.canonical()
    b = _Builder()
    modes = net.mode_by_name
    tf = params.tariff_factors
    place_order = {p.id: i for i, p in enumerate(net.places)}

    present: dict[str, set[str]] = {p.id: set() for p in net.places}
    for lk in net.links:
        present.setdefault(lk.from_, set()).add(lk.mode)
        present.setdefault(lk.to, set()).add(lk.mode)
    mode_node: dict[tuple[str, str], int] = {}
    for pid in sorted(present, key=lambda x: place_order.get(x, len(place_order))):
        for m in MODES:
            if m in present[pid]:
                mode_node[(pid, m)] = b.node(pid, m)
    hubs = sorted(
        {(t.place, t.to_mode) for t in net.terminals if t.from_mode == t.to_mode},
        key=lambda k: (place_order.get(k[0], len(place_order)), MODES.index(k[1])),
    )
    arrival: dict[tuple[str, str], int] = {
        k: b.node(k[0], f"{k[1]}<") for k in hubs if k in mode_node
    }
    src: dict[str, int] = {}
    sink: dict[str, int] = {}
    for p in net.places:
        if p.zone:
            src[p.id] = b.node(p.id, "src")
            sink[p.id] = b.node(p.id, "sink")

    def entering_cost(m: str) -> float:
        return modes[m].fixed_cost_per_t * tf.get(m, 1.0) if m in modes else 0.0

    c = b.cols
    for lk in net.links:
        md = modes[lk.mode]
        rate = (lk.cost_per_t_km if lk.cost_per_t_km is not None else md.cost_per_t_km) * tf.get(
            lk.mode, 1.0
        )
        cap = math.inf if lk.capacity_t is None else lk.capacity_t
        fwd_speed = lk.speed_kmh or md.speed_kmh
        rev_speed = lk.reverse_speed_kmh or (
            lk.speed_kmh if lk.speed_kmh is not None else (md.reverse_speed_kmh or md.speed_kmh)
        )
        fwd_co2 = lk.co2_g_per_t_km if lk.co2_g_per_t_km is not None else md.co2_g_per_t_km
        rev_co2 = (
            lk.co2_g_per_t_km
            if lk.co2_g_per_t_km is not None
            else (
                md.reverse_co2_g_per_t_km
                if md.reverse_co2_g_per_t_km is not None
                else md.co2_g_per_t_km
            )
        )
        mi = MODES.index(lk.mode)
        u = mode_node[(lk.from_, lk.mode)]
        v = arrival.get((lk.to, lk.mode), mode_node[(lk.to, lk.mode)])
        # the forward arc u -> v, then the reverse v -> u (the values of Builder.arc, per column)
        km = lk.length_km
        if lk.excluded_commodities:
            excluded = frozenset(lk.excluded_commodities)
            b.excluded += [(len(c["tail"]), excluded), (len(c["tail"]) + 1, excluded)]
        c["tail"] += (u, v)
        c["head"] += (v, u)
        c["kind"] += (LINK, LINK)
        c["mode"] += (mi, mi)
        c["direction"] += (1, -1)
        c["element"] += (lk.id, lk.id)
        c["length_km"] += (km, km)
        c["time_h"] += (km / fwd_speed + lk.wait_h, km / rev_speed + lk.wait_h)
        c["capacity_t"] += (cap, cap)
        c["background_t"] += (lk.background_t, lk.background_t)
        c["co2"] += (fwd_co2 * km / 1000.0, rev_co2 * km / 1000.0)
        money_l = lk.fixed_cost_per_t * tf.get(lk.mode, 1.0)
        c["money"] += (money_l, money_l)
        c["rate"] += (rate * km, rate * km)
        c["entering"] += (-1, -1)
        c["dg_block"] += (False, False)

    for term in net.terminals:
        cap = math.inf if term.capacity_t is None else term.capacity_t
        fin = b.node(term.place, f"{term.id}:in")
        fout = b.node(term.place, f"{term.id}:out")
        is_access = term.from_mode == "zone"
        kind = ACCESS if is_access else TRANSFER
        b.handling[term.id] = len(b.cols["tail"])
        b.arc(
            fin,
            fout,
            kind,
            term.id,
            time_h=term.time_h,
            capacity_t=cap,
            money=term.cost_per_t,
            dg_block=(not is_access) and (not term.dg_yard),
        )
        sides: list[tuple[int, int, str | None]] = []
        if is_access:
            sides.append((src[term.place], sink[term.place], None))
        elif term.from_mode == term.to_mode:  # a hub's row: the arrival node to the mode node
            sides.append((arrival[(term.place, term.from_mode)],) * 2 + (term.from_mode,))
        else:
            sides += _sides(mode_node, arrival, term.place, term.from_mode)
        if term.from_mode == term.to_mode:
            n = mode_node[(term.place, term.to_mode)]
            sides.append((n, n, term.to_mode))
        else:
            sides += _sides(mode_node, arrival, term.place, term.to_mode)
        same = term.from_mode == term.to_mode  # no new lift: the tonne stays in its mode
        for into, out_to, side_mode in sides:
            b.arc(into, fin, kind, term.id)
            b.arc(
                fout,
                out_to,
                kind,
                term.id,
                money=entering_cost(side_mode) if side_mode and not same else 0.0,
                entering=MODES.index(side_mode) if side_mode and not same else -1,
            )

    road = MODES.index("road")
    for p in net.places:
        if p.zone and (p.id, "road") in mode_node:
            rn = mode_node[(p.id, "road")]
            b.arc(
                src[p.id],
                rn,
                ACCESS,
                f"road-access:{p.id}",
                money=entering_cost("road"),
                entering=road,
            )
            b.arc(rn, sink[p.id], ACCESS, f"road-access:{p.id}")

    tail = np.asarray(c["tail"], dtype=np.int64)
    head = np.asarray(c["head"], dtype=np.int64)
    kind_a = np.asarray(c["kind"], dtype=np.int8)
    money_base = np.asarray(c["money"], dtype=float)
    rate_a = np.asarray(c["rate"], dtype=float)
    time_h = np.asarray(c["time_h"], dtype=float)
    co2_a = np.asarray(c["co2"], dtype=float)

    node_mode = np.full(len(b.labels), -1, dtype=np.int64)
    for (_, m), n in [*mode_node.items(), *arrival.items()]:
        node_mode[n] = MODES.index(m)
    comms = net.commodities
    n_c, n_a = len(comms), len(tail)
    allowed = np.ones((n_c, n_a), dtype=bool)
    money = np.empty((n_c, n_a))
    vot = np.empty(n_c)
    dg_block = np.asarray(c["dg_block"], dtype=bool)
    tm, hm = node_mode[tail], node_mode[head]
    for k, com in enumerate(comms):
        ok_mode = np.zeros(len(MODES) + 1, dtype=bool)  # index -1 -> last = not a mode node
        ok_mode[-1] = True
        for m in com.allowed_modes:
            ok_mode[MODES.index(m)] = True
        allow = ok_mode[tm] & ok_mode[hm]
        if com.dangerous:
            allow &= ~dg_block
        excl = [a for a, e in b.excluded if com.id in e]
        allow[excl] = False
        allowed[k] = allow
        money[k] = money_base + rate_a * com.cost_factor
        vot[k] = (
            com.value_of_time_cny_per_t_h * params.vot_factor * params.vot_factors.get(com.id, 1.0)
        )
    generalized = (
        money + vot[:, None] * time_h[None, :] + params.carbon_price * co2_a[None, :] / 1000.0
    )

    return VirtualGraph(
        node_label=tuple(b.labels),
        node_place=tuple(b.places),
        node_role=tuple(b.roles),
        tail=tail,
        head=head,
        kind=kind_a,
        mode=np.asarray(c["mode"], dtype=np.int8),
        direction=np.asarray(c["direction"], dtype=np.int8),
        element=tuple(c["element"]),
        length_km=np.asarray(c["length_km"], dtype=float),
        time_h=time_h,
        capacity_t=np.asarray(c["capacity_t"], dtype=float),
        background_t=np.asarray(c["background_t"], dtype=float),
        co2_kg_per_t=co2_a,
        money_base=money_base,
        link_rate=rate_a,
        commodities=tuple(x.id for x in comms),
        allowed=allowed,
        money=money,
        vot=vot,
        generalized=generalized,
        src_node=src,
        sink_node=sink,
        mode_node=mode_node,
        handling_arc=dict(b.handling),
        params=params,
        meta={
            "entering_mode": np.asarray(c["entering"], dtype=np.int8),
            "arrival_node": arrival,
            "node_mode": node_mode,
        },
    )


def _sides(
    mode_node: dict[tuple[str, str], int],
    arrival: dict[tuple[str, str], int],
    place: str,
    mode: str,
) -> list[tuple[int, int, str | None]]:
    """The mode-node sides of a terminal row's ``mode`` side: the mode node, and the arrival node
    too where the place is a hub of that mode (module docstring, Hubs)."""
    nodes = [mode_node[(place, mode)]]
    if (place, mode) in arrival:
        nodes.append(arrival[(place, mode)])
    return [(n, n, mode) for n in nodes]


@dataclass(frozen=True)
class DemandArrays:
    """Demand rows of a network as solver arrays (node indices of the virtual graph)."""

    origin: NDArray[np.int64]
    destination: NDArray[np.int64]
    commodity: NDArray[np.int64]
    tonnes: NDArray[np.float64]
    penalty: NDArray[np.float64]


def demand_arrays(net: Network, graph: VirtualGraph) -> DemandArrays:
    """Demand table -> arrays: origin ``src`` node, destination ``sink`` node, commodity row,
    tonnes per year and the unserved penalty (CNY per tonne) of each row."""
    ci = graph.commodity_index
    pen = {c.id: c.unserved_penalty_cny_per_t for c in net.commodities}
    d = net.demand
    return DemandArrays(
        origin=np.fromiter((graph.src_node[r.origin] for r in d), np.int64, len(d)),
        destination=np.fromiter((graph.sink_node[r.destination] for r in d), np.int64, len(d)),
        commodity=np.fromiter((ci[r.commodity] for r in d), np.int64, len(d)),
        tonnes=np.fromiter((r.tonnes for r in d), float, len(d)),
        penalty=np.fromiter((pen[r.commodity] for r in d), float, len(d)),
    )
