"""Flow decomposition: from single-source class flows to the paths of each origin–destination.

The model solves one flow class per (commodity, origin), so each class flow has one source; its
decomposition into paths to each destination is exact (unlike a per-commodity aggregate, whose
sources and sinks could be paired arbitrarily).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class PathFlow:
    """Tonnes per year on one path (arc indices in order)."""

    arcs: tuple[int, ...]
    tonnes: float


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
