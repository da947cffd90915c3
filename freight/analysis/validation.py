"""Compare a model run with observed figures (``observed.csv``): the rows of ``validation.csv``.

Each :class:`~freight.data.schema.Observed` figure names an element and a quantity; this module
computes the modelled value of the same quantity from a solved run, in the figure's unit:

``tonnes_share``
    tonnes entering the mode over all tonnes entering a mode (``mode_summary.csv``'s
    ``tonnes_share``), share; element ``MODE`` (every demand row) or ``MODE@Z1;Z2;…`` (only the
    rows with an origin or a destination among those zones: a region's own modal split, without
    the corridor and gateway traffic that merely uses the network).
``port_tonnes`` / ``port_teu``
    tonnes (t/yr) or boxes (TEU/yr) handled by the place's terminals that have a water side,
    both directions; several places joined by ``;`` are summed. A through passage (a
    water–water row without a handling charge) is not counted; a transhipment counts once (one
    handling arc; port statistics count its two moves).
``transfer_teu``
    TEU/yr through the ``PLACE:from-to`` transfer (either direction), summed over ``;``.
``transhipment_share``
    ``PLACE>HUB``: the share of PLACE's water boxes whose path is transhipped water–water at the
    hub HUB (:mod:`freight.model.graph` "Hubs"): it reaches both of HUB's water nodes (the
    arrival node of the upstream reach and the water node) through one of HUB's facilities —
    its water–water row or a port row handling the box between two ships — and not by a
    through passage (a same-mode row without a handling charge: ships that sail on). 0 where
    HUB is no water hub.
``passages_t``
    tonnes/yr over both directions of the link, background included (the lock statistics count
    every ship).
``wait_h``
    passage-weighted queue wait of the link's directions (behavioural model), h.
``link_teu``
    modelled TEU/yr over both directions of the link (background is counted in tonnes only).
``airport_tonnes``
    t/yr handled by the place's terminals with an air side.
``mean_haul_km``
    tonne-weighted mean length (km, the ``length_km`` of every link arc, all modes) of the
    served paths of the demand rows whose origin *and* destination are among the ``;``-joined
    zones (``commodity`` restricts as usual); the haul the demand generator's distance decay is
    fitted to.

Boxes are tonnes × ``container_share`` / ``t_per_teu`` of each commodity (``commodities.csv``).
A figure is *met* when ``low ≤ modelled ≤ high``. The GEH statistic (TAG unit M3.1) is given for
flow-like quantities (t/yr, TEU/yr) on the annual figure's mean hourly rate (value / 8,760 h),
because GEH is defined on hourly counts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from freight.data.network import Network
from freight.data.schema import MODES, Observed
from freight.errors import DataError, Problem
from freight.model.graph import LINK
from freight.model.linear import ModelRun
from freight.results.tables import teu_per_t

log = logging.getLogger(__name__)

HOURS_PER_YEAR = 8760.0
"""Hours of a year: annual flows to the mean hourly rate of the GEH statistic."""
FLOW_UNITS = frozenset({"t/yr", "TEU/yr"})
"""Units of the quantities the GEH statistic applies to."""


@dataclass(frozen=True)
class Summary:
    """Counts of the figures within their tolerance band.

    Attributes
    ----------
    targets, targets_met
        Calibration targets, and how many are within tolerance.
    validation, validation_met
        Validation-only figures, and how many are within tolerance.
    bounds, bounds_met
        Of the validation-only figures, those that are upper bounds only (``low`` = 0).
    """

    targets: int
    targets_met: int
    validation: int
    validation_met: int
    bounds: int
    bounds_met: int

    def text(self) -> str:
        """One line for the terminal."""
        return (
            f"calibration targets met: {self.targets_met} of {self.targets}; "
            f"validation figures met: {self.validation_met} of {self.validation} "
            f"({self.bounds_met} of {self.bounds} upper bounds)"
        )


def _mask(run: ModelRun, commodity: str | None) -> NDArray[np.bool_]:
    comms = list(run.graph.commodities)
    if commodity is None:
        return np.ones(len(comms), dtype=bool)
    return np.array([c == commodity for c in comms], dtype=bool)


def _terminal_arcs(run: ModelRun, places: Sequence[str], side: str) -> list[int]:
    """Handling arcs of the places' terminals with a ``side`` side, without the through
    passages (same-mode rows with no handling charge)."""
    g = run.graph
    return [
        g.handling_arc[t.id]
        for t in run.net.terminals
        if t.place in places
        and side in (t.from_mode, t.to_mode)
        and not t.through_passage
    ]


def _transfer_arcs(run: ModelRun, element: str) -> list[int]:
    g = run.graph
    arcs: list[int] = []
    for part in element.split(";"):
        place, _, pair = part.partition(":")
        a, _, b = pair.partition("-")
        arcs += [
            g.handling_arc[t.id]
            for t in run.net.terminals
            if t.place == place and {t.from_mode, t.to_mode} == {a, b}
        ]
    return arcs


def _link_arcs(run: ModelRun, link: str) -> NDArray[np.int64]:
    g = run.graph
    return np.flatnonzero((g.kind == LINK) & (np.asarray(g.element) == link))


def _share(run: ModelRun, element: str, sel: NDArray[np.bool_]) -> float:
    g = run.graph
    entering = g.meta["entering_mode"]
    mode, _, scope = element.partition("@")
    mi = MODES.index(mode)
    if not scope:
        total = run.flow[sel].sum(axis=0)
        lifted = float(total[entering >= 0].sum())
        return float(total[entering == mi].sum()) / lifted if lifted > 0 else 0.0
    zones = set(scope.split(";"))
    d = run.demand
    lifted = into = 0.0
    for i, paths in enumerate(run.od_paths):
        o, t = g.node_place[d.origin[i]], g.node_place[d.destination[i]]
        if not sel[int(d.commodity[i])] or (o not in zones and t not in zones):
            continue
        for p in paths:
            modes = entering[list(p.arcs)]
            lifted += p.tonnes * int((modes >= 0).sum())
            into += p.tonnes * int((modes == mi).sum())
    return into / lifted if lifted > 0 else 0.0


def _transhipment(run: ModelRun, element: str, sel: NDArray[np.bool_]) -> float:
    place, _, hub = element.partition(">")
    g = run.graph
    arrival = g.meta.get("arrival_node", {}).get((hub, "water"))
    main = g.mode_node.get((hub, "water"))
    if arrival is None or main is None:
        return 0.0
    own = {
        g.handling_arc[t.id]
        for t in run.net.terminals
        if t.place == place and "water" in (t.from_mode, t.to_mode) and t.from_mode != t.to_mode
    }
    through = {
        g.handling_arc[t.id]
        for t in run.net.terminals
        if t.place == hub and t.to_mode == "water" and t.through_passage
    }
    box = teu_per_t(run) * sel
    total = via = 0.0
    for i, paths in enumerate(run.od_paths):
        k = int(run.demand.commodity[i])
        if box[k] == 0:
            continue
        for p in paths:
            arcs = set(p.arcs)
            if not arcs & own:
                continue
            total += p.tonnes * box[k]
            nodes = {int(g.tail[a]) for a in arcs} | {int(g.head[a]) for a in arcs}
            if arrival in nodes and main in nodes and not arcs & through:
                via += p.tonnes * box[k]
    return via / total if total > 0 else 0.0


def _mean_haul(run: ModelRun, element: str, sel: NDArray[np.bool_]) -> float:
    zones = set(element.split(";"))
    g = run.graph
    in_set = np.array([g.node_place[n] in zones for n in range(g.n_nodes)], dtype=bool)
    km = np.where(g.kind == LINK, g.length_km, 0.0)
    d = run.demand
    tonnes = tkm = 0.0
    for i, paths in enumerate(run.od_paths):
        if not (sel[int(d.commodity[i])] and in_set[d.origin[i]] and in_set[d.destination[i]]):
            continue
        for p in paths:
            tonnes += p.tonnes
            tkm += p.tonnes * float(km[list(p.arcs)].sum())
    return tkm / tonnes if tonnes > 0 else 0.0


def _wait(run: ModelRun, link: str) -> float | None:
    locks = run.solver_info.get("locks")
    if not isinstance(locks, dict):
        return None
    mine = [v for k, v in locks.items() if str(k).split(" ")[0] == link]
    vol = sum(float(v["volume_t"]) for v in mine)
    if not mine or vol <= 0:
        return None
    return sum(float(v["volume_t"]) * float(v["wait_h"]) for v in mine) / vol


def modelled_value(run: ModelRun, obs: Observed) -> float | None:
    """The modelled value of one observed figure, in the figure's unit (module docstring).

    Returns
    -------
    float or None
        ``None`` where the run cannot give it (a lock wait of a method without queues).
    """
    sel = _mask(run, obs.commodity)
    flow = run.flow[sel].sum(axis=0)
    box_flow = (run.flow * (teu_per_t(run) * sel)[:, None]).sum(axis=0)
    places = obs.element.split(";")
    q = obs.quantity
    if q == "tonnes_share":
        return _share(run, obs.element, sel)
    if q == "port_tonnes":
        return float(flow[_terminal_arcs(run, places, "water")].sum())
    if q == "port_teu":
        return float(box_flow[_terminal_arcs(run, places, "water")].sum())
    if q == "airport_tonnes":
        return float(flow[_terminal_arcs(run, places, "air")].sum())
    if q == "transfer_teu":
        return float(box_flow[_transfer_arcs(run, obs.element)].sum())
    if q == "transhipment_share":
        return _transhipment(run, obs.element, sel)
    if q == "mean_haul_km":
        return _mean_haul(run, obs.element, sel)
    arcs = _link_arcs(run, obs.element)
    if q == "passages_t":
        return float(flow[arcs].sum() + run.graph.background_t[arcs].sum())
    if q == "link_teu":
        return float(box_flow[arcs].sum())
    return _wait(run, obs.element)


def check_elements(net: Network, observed: Sequence[Observed], file: str) -> None:
    """Raise a :class:`~freight.errors.DataError` naming every figure whose element or
    commodity the network does not have (row numbers are the file's, header = row 1)."""
    problems: list[Problem] = []
    places = net.place_by_id
    links = net.link_by_id
    for line, o in enumerate(observed, start=2):
        bad: list[str] = []
        if o.commodity is not None and o.commodity not in net.commodity_by_id:
            problems.append(Problem(file, line, "commodity", f"unknown commodity {o.commodity!r}"))
        if o.quantity == "tonnes_share":
            mode, _, scope = o.element.partition("@")
            bad = [] if mode in MODES else [mode]
            if scope:
                bad += [p for p in scope.split(";") if p not in places or not places[p].zone]
        elif o.quantity in ("passages_t", "wait_h", "link_teu"):
            bad = [] if o.element in links else [o.element]
        elif o.quantity == "transfer_teu":
            bad = [p.partition(":")[0] for p in o.element.split(";")]
            bad = [p for p in bad if p not in places]
        elif o.quantity == "transhipment_share":
            bad = [p for p in o.element.split(">") if p not in places]
        elif o.quantity == "mean_haul_km":
            bad = [p for p in o.element.split(";") if p not in places or not places[p].zone]
        else:
            bad = [p for p in o.element.split(";") if p not in places]
        if bad:
            problems.append(
                Problem(file, line, "element", f"{', '.join(bad)} not in the network ({o.id})")
            )
    if problems:
        raise DataError(problems, context=file)


def geh(modelled: float, observed: float) -> float:
    """GEH statistic of two hourly flows: ``sqrt(2 (M − C)² / (M + C))`` (0 when both are 0)."""
    s = modelled + observed
    return math.sqrt(2.0 * (modelled - observed) ** 2 / s) if s > 0 else 0.0


def validation_rows(run: ModelRun, observed: Sequence[Observed]) -> list[dict[str, Any]]:
    """The rows of ``validation.csv``: one per observed figure, in the file's order.

    Columns: ``figure`` (the id), ``element``, ``quantity``, ``commodity``, ``role``, ``year``,
    ``unit``, ``observed``, ``low``, ``high``, ``modelled``, ``ratio`` (modelled / observed),
    ``geh`` (flow-like units only), ``within`` (low ≤ modelled ≤ high).
    """
    rows: list[dict[str, Any]] = []
    for o in observed:
        m = modelled_value(run, o)
        ratio = m / o.value if m is not None and o.value > 0 else None
        g = (
            geh(m / HOURS_PER_YEAR, o.value / HOURS_PER_YEAR)
            if m is not None and o.unit in FLOW_UNITS
            else None
        )
        rows.append(
            {
                "figure": o.id,
                "element": o.element,
                "quantity": o.quantity,
                "commodity": o.commodity or "",
                "role": o.role,
                "year": o.year,
                "unit": o.unit,
                "observed": o.value,
                "low": o.low,
                "high": o.high,
                "modelled": m,
                "ratio": ratio,
                "geh": g,
                "within": m is not None and o.low <= m <= o.high,
            }
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]], observed: Sequence[Observed]) -> Summary:
    """Count the figures of :func:`validation_rows` within tolerance, by role."""
    low = {o.id: o.low for o in observed}
    tg = [r for r in rows if r["role"] == "target"]
    va = [r for r in rows if r["role"] == "validation"]
    bd = [r for r in va if low[str(r["figure"])] == 0]
    return Summary(
        targets=len(tg),
        targets_met=sum(bool(r["within"]) for r in tg),
        validation=len(va),
        validation_met=sum(bool(r["within"]) for r in va),
        bounds=len(bd),
        bounds_met=sum(bool(r["within"]) for r in bd),
    )
