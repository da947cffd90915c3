"""tools/build_basemap.py and tools/build_link_geometry.py on small hand-made inputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tools import build_basemap, build_link_geometry

ROOT = Path(__file__).resolve().parents[3]


def _write_rivers(path: Path) -> None:
    along = [[100.0, 29.0], [104.123456789, 29.0]] + [[104.2 + i / 20, 29.0] for i in range(77)]
    feats = [
        {"type": "Feature", "properties": {"name": "Chang Jiang (Yangtze)"},
         "geometry": {"type": "LineString", "coordinates": along}},
        {"type": "Feature", "properties": {"name": "Rhine"},
         "geometry": {"type": "LineString", "coordinates": [[7.0, 47.0], [8.0, 50.0]]}},
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")


def test_basemap_keeps_named_rivers_clipped_and_rounded(tmp_path: Path) -> None:
    """The Yangtze is kept and cut at the clip box's west edge (102° E), the Rhine dropped,
    coordinates rounded to 5 decimals."""
    src, out = tmp_path / "rivers.geojson", tmp_path / "basemap.geojson"
    _write_rivers(src)
    build_basemap.build(src, None, out)
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in fc["features"]] == ["Chang Jiang (Yangtze)"]
    coords = fc["features"][0]["geometry"]["coordinates"]
    assert coords[0] == [102.0, 29.0] and [104.12346, 29.0] in coords
    assert fc["features"][0]["properties"]["layer"] == "river"


def test_geodesic_length_of_a_degree_along_the_equator() -> None:
    """One degree of longitude on the WGS84 equator is 111.32 km."""
    assert build_link_geometry.geodesic_km([[0.0, 0.0], [1.0, 0.0]]) == pytest.approx(
        111.32, abs=0.01
    )


def test_link_follows_the_river_between_its_places(tmp_path: Path) -> None:
    """A water link between two places on a river along the 29° N parallel (a vertex every
    0.05°) gets the river between them: 1° of the parallel, 111.32 km × cos 29° = 97.4 km."""
    data = tmp_path / "net"
    data.mkdir()
    (data / "places.csv").write_text(
        "id,lon,lat\nA,104.5,29.0\nB,105.5,29.0\nC,110.0,40.0\n", "utf-8"
    )
    with (data / "links.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "from", "to", "mode", "length_km"])
        w.writerow(["W_AB", "A", "B", "water", "100"])
        w.writerow(["W_AC", "A", "C", "water", "1500"])  # C is far from the river: left out
        w.writerow(["R_AB", "A", "B", "road", "100"])
    src, basemap = tmp_path / "rivers.geojson", tmp_path / "basemap.geojson"
    _write_rivers(src)
    build_basemap.build(src, None, basemap)
    fc = build_link_geometry.build(data, basemap)
    assert [f["properties"]["link"] for f in fc["features"]] == ["W_AB"]
    p = fc["features"][0]["properties"]
    assert p["geometry_km"] == pytest.approx(97.4, abs=0.2)
    assert p["ratio"] == pytest.approx(p["geometry_km"] / 100, abs=1e-3)


def test_shipped_sidecar_is_what_the_tool_builds() -> None:
    """network_data/chuannan_yuxi/geometry.geojson is the tool's output on the shipped basemap."""
    shipped = json.loads(
        (ROOT / "network_data" / "chuannan_yuxi" / "geometry.geojson").read_text("utf-8")
    )
    assert shipped == build_link_geometry.build()
