"""Congestion of the behavioural model: which arcs slow down with volume, and how.

* **Road links with a capacity**: BPR of the total volume in PCU, background included,
  ``t = t0 (1 + α ((truck PCU + background PCU) / capacity PCU) ** β)``, with ``t0`` the link's
  free-flow time (length / speed + wait_h) and ``α, β`` of ``modes.csv``. The capacity and
  background PCU come from ``capacity_t`` and ``background_t`` by the conversion the data used to
  build them (:mod:`freight.model.vehicles`). BPR rather than the JTG B01 speed–flow curves:
  those need hourly volumes and design-hour factors that the data does not hold; the volumes here
  are annual and the capacity is the design AADT of JTG B01-2014.
* **Links with a queue curve** (``queue_capacity_t`` set: the Three Gorges locks): the sailing
  time (length / speed) is constant and the lock time is
  ``queue_base_h (1 + queue_alpha (V / queue_capacity_t) ** queue_beta)``, ``V`` = tonnes per
  year through the lock in this direction, modelled plus ``background_t``; the waiting time
  reported is the part above ``queue_base_h``. ``wait_h`` is then not used.
* **Rail links and terminals** keep the hard capacity of the linear model (the capacity left for
  modelled freight, :mod:`freight.model.capacity`), priced by the equilibrium's multipliers;
  their time is constant.
* Everything else (water channels, air, access roads without capacity) has a constant time.

An element closed for modelled freight (no capacity left) is removed from the choice set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.capacity import free_capacity
from freight.model.graph import LINK, VirtualGraph
from freight.model.vehicles import VehicleFactors

ROAD, RAIL = MODES.index("road"), MODES.index("rail")


@dataclass(frozen=True, eq=False)
class Congestion:
    """Arrays per arc handed to :func:`solvers.sue.solve` (module docstring).

    Attributes
    ----------
    free_flow_time
        ``t0`` of the volume–delay function, h (the whole time of constant arcs).
    constant_time
        Time outside the volume–delay function (the sailing time of a queue link), h.
    alpha, beta
        Volume–delay parameters (0 = constant time).
    capacity
        Capacity of the volume–delay function, PCU/yr (road) or t/yr (queue links); ``inf``
        elsewhere.
    background
        Background volume in the same unit, per year.
    pcu
        Volume unit per tonne of modelled freight (PCU/t on roads, 1 on queue links, 0 else).
    hard_capacity
        Hard capacity in tonnes (rail links, terminals), ``inf`` elsewhere.
    closed
        Arcs with no capacity left for modelled freight (kept out of the choice set).
    is_road, is_queue
        Arcs with the BPR road curve / the queue curve.
    """

    free_flow_time: NDArray[np.float64]
    constant_time: NDArray[np.float64]
    alpha: NDArray[np.float64]
    beta: NDArray[np.float64]
    capacity: NDArray[np.float64]
    background: NDArray[np.float64]
    pcu: NDArray[np.float64]
    hard_capacity: NDArray[np.float64]
    closed: NDArray[np.bool_]
    is_road: NDArray[np.bool_]
    is_queue: NDArray[np.bool_]

    def time_at(self, volume: ArrayLike) -> NDArray[np.float64]:
        """Total arc time (h) at the given volume (unit of :attr:`capacity`)."""
        return self.constant_time + bpr_time(
            self.free_flow_time, self.alpha, self.beta, volume, self.capacity
        )

    def background_time(self) -> NDArray[np.float64]:
        """Total arc time (h) with the background alone."""
        return self.time_at(self.background)


def bpr_time(
    t0: ArrayLike, alpha: ArrayLike, beta: ArrayLike, volume: ArrayLike, capacity: ArrayLike
) -> NDArray[np.float64]:
    """``t0 (1 + α (volume / capacity) ** β)`` (h); ``t0`` where the capacity is infinite."""
    t = np.asarray(t0, dtype=float)
    v = np.asarray(volume, dtype=float)
    c = np.asarray(capacity, dtype=float)
    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    ok = np.isfinite(c) & (c > 0)
    ratio = np.where(ok, v / np.where(ok, c, 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        out: NDArray[np.float64] = t * (1.0 + np.where(ok, a * np.power(ratio, b), 0.0))
    return out


def congestion(
    net: Network,
    g: VirtualGraph,
    veh: VehicleFactors,
    capacity: NDArray[np.float64] | None = None,
) -> Congestion:
    """The arrays of :class:`Congestion` for graph ``g`` of network ``net``.

    ``capacity`` (arc capacities as stated, t/yr, replacing the graph's: a derated or closed
    element, :func:`freight.model.capacity.derated_capacity`) changes the hard capacities, the
    road capacity in PCU and closures; a queue curve's capacity is scaled by the share of the
    capacity left for modelled freight that the element keeps.
    """
    net = net.canonical()
    modes = net.mode_by_name
    links = net.link_by_id
    n_a = g.n_arcs
    link = g.kind == LINK
    stated = g.capacity_t if capacity is None else np.asarray(capacity, dtype=float)
    free = free_capacity(stated, g.background_t)
    free0 = g.capacity_free_t
    closed = np.isfinite(stated) & (free <= 0)
    t0 = g.time_h.copy()
    const = np.zeros(n_a)
    alpha = np.zeros(n_a)
    beta = np.zeros(n_a)
    cap = np.full(n_a, math.inf)
    bg = np.zeros(n_a)
    pcu = np.zeros(n_a)
    hard = np.full(n_a, math.inf)
    is_road = np.zeros(n_a, dtype=bool)
    is_queue = np.zeros(n_a, dtype=bool)
    road = modes.get("road")
    for a in np.flatnonzero(link):
        lk = links[g.element[a]]
        if lk.queue_capacity_t is not None:
            is_queue[a] = True
            const[a] = g.time_h[a] - lk.wait_h
            t0[a] = lk.queue_base_h
            alpha[a] = lk.queue_alpha
            beta[a] = lk.queue_beta
            keep = free[a] / free0[a] if math.isfinite(free0[a]) and free0[a] > 0 else 1.0
            cap[a] = lk.queue_capacity_t * keep if keep > 0 else math.inf
            bg[a] = lk.background_t
            pcu[a] = 1.0
        elif g.mode[a] == ROAD and math.isfinite(stated[a]) and road is not None and not closed[a]:
            is_road[a] = True
            alpha[a] = road.bpr_alpha
            beta[a] = road.bpr_beta
            cap[a] = stated[a] * veh.pcu_per_t_capacity[a]
            bg[a] = g.background_t[a] * veh.pcu_per_t_capacity[a]
            pcu[a] = veh.pcu_per_t[a]
        elif g.mode[a] == RAIL and math.isfinite(free[a]) and free[a] > 0:
            hard[a] = free[a]
    handling = g.is_handling & np.isfinite(free) & (free > 0)
    hard[handling] = free[handling]
    return Congestion(
        free_flow_time=t0,
        constant_time=const,
        alpha=alpha,
        beta=beta,
        capacity=cap,
        background=bg,
        pcu=pcu,
        hard_capacity=hard,
        closed=closed,
        is_road=is_road,
        is_queue=is_queue,
    )
