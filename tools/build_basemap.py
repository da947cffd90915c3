"""Clip Natural Earth layers to the region once and ship them (``freight/maps/data/basemap.geojson``).

Natural Earth (https://www.naturalearthdata.com, repository nvkelso/natural-earth-vector) is in
the public domain. The script reads the layers as published (GeoJSON, or a shapefile read with
pyogrio; give their paths), keeps the rivers of :data:`RIVERS` and the Chinese admin-1 boundary
lines, clips them to :data:`BBOX` and writes one FeatureCollection whose features carry
``layer`` (``river`` or ``province``), ``name`` and ``source``. Coordinates are rounded to 5
decimals (about 1 m).

Usage::

    python -m tools.build_basemap --rivers ne_10m_rivers_lake_centerlines.json \
        [--admin1 ne_10m_admin_1_states_provinces_lines.shp] [--out freight/maps/data/basemap.geojson]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping, shape

log = logging.getLogger(__name__)

BBOX: tuple[float, float, float, float] = (102.0, 26.5, 122.5, 33.0)
"""Clip box (lon_min, lat_min, lon_max, lat_max): the region and the Yangtze to Shanghai."""

RIVERS: tuple[str, ...] = (
    "Chang Jiang",
    "Yangtze",
    "Jinsha",
    "Min",
    "Min Jiang",
    "Tuo",
    "Jialing",
    "Wu",
    "Wu Jiang",
    "Chishui",
)
"""Natural Earth river names kept (a name matches when it starts with one of these)."""

OUT = Path(__file__).resolve().parents[1] / "freight" / "maps" / "data" / "basemap.geojson"


def _round(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), 5) for c in coords]
    return [_round(c) for c in coords]


def _clipped(features: Iterable[dict[str, Any]], layer: str, source: str) -> list[dict[str, Any]]:
    clip = box(*BBOX)
    out: list[dict[str, Any]] = []
    for f in features:
        g = shape(f["geometry"]).intersection(clip)
        if g.is_empty:
            continue
        geom = mapping(g)
        props = f.get("properties") or {}
        name = props.get("name") or props.get("NAME") or props.get("name_en") or ""
        out.append(
            {
                "type": "Feature",
                "properties": {"layer": layer, "name": str(name), "source": source},
                "geometry": {"type": geom["type"], "coordinates": _round(geom["coordinates"])},
            }
        )
    return out


def _read(path: Path) -> dict[str, Any]:
    """A layer as a GeoJSON FeatureCollection: GeoJSON read as text, anything else (a
    shapefile) through pyogrio, within :data:`BBOX`."""
    if path.suffix.lower() in (".geojson", ".json"):
        fc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return fc
    import os

    import pyogrio

    os.environ.setdefault("SHAPE_RESTORE_SHX", "YES")
    df = pyogrio.read_dataframe(path, bbox=BBOX)
    out: dict[str, Any] = json.loads(df.to_json())
    return out


def rivers(path: Path) -> list[dict[str, Any]]:
    """The kept rivers of a Natural Earth rivers layer, clipped."""
    fc = _read(path)
    keep = [
        f
        for f in fc["features"]
        if str((f.get("properties") or {}).get("name") or "").startswith(RIVERS)
    ]
    return _clipped(keep, "river", f"Natural Earth {path.stem}")


def provinces(path: Path) -> list[dict[str, Any]]:
    """China's admin-1 boundary lines of a Natural Earth admin-1 lines layer, clipped (every
    line when the layer comes without its attribute table: the clip box lies inside China)."""
    fc = _read(path)
    keep = [
        f
        for f in fc["features"]
        if (f.get("properties") or {}).get("ADM0_A3", "CHN") in ("CHN", None)
    ]
    return _clipped(keep, "province", f"Natural Earth {path.stem}")


def build(rivers_file: Path, admin1_file: Path | None, out: Path) -> Path:
    """Write the clipped basemap; returns ``out``."""
    feats = rivers(rivers_file)
    if admin1_file is not None:
        feats += provinces(admin1_file)
    feats.sort(key=lambda f: (f["properties"]["layer"], f["properties"]["name"]))
    fc = {"type": "FeatureCollection", "name": "basemap", "bbox": list(BBOX), "features": feats}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fc, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    log.info("%s: %d features", out, len(feats))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rivers", type=Path, required=True)
    ap.add_argument("--admin1", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    build(a.rivers, a.admin1, a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
