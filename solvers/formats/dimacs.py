"""Read DIMACS minimum-cost flow problems (``p min``) and their solution files.

Problem file (``.min``), one record per line, fields separated by white space::

    c <comment>
    p min NODES ARCS          (once, before any n or a line)
    n ID SUPPLY               (ID in 1..NODES; SUPPLY > 0 is a source, < 0 a sink; absent = 0)
    a FROM TO LOW CAP COST    (LOW <= flow <= CAP; COST per unit of flow)

Solution file (``.sol``)::

    c <comment>
    s COST                    (objective value of the solution)
    f FROM TO FLOW            (flow on the arc FROM -> TO; absent arcs carry 0)
    d ID PRICE                (optional node potential)

Node ids are 1-based in the files and 0-based in the arrays returned here. Numbers may be integers
or decimals. Nonzero lower bounds are removed by the standard substitution ``flow = LOW + x``,
``0 <= x <= CAP - LOW``: ``LOW`` is sent in advance, so ``supply[FROM] -= LOW``,
``supply[TO] += LOW``, and ``sum(COST * LOW)`` is a constant added to the objective
(:attr:`DimacsMinProblem.objective_offset`). Every error names the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from solvers.formats import InstanceFormatError

__all__ = [
    "DimacsFormatError",
    "DimacsMinProblem",
    "DimacsSolution",
    "read_dimacs_min",
    "read_dimacs_solution",
    "solution_arc_flows",
]


class DimacsFormatError(InstanceFormatError):
    """A DIMACS file that does not follow the format; the message names file and line."""


@dataclass(frozen=True, eq=False)
class DimacsMinProblem:
    """A DIMACS min-cost flow problem as arrays (0-based nodes), lower bounds removed.

    Attributes
    ----------
    n_nodes
        Number of nodes (``NODES`` of the ``p`` line).
    tail, head
        Arc end points, int64, shape ``(n_arcs,)``, in file order.
    capacity
        ``CAP - LOW`` per arc (float64).
    cost
        Unit cost per arc (float64).
    supply
        Net supply per node (float64, ``> 0`` source), already adjusted for the lower bounds.
    lower
        ``LOW`` per arc (float64); the flow on arc ``a`` in the original problem is
        ``lower[a] + x[a]``.
    objective_offset
        ``sum(cost * lower)``: original objective = objective of the arrays above + offset.
    source
        The file read.
    """

    n_nodes: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    capacity: NDArray[np.float64]
    cost: NDArray[np.float64]
    supply: NDArray[np.float64]
    lower: NDArray[np.float64]
    objective_offset: float
    source: str

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return int(self.tail.size)

    def original_flow(self, flow: ArrayLike) -> NDArray[np.float64]:
        """Flow of the original problem (``lower + flow``) from a flow of the shifted arrays."""
        return self.lower + np.asarray(flow, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class DimacsSolution:
    """A DIMACS min-cost flow solution file.

    Attributes
    ----------
    objective
        The ``s`` value, or ``None`` when the file has no ``s`` line.
    tail, head
        End points (0-based, int64) of the ``f`` lines, in file order.
    flow
        Flow of each ``f`` line (float64).
    line
        File line number of each ``f`` line (int64).
    potential
        ``{node (0-based): price}`` from ``d`` lines (empty when there are none).
    source
        The file read.
    """

    objective: float | None
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    flow: NDArray[np.float64]
    line: NDArray[np.int64]
    potential: dict[int, float]
    source: str


def _number(text: str, where: str, what: str) -> float:
    try:
        return float(int(text))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise DimacsFormatError(f"{where}: {what} {text!r} is not a number") from None
    if not np.isfinite(value):
        raise DimacsFormatError(f"{where}: {what} {text!r} is not a finite number")
    return value


def _node(text: str, where: str, what: str, n_nodes: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DimacsFormatError(f"{where}: {what} {text!r} is not an integer node id") from None
    if not 1 <= value <= n_nodes:
        raise DimacsFormatError(f"{where}: {what} {value} is outside 1..{n_nodes}")
    return value - 1


def read_dimacs_min(path: str | Path) -> DimacsMinProblem:
    """Read a DIMACS ``p min`` file into arrays (0-based nodes; lower bounds removed).

    Parameters
    ----------
    path
        The ``.min`` file.

    Returns
    -------
    DimacsMinProblem
        Arrays ready for :func:`solvers.mincostflow.solve` (same sign convention: supply > 0 is
        a source).

    Raises
    ------
    DimacsFormatError
        Unreadable, or not a ``p min`` file; the message names file and line.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DimacsFormatError(f"{p}: cannot read DIMACS file: {exc}") from exc

    n_nodes = -1
    n_arcs_declared = 0
    p_line = 0
    supply: NDArray[np.float64] = np.zeros(0)
    supply_line: dict[int, int] = {}
    arcs: list[tuple[int, int, float, float, float]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split()
        if not fields or fields[0] == "c":
            continue
        where = f"{p}:{lineno}"
        kind = fields[0]
        if kind == "p":
            if p_line:
                raise DimacsFormatError(f"{where}: second 'p' line (the first is line {p_line})")
            if len(fields) != 4 or fields[1] != "min":
                raise DimacsFormatError(
                    f"{where}: expected 'p min NODES ARCS', got {raw.strip()!r}"
                )
            try:
                n_nodes, n_arcs_declared = int(fields[2]), int(fields[3])
            except ValueError:
                raise DimacsFormatError(
                    f"{where}: NODES and ARCS must be integers, got {fields[2]!r} {fields[3]!r}"
                ) from None
            if n_nodes < 0 or n_arcs_declared < 0:
                raise DimacsFormatError(f"{where}: NODES and ARCS must be >= 0")
            p_line = lineno
            supply = np.zeros(n_nodes)
            continue
        if kind not in ("n", "a"):
            raise DimacsFormatError(f"{where}: unknown line type {kind!r} (expected c, p, n or a)")
        if not p_line:
            raise DimacsFormatError(f"{where}: '{kind}' line before the 'p min' line")
        if kind == "n":
            if len(fields) != 3:
                raise DimacsFormatError(f"{where}: expected 'n ID SUPPLY', got {raw.strip()!r}")
            v = _node(fields[1], where, "node id", n_nodes)
            if v in supply_line:
                raise DimacsFormatError(
                    f"{where}: node {v + 1} already has a supply (line {supply_line[v]})"
                )
            supply_line[v] = lineno
            supply[v] = _number(fields[2], where, "supply")
        else:
            if len(fields) != 6:
                raise DimacsFormatError(
                    f"{where}: expected 'a FROM TO LOW CAP COST', got {raw.strip()!r}"
                )
            u = _node(fields[1], where, "FROM node", n_nodes)
            w = _node(fields[2], where, "TO node", n_nodes)
            low = _number(fields[3], where, "LOW")
            cap = _number(fields[4], where, "CAP")
            unit_cost = _number(fields[5], where, "COST")
            if low < 0:
                raise DimacsFormatError(f"{where}: LOW {fields[3]} is negative")
            if cap < low:
                raise DimacsFormatError(f"{where}: CAP {fields[4]} is below LOW {fields[3]}")
            arcs.append((u, w, low, cap, unit_cost))
    if not p_line:
        raise DimacsFormatError(f"{p}: no 'p min NODES ARCS' line")
    if len(arcs) != n_arcs_declared:
        raise DimacsFormatError(
            f"{p}:{p_line}: the 'p' line declares {n_arcs_declared} arcs, the file has {len(arcs)}"
        )

    table = np.array(arcs, dtype=np.float64).reshape(len(arcs), 5)
    tail = table[:, 0].astype(np.int64)
    head = table[:, 1].astype(np.int64)
    lower = table[:, 2].copy()
    capacity = table[:, 3] - lower
    cost = table[:, 4].copy()
    if lower.any():
        np.subtract.at(supply, tail, lower)
        np.add.at(supply, head, lower)
    return DimacsMinProblem(
        n_nodes=n_nodes,
        tail=tail,
        head=head,
        capacity=capacity,
        cost=cost,
        supply=supply,
        lower=lower,
        objective_offset=float(np.dot(cost, lower)),
        source=str(p),
    )


def read_dimacs_solution(path: str | Path, n_nodes: int | None = None) -> DimacsSolution:
    """Read a DIMACS min-cost flow solution file (``s``, ``f`` and ``d`` lines).

    Parameters
    ----------
    path
        The ``.sol`` file.
    n_nodes
        When given, node ids are checked to lie in ``1..n_nodes``.

    Returns
    -------
    DimacsSolution

    Raises
    ------
    DimacsFormatError
        Unreadable or malformed; the message names file and line.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DimacsFormatError(f"{p}: cannot read DIMACS solution file: {exc}") from exc
    limit = n_nodes if n_nodes is not None else 2**31 - 1
    objective: float | None = None
    s_line = 0
    rows: list[tuple[int, int, float, int]] = []
    potential: dict[int, float] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split()
        if not fields or fields[0] == "c":
            continue
        where = f"{p}:{lineno}"
        kind = fields[0]
        if kind == "s":
            if len(fields) != 2:
                raise DimacsFormatError(f"{where}: expected 's COST', got {raw.strip()!r}")
            if s_line:
                raise DimacsFormatError(f"{where}: second 's' line (the first is line {s_line})")
            objective = _number(fields[1], where, "COST")
            s_line = lineno
        elif kind == "f":
            if len(fields) != 4:
                raise DimacsFormatError(f"{where}: expected 'f FROM TO FLOW', got {raw.strip()!r}")
            u = _node(fields[1], where, "FROM node", limit)
            w = _node(fields[2], where, "TO node", limit)
            rows.append((u, w, _number(fields[3], where, "FLOW"), lineno))
        elif kind == "d":
            if len(fields) != 3:
                raise DimacsFormatError(f"{where}: expected 'd ID PRICE', got {raw.strip()!r}")
            potential[_node(fields[1], where, "node id", limit)] = _number(
                fields[2], where, "PRICE"
            )
        else:
            raise DimacsFormatError(f"{where}: unknown line type {kind!r} (expected c, s, f or d)")
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 4)
    return DimacsSolution(
        objective=objective,
        tail=table[:, 0].astype(np.int64),
        head=table[:, 1].astype(np.int64),
        flow=table[:, 2].copy(),
        line=table[:, 3].astype(np.int64),
        potential=potential,
        source=str(p),
    )


def solution_arc_flows(problem: DimacsMinProblem, solution: DimacsSolution) -> NDArray[np.float64]:
    """Map a solution's ``f`` lines onto the problem's arcs (original flows, lower bounds included).

    Parameters
    ----------
    problem
        The problem the solution belongs to.
    solution
        Its solution file.

    Returns
    -------
    numpy.ndarray
        Flow per arc of ``problem`` (float64, shape ``(n_arcs,)``), in the *original* problem
        (``LOW`` included); arcs without an ``f`` line carry 0.

    Raises
    ------
    DimacsFormatError
        An ``f`` line names a pair that is not an arc of the problem, or a pair joined by several
        parallel arcs (the ``f`` line cannot say which one carries the flow).
    """
    key = problem.tail * problem.n_nodes + problem.head
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    dup = sorted_key[1:] == sorted_key[:-1]
    flow = np.zeros(problem.n_arcs)
    wanted = solution.tail * problem.n_nodes + solution.head
    pos = np.searchsorted(sorted_key, wanted)
    for i, (k, j) in enumerate(zip(wanted, pos, strict=True)):
        u, w = int(solution.tail[i]) + 1, int(solution.head[i]) + 1
        where = f"{solution.source}:{int(solution.line[i])}"
        if j >= sorted_key.size or sorted_key[j] != k:
            raise DimacsFormatError(f"{where}: flow {u} -> {w} names no arc of {problem.source}")
        if j + 1 < sorted_key.size and dup[j]:
            raise DimacsFormatError(
                f"{where}: flow {u} -> {w} is ambiguous: {problem.source} has parallel arcs "
                f"{u} -> {w}"
            )
        flow[order[j]] += solution.flow[i]
    return flow
