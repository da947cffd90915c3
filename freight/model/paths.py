"""Flow decomposition: from single-source class flows to the paths of each origin–destination.

The model solves one flow class per (commodity, origin), so each class flow has one source; its
decomposition into paths to each destination is exact (unlike a per-commodity aggregate, whose
sources and sinks could be paired arbitrarily).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import overload

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class PathFlow:
    """Tonnes per year on one path (arc indices in order)."""

    arcs: tuple[int, ...]
    tonnes: float


@dataclass(frozen=True, eq=False)
class PathTable(Sequence[tuple[PathFlow, ...]]):
    """The paths of every demand row as flat arrays (compressed rows), read as a sequence.

    ``table[r]`` is row ``r``'s paths as :class:`PathFlow` (largest first), built on access;
    code over many rows uses the arrays. Memory is one integer per arc of each path, not one
    row per flow class and arc.

    Attributes
    ----------
    row_start
        ``(n_rows + 1,)``: row ``r``'s paths are ``row_start[r]:row_start[r + 1]``.
    arc_start
        ``(n_paths + 1,)``: path ``p``'s arcs are ``arcs[arc_start[p]:arc_start[p + 1]]``.
    arcs
        Arc indices of every path, in order along each path.
    tonnes
        Tonnes per year on each path, ``(n_paths,)``.
    """

    row_start: NDArray[np.int64]
    arc_start: NDArray[np.int64]
    arcs: NDArray[np.int64]
    tonnes: NDArray[np.float64]

    @classmethod
    def empty(cls, n_rows: int) -> PathTable:
        """``n_rows`` rows without paths."""
        z = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(n_rows + 1, dtype=np.int64), np.zeros(1, dtype=np.int64), z,
                   np.zeros(0))  # fmt: skip

    @classmethod
    def from_rows(cls, od_paths: Sequence[Sequence[PathFlow]]) -> PathTable:
        """The table of paths given per row (in the order given)."""
        if isinstance(od_paths, PathTable):
            return od_paths
        counts = np.fromiter((len(ps) for ps in od_paths), np.int64, len(od_paths))
        paths = [p for ps in od_paths for p in ps]
        lengths = np.fromiter((len(p.arcs) for p in paths), np.int64, len(paths))
        arcs = np.fromiter((a for p in paths for a in p.arcs), np.int64, int(lengths.sum()))
        return cls(
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            arcs,
            np.fromiter((p.tonnes for p in paths), float, len(paths)),
        )

    @property
    def n_paths(self) -> int:
        """Number of paths over all rows."""
        return len(self.tonnes)

    @cached_property
    def path_row(self) -> NDArray[np.int64]:
        """Demand row of each path, ``(n_paths,)``."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.row_start))

    @cached_property
    def arc_path(self) -> NDArray[np.int64]:
        """Path of each entry of :attr:`arcs`."""
        return np.repeat(np.arange(self.n_paths, dtype=np.int64), np.diff(self.arc_start))

    def __len__(self) -> int:
        return len(self.row_start) - 1

    def _row(self, r: int) -> tuple[PathFlow, ...]:
        lo, hi = int(self.row_start[r]), int(self.row_start[r + 1])
        starts = self.arc_start[lo : hi + 1].tolist()
        tonnes = self.tonnes[lo:hi].tolist()
        arcs = self.arcs
        return tuple(
            PathFlow(tuple(arcs[starts[i] : starts[i + 1]].tolist()), tonnes[i])
            for i in range(hi - lo)
        )

    @overload
    def __getitem__(self, r: int) -> tuple[PathFlow, ...]: ...
    @overload
    def __getitem__(self, r: slice) -> tuple[tuple[PathFlow, ...], ...]: ...
    def __getitem__(
        self, r: int | slice
    ) -> tuple[PathFlow, ...] | tuple[tuple[PathFlow, ...], ...]:
        if isinstance(r, slice):
            return tuple(self._row(i) for i in range(*r.indices(len(self))))
        n = len(self)
        i = int(r) + n if r < 0 else int(r)
        if not 0 <= i < n:
            raise IndexError(f"row {r} out of range for {n} rows")
        return self._row(i)

    def __iter__(self) -> Iterator[tuple[PathFlow, ...]]:
        for r in range(len(self)):
            yield self._row(r)


def decompose(
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    flow: NDArray[np.float64],
    source: int,
    sinks: dict[int, float],
    *,
    tol: float = 1e-6,
) -> dict[int, list[PathFlow]]:
    """Split a single-source flow into paths from ``source`` to each sink.

    Parameters
    ----------
    tail, head
        Arc end points.
    flow
        The class flow per arc (tonnes per year), conserving flow except at the source and sinks.
    source
        The class's source node.
    sinks
        Tonnes to extract for each sink node (the served demand).
    tol
        Flows at or below ``tol`` (relative to the largest sink amount) are ignored.

    Returns
    -------
    dict
        Sink node -> paths (largest first). Repeatedly takes the path of fewest arcs within the
        remaining positive flow (breadth-first), so zero-cost cycles in the flow are never
        followed.
    """
    rem = flow.astype(float).copy()
    scale = max([1.0, *sinks.values()])
    eps = tol * scale
    support = np.flatnonzero(rem > eps)
    out_arcs: dict[int, list[int]] = {}
    for a in support.tolist():
        out_arcs.setdefault(int(tail[a]), []).append(a)
    result: dict[int, list[PathFlow]] = {}
    for sink in sorted(sinks):
        need = sinks[sink]
        paths: list[PathFlow] = []
        while need > eps:
            pred: dict[int, int] = {source: -1}
            queue = deque([source])
            while queue and sink not in pred:
                v = queue.popleft()
                for a in out_arcs.get(v, ()):
                    w = int(head[a])
                    if rem[a] > eps and w not in pred:
                        pred[w] = a
                        queue.append(w)
            if sink not in pred:
                break
            arcs: list[int] = []
            v = sink
            while v != source:
                a = pred[v]
                arcs.append(a)
                v = int(tail[a])
            arcs.reverse()
            amount = min(need, float(rem[arcs].min()))
            rem[arcs] -= amount
            need -= amount
            paths.append(PathFlow(tuple(arcs), amount))
        paths.sort(key=lambda p: (-p.tonnes, p.arcs))
        result[sink] = paths
    return result
