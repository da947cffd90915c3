"""Tonnes to vehicles and passenger-car units (behavioural model).

A loaded vehicle carries ``payload_t × load_factor`` tonnes; for every loaded vehicle-km it also
runs ``empty_share`` empty vehicle-km (return trips of unbalanced flows). So one tonne on a link
takes::

    vehicles per tonne = (1 + empty_share) / (payload_t × load_factor)
    PCU per tonne      = pcu × vehicles per tonne                       (road)

The road capacities and background of ``links.csv`` are in tonnes converted from PCU at full
payload (SOURCES.md: design AADT / 2 × 365 × 25 t per truck / 3.0 PCU per truck), so the same
conversion turns them back into PCU: ``capacity_pcu = capacity_t × pcu / payload_t`` and
``background_pcu = background_t × pcu / payload_t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.graph import LINK, VirtualGraph


@dataclass(frozen=True, eq=False)
class VehicleFactors:
    """Per arc of the virtual graph (0 off links).

    Attributes
    ----------
    vehicles_per_t
        Vehicle trips (loaded and empty) per tonne carried, veh/t.
    pcu_per_t
        Passenger-car units per tonne (road links; other modes 0), PCU/t.
    pcu_per_t_capacity
        PCU per tonne of the capacity and background conversion (``pcu / payload_t``; road
        links only), PCU/t.
    vehicle_cost_per_t_h
        Vehicle time cost per tonne-hour, ``vehicle_cost_per_h × vehicles_per_t``, CNY/(t·h).
    """

    vehicles_per_t: NDArray[np.float64]
    pcu_per_t: NDArray[np.float64]
    pcu_per_t_capacity: NDArray[np.float64]
    vehicle_cost_per_t_h: NDArray[np.float64]


def vehicles_per_tonne(payload_t: float, load_factor: float, empty_share: float) -> float:
    """Vehicle trips per tonne, ``(1 + empty_share) / (payload_t × load_factor)`` (veh/t)."""
    return (1.0 + empty_share) / (payload_t * load_factor)


def vehicle_factors(net: Network, g: VirtualGraph) -> VehicleFactors:
    """The factors of :class:`VehicleFactors` for every link arc of ``g`` from ``modes.csv``."""
    modes = net.mode_by_name
    n_a = g.n_arcs
    vpt = np.zeros(n_a)
    pcu = np.zeros(n_a)
    pcu_cap = np.zeros(n_a)
    vc = np.zeros(n_a)
    link = g.kind == LINK
    for mi, m in enumerate(MODES):
        sel = link & (g.mode == mi)
        if m not in modes or not sel.any():
            continue
        row = modes[m]
        v = vehicles_per_tonne(row.payload_t, row.load_factor, row.empty_share)
        vpt[sel] = v
        vc[sel] = row.vehicle_cost_per_h * v
        if m == "road":
            pcu[sel] = row.pcu * v
            pcu_cap[sel] = row.pcu / row.payload_t
    return VehicleFactors(
        vehicles_per_t=vpt, pcu_per_t=pcu, pcu_per_t_capacity=pcu_cap, vehicle_cost_per_t_h=vc
    )
