"""The solution methods of the freight model, and the status a solve ends in.

One ``Literal`` each, used everywhere a method or status is passed (the CLI's choices, scenario
files, result manifests). :func:`solve` dispatches a method to its model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from freight.data.network import Network
    from freight.model.graph import CostParams, VirtualGraph
    from freight.model.linear import ModelRun

Method = Literal["mcf", "lp", "ue", "so", "logit"]
"""``mcf``: the planner's system-optimal view, fast exact multi-commodity flow (shortest paths,
then column generation where a capacity binds); ``lp``: the same optimum from the monolithic
arc-flow LP in HiGHS (the reference); ``ue`` / ``so``: user-equilibrium / system-optimal static
assignment with BPR link times (:mod:`freight.model.equilibrium`); ``logit``: the behavioural
model, nested-logit mode-chain and route choice in a stochastic user equilibrium with road
congestion over background traffic, the lock queue and hard rail/terminal capacities
(:mod:`freight.model.behavioural`; constants calibrated by ``freight calibrate``)."""

METHODS: tuple[Method, ...] = get_args(Method)

DEFAULT_METHOD: Method = "logit"
"""The method of ``freight run``, ``compare`` and ``appraise`` (and of :func:`freight.analysis.run`,
:mod:`freight.analysis.compare`, ``freight.api``) when neither ``--method`` nor the scenario's
``[solver] method`` names one: the behavioural model, because it describes how shippers choose
(a share for every chain by its cost, not the whole OD on the cheapest one) and its constants are
calibrated to the base year's observed figures (``network_data/chuannan_yuxi/commodities.csv``).
``mcf``/``lp`` stay the planner's system-optimal view with capacity shadow prices (ask for them
with ``--method mcf``); ``criticality`` and ``sweep`` keep ``mcf`` as their own default."""

LINEAR_METHODS: tuple[Method, ...] = ("mcf", "lp")
"""Methods of the linear model (capacity duals exist)."""

EQUILIBRIUM_METHODS: tuple[Method, ...] = ("ue", "so")
"""Methods of the equilibrium view (no capacity duals: shadow prices are blank)."""

BEHAVIOURAL_METHODS: tuple[Method, ...] = ("logit",)

CapacityMethod = Literal["mcf", "lp", "logit"]
"""Methods that take derated capacities (criticality) and re-solve in sweeps: the linear model
and the behavioural model (the equilibrium view has no hard capacities)."""

CAPACITY_METHODS: tuple[CapacityMethod, ...] = get_args(CapacityMethod)
"""Methods of the behavioural model (shadow prices = the equilibrium's capacity multipliers)."""

Status = Literal["optimal", "converged", "not_converged", "time_limit", "infeasible", "error"]
"""How a solve ended. ``optimal``: proven optimal (linear model) or zero gap; ``converged``: the
equilibrium reached its gap; ``not_converged``: stopped at the iteration limit; the others as
named."""

STATUSES: tuple[Status, ...] = get_args(Status)


def as_method(value: str, where: str = "--method") -> Method:
    """``value`` as a :data:`Method`, or a :class:`~freight.errors.DataError` naming ``where``."""
    for m in METHODS:
        if value == m:
            return m
    from freight.errors import DataError, Problem

    expected = ", ".join(METHODS)
    raise DataError(
        [Problem(where, None, "", f"unknown method {value!r}; expected one of {expected}")]
    )


def as_status(value: str) -> Status:
    """A solver's status string as a :data:`Status` (unknown strings are a bug: ValueError)."""
    for s in STATUSES:
        if value == s:
            return s
    raise ValueError(f"solver returned an unknown status {value!r}")


def solve(
    net: Network,
    params: CostParams,
    method: Method,
    *,
    graph: VirtualGraph | None = None,
    capacity: NDArray[np.float64] | None = None,
    paths: bool = True,
) -> ModelRun:
    """Solve ``net`` with ``method``: the linear model or the equilibrium view.

    ``graph`` (a prebuilt graph of ``net`` with ``params``), ``capacity`` (arc capacities as
    stated, replacing the graph's, t/yr) and ``paths`` (decompose into OD paths) apply to the
    linear methods (``capacity`` also to the behavioural model); the equilibrium view and the
    behavioural model build their own graph.
    """
    if method == "logit":
        from freight.model.behavioural import solve_behavioural

        return check_finite(solve_behavioural(net, params, capacity=capacity))
    if method == "ue" or method == "so":
        from freight.model.equilibrium import solve_equilibrium

        return check_finite(solve_equilibrium(net, params, objective=method))
    from freight.model.linear import solve_network

    run = solve_network(net, params, method=method, graph=graph, capacity=capacity, paths=paths)
    return check_finite(run)


def check_finite(run: ModelRun) -> ModelRun:
    """``run`` itself, or a :class:`~freight.errors.FreightError` when a figure is not finite.

    The input bounds (:mod:`freight.data.schema`, :mod:`freight.scenario.files`) keep every solve
    within the solvers' precision; this is the last guard, so that a result whose figures are not
    finite is never written as ``optimal``.
    """
    import numpy as np

    from freight.errors import FreightError

    bad = []
    if not np.isfinite(run.objective):
        bad.append(f"objective {run.objective!r}")
    if not np.isfinite(run.flow).all():
        bad.append("arc flows")
    if not np.isfinite(run.unserved).all():
        bad.append("unserved tonnes")
    if bad:
        raise FreightError(
            f"the {run.method} solve ended {run.status!r} with non-finite {', '.join(bad)}: an "
            "input is out of the range the model can compute with (see docs/scenarios.md)"
        )
    return run
