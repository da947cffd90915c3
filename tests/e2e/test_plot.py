"""Maps and GeoJSON of result folders, on the hand-drawn network tests/data/tiny.

Hand-computed flows (see tests/test_model.py and tests/test_scenario.py): in the base, the water
link W_PQ carries its 60 t of free capacity (80 t minus 20 t background) forward, all bulk; the
other 40 t of bulk and the 10 t of dangerous goods go by road R_AB (50 t). With both projects
(P_WCAP raises W_PQ to 200 t, P_YARD lets dangerous goods change mode at P) all 110 t go by
water: W_PQ +50 t, R_AB −50 t.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from matplotlib.image import imread

from cli import main
from freight.data.csvio import load_network
from freight.errors import DataError
from freight.maps.geo import (
    folder_kind,
    links_geojson,
    network_for_result,
    read_csv,
    write_geojson,
)
from freight.maps.plot import fmt_tonnes, nice, plot_comparison, plot_folder, plot_result
from tests import paths

DATA = paths.DATA
TINY = DATA / "tiny"
SC = DATA / "scenarios"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder of `freight run --method mcf` on the tiny network (the linear model, whose
    flows and utilizations the tests below compute by hand)."""
    out = tmp_path_factory.mktemp("plot") / "run"
    assert main(["run", str(TINY), "--out", str(out), "--method", "mcf"]) == 0
    return out


@pytest.fixture(scope="module")
def logit_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder of `freight run` with the default method (the behavioural model)."""
    out = tmp_path_factory.mktemp("plot") / "logit"
    assert main(["run", str(TINY), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A comparison folder: tiny base scenario vs the plan with both projects (linear model)."""
    out = tmp_path_factory.mktemp("plot") / "cmp"
    argv = ["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(out)]
    argv += ["--method", "mcf"]
    assert main(argv) == 0
    return out


def _places() -> dict[str, tuple[float, float]]:
    with (TINY / "places.csv").open(encoding="utf-8", newline="") as fh:
        return {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}


def _by_link(fc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["link"]: f for f in fc["features"]}


def _assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    img = imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert img.shape[0] > 300 and img.shape[1] > 300


def test_geojson_of_run(run_dir: Path, tmp_path: Path) -> None:
    """One LineString per link from its places' lon/lat, with the known flows as numbers."""
    out = write_geojson(run_dir, tmp_path / "links.geojson")
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    feats = _by_link(fc)
    assert sorted(feats) == ["R_AB", "R_AP", "R_QB", "W_PQ"]
    assert len(fc["features"]) == 4
    places = _places()
    ends = {"R_AP": ("A", "P"), "W_PQ": ("P", "Q"), "R_QB": ("Q", "B"), "R_AB": ("A", "B")}
    for link, (a, b) in ends.items():
        geom = feats[link]["geometry"]
        assert geom["type"] == "LineString"
        assert geom["coordinates"] == [list(places[a]), list(places[b])]
    w = feats["W_PQ"]["properties"]
    assert (w["flow_t_forward"], w["flow_t_reverse"], w["flow_t_total"]) == (60.0, 0.0, 60.0)
    assert w["mode"] == "water" and w["from"] == "P" and w["to"] == "Q"
    assert w["utilization_forward"] == 1.0 and w["utilization_max"] == 1.0
    assert w["length_km"] == 100.0
    assert feats["R_AB"]["properties"]["flow_t_total"] == 50.0
    assert feats["R_AB"]["properties"]["flow_t_bulk_total"] == 40.0
    for f in fc["features"]:  # flat: QGIS reads every property as a column
        assert all(not isinstance(v, dict | list) for v in f["properties"].values())


def test_geojson_and_map_of_a_default_run(logit_run_dir: Path, tmp_path: Path) -> None:
    """The default (behavioural) run maps like any other: the GeoJSON's flows are those of its
    link_flows.csv, its shadow prices are blank on links without a hard capacity (the water
    channel, the roads), and the PNG is written."""
    manifest = json.loads((logit_run_dir / "manifest.json").read_text("utf-8"))
    assert manifest["method"] == "logit"
    flows = {(r["link"], r["direction"]): r for r in read_csv(logit_run_dir / "link_flows.csv")}
    assert all(r["shadow_price_cny_per_t"] == "" for r in flows.values())
    feats = _by_link(json.loads(write_geojson(logit_run_dir, tmp_path / "l.geojson").read_text()))
    for link in ("W_PQ", "R_AB"):
        want = float(flows[(link, "forward")]["flow_t"])
        assert want > 0 and feats[link]["properties"]["flow_t_forward"] == pytest.approx(want)
    _assert_png(plot_result(logit_run_dir, tmp_path / "map.png"))


def test_geojson_is_deterministic(run_dir: Path, tmp_path: Path) -> None:
    """Writing the GeoJSON twice gives the same bytes, with sorted keys and no stray files."""
    a = write_geojson(run_dir, tmp_path / "a.geojson").read_bytes()
    b = write_geojson(run_dir, tmp_path / "b.geojson").read_bytes()
    assert a == b
    text = a.decode("utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.geojson", "b.geojson"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.geojson").stat().st_mode & 0o777 == 0o666 & ~umask


def test_geojson_of_comparison(compare_dir: Path, tmp_path: Path) -> None:
    """A comparison's GeoJSON carries the hand-computed flow changes: W_PQ +50 t, R_AB −50 t."""
    fc = json.loads(write_geojson(compare_dir, tmp_path / "c.geojson").read_text("utf-8"))
    feats = _by_link(fc)
    assert len(fc["features"]) == 4
    w = feats["W_PQ"]["properties"]
    assert (w["flow_t_base_total"], w["flow_t_scenario_total"]) == (60.0, 110.0)
    assert w["flow_t_delta_forward"] == 50.0 and w["flow_t_delta_total"] == 50.0
    assert w["capacity_t_scenario_forward"] == 200.0 and w["status"] == "both"
    assert feats["R_AB"]["properties"]["flow_t_delta_total"] == -50.0
    assert feats["R_QB"]["properties"]["flow_t_delta_total"] == 50.0


def test_plot_result_png(run_dir: Path, tmp_path: Path) -> None:
    """plot_result writes a valid PNG map, returns its path and leaves no temporary file."""
    out = plot_result(run_dir, tmp_path / "map.png")
    assert out == tmp_path / "map.png"
    _assert_png(out)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]
    first = out.read_bytes()
    assert plot_result(run_dir, out).read_bytes() == first  # same inputs, same bytes


def test_plot_full_extent(run_dir: Path, tmp_path: Path) -> None:
    """extent=None fits the map to the places and still gives a valid PNG."""
    _assert_png(plot_result(run_dir, tmp_path / "full.png", extent=None))


def test_plot_comparison_png(compare_dir: Path, tmp_path: Path) -> None:
    """plot_comparison draws the difference map of a compare folder as a valid PNG."""
    net = network_for_result(compare_dir)
    _assert_png(plot_comparison(compare_dir, tmp_path / "diff.png", net))


def test_plot_folder_detects_kind(run_dir: Path, compare_dir: Path, tmp_path: Path) -> None:
    """plot_folder tells runs from comparisons and writes map.png and the GeoJSON asked for."""
    assert folder_kind(run_dir) == "run" and folder_kind(compare_dir) == "compare"
    copy = Path(shutil.copytree(compare_dir, tmp_path / "cmp"))
    png, gj = plot_folder(copy, geojson=tmp_path / "c.geojson")
    assert png == copy / "map.png"
    _assert_png(png)
    props = json.loads(gj.read_text("utf-8"))["features"][0]["properties"]
    assert props["link"] == "R_AB" and props["flow_t_delta_total"] == -50.0


def test_network_for_result(run_dir: Path, compare_dir: Path) -> None:
    """The network comes from the manifest (folder or scenario file), or from --data."""
    assert {p.id for p in network_for_result(run_dir).places} == {"A", "B", "P", "Q"}
    cap = network_for_result(compare_dir).link_by_id["W_PQ"].capacity_t
    assert cap == 200.0  # the scenario side, with P_WCAP applied
    assert network_for_result(run_dir, data=SC / "plan.toml").link_by_id["W_PQ"].capacity_t == 200


def test_missing_network_needs_data(run_dir: Path, tmp_path: Path) -> None:
    """A result folder whose network has moved asks for --data, and --data fixes it."""
    moved = Path(shutil.copytree(run_dir, tmp_path / "moved"))
    meta = json.loads((moved / "manifest.json").read_text("utf-8"))
    meta["scenario"]["data"] = str(tmp_path / "gone")
    (moved / "manifest.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(DataError, match="is not found .*pass the network folder with --data"):
        plot_folder(moved, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
    net = network_for_result(moved, data=TINY)
    assert net.place_by_id["Q"].lon == 104.9


def test_not_a_result_folder(tmp_path: Path) -> None:
    """A folder without link_flows.csv or link_changes.csv is refused with a clear message."""
    with pytest.raises(DataError, match="not a result folder"):
        plot_folder(tmp_path)
    with pytest.raises(DataError, match="not found: expected a result folder"):
        folder_kind(tmp_path / "nope")


def test_place_not_in_network(run_dir: Path) -> None:
    """A link whose place is missing from the network is reported, not drawn somewhere."""
    net = load_network(TINY, check=False)
    net = net.with_tables(places=tuple(p for p in net.places if p.id != "Q"))
    with pytest.raises(DataError, match="link R_QB: place Q not in the network's places"):
        links_geojson(net, read_csv(run_dir / "link_flows.csv"))


def test_bad_extent(run_dir: Path, tmp_path: Path) -> None:
    """An extent with min >= max is refused."""
    with pytest.raises(ValueError, match="extent must be"):
        plot_result(run_dir, tmp_path / "m.png", extent=(107.0, 103.0, 27.5, 30.8))


def test_legend_numbers() -> None:
    """Legend widths use 1-2-5 round numbers; tonnes print as t, kt or Mt."""
    assert [nice(x) for x in (62.0, 9.9, 0.3, 1.0, 2.5e7)] == [50.0, 5.0, 0.2, 1.0, 2e7]
    assert fmt_tonnes(60) == "60 t"
    assert fmt_tonnes(993_000) == "993 kt"
    assert fmt_tonnes(-62_476_685) == "-62.5 Mt"


def _has_plot_command() -> bool:
    import cli

    return any(
        (c.name or getattr(c.callback, "__name__", "")) == "plot"
        for c in cli.app.registered_commands
    )


@pytest.mark.skipif(not _has_plot_command(), reason="`freight plot` not registered in cli.py yet")
def test_cli_plot(compare_dir: Path, tmp_path: Path) -> None:
    """`freight plot` writes the map and GeoJSON (exit 0), and refuses a non-result folder (2)."""
    png, gj = tmp_path / "m.png", tmp_path / "m.geojson"
    assert main(["plot", str(compare_dir), "--out", str(png), "--geojson", str(gj)]) == 0
    _assert_png(png)
    assert len(json.loads(gj.read_text("utf-8"))["features"]) == 4
    assert main(["plot", str(tmp_path / "nope")]) == 2
