"""tools/build_basemap.py and tools/build_link_geometry.py on small hand-made inputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from shapely.geometry import Polygon

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
    fc = build_link_geometry.build(data, basemap, bridge=(), reach=None)
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


def _net(tmp_path: Path, places: str, links: list[list[str]]) -> Path:
    data = tmp_path / "net"
    data.mkdir()
    (data / "places.csv").write_text("id,lon,lat\n" + places, "utf-8")
    with (data / "links.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "from", "to", "mode", "length_km"])
        w.writerows(links)
    return data


def _basemap(path: Path, parts: list[list[list[float]]]) -> Path:
    feats = [
        {"type": "Feature", "properties": {"layer": "river", "name": "Yangtze"},
         "geometry": {"type": "LineString", "coordinates": c}}
        for c in parts
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    return path


def _parallel(lon0: float, lon1: float, lat: float = 29.0) -> list[list[float]]:
    n = round((lon1 - lon0) / 0.05)
    return [[round(lon0 + i * (lon1 - lon0) / n, 5), lat] for i in range(n + 1)]


def test_gap_between_parts_is_bridged_and_parts_may_run_backwards(tmp_path: Path) -> None:
    """Two parts along 29° N with a 0.01° (0.97 km) gap, the second stored east to west (as
    Natural Earth's Yangtze near Wuhan): the link from A (104.5°) to B (105.5°) crosses the gap,
    runs west to east and is 1° of the parallel long, 97.44 km (111.32 km × cos 29° /
    √(1 − e² sin² 29°))."""
    data = _net(tmp_path, "A,104.5,29.0\nB,105.5,29.0\n", [["W_AB", "A", "B", "water", "100"]])
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 105.0), _parallel(105.01, 106.0)[::-1]])
    fc = build_link_geometry.build(data, bm, bridge=(), reach=None)
    (f,) = fc["features"]
    coords = f["geometry"]["coordinates"]
    assert coords[0] == [104.5, 29.0] and coords[-1] == [105.5, 29.0]
    assert len(coords) > 2 and [c[0] for c in coords] == sorted(c[0] for c in coords)
    assert f["properties"]["geometry_km"] == pytest.approx(97.44, abs=0.05)


def test_gap_wider_than_gap_km_is_not_bridged(tmp_path: Path) -> None:
    """A 0.03° (2.9 km) gap is more than GAP_KM (1.5 km): no path, the link stays straight."""
    assert build_link_geometry.GAP_KM == 1.5
    data = _net(tmp_path, "A,104.5,29.0\nB,105.5,29.0\n", [["W_AB", "A", "B", "water", "100"]])
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 105.0), _parallel(105.03, 106.0)])
    assert build_link_geometry.build(data, bm, bridge=(), reach=None)["features"] == []


def test_route_takes_the_shorter_branch(tmp_path: Path) -> None:
    """Around an island: a straight branch along 29° N (97.44 km between A and B) and a branch
    through 29.3° N; the route takes the straight one."""
    data = _net(tmp_path, "A,104.5,29.0\nB,105.5,29.0\n", [["W_AB", "A", "B", "water", "100"]])
    detour = [[104.2, 29.0], [104.6, 29.3], [105.4, 29.3], [105.8, 29.0]]
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 106.0), detour])
    (f,) = build_link_geometry.build(data, bm, bridge=(), reach=None)["features"]
    assert {c[1] for c in f["geometry"]["coordinates"]} == {29.0}
    assert f["properties"]["geometry_km"] == pytest.approx(97.44, abs=0.05)


def test_both_places_on_one_segment(tmp_path: Path) -> None:
    """Both places project onto the same 1.2° segment: the line is place, river point, river
    point, place, in the link's direction, 97.44 km (1° of the parallel at 29° N) either way."""
    data = _net(
        tmp_path,
        "A,104.5,29.0\nB,105.5,29.0\n",
        [["W_AB", "A", "B", "water", "100"], ["W_BA", "B", "A", "water", "100"]],
    )
    bm = _basemap(tmp_path / "b.geojson", [[[104.4, 29.0], [105.6, 29.0]]])
    ab, ba = build_link_geometry.build(data, bm, bridge=(), reach=None)["features"]
    assert len(ab["geometry"]["coordinates"]) == 4
    assert ab["geometry"]["coordinates"] == ba["geometry"]["coordinates"][::-1]
    assert ab["properties"]["geometry_km"] == pytest.approx(97.44, abs=0.1)


def test_place_far_from_the_river_is_named_in_no_feature_and_bad_rows_are_named(
    tmp_path: Path,
) -> None:
    """A place 20 km from the river (more than SNAP_KM, 15 km) leaves its link straight; a
    link to an unknown place is an InputError naming file, row and field; the command exits 2."""
    data = _net(tmp_path, "A,104.5,29.0\nB,105.5,29.18\n", [["W_AB", "A", "B", "water", "100"]])
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 106.0)])
    assert build_link_geometry.build(data, bm, bridge=(), reach=None)["features"] == []
    (data / "links.csv").write_text("id,from,to,mode,length_km\nW_AX,A,X,water,9\n", "utf-8")
    with pytest.raises(build_link_geometry.InputError, match=r"links.csv, row 2, field 'to'"):
        build_link_geometry.build(data, bm, bridge=(), reach=None)
    assert build_link_geometry.main(["--data", str(data)]) == 2
    assert build_link_geometry.main(["--data", str(tmp_path / "missing")]) == 2


def test_medial_path_of_a_straight_channel() -> None:
    """The medial axis of a channel 1° long and 0.09° wide (9.98 km) is its centre line, 31.045°
    N: between two points on it 0.6° apart the path runs along it, 0.6 × 95.46 km (1° of the
    parallel at 31.045° N on WGS84) = 57.28 km."""
    water = Polygon([(120.0, 31.0), (121.0, 31.0), (121.0, 31.09), (120.0, 31.09)])
    path = build_link_geometry.medial_path(water, (120.2, 31.045), (120.8, 31.045))
    assert all(abs(y - 31.045) < 0.001 for _, y in path)
    assert build_link_geometry.geodesic_km(path) == pytest.approx(57.28, abs=0.6)


def test_water_polygon_is_the_face_holding_the_sea_point() -> None:
    """Two banks (31.0° and 31.09° N) across a clip box: the water is the strip between them,
    0.09° × 1°, and an island in it is a hole."""

    def line(c: list[list[float]]) -> dict[str, object]:
        return {"type": "Feature", "properties": {},
                "geometry": {"type": "LineString", "coordinates": c}}  # fmt: skip

    island = [[120.4, 31.04], [120.6, 31.04], [120.6, 31.05], [120.4, 31.05], [120.4, 31.04]]
    coast = {"features": [line([[119.0, 31.0], [122.0, 31.0]]),
                          line([[119.0, 31.09], [122.0, 31.09]]), line(island)]}  # fmt: skip
    w = build_link_geometry.water_polygon(coast, (120.0, 30.5, 121.0, 31.5), (120.2, 31.045))
    assert w.bounds == pytest.approx((120.0, 31.0, 121.0, 31.09))
    assert len(w.interiors) == 1
    assert w.area == pytest.approx(0.09 - 0.002)


def test_estuary_bridge_starts_where_the_shipped_river_line_ends() -> None:
    """ESTUARY_BRIDGE begins exactly at an end of the basemap's Yangtze line (where Natural
    Earth's coastline takes over) and ends within 5 km of Waigaoqiao (ESTUARY_END)."""
    bridge = build_link_geometry.ESTUARY_BRIDGE
    ends = set()
    for coords, source in build_link_geometry.river_parts(bridge=(), reach=None):
        assert source == build_link_geometry.RIVER_SOURCE
        ends |= {coords[0], coords[-1]}
    assert bridge[0] == build_link_geometry.ESTUARY_START and bridge[0] in ends
    assert build_link_geometry.geodesic_km([bridge[-1], build_link_geometry.ESTUARY_END]) < 5
    assert len(bridge) > 2


def test_positions_are_river_km_from_the_origin_without_connectors(tmp_path: Path) -> None:
    """A river along 29° N from 104° to 106° E; from origin A (104.5°, on the river): B 1° east
    on the river is 97.44 km away, C 0.05° north of 105.0° E is 48.72 km along the river (the
    5.5 km connector is its off-river distance, not river km), D 20 km off the river has no
    position; nearest first; an unknown origin id is an InputError and the command exits 2.
    The positions are those of `--positions A` and of the same point given as LON,LAT."""
    data = _net(
        tmp_path,
        "A,104.5,29.0\nB,105.5,29.0\nC,105.0,29.05\nD,105.0,29.18\n",
        [["W_AB", "A", "B", "water", "100"]],
    )
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 106.0)])
    got = build_link_geometry.positions("A", data, bm, bridge=(), reach=None)
    assert [p for p, _, _ in got] == ["A", "C", "B"]
    km = {p: (k, d) for p, k, d in got}
    assert km["A"] == (0.0, 0.0)
    assert km["C"][0] == pytest.approx(48.7, abs=0.1) and km["C"][1] == pytest.approx(5.5, abs=0.1)
    assert km["B"][0] == pytest.approx(97.4, abs=0.1) and km["B"][1] == 0.0
    assert build_link_geometry.positions((104.5, 29.0), data, bm, bridge=(), reach=None) == got
    with pytest.raises(build_link_geometry.InputError, match="no place 'X'"):
        build_link_geometry.positions("X", data, bm, bridge=(), reach=None)
    assert build_link_geometry.main(["--data", str(data), "--positions", "X"]) == 2


def test_positions_command_prints_the_shipped_places(capsys: pytest.CaptureFixture[str]) -> None:
    """`--positions YBP` on the shipped data prints a header and one row per river place, YBP
    first at 0 km, the river km growing down to Shanghai (SH last)."""
    assert build_link_geometry.main(["--positions", "YBP"]) == 0
    rows = [ln.split("\t") for ln in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["place", "river_km", "off_river_km"]
    assert rows[1][:2] == ["YBP", "0.0"] and rows[-1][0] == "SH"
    kms = [float(r[1]) for r in rows[1:]]
    assert kms == sorted(kms) and len(kms) >= 12


def _reach(path: Path, coords: list[list[float]]) -> Path:
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": coords}}]}  # fmt: skip
    path.write_text(json.dumps(fc), "utf-8")
    return path


def test_reach_replaces_the_basemap_line_upstream_of_the_join(tmp_path: Path) -> None:
    """A basemap line along 29° N from 104° to 106° E and a reach along 29.01° N from 104° to
    105.0° E, joined at the basemap vertex 105.0° E: the basemap's side upstream of the join
    (holding the vertex nearest the reach's start) is dropped, so a link from A (104.5°) to B
    (105.5°) starts with a 1.1 km connector to the reach, runs along it to 105.0°, crosses the
    1.1 km gap and follows the basemap line on: 97.4 km + 2 × 1.1 km, and its source names the
    reach and the basemap line; a join that is no vertex of the basemap is an error."""
    data = _net(tmp_path, "A,104.5,29.0\nB,105.5,29.0\n", [["W_AB", "A", "B", "water", "100"]])
    bm = _basemap(tmp_path / "b.geojson", [_parallel(104.0, 106.0)])
    reach = _reach(tmp_path / "r.geojson", _parallel(104.0, 105.0, 29.01))
    parts = build_link_geometry.river_parts(bm, (), reach, (105.0, 29.0))
    assert [c[0] for c in parts[0][0]] == [105.0, 105.05] + [c[0] for c in parts[0][0][2:]]
    assert parts[1] == (
        [(x, y) for x, y in _parallel(104.0, 105.0, 29.01)],
        build_link_geometry.OSM_SOURCE,
    )
    g = build_link_geometry.river_graph(parts)
    coords, sources = build_link_geometry.route(g, (104.5, 29.0), (105.5, 29.0)) or ([], set())
    assert {c[1] for c in coords[1:-1]} <= {29.0, 29.01} and max(c[1] for c in coords) == 29.01
    assert sources == {build_link_geometry.OSM_SOURCE, build_link_geometry.RIVER_SOURCE, "gap"}
    assert build_link_geometry.geodesic_km(coords) == pytest.approx(97.44 + 2 * 1.11, abs=0.1)
    with pytest.raises(ValueError, match="no vertex"):
        build_link_geometry.river_parts(bm, (), reach, (105.02, 29.0))
    (f,) = build_link_geometry.build(data, bm, (), reach, (105.0, 29.0))["features"]
    assert f["properties"]["source"].startswith("Yibin to below Fuling: OpenStreetMap")


def test_osm_reach_is_the_main_line_up_to_the_vertex_nearest_the_join(tmp_path: Path) -> None:
    """The longest line of the relation (a short branch is ignored), from its start to its vertex
    nearest the join, rounded to 5 decimals, a repeated vertex dropped; --osm-yangtze writes it
    as one LineString with the ODbL notice; a file that is not there exits 2."""
    main = [[104.0, 29.0], [104.000001, 29.0], [104.5, 29.0], [105.0, 29.000004], [105.5, 29.0]]
    rel = {"type": "FeatureCollection", "features": [{"type": "Feature",
           "properties": {"source": "copy", "retrieved": "2026-10-04"},
           "geometry": {"type": "MultiLineString",
                        "coordinates": [[[120.0, 31.0], [120.1, 31.0]], main]}}]}  # fmt: skip
    assert build_link_geometry.osm_reach(rel, (105.01, 29.001)) == [
        (104.0, 29.0),
        (104.5, 29.0),
        (105.0, 29.0),
    ]
    src, out = tmp_path / "rel.geojson", tmp_path / "reach.geojson"
    src.write_text(json.dumps(rel), "utf-8")
    layer = build_link_geometry.write_reach(src, out)
    assert json.loads(out.read_text("utf-8")) == layer
    (f,) = layer["features"]
    assert f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 3
    p = f["properties"]
    assert p["license"].startswith("ODbL") and "OpenStreetMap contributors" in p["attribution"]
    assert (p["retrieved"], p["retrieved_from"]) == ("2026-10-04", "copy")
    assert build_link_geometry.main(["--osm-yangtze", str(tmp_path / "missing.geojson")]) == 2


def test_shipped_reach_runs_from_yibin_to_the_join_and_states_its_licence() -> None:
    """The shipped OpenStreetMap layer starts at Yibin (the Min–Jinsha confluence, within 2 km of
    104.634° E 28.771° N), ends within 0.5 km of OSM_JOIN, which is a vertex of the shipped
    basemap's main stem, and carries the ODbL licence and attribution."""
    reach = build_link_geometry.read_reach()
    assert build_link_geometry.geodesic_km([reach[0], (104.634, 28.771)]) < 2
    assert build_link_geometry.geodesic_km([reach[-1], build_link_geometry.OSM_JOIN]) < 0.5
    parts = build_link_geometry.river_parts(bridge=(), reach=None)
    assert any(build_link_geometry.OSM_JOIN in coords for coords, _ in parts)
    fc = json.loads(build_link_geometry.OSM_REACH.read_text("utf-8"))
    p = fc["features"][0]["properties"]
    assert p["osm_relation"] == build_link_geometry.OSM_RELATION and p["license"].startswith("ODbL")
