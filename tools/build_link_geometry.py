"""Build ``network_data/chuannan_yuxi/geometry.geojson``: Yangtze water links that follow the river.

The river is a graph of the Yangtze main-stem lines of the shipped basemap
(``freight/maps/data/basemap.geojson``, clipped from Natural Earth's public-domain 1:10m rivers
and lake centerlines by ``tools/build_basemap.py``; the features named in :data:`MAIN_STEM`),
an OpenStreetMap reach that replaces them upstream of Fuling, and one explicit bridge,
:data:`ESTUARY_BRIDGE`:

- Upstream of :data:`OSM_JOIN` (a vertex of the Natural Earth line 17 km below Fuling) the
  1:10m line cuts the meanders of the upper river (Yibin–Chongqing 331 km on it against 384 river
  km). There the river is :data:`OSM_REACH`, the main line of OpenStreetMap's Yangtze relation
  from Yibin to its vertex nearest :data:`OSM_JOIN` (ODbL 1.0, © OpenStreetMap contributors;
  ``--osm-yangtze`` derives the shipped layer from a GeoJSON of the relation). The Natural Earth
  part that holds :data:`OSM_JOIN` is cut there and its upstream side dropped.

- Natural Earth draws the river in parts that do not all meet: the two parts of *Chang Jiang*
  are 0.7 km apart at 112.79° E, the two main parts of *Yangtze* 0.9 km apart at Wuhan, and the
  orientation of the parts varies. Every part end is joined to the nearest vertex of another part
  of the graph within :data:`GAP_KM` (a straight bridge, logged).
- Natural Earth's river line ends at Zhenjiang (119.606° E, 32.197° N), where its 1:10m
  coastline takes over: below it the estuary is sea in the dataset. :data:`ESTUARY_BRIDGE` is
  the midline of that estuary (the medial axis of the water between the 1:10m coastline's banks
  and islands) from the line's end to mid-channel off Waigaoqiao, computed by
  :func:`estuary_midline` from ``ne_10m_coastline`` and written into this module
  (``--coastline`` recomputes it and prints it).

For every water link of ``links.csv`` whose two places lie within :data:`SNAP_KM` of the graph,
the geometry is the shortest path along the graph between the points of the graph nearest the
two places, with a short straight connector from each place. The features carry ``link``,
``source``, ``length_km`` (links.csv), ``geometry_km`` (geodesic length of the line, WGS84) and
``ratio`` (geometry_km / length_km). Links the graph does not reach are left out: the map and
the GeoPackage draw them straight, as every road, rail and air link. The output depends only on
the basemap, the OpenStreetMap reach, ``places.csv``, ``links.csv`` and this module (same inputs,
same bytes).

Usage::

    python -m tools.build_link_geometry [--data network_data/chuannan_yuxi]
    python -m tools.build_link_geometry --coastline ne_10m_coastline.json   # print the bridge
    python -m tools.build_link_geometry --positions 106.58684,29.58564      # river km of places
    python -m tools.build_link_geometry --osm-yangtze osm-yangtze.geojson   # write OSM_REACH
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon, box, shape
from shapely.ops import polygonize, unary_union

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
BASEMAP = ROOT / "freight" / "maps" / "data" / "basemap.geojson"
DATA = ROOT / "network_data" / "chuannan_yuxi"
OSM_REACH = ROOT / "freight" / "maps" / "data" / "yangtze_osm.geojson"
"""The Yangtze from Yibin to 17 km below Fuling from OpenStreetMap (ODbL), written by
``--osm-yangtze``: one LineString, upstream to downstream."""
OSM_JOIN: tuple[float, float] = (107.47975, 29.84191)
"""Where the OpenStreetMap reach hands over to Natural Earth: a vertex of the basemap's *Chang
Jiang* line 17 km below Fuling (the reach ends at its own vertex nearest it, 0.25 km away; the
two are joined as a gap)."""
OSM_RELATION = 9392345
"""OpenStreetMap relation of the Yangtze (waterway=river) whose main line the reach is."""
MAIN_STEM: tuple[str, ...] = ("Chang Jiang", "Yangtze")
"""Natural Earth names (prefixes) of the river lines the water links follow."""
SNAP_KM = 15.0
"""Largest distance (km) of a place from the river for its link to follow the river (the
Nanjing city coordinate is 9 km from the line; every other river place is within 7 km)."""
GAP_KM = 1.5
"""Largest gap (km) between a part end and another part that is bridged (Natural Earth's gaps
on the Yangtze are 0.7 and 0.9 km)."""

RIVER_SOURCE = (
    "Natural Earth 1:10m rivers and lake centerlines (public domain), clipped by "
    "tools/build_basemap.py; routed by tools/build_link_geometry.py"
)
ESTUARY_SOURCE = (
    "below Zhenjiang: midline of the estuary between the banks of the Natural Earth 1:10m "
    "coastline (public domain), tools.build_link_geometry.ESTUARY_BRIDGE"
)
OSM_SOURCE = (
    f"Yibin to below Fuling: OpenStreetMap relation {OSM_RELATION} (Yangtze), © OpenStreetMap "
    "contributors, ODbL 1.0; freight/maps/data/yangtze_osm.geojson"
)

# --- the estuary bridge ------------------------------------------------------------------------
ESTUARY_BOX: tuple[float, float, float, float] = (119.5, 31.0, 122.3, 32.6)
"""Box (lon_min, lat_min, lon_max, lat_max) in which the estuary's water is polygonized."""
ESTUARY_SEA: tuple[float, float] = (122.2, 31.5)
"""A point of the sea, to tell the water from the land among the coastline's faces."""
ESTUARY_START: tuple[float, float] = (119.60637, 32.19689)
"""Where Natural Earth's 1:10m *Yangtze* line ends (and its coastline begins)."""
ESTUARY_END: tuple[float, float] = (121.59, 31.36)
"""The bridge ends at the midline point nearest this (Waigaoqiao, the regional SH place)."""
DENSIFY_M = 500.0
"""Boundary spacing (m) of the Voronoi medial axis."""
SIMPLIFY_DEG = 0.002
"""Douglas–Peucker tolerance (degrees, about 200 m) of the stored midline."""

ESTUARY_BRIDGE: tuple[tuple[float, float], ...] = (
    (119.60637, 32.19689),
    (119.6086, 32.1969),
    (119.6398, 32.2028),
    (119.6547, 32.2139),
    (119.6793, 32.2468),
    (119.693, 32.2568),
    (119.7365, 32.2217),
    (119.7802, 32.2098),
    (119.801, 32.1974),
    (119.7817, 32.1705),
    (119.7776, 32.1595),
    (119.779, 32.131),
    (119.7874, 32.1188),
    (119.8548, 32.0952),
    (119.8845, 32.0714),
    (119.8978, 32.0649),
    (119.908, 32.0618),
    (119.925, 32.0622),
    (119.9961, 31.9829),
    (120.017, 31.9684),
    (120.0858, 31.9419),
    (120.1368, 31.9268),
    (120.1793, 31.9205),
    (120.2298, 31.924),
    (120.2731, 31.9391),
    (120.3366, 31.9755),
    (120.3849, 31.9981),
    (120.4123, 32.0067),
    (120.4319, 32.0304),
    (120.4456, 32.0391),
    (120.4695, 32.0473),
    (120.5001, 32.052),
    (120.61, 32.0347),
    (120.6696, 32.0299),
    (120.6953, 32.0248),
    (120.7719, 32.0007),
    (120.7896, 31.9904),
    (120.8585, 31.8967),
    (120.8792, 31.8583),
    (120.8857, 31.8201),
    (120.9084, 31.804),
    (120.9316, 31.7945),
    (120.973, 31.7841),
    (121.0319, 31.7798),
    (121.1079, 31.7535),
    (121.1343, 31.7486),
    (121.241, 31.671),
    (121.2863, 31.6218),
    (121.3433, 31.5807),
    (121.3779, 31.5507),
    (121.4696, 31.5083),
    (121.4869, 31.4971),
    (121.5106, 31.4781),
    (121.5239, 31.4438),
    (121.5426, 31.4198),
    (121.5684, 31.4003),
    (121.6068, 31.3823),
)
"""Midline of the Yangtze estuary from :data:`ESTUARY_START` to off Waigaoqiao (lon, lat):
:func:`estuary_midline` of Natural Earth 1:10m ``ne_10m_coastline`` (v4.0 GeoJSON of
martynafford/natural-earth-geojson), simplified by :data:`SIMPLIFY_DEG`, 4 decimals."""

_GEOD = Geod(ellps="WGS84")
# a conformal projection centred on the river for nearest points (metres)
_LCC = "+proj=lcc +lat_1=28 +lat_2=32 +lon_0=110 +datum=WGS84"
_TO_M = Transformer.from_crs("EPSG:4326", _LCC, always_xy=True)
_TO_DEG = Transformer.from_crs(_LCC, "EPSG:4326", always_xy=True)


def _to_m(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = _TO_M.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _to_deg(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = _TO_DEG.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def geodesic_km(coords: Sequence[Sequence[float]]) -> float:
    """Geodesic length (km, WGS84) of a line of (lon, lat) points."""
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return float(_GEOD.line_length(lons, lats)) / 1000.0


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


# --- the river graph ---------------------------------------------------------------------------


def read_reach(path: Path = OSM_REACH) -> list[tuple[float, float]]:
    """The OpenStreetMap reach (lon, lat vertices, upstream first) of a layer written by
    :func:`write_reach`."""
    fc = json.loads(path.read_text(encoding="utf-8"))
    (f,) = fc["features"]
    return [(float(x), float(y)) for x, y in f["geometry"]["coordinates"]]


def river_parts(
    basemap: Path = BASEMAP,
    bridge: Sequence[tuple[float, float]] | None = None,
    reach: Path | None = OSM_REACH,
    join: tuple[float, float] = OSM_JOIN,
) -> list[tuple[list[tuple[float, float]], str]]:
    """The main-stem lines of the basemap (lon, lat vertices) with their source text, in file
    order; with a ``reach`` layer, the part holding ``join`` is cut there and its side that holds
    the vertex nearest the reach's upstream end is dropped, and the reach follows; then the
    estuary bridge (default :data:`ESTUARY_BRIDGE`) when it has two vertices.

    Raises
    ------
    ValueError
        If ``reach`` is given and ``join`` is no vertex of a main-stem line.
    """
    fc = json.loads(basemap.read_text(encoding="utf-8"))
    parts: list[tuple[list[tuple[float, float]], str]] = []
    for f in fc["features"]:
        props = f["properties"]
        if props.get("layer") != "river" or not str(props.get("name", "")).startswith(MAIN_STEM):
            continue
        g = shape(f["geometry"])
        for line in getattr(g, "geoms", [g]):
            parts.append(([(float(x), float(y)) for x, y in line.coords], RIVER_SOURCE))
    if reach is not None:
        osm = read_reach(reach)
        held = [k for k, (coords, _) in enumerate(parts) if join in coords]
        if not held:
            raise ValueError(f"the join point {join} is no vertex of the basemap's main stem")
        coords = parts[held[0]][0]
        i = coords.index(join)
        head, tail = coords[: i + 1], coords[i:]
        up = min(coords, key=lambda xy: _km(xy, osm[0]))
        keep = tail if up in head else head
        parts[held[0]] = (keep, RIVER_SOURCE)
        parts.append((osm, OSM_SOURCE))
    est = ESTUARY_BRIDGE if bridge is None else bridge
    if len(est) >= 2:
        parts.append(([(float(x), float(y)) for x, y in est], ESTUARY_SOURCE))
    return parts


def river_graph(parts: Sequence[tuple[Sequence[tuple[float, float]], str]]) -> nx.Graph:
    """An undirected graph: a node per distinct vertex (attribute ``xy``, lon/lat), an edge per
    segment (``km`` geodesic, ``source``); part ends within :data:`GAP_KM` of a vertex of another
    connected piece are joined by a straight edge (``source`` ``"gap"``)."""
    g = nx.Graph()
    ids: dict[tuple[float, float], int] = {}
    ends: list[int] = []
    for coords, source in parts:
        prev: int | None = None
        for xy in coords:
            n = ids.setdefault(xy, len(ids))
            if n not in g:
                g.add_node(n, xy=xy)
            if prev is not None and prev != n:
                g.add_edge(prev, n, km=_km(g.nodes[prev]["xy"], xy), source=source)
            prev = n
        ends += [ids[coords[0]], ids[coords[-1]]]
    xy_m = _to_m(np.array([g.nodes[n]["xy"] for n in range(len(ids))], dtype=float))
    for e in dict.fromkeys(ends):
        if g.degree(e) != 1:
            continue
        comp = nx.node_connected_component(g, e)
        other = np.array([n not in comp for n in range(len(ids))])
        if not other.any():
            continue
        d = np.hypot(*(xy_m - xy_m[e]).T)
        d[~other] = np.inf
        n = int(np.argmin(d))
        if d[n] <= GAP_KM * 1000:
            km = _km(g.nodes[e]["xy"], g.nodes[n]["xy"])
            g.add_edge(e, n, km=km, source="gap")
            log.info("gap of %.2f km bridged at %s", km, g.nodes[e]["xy"])
    return g


def _attach(
    g: nx.Graph, segs: shapely.STRtree, edges: list[tuple[int, int]], xy: tuple[float, float]
) -> tuple[int, float]:
    """Add a node at the point of the graph nearest ``xy`` (its edge replaced by the two
    halves); returns the node and the distance (km) of ``xy`` from it."""
    p = Point(_TO_M.transform(*xy))
    i = int(segs.nearest(p))
    u, v = edges[i]
    seg = segs.geometries[i]
    q = seg.interpolate(seg.project(p))
    lon, lat = _TO_DEG.transform(q.x, q.y)
    node = g.number_of_nodes()
    while node in g:
        node += 1
    qxy = (float(lon), float(lat))
    g.add_node(node, xy=qxy)
    src = g.edges[u, v]["source"]
    g.remove_edge(u, v)
    g.add_edge(u, node, km=_km(g.nodes[u]["xy"], qxy), source=src)
    g.add_edge(node, v, km=_km(qxy, g.nodes[v]["xy"]), source=src)
    return node, float(p.distance(q)) / 1000.0


def _river_path(
    g: nx.Graph, a: tuple[float, float], b: tuple[float, float]
) -> tuple[nx.Graph, list[int], float, float] | None:
    """The graph with ``a`` and ``b`` attached at their nearest river points, the shortest
    path between those two points (node list) and the distances (km) of ``a`` and ``b`` from
    them; ``None`` when a place is more than :data:`SNAP_KM` from the graph or the two are not
    connected."""
    h = g.copy()
    edges = sorted((min(u, v), max(u, v)) for u, v in g.edges)
    lines = [
        LineString([_TO_M.transform(*g.nodes[u]["xy"]), _TO_M.transform(*g.nodes[v]["xy"])])
        for u, v in edges
    ]
    segs = shapely.STRtree(lines)
    na, da = _attach(h, segs, edges, a)
    # b's edge may be one that a split: attach b to the graph as split for a
    edges_b = sorted((min(u, v), max(u, v)) for u, v in h.edges)
    lines_b = [
        LineString([_TO_M.transform(*h.nodes[u]["xy"]), _TO_M.transform(*h.nodes[v]["xy"])])
        for u, v in edges_b
    ]
    nb, db = _attach(h, shapely.STRtree(lines_b), edges_b, b)
    if max(da, db) > SNAP_KM:
        return None
    try:
        path = nx.shortest_path(h, na, nb, weight="km")
    except nx.NetworkXNoPath:
        return None
    return h, path, da, db


def route(
    g: nx.Graph, a: tuple[float, float], b: tuple[float, float]
) -> tuple[list[tuple[float, float]], set[str]] | None:
    """The line from ``a`` to ``b`` along the graph (lon, lat vertices, ``a`` and ``b``
    included) and the sources of the edges used, or ``None`` when a place is more than
    :data:`SNAP_KM` from the graph or the two are not connected."""
    got = _river_path(g, a, b)
    if got is None:
        return None
    h, path, _, _ = got
    sources = {h.edges[u, v]["source"] for u, v in zip(path, path[1:], strict=False)}
    pts = [a, *(h.nodes[n]["xy"] for n in path), b]
    out: list[tuple[float, float]] = []
    for x, y in pts:
        r = (round(x, 5), round(y, 5))
        if not out or out[-1] != r:
            out.append(r)
    return out, sources


def river_km(
    g: nx.Graph, a: tuple[float, float], b: tuple[float, float]
) -> tuple[float, float] | None:
    """Distance (km) along the graph between the river points nearest ``a`` and ``b`` (no
    connectors) and the distance (km) of ``b`` from its river point; ``None`` as for
    :func:`route`."""
    got = _river_path(g, a, b)
    if got is None:
        return None
    h, path, _, db = got
    return sum(h.edges[u, v]["km"] for u, v in zip(path, path[1:], strict=False)), db


class InputError(Exception):
    """A missing or unreadable input of the tool (file, row and field named)."""


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    for i, r in enumerate(rows, start=2):
        r["_row"] = str(i)
        r["_file"] = str(path)
    return rows


def _num(row: dict[str, str], field: str) -> float:
    try:
        return float(row[field])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            f"{row['_file']}, row {row['_row']}, field '{field}': "
            f"expected a number, got {row.get(field)!r}"
        ) from None


def build(
    data: Path = DATA,
    basemap: Path = BASEMAP,
    bridge: Sequence[tuple[float, float]] | None = None,
    reach: Path | None = OSM_REACH,
    join: tuple[float, float] = OSM_JOIN,
) -> dict[str, Any]:
    """The FeatureCollection of the water links that follow the river (links.csv order); the
    river is :func:`river_parts` of ``basemap``, ``bridge``, ``reach`` and ``join``.

    Raises
    ------
    InputError
        If ``places.csv`` or ``links.csv`` is missing, or a row lacks a field the tool reads.
    """
    places = {r["id"]: (_num(r, "lon"), _num(r, "lat")) for r in _rows(data / "places.csv")}
    links = [r for r in _rows(data / "links.csv") if r.get("mode") == "water"]
    g = river_graph(river_parts(basemap, bridge, reach, join))
    feats: list[dict[str, Any]] = []
    for lk in links:
        ends = []
        for field in ("from", "to"):
            if lk.get(field) not in places:
                raise InputError(
                    f"{data / 'links.csv'}, row {lk['_row']}, field '{field}': "
                    f"no place {lk.get(field)!r} in places.csv"
                )
            ends.append(places[lk[field]])
        got = route(g, ends[0], ends[1])
        if got is None:
            log.info("%s: a place is more than %g km from the river: straight", lk["id"], SNAP_KM)
            continue
        coords, sources = got
        km = geodesic_km(coords)
        length = _num(lk, "length_km")
        used = [t for t in (OSM_SOURCE, RIVER_SOURCE, ESTUARY_SOURCE) if t in sources]
        source = "; ".join(used or [RIVER_SOURCE])
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "link": lk["id"],
                    "source": source,
                    "length_km": length,
                    "geometry_km": round(km, 1),
                    "ratio": round(km / length, 3),
                },
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            }
        )
    return {"type": "FeatureCollection", "name": "link_geometry", "features": feats}


def river_point(
    g: nx.Graph, origin: tuple[float, float], toward: tuple[float, float], km: float
) -> tuple[float, float]:
    """The point of the river ``km`` along it from the river point nearest ``origin`` in the
    direction of ``toward`` (linear referencing: a place given by its river km from a sourced
    origin), on the geodesic of the edge it falls on.

    Raises
    ------
    ValueError
        If ``origin`` or ``toward`` is not on the river (:data:`SNAP_KM`), they are not connected,
        or ``km`` lies beyond ``toward``'s river point or is negative.
    """
    got = _river_path(g, origin, toward)
    if got is None:
        raise ValueError(f"{origin} and {toward} are not both on the river")
    h, path, _, _ = got
    left = km
    if left < 0:
        raise ValueError(f"negative river km {km}")
    for u, v in zip(path, path[1:], strict=False):
        step = float(h.edges[u, v]["km"])
        if left <= step:
            a, b = h.nodes[u]["xy"], h.nodes[v]["xy"]
            az = _GEOD.inv(a[0], a[1], b[0], b[1])[0]
            lon, lat, _ = _GEOD.fwd(a[0], a[1], az, left * 1000.0)
            return (float(lon), float(lat))
        left -= step
    raise ValueError(f"{km} km lies beyond the river point of {toward}")


def positions(
    origin: str | tuple[float, float],
    data: Path = DATA,
    basemap: Path = BASEMAP,
    bridge: Sequence[tuple[float, float]] | None = None,
    reach: Path | None = OSM_REACH,
) -> list[tuple[str, float, float]]:
    """River positions of the places: ``(place id, km along the river from the river point
    nearest ``origin``, km of the place from its river point)`` for every place of
    ``places.csv`` within :data:`SNAP_KM` of the river, nearest first. ``origin`` is a place id
    or a (lon, lat) point. A diagnostic to set the line's positions beside sourced river km
    (e.g. "Guoyuan is 30 km below Chaotianmen"); nothing is built from it.

    Raises
    ------
    InputError
        If ``places.csv`` is missing or unreadable, or ``origin`` is no place id of it.
    """
    places = {r["id"]: (_num(r, "lon"), _num(r, "lat")) for r in _rows(data / "places.csv")}
    if isinstance(origin, str):
        if origin not in places:
            raise InputError(f"{data / 'places.csv'}: no place {origin!r}")
        at = places[origin]
    else:
        at = origin
    g = river_graph(river_parts(basemap, bridge, reach))
    out: list[tuple[str, float, float]] = []
    for pid, xy in places.items():
        got = river_km(g, at, xy)
        if got is not None:
            out.append((pid, round(got[0], 1), round(got[1], 1)))
    return sorted(out, key=lambda t: (t[1], t[0]))


def _origin(text: str) -> str | tuple[float, float]:
    """``--positions`` argument: ``LON,LAT`` (degrees) or a place id."""
    parts = text.split(",")
    if len(parts) == 2:
        try:
            return (float(parts[0]), float(parts[1]))
        except ValueError:
            pass
    return text


# --- deriving the OpenStreetMap reach ------------------------------------------------------------


def osm_reach(
    relation: dict[str, Any], join: tuple[float, float] = OSM_JOIN
) -> list[tuple[float, float]]:
    """The reach of a GeoJSON of the Yangtze relation: its longest line (the main line, upstream
    end first) from its start to its vertex nearest ``join``, 5 decimals, repeated vertices
    dropped.

    Raises
    ------
    ValueError
        If the layer holds no line.
    """
    lines: list[list[tuple[float, float]]] = []
    for f in relation.get("features", []):
        g = shape(f["geometry"])
        for line in getattr(g, "geoms", [g]):
            if line.geom_type == "LineString":
                lines.append([(float(x), float(y)) for x, y in line.coords])
    if not lines:
        raise ValueError("no LineString in the layer")
    main = max(lines, key=len)
    xy_m = _to_m(np.array(main, dtype=float))
    jx, jy = _TO_M.transform(*join)
    k = int(np.argmin(np.hypot(xy_m[:, 0] - jx, xy_m[:, 1] - jy)))
    out: list[tuple[float, float]] = []
    for x, y in main[: k + 1]:
        r = (round(x, 5), round(y, 5))
        if not out or out[-1] != r:
            out.append(r)
    return out


def write_reach(relation: Path, out: Path = OSM_REACH) -> dict[str, Any]:
    """Write :data:`OSM_REACH` from a GeoJSON of the relation (its first feature's properties
    name the copy: ``source``, ``retrieved``); returns the written FeatureCollection."""
    fc = read_layer(relation)
    props = fc["features"][0].get("properties", {}) if fc.get("features") else {}
    coords = osm_reach(fc)
    layer = {
        "type": "FeatureCollection",
        "name": "yangtze_osm",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "Yangtze (长江), Yibin to below Fuling",
                    "osm_relation": OSM_RELATION,
                    "source": f"https://www.openstreetmap.org/relation/{OSM_RELATION}",
                    "retrieved_from": str(props.get("source", "")),
                    "retrieved": str(props.get("retrieved", "")),
                    "license": "ODbL 1.0 (https://opendatacommons.org/licenses/odbl/1-0/)",
                    "attribution": "© OpenStreetMap contributors",
                    "derived": "tools/build_link_geometry.py --osm-yangtze: the relation's main "
                    "line from Yibin to its vertex nearest OSM_JOIN, 5 decimals",
                },
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            }
        ],
    }
    out.write_text(json.dumps(layer, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    log.info("%s: %d vertices, %.1f km", out, len(coords), geodesic_km(coords))
    return layer


# --- deriving the estuary bridge ---------------------------------------------------------------


def read_layer(path: Path) -> dict[str, Any]:
    """A Natural Earth layer as GeoJSON: a ``.json``/``.geojson`` file, or the ``.7z`` archive
    of martynafford/natural-earth-geojson holding one (needs the optional ``py7zr``)."""
    if path.suffix.lower() != ".7z":
        fc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return fc
    try:
        py7zr = importlib.import_module("py7zr")
    except ImportError as exc:
        raise InputError(
            f"{path}: reading a .7z archive needs py7zr (pip install py7zr), "
            "or extract it first (7z x) and give the .json"
        ) from exc
    with tempfile.TemporaryDirectory() as tmp:
        with py7zr.SevenZipFile(path) as z:
            z.extractall(path=tmp)
        found = sorted(Path(tmp).rglob("*.json"))
        if not found:
            raise InputError(f"{path}: the archive holds no .json layer")
        out: dict[str, Any] = json.loads(found[0].read_text(encoding="utf-8"))
    return out


def water_polygon(
    coastline: dict[str, Any],
    bbox: tuple[float, float, float, float] = ESTUARY_BOX,
    sea: tuple[float, float] = ESTUARY_SEA,
) -> Polygon:
    """The water (lon, lat) in ``bbox`` of a coastline layer: the face of the coastline lines
    and the box's edge that holds ``sea`` (the islands are its holes)."""
    clip = box(*bbox)
    lines = [shape(f["geometry"]).intersection(clip) for f in coastline["features"]]
    faces = list(polygonize(unary_union([g for g in lines if not g.is_empty] + [clip.exterior])))
    pt = Point(sea)
    water = [f for f in faces if f.contains(pt)]
    if not water:
        raise ValueError(f"no face of the coastline holds the sea point {sea}")
    out: Polygon = water[0]
    return out


def medial_path(
    water: Polygon, start: tuple[float, float], end: tuple[float, float]
) -> list[tuple[float, float]]:
    """The shortest path along the medial axis of ``water`` (lon, lat) between its points
    nearest ``start`` and ``end``: Voronoi edges of the boundary densified to
    :data:`DENSIFY_M` that lie inside the water (an approximation of the medial axis)."""
    wm = shapely.transform(water, _to_m)
    pts = shapely.MultiPoint(shapely.get_coordinates(shapely.segmentize(wm, DENSIFY_M).boundary))
    edges = [
        e for e in shapely.get_parts(shapely.voronoi_polygons(pts, only_edges=True))
        if wm.contains(e)
    ]  # fmt: skip
    g = nx.Graph()
    for e in edges:
        c = shapely.get_coordinates(e)
        a = (round(float(c[0, 0]), 1), round(float(c[0, 1]), 1))
        b = (round(float(c[-1, 0]), 1), round(float(c[-1, 1]), 1))
        if a != b:
            g.add_edge(a, b, m=float(e.length))
    nodes = sorted(g.nodes)
    arr = np.array(nodes)

    def nearest(xy: tuple[float, float]) -> tuple[float, float]:
        x, y = _TO_M.transform(*xy)
        i = int(np.argmin(np.hypot(arr[:, 0] - x, arr[:, 1] - y)))
        return (float(nodes[i][0]), float(nodes[i][1]))

    path = nx.shortest_path(g, nearest(start), nearest(end), weight="m")
    return [(float(x), float(y)) for x, y in _to_deg(np.array(path, dtype=float))]


def estuary_midline(coastline: dict[str, Any]) -> tuple[tuple[float, float], ...]:
    """:data:`ESTUARY_BRIDGE` from a coastline layer: the medial path of its estuary water from
    :data:`ESTUARY_START` (prepended exactly) to off :data:`ESTUARY_END`, simplified, rounded."""
    mid = LineString(medial_path(water_polygon(coastline), ESTUARY_START, ESTUARY_END))
    pts = [ESTUARY_START] + [
        (round(x, 4), round(y, 4)) for x, y in mid.simplify(SIMPLIFY_DEG).coords
    ]
    return tuple(dict.fromkeys(pts))


def _print_bridge(coastline: Path) -> int:
    if not coastline.is_file():
        raise InputError(f"{coastline}: no such file")
    try:
        mid = estuary_midline(read_layer(coastline))
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{coastline}: not a Natural Earth coastline layer ({exc})") from exc
    lines = [f"    ({x}, {y}),\n" for x, y in mid]
    sys.stdout.write("ESTUARY_BRIDGE: tuple[tuple[float, float], ...] = (\n")
    sys.stdout.write("".join(lines) + ")\n")
    log.info("%d vertices, %.1f km", len(mid), geodesic_km(mid))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--coastline",
        type=Path,
        help="Natural Earth ne_10m_coastline (.json or .7z): print the estuary bridge derived "
        "from it (to paste as ESTUARY_BRIDGE) instead of building",
    )
    ap.add_argument(
        "--osm-yangtze",
        type=Path,
        metavar="FILE",
        help="GeoJSON of OpenStreetMap's Yangtze relation (.json/.geojson or .7z): write the "
        "reach layer (freight/maps/data/yangtze_osm.geojson) from it instead of building",
    )
    ap.add_argument(
        "--positions",
        metavar="ORIGIN",
        help="print the river position (km along the river from ORIGIN, a place id or LON,LAT) "
        "of every place within SNAP_KM of the river, instead of building",
    )
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        if a.coastline is not None:
            return _print_bridge(a.coastline)
        if a.osm_yangtze is not None:
            if not a.osm_yangtze.is_file():
                raise InputError(f"{a.osm_yangtze}: no such file")
            try:
                write_reach(a.osm_yangtze)
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{a.osm_yangtze}: not a GeoJSON of lines ({exc})") from exc
            return 0
        if a.positions is not None:
            rows = positions(_origin(a.positions), a.data)
            sys.stdout.write("place\triver_km\toff_river_km\n")
            sys.stdout.write("".join(f"{p}\t{k:.1f}\t{d:.1f}\n" for p, k, d in rows))
            return 0
        fc = build(a.data)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    out = a.data / "geometry.geojson"
    out.write_text(json.dumps(fc, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    for f in fc["features"]:
        p = f["properties"]
        log.info(
            "%s: %.1f km along the river, %.0f km in links.csv (%.3f)",
            p["link"],
            p["geometry_km"],
            p["length_km"],
            p["ratio"],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
