"""CVRPLIB / TSPLIB vehicle routing files in, route tables out.

Reads the TSPLIB-style CVRP format of CVRPLIB (``NODE_COORD_SECTION``, ``DEMAND_SECTION``,
``DEPOT_SECTION``, ``CAPACITY`` …) and its VRPTW extension as distributed with LKH-3 for the
Solomon instances (``TIME_WINDOW_SECTION``, ``SERVICE_TIME_SECTION`` or a global
``SERVICE_TIME`` header, ``VEHICLES``), and returns a :class:`solvers.routing.RoutingProblem`
with the file's metadata.

Distances (TSPLIB rules, coordinates in the file's units):

- ``EUC_2D``: Euclidean distance rounded to the nearest integer (TSPLIB ``nint``,
  ``floor(d + 0.5)``); solved exactly with ``scale = 1``.
- ``CEIL_2D``: Euclidean distance rounded up; ``scale = 1``.
- ``EXACT_2D``: the real Euclidean distance. The solver works in integers, so distances and times
  are scaled by ``scale`` (default 1000, three decimals); results are reported in file units.
- ``EXPLICIT`` with ``EDGE_WEIGHT_FORMAT`` ``FULL_MATRIX``, ``LOWER_ROW``, ``LOWER_DIAG_ROW``,
  ``UPPER_ROW`` or ``UPPER_DIAG_ROW``.

For time-window files travel time equals distance, and the global ``SERVICE_TIME`` applies to
every customer (not the depot). Node ``i`` of the problem is the file's node ``i + 1``
(``VrpInstance.node_ids``).

The fleet is the file's: its ``VEHICLES`` header, else the ``-kN`` of a CVRPLIB name (the fleet
of the best-known solution; ``P-n22-k8`` has 8), else ``No of trucks`` in the comment; the
``n_vehicles`` argument (``freight vrp --vehicles``) overrides it.

Every error is a :class:`VrplibError` naming the file and line.

Why this reader and not the ``vrplib`` package
----------------------------------------------
The ``vrplib`` package (by the PyVRP authors; a dependency of PyVRP) was evaluated as the reader
(version 2.2). It tokenises the same files, but for this project's needs it (1) computes
``EUC_2D`` distances unrounded and ``EXACT_2D`` ×1000, not by the TSPLIB rules, (2) reads only
the ``LOWER_ROW`` and ``FULL_MATRIX`` explicit formats (not ``LOWER_DIAG_ROW``, ``UPPER_ROW``,
``UPPER_DIAG_ROW``), (3) takes section rows in file order without checking the node ids
(a missing, repeated or out-of-order id goes unnoticed) and (4) raises plain ``ValueError`` /
``RuntimeError`` without a line number. Wrapping it would keep all of this module's checks and
add a second parse, so this reader stays; the tests instead check that it and the ``vrplib``
package read the same coordinates, demands, depot, capacity, fleet, time windows and service
times from every published instance in ``tests/data/validation/vrp``.
"""

from __future__ import annotations

import csv
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from solvers.formats import InstanceFormatError
from solvers.routing import RoutingProblem, RoutingResult, make_problem, route_schedule

__all__ = ["VrpInstance", "VrplibError", "read_vrplib", "write_routes_csv"]

_SECTIONS = {
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "DEPOT_SECTION",
    "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION",
    "EDGE_WEIGHT_SECTION",
}
_HEADERS = {
    "NAME",
    "COMMENT",
    "TYPE",
    "DIMENSION",
    "CAPACITY",
    "VEHICLES",
    "SERVICE_TIME",
    "EDGE_WEIGHT_TYPE",
    "EDGE_WEIGHT_FORMAT",
    "NODE_COORD_TYPE",
    "DISPLAY_DATA_TYPE",
}
_TYPES = {"CVRP", "CVRPTW", "VRPTW"}
_WEIGHT_TYPES = {"EUC_2D", "CEIL_2D", "EXACT_2D", "EXPLICIT"}
_FORMATS = {"FULL_MATRIX", "LOWER_ROW", "LOWER_DIAG_ROW", "UPPER_ROW", "UPPER_DIAG_ROW"}
_HEADER_RE = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")
_SECTION_RE = re.compile(r"^([A-Z_]+_SECTION)\s*:?\s*$")

CSV_COLUMNS = ("vehicle", "stop", "node", "load", "arrival_time", "cumulative_distance")


class VrplibError(InstanceFormatError):
    """A CVRPLIB/TSPLIB file is malformed or uses a feature this reader does not support."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True)
class VrpInstance:
    """A routing instance read from a CVRPLIB/TSPLIB file.

    Attributes
    ----------
    problem
        The routing problem (node ``i`` = file node ``i + 1``; vehicles start and end at the
        depot).
    name, kind, comment
        ``NAME``, ``TYPE`` and ``COMMENT`` headers (empty string when absent).
    known_fleet
        Fleet size stated by the file: the ``VEHICLES`` header, else the ``-kN`` of a CVRPLIB
        name (the fleet of its best-known solution), else ``No of trucks: k`` in the comment;
        ``None`` when the file says nothing.
    fleet_source
        Where the problem's fleet size came from: ``"VEHICLES"``, ``"name"`` (``-kN``),
        ``"comment"``, ``"argument"`` (``n_vehicles`` given) or ``"one per customer"`` (the file
        states no fleet: no limit in effect).
    known_optimum
        ``Optimal value: X`` (or ``Best value: X``) from the comment, in file distance units.
    node_ids
        File node id of each problem node.
    coordinates
        ``(n, 2)`` node coordinates (file units), or ``None`` for explicit matrices.
    edge_weight_type
        ``EDGE_WEIGHT_TYPE`` header.
    scale
        Integer units per file distance unit used by the solver (see ``RoutingProblem.scale``).
    """

    problem: RoutingProblem
    name: str
    kind: str
    comment: str
    known_fleet: int | None
    fleet_source: str
    known_optimum: float | None
    node_ids: tuple[int, ...]
    coordinates: NDArray[np.float64] | None
    edge_weight_type: str
    scale: int


def _fleet_from_text(name: str, comment: str) -> tuple[int, str] | None:
    """The fleet stated by a CVRPLIB name (``-kN``), else by its comment (``No of trucks``)."""
    m = re.search(r"-k(\d+)\b", name)
    if m:
        return int(m.group(1)), "name"
    m = re.search(r"No\s+of\s+trucks\s*:\s*(\d+)", comment, re.IGNORECASE)
    if m:
        return int(m.group(1)), "comment"
    return None


def _optimum_from_comment(comment: str) -> float | None:
    m = re.search(r"(?:Optimal|Best)\s+value\s*:\s*([0-9]+(?:\.[0-9]+)?)", comment, re.IGNORECASE)
    return float(m.group(1)) if m else None


def _explicit_matrix(
    path: Path, fmt: str, values: list[tuple[float, int]], n: int, line: int
) -> NDArray[np.float64]:
    """Fill an ``(n, n)`` matrix from an ``EDGE_WEIGHT_SECTION`` stream."""
    if fmt == "FULL_MATRIX":
        cells = [(i, j) for i in range(n) for j in range(n)]
    elif fmt == "LOWER_ROW":
        cells = [(i, j) for i in range(n) for j in range(i)]
    elif fmt == "LOWER_DIAG_ROW":
        cells = [(i, j) for i in range(n) for j in range(i + 1)]
    elif fmt == "UPPER_ROW":
        cells = [(i, j) for i in range(n) for j in range(i + 1, n)]
    else:  # UPPER_DIAG_ROW
        cells = [(i, j) for i in range(n) for j in range(i, n)]
    if len(values) != len(cells):
        raise VrplibError(
            path,
            line,
            f"EDGE_WEIGHT_SECTION has {len(values)} values, {fmt} of {n} needs {len(cells)}",
        )
    mat = np.zeros((n, n))
    for (i, j), (v, _) in zip(cells, values, strict=True):
        mat[i, j] = v
        if fmt != "FULL_MATRIX":
            mat[j, i] = v
    return mat


def _distances(weight_type: str, xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """TSPLIB distances from coordinates: EUC_2D nint, CEIL_2D ceiling, EXACT_2D real."""
    diff = xy[:, None, :] - xy[None, :, :]
    d: NDArray[np.float64] = np.sqrt((diff**2).sum(axis=2))
    if weight_type == "EUC_2D":
        d = np.floor(d + 0.5)
    elif weight_type == "CEIL_2D":
        d = np.ceil(d)
    return d


def read_vrplib(
    path: str | os.PathLike[str],
    *,
    n_vehicles: int | None = None,
    scale: int | None = None,
) -> VrpInstance:
    """Read a CVRP or VRPTW instance in CVRPLIB/TSPLIB format.

    Parameters
    ----------
    path
        The ``.vrp`` / ``.vrptw`` file.
    n_vehicles
        Fleet size (overrides the file). Default: the file's fleet, in this order: the
        ``VEHICLES`` header; the ``-kN`` of a CVRPLIB name (``P-n22-k8``: 8 vehicles, the fleet
        of the published optimum); ``No of trucks: k`` in the comment. A file that states none
        gets one vehicle per customer (no limit in effect). Unused vehicles cost nothing.
    scale
        Integer units per distance unit for the solver. Default 1 for ``EUC_2D``/``CEIL_2D`` and
        integral explicit matrices, 1000 for ``EXACT_2D`` and fractional matrices.

    Returns
    -------
    VrpInstance
        The problem and the file's metadata.

    Raises
    ------
    VrplibError
        When the file cannot be read, a header or section is unknown or malformed, a node id is
        out of range, duplicated or missing, or a required field is absent.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VrplibError(p, None, f"cannot read file ({exc})") from exc

    headers: dict[str, tuple[str, int]] = {}
    sections: dict[str, list[tuple[list[str], int]]] = {}
    current: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        sec = _SECTION_RE.match(line)
        if sec:
            current = sec.group(1)
            if current not in _SECTIONS:
                raise VrplibError(p, lineno, f"unsupported section {current}")
            if current in sections:
                raise VrplibError(p, lineno, f"section {current} appears twice")
            sections[current] = []
            continue
        head = _HEADER_RE.match(line)
        if head and not line[0].isdigit():
            key, value = head.group(1).upper(), head.group(2).strip()
            if key not in _HEADERS:
                raise VrplibError(p, lineno, f"unsupported header {key}")
            if key in headers:
                raise VrplibError(p, lineno, f"header {key} appears twice")
            headers[key] = (value, lineno)
            current = None
            continue
        if current is None:
            raise VrplibError(p, lineno, f"data outside any section: {line[:40]!r}")
        sections[current].append((line.split(), lineno))

    def header(key: str, required: bool = True) -> tuple[str, int] | None:
        if key not in headers and required:
            raise VrplibError(p, None, f"missing header {key}")
        return headers.get(key)

    def number(key: str, integer: bool) -> float | None:
        entry = header(key, required=False)
        if entry is None:
            return None
        value, lineno = entry
        try:
            num = float(value)
        except ValueError:
            raise VrplibError(p, lineno, f"{key} is not a number: {value!r}") from None
        if integer and num != int(num):
            raise VrplibError(p, lineno, f"{key} must be an integer, got {value!r}")
        if num < 0:
            raise VrplibError(p, lineno, f"{key} must be >= 0, got {value!r}")
        return num

    name = headers.get("NAME", ("", 0))[0]
    comment = headers.get("COMMENT", ("", 0))[0]
    kind_entry = header("TYPE")
    assert kind_entry is not None
    kind = kind_entry[0].upper()
    if kind not in _TYPES:
        raise VrplibError(p, kind_entry[1], f"unsupported TYPE {kind}; known: {sorted(_TYPES)}")
    dim = number("DIMENSION", integer=True)
    if dim is None:
        raise VrplibError(p, None, "missing header DIMENSION")
    if dim < 2:
        raise VrplibError(p, headers["DIMENSION"][1], f"DIMENSION must be >= 2, got {dim:g}")
    n = int(dim)
    capacity = number("CAPACITY", integer=False)
    if capacity is None:
        raise VrplibError(p, None, "missing header CAPACITY")
    vehicles = number("VEHICLES", integer=True)
    service_default = number("SERVICE_TIME", integer=False)
    wt_entry = header("EDGE_WEIGHT_TYPE")
    assert wt_entry is not None
    weight_type = wt_entry[0].upper()
    if weight_type not in _WEIGHT_TYPES:
        raise VrplibError(
            p,
            wt_entry[1],
            f"unsupported EDGE_WEIGHT_TYPE {weight_type}; known: {sorted(_WEIGHT_TYPES)}",
        )

    def table(section: str, width: int, required: bool) -> NDArray[np.float64] | None:
        """Read ``id v1 .. v{width}`` rows into an ``(n, width)`` array indexed by id − 1."""
        if section not in sections:
            if required:
                raise VrplibError(p, None, f"missing {section}")
            return None
        out = np.full((n, width), np.nan)
        for fields, lineno in sections[section]:
            if len(fields) != width + 1:
                raise VrplibError(
                    p, lineno, f"{section} row needs {width + 1} fields, got {len(fields)}"
                )
            try:
                node = int(fields[0])
                vals = [float(x) for x in fields[1:]]
            except ValueError:
                raise VrplibError(p, lineno, f"{section} row is not numeric: {fields}") from None
            if not 1 <= node <= n:
                raise VrplibError(p, lineno, f"{section} names node {node} outside 1..{n}")
            if not np.isnan(out[node - 1, 0]):
                raise VrplibError(p, lineno, f"{section} lists node {node} twice")
            if not all(math.isfinite(v) for v in vals):
                raise VrplibError(p, lineno, f"{section} row is not finite: {fields}")
            out[node - 1] = vals
        missing = np.flatnonzero(np.isnan(out[:, 0]))
        if missing.size:
            last = sections[section][-1][1] if sections[section] else None
            raise VrplibError(p, last, f"{section} misses node {int(missing[0]) + 1}")
        return out

    coords: NDArray[np.float64] | None = None
    if weight_type == "EXPLICIT":
        fmt_entry = header("EDGE_WEIGHT_FORMAT")
        assert fmt_entry is not None
        fmt = fmt_entry[0].upper()
        if fmt not in _FORMATS:
            raise VrplibError(
                p, fmt_entry[1], f"unsupported EDGE_WEIGHT_FORMAT {fmt}; known: {sorted(_FORMATS)}"
            )
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise VrplibError(p, None, "missing EDGE_WEIGHT_SECTION")
        values: list[tuple[float, int]] = []
        for fields, lineno in sections["EDGE_WEIGHT_SECTION"]:
            for f in fields:
                try:
                    values.append((float(f), lineno))
                except ValueError:
                    raise VrplibError(p, lineno, f"edge weight is not a number: {f!r}") from None
        end_line = values[-1][1] if values else None
        dist = _explicit_matrix(p, fmt, values, n, end_line or 0)
        coords = table("NODE_COORD_SECTION", 2, required=False)
    else:
        coords = table("NODE_COORD_SECTION", 2, required=True)
        assert coords is not None
        dist = _distances(weight_type, coords)
    if (~np.isfinite(dist) | (dist < 0)).any():
        raise VrplibError(p, None, "distances must be finite and >= 0")

    demand_tab = table("DEMAND_SECTION", 1, required=True)
    assert demand_tab is not None
    demand = demand_tab[:, 0]

    if "DEPOT_SECTION" not in sections:
        raise VrplibError(p, None, "missing DEPOT_SECTION")
    depots: list[int] = []
    terminated = False
    for fields, lineno in sections["DEPOT_SECTION"]:
        for f in fields:
            if terminated:
                raise VrplibError(p, lineno, f"DEPOT_SECTION continues after -1: {f!r}")
            try:
                node = int(f)
            except ValueError:
                raise VrplibError(p, lineno, f"depot id is not an integer: {f!r}") from None
            if node == -1:
                terminated = True
                continue
            if not 1 <= node <= n:
                raise VrplibError(p, lineno, f"depot {node} outside 1..{n}")
            depots.append(node)
    if len(depots) != 1:
        first = sections["DEPOT_SECTION"][0][1] if sections["DEPOT_SECTION"] else None
        raise VrplibError(p, first, f"exactly one depot is supported, the file lists {len(depots)}")
    depot = depots[0] - 1
    if demand[depot] != 0:
        raise VrplibError(p, None, f"depot {depot + 1} has demand {demand[depot]:g}, expected 0")
    if (demand < 0).any():
        bad = int(np.flatnonzero(demand < 0)[0]) + 1
        raise VrplibError(p, None, f"node {bad} has a negative demand")
    if demand.max() > capacity:
        bad = int(np.argmax(demand)) + 1
        raise VrplibError(
            p, None, f"node {bad} demand {demand.max():g} exceeds CAPACITY {capacity:g}"
        )

    tw_tab = table("TIME_WINDOW_SECTION", 2, required=False)
    if tw_tab is not None and (tw_tab[:, 0] > tw_tab[:, 1]).any():
        bad = int(np.flatnonzero(tw_tab[:, 0] > tw_tab[:, 1])[0]) + 1
        raise VrplibError(p, None, f"time window of node {bad} opens after it closes")
    st_tab = table("SERVICE_TIME_SECTION", 1, required=False)
    service: NDArray[np.float64] | None = None
    if st_tab is not None:
        service = st_tab[:, 0]
    elif service_default is not None:
        service = np.full(n, service_default)
        service[depot] = 0.0
    if service is not None and (service < 0).any():
        raise VrplibError(p, None, "service times must be >= 0")

    if scale is None:
        integral = bool(np.all(dist == np.round(dist)))
        scale = 1 if integral else 1000
    stated = (
        (int(vehicles), "VEHICLES") if vehicles is not None else _fleet_from_text(name, comment)
    )
    known_fleet = None if stated is None else stated[0]
    if n_vehicles is not None:
        fleet_source = "argument"
    elif stated is not None:
        n_vehicles, fleet_source = stated
    else:
        n_vehicles, fleet_source = max(1, n - 1), "one per customer"
    if n_vehicles < 1:
        raise VrplibError(p, None, f"n_vehicles must be >= 1, got {n_vehicles}")

    problem = make_problem(
        dist,
        demand,
        capacity,
        n_vehicles=n_vehicles,
        depot=depot,
        time_window=tw_tab,
        service_time=service,
        scale=scale,
    )
    return VrpInstance(
        problem=problem,
        name=name,
        kind=kind,
        comment=comment,
        known_fleet=known_fleet,
        fleet_source=fleet_source,
        known_optimum=_optimum_from_comment(comment),
        node_ids=tuple(range(1, n + 1)),
        coordinates=coords,
        edge_weight_type=weight_type,
        scale=scale,
    )


def _fmt(x: float) -> str:
    """Format a number for CSV: integers without a decimal point, others to 10 digits."""
    if math.isfinite(x) and x == round(x) and abs(x) < 1e15:
        return str(int(round(x)))
    return f"{x:.10g}"


def write_routes_csv(
    path: str | os.PathLike[str],
    problem: RoutingProblem,
    result: RoutingResult,
    *,
    node_ids: Sequence[int] | None = None,
) -> None:
    """Write the stops of every used vehicle to a CSV file (atomically).

    Columns: ``vehicle`` (0-based), ``stop`` (0 = leaving the start depot), ``node`` (from
    ``node_ids`` when given, e.g. file ids, else the 0-based node), ``load`` (on board after
    the stop, demand units), ``arrival_time`` (earliest start of service, time units; empty
    when the problem has no times), ``cumulative_distance`` (distance units). Vehicles that
    serve no customer are left out. Same inputs, same bytes.

    Parameters
    ----------
    path
        Output file; written to a temporary file in the same folder, then renamed.
    problem
        The problem that was solved.
    result
        Its result.
    node_ids
        Label of each node in the output (length ``n``).

    Raises
    ------
    ValueError
        When ``node_ids`` does not have one label per node or a route names a node outside
        the problem.
    """
    out = Path(path)
    n = problem.n_nodes
    if node_ids is not None and len(node_ids) != n:
        raise ValueError(f"node_ids has {len(node_ids)} labels, the problem has {n} nodes")
    labels = list(range(n)) if node_ids is None else list(node_ids)
    rows: list[list[str]] = []
    for v, route in enumerate(result.routes):
        if len(route) <= 2:
            continue
        if any(not 0 <= i < n for i in route):
            raise ValueError(f"route of vehicle {v} names a node outside 0..{n - 1}")
        load, arrival, cum = route_schedule(problem, route)
        for k, node in enumerate(route):
            rows.append(
                [
                    str(v),
                    str(k),
                    str(labels[node]),
                    _fmt(float(load[k])),
                    "" if arrival is None else _fmt(float(arrival[k])),
                    _fmt(float(cum[k])),
                ]
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
