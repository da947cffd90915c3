"""`freight export --gpkg` of a regional run: pyogrio reads the three layers, and every water link
of the shipped network has its river line (more than two vertices, from the sidecar) with a
geodesic length within 10 % of length_km (issue 14's acceptance line, in the GeoPackage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod

from cli import main
from tests.unit.maps.test_link_geometry_data import PENDING, TOLERANCE, WATER

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The links layer of the GeoPackage of the 2025 central run (a few seconds)."""
    import pyogrio

    out = tmp_path_factory.mktemp("gpkg")
    run = out / "run"
    scenario = ROOT / "scenarios" / "future_2025_central.toml"
    assert main(["run", str(scenario), "--out", str(run)]) == 0
    assert main(["export", str(run), "--gpkg", str(out / "r.gpkg")]) == 0
    layers = {name for name, _ in pyogrio.list_layers(out / "r.gpkg")}
    assert {"links", "places", "terminals"} <= layers
    return pyogrio.read_dataframe(out / "r.gpkg", layer="links").set_index("link")


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
def test_water_link_follows_the_river_in_the_geopackage(links: Any, link: dict[str, str]) -> None:
    """From the sidecar, more than two vertices, |geodesic length / length_km − 1| ≤ 0.10."""
    row = links.loc[link["id"]]
    assert row["geometry_source"] == "sidecar"
    assert len(row.geometry.coords) > 2
    km = Geod(ellps="WGS84").geometry_length(row.geometry) / 1000
    assert abs(km / float(row["length_km"]) - 1) <= TOLERANCE, f"{link['id']}: {km:.1f} km"
