"""The generalized cost of the behavioural model split into its parts, per arc and commodity.

The linear model charges one money rate per tonne-km (``modes.csv`` ``cost_per_t_km``: what a
shipper pays, tolls included). The behavioural model splits that rate into what it is made of,
so that a slower trip costs the vehicle's time as well as the cargo's, and the appraisal can keep
transfers apart from resource costs:

``vehicle distance``
    ``cost_per_t_km × cost_factor − toll_per_t_km − vehicle time at speed_kmh``: fuel, tyres,
    maintenance per vehicle-km converted to tonnes (the residual of the sourced rate, so that at
    the mode's speed the parts add up to the rate the linear model charges).
``vehicle time``
    ``vehicle_cost_per_h × (1 + empty_share) / (payload_t × load_factor)`` CNY per tonne-hour,
    charged on the arc's actual (congested) time: a faster truck saves operating cost.
``cargo time``
    the commodity's value of time × the arc's time (handling and lock waits included).
``handling``
    terminal handling and the mode's entering charge (``fixed_cost_per_t``).
``tolls``
    ``toll_per_t_km`` (road tolls, the rail construction fund) and links' ``fixed_cost_per_t``:
    transfers to the state or the infrastructure owner, not resource costs.
``CO2``
    ``carbon_price × co2_kg / 1000``.

Every money part is multiplied by the scenario's tariff factor of its mode (a ×0.9 rail tariff
lowers every money part of a rail arc, the vehicle time cost included).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.graph import LINK, VirtualGraph
from freight.model.vehicles import VehicleFactors, vehicle_factors

log = logging.getLogger(__name__)

PARTS: tuple[str, ...] = (
    "vehicle_distance",
    "vehicle_time",
    "cargo_time",
    "handling",
    "tolls",
    "co2",
)
"""The parts of the generalized cost, in the order of the output columns."""


@dataclass(frozen=True, eq=False)
class CostParts:
    """Flow-independent cost parts and time values of every arc (arrays of the virtual graph).

    Attributes
    ----------
    distance
        Vehicle distance cost, CNY/t, ``(n_commodities, n_arcs)``.
    tolls
        Tolls, taxes and fees, CNY/t, ``(n_commodities, n_arcs)``.
    handling
        Handling and mode entering charges, CNY/t, ``(n_arcs,)``.
    co2
        CO2 at the carbon price, CNY/t, ``(n_arcs,)``.
    vehicle_time_value
        Vehicle time cost per tonne-hour, CNY/(t·h), ``(n_arcs,)`` (0 off links).
    cargo_time_value
        Value of time per commodity, CNY/(t·h), ``(n_commodities,)``.
    clipped
        Arcs whose distance residual was negative and set to 0 (the vehicle time at the mode's
        speed exceeds the rate net of tolls), ``(n_arcs,)`` bool.
    vehicles
        Vehicles and PCU per tonne of every arc.
    """

    distance: NDArray[np.float64]
    tolls: NDArray[np.float64]
    handling: NDArray[np.float64]
    co2: NDArray[np.float64]
    vehicle_time_value: NDArray[np.float64]
    cargo_time_value: NDArray[np.float64]
    clipped: NDArray[np.bool_]
    vehicles: VehicleFactors

    def money(self) -> NDArray[np.float64]:
        """Distance + tolls + handling + CO2 per commodity and arc, CNY/t (no time)."""
        out: NDArray[np.float64] = (
            self.distance + self.tolls + self.handling[None, :] + self.co2[None, :]
        )
        return out

    def time_value(self) -> NDArray[np.float64]:
        """Vehicle plus cargo time value per commodity and arc, CNY/(t·h)."""
        out: NDArray[np.float64] = self.cargo_time_value[:, None] + self.vehicle_time_value[None, :]
        return out


def cost_parts(net: Network, g: VirtualGraph) -> CostParts:
    """Split the graph's money cost into the parts of the module docstring.

    Parameters
    ----------
    net
        The network the graph was built from (its ``modes.csv`` rows give the split).
    g
        The virtual graph (its tariff factors and carbon price apply).

    Returns
    -------
    CostParts
        At the mode's own speed the parts of a link sum to the graph's money cost
        (``distance + tolls + vehicle_time_value × length / speed_kmh = money``) except where
        ``clipped``.
    """
    net = net.canonical()
    modes = net.mode_by_name
    tf = g.params.tariff_factors
    veh = vehicle_factors(net, g)
    n_c, n_a = len(g.commodities), g.n_arcs
    link = g.kind == LINK
    toll_rate = np.zeros(n_a)
    nominal_speed = np.ones(n_a)
    for mi, m in enumerate(MODES):
        sel = link & (g.mode == mi)
        if m in modes and sel.any():
            toll_rate[sel] = modes[m].toll_per_t_km * tf.get(m, 1.0)
            nominal_speed[sel] = modes[m].speed_kmh
    w_veh = veh.vehicle_cost_per_t_h.copy()
    for mi, m in enumerate(MODES):
        w_veh[link & (g.mode == mi)] *= tf.get(m, 1.0)
    cf = np.array([c.cost_factor for c in net.commodities])
    toll_km = toll_rate * g.length_km
    fees = np.where(link, g.money_base, 0.0)
    handling = np.where(link, 0.0, g.money_base)
    nominal_vt = np.where(link, w_veh * g.length_km / nominal_speed, 0.0)
    rate = g.link_rate[None, :] * cf[:, None]
    residual = rate - toll_km[None, :] - nominal_vt[None, :]
    clipped = np.any(residual < -1e-9, axis=0) & link
    if clipped.any():
        log.warning(
            "vehicle time at the mode's speed exceeds the rate net of tolls on %d arcs: distance "
            "cost set to 0 there",
            int(clipped.sum()),
        )
    distance = np.maximum(residual, 0.0)
    tolls = np.broadcast_to(toll_km + fees, (n_c, n_a)).copy()
    co2 = g.params.carbon_price * g.co2_kg_per_t / 1000.0
    return CostParts(
        distance=distance,
        tolls=tolls,
        handling=handling,
        co2=co2,
        vehicle_time_value=w_veh,
        cargo_time_value=np.asarray(g.vot, dtype=float),
        clipped=clipped,
        vehicles=veh,
    )
