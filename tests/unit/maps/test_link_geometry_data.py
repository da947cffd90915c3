"""The shipped river geometry (network_data/chuannan_yuxi/geometry.geojson) against the shipped
links.csv and places.csv: every water link has a line that follows the river, from its `from`
place to its `to` place, with more than two vertices and a geodesic length within 10 % of
`length_km` (issue 14's acceptance line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "network_data" / "chuannan_yuxi"
TOLERANCE = 0.10

PENDING: dict[str, str] = {
    "W_ZT_LH": "90.9 km on the NE 1:10m line (93.5 on GSHHG WDBII) for 137 km, an assumed split"
    " of Yibin-Chongqing 384 km (no finer open line was available; the line runs 10-23 % short"
    " of every sourced river km between Yibin and Chongqing)",
    "W_GYP_FULING": "88.5 km on the NE 1:10m line (89.9 on GSHHG WDBII) for S53's 77 km, which"
    " run to Longtou port; the FULING place is the Fuling city coordinate, downstream of it",
}
"""Water links whose line is off by more than 10 %: the Natural Earth 1:10m line is too short or
too long against links.csv's river km. No open line finer than 1:10m was available (GSHHG's
WDBII rivers give the same; OpenStreetMap's river polygons as packaged are disjoint slivers on
this reach). W_ZT_LH's river km rest on an assumed split; W_GYP_FULING's on S53's Longtou port,
which lies upstream of the FULING coordinate (Fuling city at the Wu River's mouth; no sourced
coordinate of Longtou was found). Strict: a link that comes within 10 % fails the test, so that
it leaves this list (W_LZP_HJ and W_NJG_SH left it when HJ moved to the county seat and W_NJG_SH
became 382 km)."""


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


WATER = [r for r in _csv("links.csv") if r["mode"] == "water"]
PLACES = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in _csv("places.csv")}
LINES: dict[str, Any] = {
    f["properties"]["link"]: f
    for f in json.loads((DATA / "geometry.geojson").read_text("utf-8"))["features"]
}
_GEOD = Geod(ellps="WGS84")


def _km(coords: list[list[float]]) -> float:
    return float(_GEOD.line_length([c[0] for c in coords], [c[1] for c in coords])) / 1000


def test_the_network_has_water_links_on_the_whole_river() -> None:
    """The data still has the Yangtze chain (so the parametrized checks below check something):
    at least 11 water links, from Yibin port down to Shanghai."""
    assert len(WATER) >= 11
    ends = {r["from"] for r in WATER} | {r["to"] for r in WATER}
    assert {"YBP", "SH"} <= ends


@pytest.mark.parametrize("link", WATER, ids=[r["id"] for r in WATER])
def test_every_water_link_has_a_line_along_the_river(link: dict[str, str]) -> None:
    """A LineString from the link's `from` place to its `to` place with more than two vertices,
    and the stated geometry_km is the line's geodesic length."""
    f = LINES.get(link["id"])
    assert f is not None, f"{link['id']}: no feature in geometry.geojson"
    coords = f["geometry"]["coordinates"]
    assert f["geometry"]["type"] == "LineString" and len(coords) > 2
    assert coords[0] == pytest.approx(list(PLACES[link["from"]]), abs=1e-5)
    assert coords[-1] == pytest.approx(list(PLACES[link["to"]]), abs=1e-5)
    assert f["properties"]["geometry_km"] == pytest.approx(_km(coords), abs=0.05)


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(r, marks=pytest.mark.xfail(reason=PENDING[r["id"]], strict=True))
        if r["id"] in PENDING
        else r
        for r in WATER
    ],
    ids=[r["id"] for r in WATER],
)
def test_every_water_line_is_within_10_percent_of_length_km(link: dict[str, str]) -> None:
    """|geodesic length of the line / length_km (links.csv as shipped) − 1| ≤ 0.10."""
    f = LINES[link["id"]]
    ratio = _km(f["geometry"]["coordinates"]) / float(link["length_km"])
    assert abs(ratio - 1) <= TOLERANCE, f"{link['id']}: ratio {ratio:.3f}"


def test_the_lines_below_zhenjiang_use_the_estuary_bridge() -> None:
    """A line uses the estuary bridge (and its source names the coastline) exactly when one of
    its places lies east of where Natural Earth's river line ends (119.606° E, Zhenjiang)."""
    by_id = {r["id"]: r for r in WATER}
    for link, f in LINES.items():
        east = max(PLACES[by_id[link]["from"]][0], PLACES[by_id[link]["to"]][0]) > 119.606
        assert ("coastline" in f["properties"]["source"]) == east, link
        assert any(c[0] > 119.61 for c in f["geometry"]["coordinates"]) == east, link
