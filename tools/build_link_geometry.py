"""Build ``network_data/chuannan_yuxi/geometry.geojson``: Yangtze water links that follow the river.

For every water link of ``links.csv`` whose two places lie within :data:`SNAP_KM` of the Yangtze
line of the shipped basemap (``freight/maps/data/basemap.geojson``, clipped from Natural Earth's
public-domain rivers layer by ``tools/build_basemap.py``), the geometry is the river between the
two places' nearest points on it, with a short connector from each place to the river. The
features carry ``link``, ``source``, ``length_km`` (links.csv), ``geometry_km`` (geodesic length
of the line) and ``ratio`` (geometry_km / length_km). Links the river line does not reach are
left out: the map and the GeoPackage draw them straight, as every road, rail and air link.

Usage::

    python -m tools.build_link_geometry [--data network_data/chuannan_yuxi]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, shape
from shapely.ops import linemerge, substring, unary_union

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
BASEMAP = ROOT / "freight" / "maps" / "data" / "basemap.geojson"
DATA = ROOT / "network_data" / "chuannan_yuxi"
SNAP_KM = 10.0
"""Largest distance (km) of a place from the river line for its link to follow the river."""
RIVER = "Chang Jiang"
"""Natural Earth name prefix of the river the water links follow."""

_GEOD = Geod(ellps="WGS84")
# a conformal projection centred on the river for distances along it (metres)
_TO_M = Transformer.from_crs(
    "EPSG:4326", "+proj=lcc +lat_1=28 +lat_2=32 +lon_0=110 +datum=WGS84", always_xy=True
)
_TO_DEG = Transformer.from_crs(
    "+proj=lcc +lat_1=28 +lat_2=32 +lon_0=110 +datum=WGS84", "EPSG:4326", always_xy=True
)


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


def river_line(basemap: Path = BASEMAP) -> LineString:
    """The Yangtze of the basemap as one line in metres (upstream to downstream)."""
    fc = json.loads(basemap.read_text(encoding="utf-8"))
    parts = [
        shape(f["geometry"])
        for f in fc["features"]
        if f["properties"]["layer"] == "river" and f["properties"]["name"].startswith(RIVER)
    ]
    union = unary_union(parts)
    merged = union if isinstance(union, LineString) else linemerge(union)
    line = merged if isinstance(merged, LineString) else max(merged.geoms, key=lambda g: g.length)
    out: LineString = shapely.transform(line, _to_m)
    return out


def build(data: Path = DATA, basemap: Path = BASEMAP) -> dict[str, Any]:
    """The FeatureCollection of the water links that follow the river."""
    with (data / "places.csv").open(encoding="utf-8", newline="") as fh:
        places = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}
    with (data / "links.csv").open(encoding="utf-8", newline="") as fh:
        links = [r for r in csv.DictReader(fh) if r["mode"] == "water"]
    river = river_line(basemap)
    feats: list[dict[str, Any]] = []
    for lk in links:
        a = Point(_TO_M.transform(*places[lk["from"]]))
        b = Point(_TO_M.transform(*places[lk["to"]]))
        if max(river.distance(a), river.distance(b)) > SNAP_KM * 1000:
            log.info("%s: a place is more than %g km from the river: straight", lk["id"], SNAP_KM)
            continue
        da, db = river.project(a), river.project(b)
        part = substring(river, min(da, db), max(da, db))
        pts = list(part.coords)
        if da > db:
            pts.reverse()
        line_m = LineString([a.coords[0], *pts, b.coords[0]])
        coords = [[round(x, 5), round(y, 5)] for x, y in shapely.transform(line_m, _to_deg).coords]
        km = geodesic_km(coords)
        length = float(lk["length_km"])
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "link": lk["id"],
                    "source": "Natural Earth 1:10m rivers (public domain), clipped by tools/build_basemap.py",
                    "length_km": length,
                    "geometry_km": round(km, 1),
                    "ratio": round(km / length, 3),
                },
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return {"type": "FeatureCollection", "name": "link_geometry", "features": feats}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    fc = build(a.data)
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
