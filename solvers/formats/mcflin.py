"""Read the linear multi-commodity flow test set of Babonneau, du Merle and Vial.

An instance is two whitespace-separated text files (``format.txt`` of the set)::

    C<name>.txt   one directed arc per line:        start end cost capacity
    D<name>.txt   one commodity (OD pair) per line:  origin destination demand

Node ids are **1-based** in the files (every instance of the set uses ``1..NODES`` and no 0) and
0-based in the arrays returned here. The number of nodes is the largest id in either file. Cost
is per unit of flow, capacity is shared by all commodities, and every demand must be met; the
objective is ``sum_a cost_a * sum_k flow_ak``. All commodities share the arc costs, so the
instance maps onto :func:`solvers.multicommodity.solve` with a 1-D ``cost`` and
``commodity=None``. Blank lines are skipped; every error names the file and line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from solvers.formats import InstanceFormatError

__all__ = [
    "BEST_VALUES",
    "DEMAND_DIVISOR",
    "INSTANCES",
    "McfLinFormatError",
    "McfLinInstance",
    "read_mcflin",
    "read_mcflin_instance",
]

INSTANCES: dict[str, tuple[str, str]] = {
    "ndo22": ("C22.txt", "D22.txt"),
    "ndo148": ("C148.txt", "D148.txt"),
    "904": ("C904.txt", "D904.txt"),
    **{f"grid{i}": (f"Cgd{i}.txt", f"Dgd{i}.txt") for i in range(1, 10)},
    **{f"planar{i}": (f"Cpl{i}.txt", f"Dpl{i}.txt") for i in (30, 50, 80, 100, 150)},
    "sioux_falls": ("Csiou.txt", "Dsiou.txt"),
    "winnipeg": ("Cwin.txt", "Dwin.txt"),
}
"""Instance name -> (arc file, demand file) for the instances of the set shipped in validation
(all of the set's grid 1-9, planar 30-150, ndo22, ndo148, 904, Sioux-Falls and Winnipeg files
that its public copy holds; Chicago-sketch's 1.3 MB demand file is left out)."""

BEST_VALUES: dict[str, float] = {
    "ndo22": 1.88237e3,
    "ndo148": 1.39500e5,
    "904": 1.37850e7,
    "grid1": 8.27323e5,
    "grid2": 1.70538e6,
    "grid3": 1.52464e6,
    "grid4": 3.03170e6,
    "grid5": 5.04970e6,
    "grid6": 1.0401782e7,  # printed 1.04007e7: a misprint (see below)
    "grid7": 2.58641e7,
    "grid8": 4.17113e7,
    "grid9": 8.26533e7,
    "planar30": 4.43508e7,
    "planar50": 1.22200e8,
    "planar80": 1.82438e8,
    "planar100": 2.31340e8,
    "planar150": 5.48089e8,
    "sioux_falls": 3.20184e5,
    "winnipeg": 2.94065e7,
}
"""Published best value of each instance (Babonneau, du Merle & Vial: a certified upper bound
within 1e-5 of the optimum, printed to 6 significant digits). ``grid6``: that table prints
1.04007e7, which no feasible flow of the instance reaches (its optimum, 10,401,782 — HiGHS's arc
LP and the column generation agree — is 1.04e-4 above it, while a certified upper bound within
1e-5 cannot lie below the optimum); the value here is the one published with the instance's
solution by Flowty (repository ``flowty/data``, ``data/mcf/results.txt``: grid6 10401782, from
Frangioni's ``grid.tgz``, 225 nodes, 840 arcs, 200 commodities), equal to our optimum; see
``tests/data/validation/README.md``."""

DEMAND_DIVISOR: dict[str, float] = {"winnipeg": 2.7}
"""Divide the file's demands by this before solving: Larsson and Yuan scaled Winnipeg's demand
down by 2.7 to make the capacitated problem feasible, and the published best value is for the
scaled demand (the files hold the original trip table)."""


class McfLinFormatError(InstanceFormatError):
    """A file that does not follow the format; the message names file and line."""


@dataclass(frozen=True, eq=False)
class McfLinInstance:
    """A linear multi-commodity flow instance as arrays (0-based nodes).

    Attributes
    ----------
    name
        Instance name (the arc file's stem without the leading ``C`` when read by path).
    n_nodes
        Number of nodes (largest 1-based id in either file).
    tail, head
        Arc end points, int64, ``(n_arcs,)``, in file order.
    cost
        Cost per unit of flow, float64, ``(n_arcs,)``.
    capacity
        Capacity shared by all commodities, float64, ``(n_arcs,)``.
    origin, destination
        Commodity end points, int64, ``(n_commodities,)``, in file order.
    demand
        Units to move for each commodity, float64, ``(n_commodities,)``.
    """

    name: str
    n_nodes: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    cost: NDArray[np.float64]
    capacity: NDArray[np.float64]
    origin: NDArray[np.int64]
    destination: NDArray[np.int64]
    demand: NDArray[np.float64]

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return int(self.tail.size)

    @property
    def n_commodities(self) -> int:
        """Number of commodities (OD pairs)."""
        return int(self.demand.size)


def _read_table(
    path: Path, columns: tuple[str, str, str, str] | tuple[str, str, str]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Rows ``node node number [number]``: 1-based ids -> 0-based; returns ids and numbers."""
    n_num = len(columns) - 2
    ids: list[tuple[int, int]] = []
    nums: list[tuple[float, ...]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise McfLinFormatError(f"{path}: cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise McfLinFormatError(f"{path}: not a UTF-8/ASCII text file") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{path}, line {lineno}"
        if len(fields) != len(columns):
            raise McfLinFormatError(
                f"{where}: expected {len(columns)} fields ({' '.join(columns)}), "
                f"got {len(fields)}: {line.strip()!r}"
            )
        node_ids: list[int] = []
        for name, field in zip(columns[:2], fields[:2], strict=True):
            try:
                v = int(field)
            except ValueError:
                raise McfLinFormatError(
                    f"{where}: {name} {field!r} is not an integer node id"
                ) from None
            if v < 1:
                raise McfLinFormatError(f"{where}: {name} {v} is not a 1-based node id (>= 1)")
            node_ids.append(v - 1)
        values: list[float] = []
        for name, field in zip(columns[2:], fields[2:], strict=True):
            try:
                x = float(field)
            except ValueError:
                raise McfLinFormatError(f"{where}: {name} {field!r} is not a number") from None
            if not np.isfinite(x) or x < 0:
                raise McfLinFormatError(f"{where}: {name} {field!r} must be a finite number >= 0")
            values.append(x)
        ids.append((node_ids[0], node_ids[1]))
        nums.append(tuple(values))
    if not ids:
        raise McfLinFormatError(f"{path}: no data lines")
    id_arr = np.asarray(ids, dtype=np.int64).reshape(-1, 2)
    num_arr = np.asarray(nums, dtype=np.float64).reshape(-1, n_num)
    return id_arr[:, 0], id_arr[:, 1], num_arr


def read_mcflin(arc_file: str | Path, demand_file: str | Path) -> McfLinInstance:
    """Read an instance from its arc file (``C*.txt``) and demand file (``D*.txt``).

    Parameters
    ----------
    arc_file
        Lines ``start end cost capacity`` (1-based node ids).
    demand_file
        Lines ``origin destination demand`` (1-based node ids).

    Returns
    -------
    McfLinInstance

    Raises
    ------
    McfLinFormatError
        Unreadable file, wrong number of fields, non-integer or < 1 node id, a number that is
        not finite or is negative, an empty file; the message names the file and line.
    """
    arc_path, dem_path = Path(arc_file), Path(demand_file)
    tail, head, arc_num = _read_table(arc_path, ("start", "end", "cost", "capacity"))
    origin, destination, dem_num = _read_table(dem_path, ("origin", "destination", "demand"))
    n_nodes = int(max(tail.max(), head.max(), origin.max(), destination.max())) + 1
    name = arc_path.stem[1:] if arc_path.stem.startswith("C") else arc_path.stem
    return McfLinInstance(
        name=name,
        n_nodes=n_nodes,
        tail=tail,
        head=head,
        cost=np.ascontiguousarray(arc_num[:, 0]),
        capacity=np.ascontiguousarray(arc_num[:, 1]),
        origin=origin,
        destination=destination,
        demand=np.ascontiguousarray(dem_num[:, 0]),
    )


def read_mcflin_instance(directory: str | Path, name: str) -> McfLinInstance:
    """Read a named instance (a key of :data:`INSTANCES`) from the folder holding its files."""
    if name not in INSTANCES:
        known = ", ".join(sorted(INSTANCES))
        raise McfLinFormatError(f"unknown instance {name!r}; known: {known}")
    arcs, demands = INSTANCES[name]
    inst = read_mcflin(Path(directory) / arcs, Path(directory) / demands)
    return dataclasses.replace(inst, name=name)
