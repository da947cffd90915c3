"""Path-based column generation for the multi-commodity flow problem (method ``"colgen"``).

Private module behind :mod:`solvers.multicommodity`; all arithmetic in scaled units
(see :class:`solvers._mcf_lp.Problem`).

Algorithm
---------
1. Group active demand rows by (commodity, origin, destination): one master row per group.
2. All-or-nothing: route every group on its uncapacitated shortest path. If no capacity is
   exceeded this is optimal — capacity duals 0 and every path's reduced cost is
   ``cost - shortest distance >= 0`` — and no LP is solved.
3. Otherwise solve a restricted master LP in HiGHS: path columns and one unserved column per
   demand row (bounds ``[0, demand]``, cost = penalty); group rows ``sum f + sum u = demand``;
   capacity rows ``sum_{p ∋ a} f_p <= capacity_a`` **only for arcs in a working set S** (arcs
   ever found over capacity; capacity rows are generated lazily like the columns).
4. Pricing: with ``mu_a = -(row dual)`` on S and 0 elsewhere, Dijkstra per commodity from every
   origin with weights ``cost_k + mu``; a group whose shortest path has reduced cost
   ``dist - sigma_g < 0`` gets that path as a new column. Arcs outside S that the master's flow
   overloads join S.
5. Certificate: for any ``mu >= 0`` the Lagrangian bound
   ``LB = sum_d demand_d min(dist_d(mu), penalty_d) - sum_a mu_a capacity_a`` is a lower bound
   on the optimum; the master's objective is an upper bound once its flow respects every
   capacity. Stop when ``UB - LB <= tol * max(|UB|, 1e-12)``. In exact arithmetic the gap is 0
   once no column prices out; ``tol`` lets the tail stop at a proven gap and absorbs solver
   tolerances. If no column prices out but the gap stays above ``tol`` the status is
   ``"not_converged"`` (and ``method="auto"`` falls back to the LP).

Master solves: HiGHS interior point without crossover while many columns are added per
iteration (much faster than simplex on these degenerate masters; centred duals give better columns), then
one IPM + crossover solve for a basis, then simplex warm-started from the basis HiGHS keeps when
columns and rows are added. A gap proven by interior duals is followed by one crossover re-solve
so that the returned solution is a vertex; every re-solve is checked against all capacities
again (another optimal vertex of the restricted master may overload an arc outside S).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from solvers._mcf_lp import (
    HIGHS_INF,
    FloatArray,
    IntArray,
    Problem,
    RawSolution,
    failed,
    highs_status,
    new_highs,
)
from solvers.shortest_paths import shortest_path_tree

MASTER_OPTIONS: dict[str, Any] = {"solver": "ipm", "run_crossover": "off"}
"""HiGHS options of the restricted master (overridden by the caller's ``highs_options``).

Interior point without crossover: on these degenerate masters HiGHS's IPM is 5-20x faster than
(even warm-started) simplex, and its well-centred duals make better prices than vertex duals
(fewer, better columns). The final master is re-solved with crossover for a vertex solution
(flows on as few paths as possible) and vertex duals."""


SWITCH_GAP = 1e-3
SWITCH_COLUMNS = 0.1
"""The master switches from IPM to warm-started simplex once the relative gap is below
``SWITCH_GAP`` or an iteration adds fewer columns and capacity rows than ``SWITCH_COLUMNS`` ×
master rows: a hot simplex absorbs a few columns in a few pivots, while IPM would solve the
whole master again."""


def _walk_paths(
    pred_arc: IntArray, tail: IntArray, src_idx: IntArray, origin: IntArray, dest: IntArray
) -> tuple[IntArray, IntArray]:
    """Arcs of the tree paths origin -> dest, vectorized over many paths.

    Returns ``(ptr, arcs)``: path ``i`` is ``arcs[ptr[i]:ptr[i+1]]`` (listed from the
    destination back to the origin). Every destination must be reachable.
    """
    m = int(dest.shape[0])
    cur = dest.copy()
    idx = np.flatnonzero(cur != origin)
    owners: list[IntArray] = []
    arcs: list[IntArray] = []
    steps = 0
    n_nodes = pred_arc.shape[1]
    while idx.shape[0]:
        a = pred_arc[src_idx[idx], cur[idx]]
        if (a < 0).any() or steps > n_nodes:  # pragma: no cover - guarded by finite distances
            raise RuntimeError("shortest-path tree walk failed")
        owners.append(idx)
        arcs.append(a)
        cur[idx] = tail[a]
        idx = idx[cur[idx] != origin[idx]]
        steps += 1
    if not owners:
        return np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    own = np.concatenate(owners)
    arc = np.concatenate(arcs)
    order = np.argsort(own, kind="stable")
    ptr = np.zeros(m + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(own, minlength=m))
    return ptr, arc[order]


class _Columns:
    """Path columns of the restricted master: group, commodity, cost and arcs of each path."""

    def __init__(self, n_arcs: int) -> None:
        self.n_arcs = n_arcs
        self.group: list[IntArray] = []
        self.ptr_parts: list[IntArray] = []
        self.arc_parts: list[IntArray] = []
        self.n = 0
        self.nnz = 0
        self.seen: set[tuple[int, bytes]] = set()

    def add(self, group: IntArray, ptr: IntArray, arcs: IntArray) -> None:
        self.group.append(group)
        self.ptr_parts.append(ptr[1:] + self.nnz)
        self.arc_parts.append(arcs)
        self.n += int(group.shape[0])
        self.nnz += int(arcs.shape[0])

    def incidence(self) -> sp.csr_matrix:
        """(n_columns, n_arcs) 0/1 matrix."""
        ptr = np.concatenate([np.zeros(1, dtype=np.int64), *self.ptr_parts])
        arcs = np.concatenate([np.zeros(0, dtype=np.int64), *self.arc_parts])
        return sp.csr_matrix(
            (np.ones(arcs.shape[0]), arcs, ptr), shape=(self.n, self.n_arcs), dtype=np.float64
        )

    def groups(self) -> IntArray:
        return np.concatenate([np.zeros(0, dtype=np.int64), *self.group])


def solve_colgen(
    problem: Problem,
    *,
    tol: float,
    max_iter: int,
    time_limit: float | None,
    highs_options: dict[str, Any] | None,
) -> RawSolution:
    """Column (and row) generation; see the module docstring."""
    t_start = time.perf_counter()
    timings = {"shortest_path": 0.0, "master": 0.0, "build": 0.0, "extract": 0.0}
    n, n_arcs = problem.n_nodes, problem.n_arcs
    tail = problem.tail
    cost = problem.scaled_cost()
    cap = problem.scaled_capacity()
    capped = np.isfinite(cap)
    rows = np.flatnonzero(problem.active)
    n_u = int(rows.shape[0])
    if n_u == 0:
        return RawSolution(
            "optimal",
            "",
            np.zeros((problem.n_commodities, n_arcs)),
            np.zeros(n_arcs),
            np.zeros(problem.n_demands),
            0,
            timings,
        )
    dem_r = problem.scaled_demand()[rows]
    pen_r = problem.scaled_penalty()[rows]
    k_r = problem.commodity[rows]
    o_r = problem.origin[rows]
    t_r = problem.destination[rows]

    # groups (commodity, origin, destination) and, per commodity, the Dijkstra sources
    gkey, row_g = np.unique((k_r * n + o_r) * n + t_r, return_inverse=True)
    n_g = int(gkey.shape[0])
    g_k = gkey // (n * n)
    g_o = (gkey // n) % n
    g_t = gkey % n
    g_dem = np.bincount(row_g, weights=dem_r, minlength=n_g)
    commodities = np.unique(g_k)
    comm_groups: dict[int, IntArray] = {}
    comm_sources: dict[int, IntArray] = {}
    g_src = np.zeros(n_g, dtype=np.int64)
    for k in commodities:
        gs = np.flatnonzero(g_k == k)
        srcs, inv = np.unique(g_o[gs], return_inverse=True)
        comm_groups[int(k)] = gs
        comm_sources[int(k)] = srcs
        g_src[gs] = inv

    # commodities with identical cost rows (e.g. one class per commodity and origin, as the
    # freight model passes them) share one Dijkstra call over the union of their sources
    _, cost_id = np.unique(cost[commodities], axis=0, return_inverse=True)
    cost_id = cost_id.reshape(-1)
    cost_members: dict[int, list[int]] = {}
    for k, cid in zip(commodities.tolist(), cost_id.tolist(), strict=True):
        cost_members.setdefault(int(cid), []).append(int(k))
    union_sources: dict[int, IntArray] = {}
    source_rows: dict[int, IntArray] = {}
    for cid, ks in cost_members.items():
        union = np.unique(np.concatenate([comm_sources[k] for k in ks]))
        union_sources[cid] = union
        for k in ks:
            source_rows[k] = np.searchsorted(union, comm_sources[k])

    def price(mu: FloatArray) -> tuple[FloatArray, dict[int, IntArray]]:
        """Shortest distance of every group under cost + mu, and the trees' predecessor arcs."""
        t0 = time.perf_counter()
        dist = np.full(n_g, np.inf)
        preds: dict[int, IntArray] = {}
        for cid, ks in cost_members.items():
            d, pa = shortest_path_tree(n, tail, problem.head, cost[ks[0]] + mu, union_sources[cid])
            for k in ks:
                gs = comm_groups[k]
                rows_k = source_rows[k]
                dist[gs] = d[rows_k[g_src[gs]], g_t[gs]]
                preds[k] = pa[rows_k]
        timings["shortest_path"] += time.perf_counter() - t0
        return dist, preds

    def paths_for(groups: IntArray, preds: dict[int, IntArray]) -> tuple[IntArray, IntArray]:
        """Concatenated tree paths of the given groups, in the given order."""
        ptr_all = [np.zeros(1, dtype=np.int64)]
        arc_parts: list[IntArray] = []
        order_parts: list[IntArray] = []
        offset = 0
        for k in np.unique(g_k[groups]):
            sel = np.flatnonzero(g_k[groups] == k)
            gs = groups[sel]
            ptr, arcs = _walk_paths(preds[int(k)], tail, g_src[gs], g_o[gs], g_t[gs])
            ptr_all.append(ptr[1:] + offset)
            offset += int(arcs.shape[0])
            arc_parts.append(arcs)
            order_parts.append(sel)
        # reorder from commodity-major to the order of `groups`
        ptr = np.concatenate(ptr_all)
        arcs_cat = np.concatenate([np.zeros(0, dtype=np.int64), *arc_parts])
        sel_cat = np.concatenate([np.zeros(0, dtype=np.int64), *order_parts])
        lengths = np.diff(ptr)
        inv = np.empty_like(sel_cat)
        inv[sel_cat] = np.arange(sel_cat.shape[0])
        starts = ptr[:-1][inv]
        lens = lengths[inv]
        new_ptr = np.zeros(groups.shape[0] + 1, dtype=np.int64)
        new_ptr[1:] = np.cumsum(lens)
        gather = np.repeat(starts - new_ptr[:-1], lens) + np.arange(int(new_ptr[-1]))
        return new_ptr, arcs_cat[gather]

    # ---- 1. all-or-nothing on uncapacitated shortest paths
    zero_mu = np.zeros(n_arcs)
    dist, preds = price(zero_mu)
    reach = np.isfinite(dist)
    g_reach = np.flatnonzero(reach)
    ptr0, arcs0 = paths_for(g_reach, preds)
    serve_r = reach[row_g] & (dist[row_g] <= pen_r)
    served_g = np.bincount(row_g, weights=np.where(serve_r, dem_r, 0.0), minlength=n_g)
    col_owner = np.repeat(np.arange(g_reach.shape[0]), np.diff(ptr0))
    load = np.bincount(arcs0, weights=served_g[g_reach][col_owner], minlength=n_arcs)
    feas_tol = 1e-9 * (1.0 + np.where(capped, cap, 0.0))
    over = capped & (load > cap + feas_tol)
    if not over.any():
        flow = np.zeros(problem.n_commodities * n_arcs)
        np.add.at(flow, g_k[g_reach][col_owner] * n_arcs + arcs0, served_g[g_reach][col_owner])
        unserved = np.zeros(problem.n_demands)
        unserved[rows] = np.where(serve_r, 0.0, dem_r)
        timings["extract"] = time.perf_counter() - t_start - timings["shortest_path"]
        return RawSolution(
            status="optimal",
            message="all-or-nothing shortest paths respect every capacity",
            flow=flow.reshape(problem.n_commodities, n_arcs) * problem.flow_scale,
            capacity_dual=np.zeros(n_arcs),
            unserved=unserved * problem.flow_scale,
            iterations=0,
            timings=timings,
            stats={"columns": int(g_reach.shape[0]), "capacity_rows": 0, "groups": n_g},
        )

    # ---- 2. restricted master
    t0 = time.perf_counter()
    master_options = {**MASTER_OPTIONS, **(highs_options or {})}
    adaptive = not highs_options or not ({"solver", "run_crossover"} & set(highs_options))
    phase = "ipm" if master_options.get("solver") == "ipm" else "given"
    h = new_highs(master_options, None)
    e_i32 = np.zeros(0, dtype=np.int32)
    h.addRows(n_g, g_dem, g_dem, 0, np.zeros(n_g, dtype=np.int32), e_i32, np.zeros(0))
    h.addCols(
        n_u,
        pen_r,
        np.zeros(n_u),
        dem_r,
        n_u,
        np.arange(n_u, dtype=np.int32),
        row_g.astype(np.int32),
        np.ones(n_u),
    )
    cols = _Columns(n_arcs)
    cap_row = np.full(n_arcs, -1, dtype=np.int64)
    n_cap_rows = 0

    def add_rows(arcs_new: IntArray) -> None:
        nonlocal n_cap_rows
        m = int(arcs_new.shape[0])
        if cols.n:
            sub = cols.incidence()[:, arcs_new].tocsc()
            starts, idx = sub.indptr, sub.indices.astype(np.int64) + n_u
        else:
            starts, idx = np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        h.addRows(
            m,
            np.full(m, -HIGHS_INF),
            cap[arcs_new],
            int(idx.shape[0]),
            starts[:-1].astype(np.int32),
            idx.astype(np.int32),
            np.ones(idx.shape[0]),
        )
        cap_row[arcs_new] = n_g + n_cap_rows + np.arange(m)
        n_cap_rows += m

    def add_cols(groups: IntArray, ptr: IntArray, arcs: IntArray) -> int:
        """Add path columns not already in the master; returns how many were added."""
        keep = np.ones(groups.shape[0], dtype=bool)
        for i, g in enumerate(groups.tolist()):
            key = (g, arcs[ptr[i] : ptr[i + 1]].tobytes())
            if key in cols.seen:
                keep[i] = False
            else:
                cols.seen.add(key)
        if not keep.all():
            lens = np.diff(ptr)[keep]
            sel_arc = np.repeat(keep, np.diff(ptr))
            groups, arcs = groups[keep], arcs[sel_arc]
            ptr = np.zeros(groups.shape[0] + 1, dtype=np.int64)
            ptr[1:] = np.cumsum(lens)
        m = int(groups.shape[0])
        if m == 0:
            return 0
        owner = np.repeat(np.arange(m), np.diff(ptr))
        k_col = g_k[groups]
        c = np.bincount(owner, weights=cost[k_col[owner], arcs], minlength=m)
        crow = cap_row[arcs]
        incap = crow >= 0
        ent_col = np.concatenate([np.arange(m), owner[incap]])
        ent_row = np.concatenate([groups, crow[incap]])
        order = np.argsort(ent_col, kind="stable")
        starts = np.zeros(m, dtype=np.int64)
        starts[1:] = np.cumsum(np.bincount(ent_col, minlength=m))[:-1]
        h.addCols(
            m,
            c,
            np.zeros(m),
            np.full(m, HIGHS_INF),
            int(ent_row.shape[0]),
            starts.astype(np.int32),
            ent_row[order].astype(np.int32),
            np.ones(ent_row.shape[0]),
        )
        cols.add(groups, ptr, arcs)
        return m

    add_rows(np.flatnonzero(over))
    add_cols(g_reach, ptr0, arcs0)
    timings["build"] += time.perf_counter() - t0

    # ---- 3./4./5. iterate
    status, message = "not_converged", f"no convergence in {max_iter} iterations"
    iterations = 0
    lb = -np.inf
    ub = np.inf
    x = np.zeros(0)
    mu_best = np.zeros(n_arcs)
    over = np.zeros(n_arcs, dtype=bool)
    capacity_term = np.where(capped, cap, 0.0)
    # the final answer must be a vertex (flows on few paths, vertex duals) unless the caller
    # chose the master's options
    want_vertex = (
        master_options.get("solver") == "ipm" and master_options.get("run_crossover") == "off"
    )
    while iterations < max_iter:
        iterations += 1
        if time_limit is not None:
            remaining = time_limit - (time.perf_counter() - t_start)
            if remaining <= 0:
                status, message = "not_converged", "time limit reached"
                break
            h.setOptionValue("time_limit", float(remaining))
        t0 = time.perf_counter()
        if phase == "crossover":  # one IPM + crossover solve gives a vertex and a basis
            h.setOptionValue("run_crossover", "on")
        elif phase == "simplex":
            h.setOptionValue("solver", "simplex")
        h.run()
        vertex = phase in ("crossover", "simplex") or not want_vertex
        if phase == "crossover":
            phase = "simplex"
        timings["master"] += time.perf_counter() - t0
        st, msg = highs_status(h)
        if st != "optimal":
            status, message = st, f"restricted master: {msg}"
            break
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        y = np.asarray(sol.row_dual, dtype=np.float64)
        ub = float(h.getInfo().objective_function_value)
        sigma = y[:n_g]
        mu = np.zeros(n_arcs)
        in_s = np.flatnonzero(cap_row >= 0)
        mu[in_s] = np.maximum(-y[cap_row[in_s]], 0.0)
        f = np.maximum(x[n_u:], 0.0)
        load = cols.incidence().T @ f
        over = capped & (cap_row < 0) & (load > cap + feas_tol)

        dist, preds = price(mu)
        lb_now = float(np.sum(dem_r * np.minimum(dist[row_g], pen_r)) - np.sum(mu * capacity_term))
        if lb_now > lb:  # any mu >= 0 gives a valid bound: keep the best one and its duals
            lb, mu_best = lb_now, mu
        rc = dist - sigma
        cand = np.flatnonzero(np.isfinite(dist) & (rc < -1e-9 * (1.0 + np.abs(sigma))))
        scale = max(abs(ub), 1e-12)
        if not over.any():
            if ub - lb <= tol * scale:
                if vertex:
                    status, message = "optimal", f"relative gap {(ub - lb) / scale:.2e}"
                    if ub - lb_now <= tol * scale:
                        mu_best = mu  # vertex duals: exact zeros where interior ones had residue
                    break
                phase = "crossover"  # proven optimal: re-solve once for a vertex solution
                continue
        t0 = time.perf_counter()
        if over.any():
            add_rows(np.flatnonzero(over))
        added = 0
        if cand.shape[0]:
            ptr, arcs = paths_for(cand, preds)
            added = add_cols(cand, ptr, arcs)
        timings["build"] += time.perf_counter() - t0
        if (
            phase == "ipm"
            and adaptive
            and (
                (ub - lb <= SWITCH_GAP * scale and not over.any())
                or added + int(over.sum()) <= SWITCH_COLUMNS * (n_g + n_cap_rows)
            )
        ):
            phase = "crossover"
        if added == 0 and not over.any():
            status = "not_converged"
            message = (
                f"no improving column but relative gap {(ub - lb) / scale:.2e} > tol "
                f"{tol:.1e} (solver tolerance limits the certificate)"
            )
            break

    if status not in ("optimal", "not_converged") or x.shape[0] == 0:
        out = failed(problem, status, message, iterations)
        out.timings = timings
        return out
    if status == "not_converged" and over.any():
        out = failed(problem, status, message + "; last master violates capacity", iterations)
        out.timings = timings
        return out

    t0 = time.perf_counter()
    f = np.maximum(x[n_u:], 0.0)  # columns added after the last master solve carry no flow
    inc = cols.incidence()[: f.shape[0]].tocoo()
    k_col = g_k[cols.groups()[: f.shape[0]]]
    flow_cg = np.bincount(
        k_col[inc.row] * n_arcs + inc.col,
        weights=f[inc.row],
        minlength=problem.n_commodities * n_arcs,
    ).astype(np.float64)
    unserved = np.zeros(problem.n_demands)
    unserved[rows] = np.clip(x[:n_u], 0.0, dem_r)
    timings["extract"] = time.perf_counter() - t0
    return RawSolution(
        status=status,
        message=message,
        flow=flow_cg.reshape(problem.n_commodities, n_arcs) * problem.flow_scale,
        capacity_dual=mu_best * problem.cost_scale,
        unserved=unserved * problem.flow_scale,
        iterations=iterations,
        timings=timings,
        stats={"columns": cols.n, "capacity_rows": n_cap_rows, "groups": n_g},
    )
