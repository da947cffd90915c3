"""A first solution that honours capacities and time windows: parallel regret-2 insertion.

Used by :func:`solvers.routing.solve` when every OR-Tools first-solution strategy fails on a
tight fleet. All vehicles are open at once (fixed fleet); at each step, for every unrouted
customer, the cheapest feasible insertion position is found on every vehicle, and the customer
whose second-best option is dearest relative to its best (largest regret; a customer with a
single feasible vehicle first) is inserted at its best position. Feasibility of one insertion is
checked in constant time from each stop's earliest service start and latest feasible start
(Solomon 1987, push-forward), vectorised over positions and customers with numpy.

Works on the integer (scaled) arrays that the OR-Tools model uses, so a construction feasible
here is feasible in the model.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["insertion_routes"]

_BIG = np.iinfo(np.int64).max // 4


def _schedule(
    route: list[int],
    transit: NDArray[np.int64],
    window: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Earliest service start and latest feasible service start at each stop of ``route``."""
    r = np.asarray(route)
    arrive = np.empty(len(r), dtype=np.int64)
    arrive[0] = window[r[0], 0]
    for k in range(1, len(r)):
        arrive[k] = max(window[r[k], 0], arrive[k - 1] + transit[r[k - 1], r[k]])
    latest = np.empty(len(r), dtype=np.int64)
    latest[-1] = window[r[-1], 1]
    for k in range(len(r) - 2, -1, -1):
        latest[k] = min(window[r[k], 1], latest[k + 1] - transit[r[k], r[k + 1]])
    return arrive, latest


def insertion_routes(
    cost: list[NDArray[np.int64]],
    transit: NDArray[np.int64],
    window: NDArray[np.int64],
    demand: NDArray[np.int64],
    capacity: NDArray[np.int64],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    fixed_cost: NDArray[np.int64],
    customers: NDArray[np.int64],
) -> list[list[int]] | None:
    """Insert every customer into the fixed fleet, or return ``None`` when one does not fit.

    Parameters
    ----------
    cost
        One ``(n, n)`` integer arc-cost matrix per vehicle (scaled cost units; vehicles may share
        the same array object).
    transit
        ``(n, n)`` integer time from the start of service at the row node to arrival at the
        column node (service time of the row node included; scaled time units).
    window
        ``(n, 2)`` integer earliest and latest start of service (scaled; use a huge latest for
        no window). A depot's window bounds its vehicles' departure and return.
    demand, capacity
        ``(n,)`` integer non-negative loads and ``(m,)`` integer vehicle capacities.
    starts, ends
        ``(m,)`` start and end node of each vehicle.
    fixed_cost
        ``(m,)`` integer cost of using each vehicle (scaled cost units).
    customers
        The nodes to insert.

    Returns
    -------
    list of list of int or None
        Per vehicle, its customers in visiting order (depots excluded), or ``None``.
    """
    m = len(capacity)
    routes = [[int(starts[v]), int(ends[v])] for v in range(m)]
    load = np.zeros(m, dtype=np.int64)
    todo = np.asarray(customers, dtype=np.int64)
    if todo.size == 0:
        return [[] for _ in range(m)]
    best_cost = np.full((m, todo.size), _BIG, dtype=np.int64)
    best_pos = np.zeros((m, todo.size), dtype=np.int64)
    alive = np.ones(todo.size, dtype=bool)

    def evaluate(v: int) -> None:
        r = routes[v]
        arrive, latest = _schedule(r, transit, window)
        prev = np.asarray(r[:-1])[:, None]
        nxt = np.asarray(r[1:])[:, None]
        u = todo[None, :]
        a_prev = arrive[:-1][:, None]
        a_u = np.maximum(window[u, 0], a_prev + transit[prev, u])
        a_next = np.maximum(window[nxt, 0], a_u + transit[u, nxt])
        ok = (a_u <= window[u, 1]) & (a_next <= latest[1:][:, None])
        ok &= (load[v] + demand[u]) <= capacity[v]
        c = cost[v]
        delta = c[prev, u] + c[u, nxt] - c[prev, nxt]
        if len(r) == 2:
            delta = delta + fixed_cost[v]
        delta = np.where(ok, delta, _BIG)
        pos = np.argmin(delta, axis=0)
        best_cost[v] = delta[pos, np.arange(todo.size)]
        best_pos[v] = pos

    for v in range(m):
        evaluate(v)
    for _ in range(todo.size):
        masked = np.where(alive[None, :], best_cost, _BIG)
        order = np.sort(masked, axis=0)
        first = order[0]
        feasible = alive & (first < _BIG)
        if not feasible[alive].all():
            return None
        second = order[1] if m > 1 else np.full(todo.size, _BIG)
        regret = np.where(second >= _BIG, _BIG, second - first)
        regret = np.where(alive, regret, -1)
        # Largest regret first; among equal regrets, the dearest best insertion (hardest first).
        k = int(np.lexsort((-np.where(alive, first, -1), -regret))[0])
        v = int(np.argmin(masked[:, k]))
        routes[v].insert(int(best_pos[v, k]) + 1, int(todo[k]))
        load[v] += demand[todo[k]]
        alive[k] = False
        best_cost[:, k] = _BIG
        evaluate(v)
        best_cost[:, ~alive] = _BIG
    return [r[1:-1] for r in routes]
