"""The one capacity rule: what a capacity means, what is left for modelled freight, and how a
closure or derating changes it.

``capacity_t`` always means what ``links.csv`` and ``terminals.csv`` say: the element's annual
capacity per direction in tonnes (``inf`` = unbounded). ``background_t`` is the traffic the model
does not assign (cars and other trucks on a road, other trains on a line) expressed in tonnes of
capacity; it is zero on terminals. Everything below follows from these two numbers:

* capacity left for modelled freight: ``free = max(capacity - background, 0)``;
* utilization: ``(flow + background) / capacity`` (blank where the capacity is unbounded or zero);
* closing an element for a share ``s`` of the year, or derating it to ``factor`` for that share,
  keeps ``keep = 1 - s × (1 - factor)`` of the capacity left for modelled freight: the new capacity
  is ``background + (capacity - background) × keep``, and a closure for the whole year leaves
  exactly ``background`` (nothing for modelled freight). Background traffic is not diverted by a
  disruption (a stated simplification: the model does not assign it);
* background growth to a scenario year stops at a ceiling: ``min(grown, max_vc × capacity)``
  (:func:`capped_background`), with ``max_vc`` a share of the capacity per mode stated by the
  scenario (``[background] max_vc``; 1 = the capacity itself where none is stated) and the
  capacity that of the network *before* the projects where the link exists there, so a project
  never changes the background demand of its future (fixed background demand: the same
  background in every network of one future, TAG unit M4's fixed-demand treatment). The growth
  cut off is reported (suppressed: peak spreading, other roads and modes, trips not made).
* in the behavioural view a road's background shares its volume–delay curve with the modelled
  trucks (:mod:`freight.model.congestion`); only the hard capacities (rail lines, terminals) and
  the linear (planner's) view use the capacity left for modelled freight.

Disruptions (:mod:`freight.scenario.resolve`), criticality (:mod:`freight.analysis.criticality`),
the graph, the solvers' inputs and the result tables all go through these functions.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def keep_share(share_of_year: float, factor: float = 0.0) -> float:
    """Share of the capacity for modelled freight kept by a disruption (0 = closed all year).

    Parameters
    ----------
    share_of_year
        Share of the year the element is disrupted, in (0, 1].
    factor
        Capacity kept while disrupted (0 for a closure, in [0, 1] for a derating).
    """
    return max(0.0, 1.0 - share_of_year * (1.0 - factor))


def free_capacity(capacity: ArrayLike, background: ArrayLike) -> NDArray[np.float64]:
    """Capacity left for modelled freight, ``max(capacity - background, 0)`` (t/yr; inf stays inf)."""
    cap = np.asarray(capacity, dtype=float)
    bg = np.asarray(background, dtype=float)
    out: NDArray[np.float64] = np.maximum(cap - bg, 0.0)
    return out


def free_capacity_1(capacity: float | None, background: float) -> float:
    """:func:`free_capacity` of one element whose capacity may be ``None`` (unbounded)."""
    return math.inf if capacity is None else max(capacity - background, 0.0)


def derated_capacity_1(capacity: float | None, background: float, keep: float) -> float | None:
    """An element's capacity after keeping ``keep`` of what is left for modelled freight.

    ``None`` (unbounded) stays unbounded unless the element is closed all year (``keep <= 0``),
    when it becomes ``background``.
    """
    if keep <= 0:
        return background
    if capacity is None or not math.isfinite(capacity):
        return capacity
    return background + (capacity - background) * keep


def derated_capacity(
    capacity: ArrayLike, background: ArrayLike, keep: float | ArrayLike
) -> NDArray[np.float64]:
    """Array form of :func:`derated_capacity_1` (``inf`` = unbounded)."""
    cap = np.asarray(capacity, dtype=float)
    bg = np.broadcast_to(np.asarray(background, dtype=float), cap.shape)
    k = np.broadcast_to(np.asarray(keep, dtype=float), cap.shape)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isfinite(cap), bg + (cap - bg) * k, cap)
    return np.where(k <= 0, bg, out)


def capped_background(
    grown: float, capacity: float | None, max_vc: float = 1.0, base: float = 0.0
) -> tuple[float, float]:
    """A grown background and the growth suppressed by its ceiling.

    The ceiling is ``max_vc × capacity``, or the background before growth (``base``) where that
    is already above it: growth stops at the ceiling, it never takes away traffic there is.

    Parameters
    ----------
    grown
        Background grown to the scenario year (t/yr).
    capacity
        The capacity the ceiling is taken on (t/yr; ``None`` or ``inf`` = unbounded: no ceiling).
    max_vc
        Largest volume/capacity ratio of the background alone, in (0, 1].
    base
        The background before growth (t/yr).

    Returns
    -------
    background, suppressed
        ``min(grown, ceiling)`` and ``grown − background`` (≥ 0), t/yr.
    """
    if capacity is None or not math.isfinite(capacity):
        return grown, 0.0
    ceiling = max(max_vc * capacity, base)
    if grown <= ceiling:
        return grown, 0.0
    return ceiling, grown - ceiling


def utilization(flow: ArrayLike, background: ArrayLike, capacity: ArrayLike) -> NDArray[np.float64]:
    """``(flow + background) / capacity``; NaN (written blank) where the capacity is inf or 0."""
    f = np.asarray(flow, dtype=float)
    bg = np.asarray(background, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    ok = np.isfinite(cap) & (cap > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, (f + bg) / np.where(ok, cap, 1.0), np.nan)
