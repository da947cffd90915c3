"""Reader for the TNTP traffic-assignment format (Transportation Networks for Research).

The format (github.com/bstabler/TransportationNetworks):

- every file but the flow file starts with metadata lines ``<NAME> value`` up to
  ``<END OF METADATA>``;
- ``~`` starts a comment that runs to the end of the line;
- net files: one link per row, whitespace-separated, ending in ``;`` (possibly glued to the last
  value, as in ``…1;``). Columns: init_node, term_node, capacity, length, free_flow_time, b,
  power, speed, toll, link_type. Link time ``t = fft · (1 + b · (x / capacity) ** power)``;
- trips files: ``Origin o`` starts a block of ``d : flow;`` pairs (any number per line);
- node files: a header row then ``node x y ;`` rows;
- flow files (``*_flow.tntp``, best-known solutions): a header row then
  ``from to volume cost`` rows.

Every reader also takes the file compressed, recognised by its name: ``*.gz`` (gzip), ``*.xz``
(xz/LZMA) or ``*.bz2`` (bzip2), e.g. ``ChicagoSketch_trips.tntp.xz``.

Nodes are numbered from 1 in the files and from 0 in the arrays returned here. Zones are nodes
``1..n_zones``; nodes numbered below ``<FIRST THRU NODE>`` may not be passed through
(:attr:`TntpNetwork.no_through`). The generalized cost adds
``toll_factor · toll + distance_factor · length`` to the link time
(:meth:`TntpNetwork.fixed_cost`); the factors come from the arguments of :func:`read_net` when
given, else from ``<TOLL FACTOR>`` / ``<DISTANCE FACTOR>`` metadata when present, else 0.

Every format error raises :class:`TntpFormatError` naming the file and the line.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solvers.formats import InstanceFormatError

__all__ = [
    "TntpFlow",
    "TntpFormatError",
    "TntpNetwork",
    "TntpNodes",
    "TntpTrips",
    "TntpWarning",
    "assignment_arguments",
    "read_flow",
    "read_net",
    "read_nodes",
    "read_trips",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_NET_COLUMNS = (
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
)
_META = re.compile(r"^<([^>]+)>\s*(.*)$")
_PAIR = re.compile(r"^\s*(\S+)\s*:\s*([^;\s]+)\s*;?\s*$")


class TntpFormatError(InstanceFormatError):
    """A TNTP file does not follow the format; the message starts with ``file:line:``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


class TntpWarning(UserWarning):
    """A TNTP file is readable but inconsistent with its own metadata (e.g. total OD flow)."""


@dataclass(frozen=True)
class TntpNetwork:
    """A TNTP net file; node ids 0-based, one entry per link in file order.

    Units are those of the data set (see its README): capacity and flows usually vehicles per
    hour, free-flow time in minutes or 0.01 h, length in the data set's distance unit.
    """

    path: str
    n_zones: int
    n_nodes: int
    first_thru_node: int  # 1-based, as in the file
    tail: IntArray
    head: IntArray
    capacity: FloatArray
    length: FloatArray
    free_flow_time: FloatArray
    alpha: FloatArray  # the file's ``b``
    beta: FloatArray  # the file's ``power``
    speed: FloatArray
    toll: FloatArray
    link_type: IntArray
    toll_factor: float
    distance_factor: float
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_links(self) -> int:
        """Number of links."""
        return int(self.tail.size)

    @property
    def no_through(self) -> NDArray[np.bool_]:
        """Mask of nodes that may not be passed through (numbered below FIRST THRU NODE)."""
        mask = np.zeros(self.n_nodes, dtype=bool)
        mask[: max(self.first_thru_node - 1, 0)] = True
        return mask

    def fixed_cost(self) -> FloatArray:
        """Flow-independent part of the generalized cost: toll and distance terms per link."""
        return self.toll_factor * self.toll + self.distance_factor * self.length


@dataclass(frozen=True)
class TntpTrips:
    """A TNTP trips file: OD demand rows (0-based zones), zero entries dropped."""

    path: str
    n_zones: int
    total_flow: float
    origin: IntArray
    destination: IntArray
    demand: FloatArray
    metadata: dict[str, str] = field(default_factory=dict)

    def matrix(self) -> FloatArray:
        """Dense ``(n_zones, n_zones)`` OD matrix."""
        m = np.zeros((self.n_zones, self.n_zones))
        np.add.at(m, (self.origin, self.destination), self.demand)
        return m


@dataclass(frozen=True)
class TntpNodes:
    """A TNTP node file: 0-based node ids and coordinates."""

    path: str
    node: IntArray
    x: FloatArray
    y: FloatArray


@dataclass(frozen=True)
class TntpFlow:
    """A TNTP flow file (a best-known solution): link end points (0-based), volume and cost."""

    path: str
    tail: IntArray
    head: IntArray
    volume: FloatArray
    cost: FloatArray


# ---------------------------------------------------------------------------------------------
# Line handling
# ---------------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in ``.gz``, ``.xz`` or ``.bz2``."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix == ".gz":
            return gzip.decompress(raw)
        if suffix == ".xz":
            return lzma.decompress(raw)
        if suffix == ".bz2":
            return bz2.decompress(raw)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise TntpFormatError(path, None, f"not a valid {suffix[1:]} file ({exc})") from exc
    return raw


def _lines(path: Path) -> list[str]:
    try:
        return _read_bytes(path).decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise TntpFormatError(path, None, f"not UTF-8 text ({exc.reason})") from exc


def _strip(line: str) -> str:
    return line.split("~", 1)[0].strip()


def _metadata(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    """Metadata dict (upper-case keys) and the index of the first line after it."""
    meta: dict[str, str] = {}
    for i, raw in enumerate(lines):
        text = raw.strip()
        if not text or text.startswith("~"):
            continue
        m = _META.match(text)
        if m is None:
            raise TntpFormatError(
                path, i + 1, f"expected a metadata line '<NAME> value', got {text[:60]!r}"
            )
        key = " ".join(m.group(1).upper().split())
        if key == "END OF METADATA":
            return meta, i + 1
        meta[key] = _strip(m.group(2)) if key != "ORIGINAL HEADER" else m.group(2).strip()
    raise TntpFormatError(path, len(lines), "missing <END OF METADATA>")


def _meta_int(path: Path, meta: dict[str, str], key: str, default: int | None = None) -> int:
    if key not in meta:
        if default is not None:
            return default
        raise TntpFormatError(path, None, f"metadata <{key}> is missing")
    try:
        value = float(meta[key])
    except ValueError:
        raise TntpFormatError(
            path, None, f"metadata <{key}> = {meta[key]!r} is not a number"
        ) from None
    if value != int(value):
        raise TntpFormatError(path, None, f"metadata <{key}> = {meta[key]!r} is not an integer")
    return int(value)


def _meta_float(path: Path, meta: dict[str, str], key: str) -> float | None:
    if key not in meta or not meta[key]:
        return None
    try:
        return float(meta[key])
    except ValueError:
        raise TntpFormatError(
            path, None, f"metadata <{key}> = {meta[key]!r} is not a number"
        ) from None


def _number(path: Path, lineno: int, token: str, what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise TntpFormatError(path, lineno, f"{what} {token!r} is not a number") from None
    if not np.isfinite(value):
        raise TntpFormatError(path, lineno, f"{what} {token!r} is not finite")
    return value


def _node(path: Path, lineno: int, token: str, what: str, n_nodes: int | None) -> int:
    value = _number(path, lineno, token, what)
    if value != int(value) or value < 1:
        raise TntpFormatError(path, lineno, f"{what} {token!r} is not a node number (1, 2, …)")
    if n_nodes is not None and value > n_nodes:
        raise TntpFormatError(
            path, lineno, f"{what} {int(value)} exceeds <NUMBER OF NODES> {n_nodes}"
        )
    return int(value)


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------


def read_net(
    path: str | Path,
    *,
    toll_factor: float | None = None,
    distance_factor: float | None = None,
) -> TntpNetwork:
    """Read a TNTP net file.

    Parameters
    ----------
    path
        The ``*_net.tntp`` file.
    toll_factor, distance_factor
        Weights of toll and length in the generalized cost (time units per money unit, per
        distance unit). Given values win over ``<TOLL FACTOR>`` / ``<DISTANCE FACTOR>``
        metadata; absent both, 0.

    Returns
    -------
    TntpNetwork

    Raises
    ------
    TntpFormatError
        Missing metadata, a malformed row, a node outside ``1..<NUMBER OF NODES>``, or a link
        count different from ``<NUMBER OF LINKS>``.
    """
    p = Path(path)
    lines = _lines(p)
    meta, start = _metadata(p, lines)
    n_nodes = _meta_int(p, meta, "NUMBER OF NODES")
    n_links = _meta_int(p, meta, "NUMBER OF LINKS")
    n_zones = _meta_int(p, meta, "NUMBER OF ZONES", default=0)
    first_thru = _meta_int(p, meta, "FIRST THRU NODE", default=1)
    rows: list[list[float]] = []
    for i in range(start, len(lines)):
        text = _strip(lines[i])
        if not text:
            continue
        lineno = i + 1
        if text.endswith(";"):
            text = text[:-1]
        tokens = text.split()
        if len(tokens) != len(_NET_COLUMNS):
            raise TntpFormatError(
                p,
                lineno,
                f"expected {len(_NET_COLUMNS)} columns ({', '.join(_NET_COLUMNS)}), "
                f"got {len(tokens)}",
            )
        tail = _node(p, lineno, tokens[0], "init_node", n_nodes)
        head = _node(p, lineno, tokens[1], "term_node", n_nodes)
        values = [
            _number(p, lineno, tok, col)
            for tok, col in zip(tokens[2:], _NET_COLUMNS[2:], strict=True)
        ]
        rows.append([tail, head, *values])
    if len(rows) != n_links:
        raise TntpFormatError(
            p, None, f"<NUMBER OF LINKS> says {n_links} links but the file has {len(rows)}"
        )
    arr = np.array(rows, dtype=float).reshape(-1, len(_NET_COLUMNS))
    tf = toll_factor if toll_factor is not None else _meta_float(p, meta, "TOLL FACTOR")
    df = distance_factor if distance_factor is not None else _meta_float(p, meta, "DISTANCE FACTOR")
    return TntpNetwork(
        path=str(p),
        n_zones=n_zones,
        n_nodes=n_nodes,
        first_thru_node=first_thru,
        tail=arr[:, 0].astype(np.int64) - 1,
        head=arr[:, 1].astype(np.int64) - 1,
        capacity=arr[:, 2].copy(),
        length=arr[:, 3].copy(),
        free_flow_time=arr[:, 4].copy(),
        alpha=arr[:, 5].copy(),
        beta=arr[:, 6].copy(),
        speed=arr[:, 7].copy(),
        toll=arr[:, 8].copy(),
        link_type=arr[:, 9].astype(np.int64),
        toll_factor=float(tf or 0.0),
        distance_factor=float(df or 0.0),
        metadata=meta,
    )


def read_trips(path: str | Path) -> TntpTrips:
    """Read a TNTP trips file (``Origin o`` blocks of ``d : flow;`` pairs).

    Zero entries are dropped; intrazonal entries are kept (assignment ignores them). A total
    that differs from ``<TOTAL OD FLOW>`` by more than 1e-6 relative issues a
    :class:`TntpWarning`.

    Raises
    ------
    TntpFormatError
        Missing metadata, a pair before the first ``Origin``, a malformed pair, a zone outside
        ``1..<NUMBER OF ZONES>``, or a negative flow.
    """
    p = Path(path)
    lines = _lines(p)
    meta, start = _metadata(p, lines)
    n_zones = _meta_int(p, meta, "NUMBER OF ZONES")
    total_meta = _meta_float(p, meta, "TOTAL OD FLOW")
    origins: list[int] = []
    dests: list[int] = []
    flows: list[float] = []
    current: int | None = None
    for i in range(start, len(lines)):
        text = _strip(lines[i])
        if not text:
            continue
        lineno = i + 1
        if text.lower().startswith("origin"):
            parts = text.split()
            if len(parts) != 2:
                raise TntpFormatError(p, lineno, f"expected 'Origin <zone>', got {text!r}")
            current = _node(p, lineno, parts[1].rstrip(";"), "origin", n_zones)
            continue
        for chunk in text.split(";"):
            if not chunk.strip():
                continue
            m = _PAIR.match(chunk)
            if m is None:
                raise TntpFormatError(
                    p, lineno, f"expected 'destination : flow;', got {chunk.strip()!r}"
                )
            if current is None:
                raise TntpFormatError(p, lineno, "destination before the first 'Origin' line")
            dest = _node(p, lineno, m.group(1), "destination", n_zones)
            flow = _number(p, lineno, m.group(2), "flow")
            if flow < 0:
                raise TntpFormatError(p, lineno, f"flow {m.group(2)} is negative")
            if flow > 0:
                origins.append(current - 1)
                dests.append(dest - 1)
                flows.append(flow)
    demand = np.array(flows, dtype=float)
    total = float(demand.sum())
    if total_meta is not None and abs(total - total_meta) > 1e-6 * max(abs(total_meta), 1.0):
        warnings.warn(
            f"{p}: trips sum to {total!r} but <TOTAL OD FLOW> is {total_meta!r}",
            TntpWarning,
            stacklevel=2,
        )
    return TntpTrips(
        path=str(p),
        n_zones=n_zones,
        total_flow=total,
        origin=np.array(origins, dtype=np.int64),
        destination=np.array(dests, dtype=np.int64),
        demand=demand,
        metadata=meta,
    )


def _table(path: Path, n_columns: int, what: str) -> tuple[list[list[str]], list[int]]:
    """Rows of a header + rows file (node and flow files), ``;`` and comments removed."""
    lines = _lines(path)
    rows: list[list[str]] = []
    linenos: list[int] = []
    header_seen = False
    for i, raw in enumerate(lines):
        text = _strip(raw).rstrip(";").strip()
        if not text:
            continue
        if not header_seen:
            header_seen = True
            try:
                float(text.split()[0])
            except ValueError:
                continue  # the header row
        tokens = text.split()
        if len(tokens) != n_columns:
            raise TntpFormatError(
                path, i + 1, f"expected {n_columns} columns ({what}), got {len(tokens)}"
            )
        rows.append(tokens)
        linenos.append(i + 1)
    return rows, linenos


def read_nodes(path: str | Path) -> TntpNodes:
    """Read a TNTP node file (``node x y`` rows after a header)."""
    p = Path(path)
    rows, linenos = _table(p, 3, "node, x, y")
    node = [_node(p, ln, r[0], "node", None) - 1 for r, ln in zip(rows, linenos, strict=True)]
    x = [_number(p, ln, r[1], "x") for r, ln in zip(rows, linenos, strict=True)]
    y = [_number(p, ln, r[2], "y") for r, ln in zip(rows, linenos, strict=True)]
    return TntpNodes(
        path=str(p),
        node=np.array(node, dtype=np.int64),
        x=np.array(x, dtype=float),
        y=np.array(y, dtype=float),
    )


def read_flow(path: str | Path) -> TntpFlow:
    """Read a TNTP flow file (``from to volume cost`` rows after a header)."""
    p = Path(path)
    rows, linenos = _table(p, 4, "from, to, volume, cost")
    pairs = list(zip(rows, linenos, strict=True))
    return TntpFlow(
        path=str(p),
        tail=np.array([_node(p, ln, r[0], "from", None) - 1 for r, ln in pairs], dtype=np.int64),
        head=np.array([_node(p, ln, r[1], "to", None) - 1 for r, ln in pairs], dtype=np.int64),
        volume=np.array([_number(p, ln, r[2], "volume") for r, ln in pairs], dtype=float),
        cost=np.array([_number(p, ln, r[3], "cost") for r, ln in pairs], dtype=float),
    )


def assignment_arguments(net: TntpNetwork, trips: TntpTrips) -> dict[str, Any]:
    """Keyword arguments for :func:`solvers.assignment.solve` from a net and a trips file.

    Returns tail, head, free_flow_time, capacity, alpha, beta, origin, destination, demand,
    fixed_cost (``None`` when all zero), no_through (``None`` when no node is restricted) and
    n_nodes.

    Raises
    ------
    TntpFormatError
        The trips file has more zones than the network has nodes.
    """
    if trips.n_zones > net.n_nodes:
        raise TntpFormatError(
            trips.path,
            None,
            f"{trips.n_zones} zones but the network {net.path} has only {net.n_nodes} nodes",
        )
    fixed = net.fixed_cost()
    no_through = net.no_through
    return {
        "tail": net.tail,
        "head": net.head,
        "free_flow_time": net.free_flow_time,
        "capacity": net.capacity,
        "alpha": net.alpha,
        "beta": net.beta,
        "origin": trips.origin,
        "destination": trips.destination,
        "demand": trips.demand,
        "fixed_cost": fixed if np.any(fixed != 0) else None,
        "no_through": no_through if no_through.any() else None,
        "n_nodes": net.n_nodes,
    }
