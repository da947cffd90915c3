"""Maps fit for a report: basemap layers, scale bar, names, SVG/PDF, criticality maps, verified
folders (tests/data/tiny and the shipped basemap)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cli import main
from freight.data.csvio import load_network
from freight.errors import DataError
from freight.maps.geo import link_geometry, links_geojson
from freight.maps.plot import (
    BASEMAP_FILE,
    DEFAULT_EXTENT,
    draw_basemap,
    draw_scale_bar,
    map_format,
    plot_folder,
)

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "data" / "tiny"
REGION = ROOT / "network_data" / "chuannan_yuxi"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder of `freight run` on the tiny network."""
    out = tmp_path_factory.mktemp("maps") / "run"
    assert main(["run", str(TINY), "--out", str(out)]) == 0
    return out


def _axes() -> Axes:
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(DEFAULT_EXTENT[0], DEFAULT_EXTENT[1])
    ax.set_ylim(DEFAULT_EXTENT[2], DEFAULT_EXTENT[3])
    return ax


def test_basemap_layers_are_drawn() -> None:
    """The shipped basemap draws the Yangtze (basemap:river, from above Yibin to below Yichang)
    and the provincial boundaries (basemap:province)."""
    ax = _axes()
    drawn = draw_basemap(ax)
    rivers = [ln for ln in ax.get_lines() if ln.get_gid() == "basemap:river"]
    assert rivers and len(rivers) == len([d for d in drawn if d.get_gid() == "basemap:river"])
    xs = [x for ln in rivers for x in ln.get_xdata()]
    assert min(xs) < 104.0 and max(xs) > 112.0  # Jinsha above Yibin to below Yichang
    fc = json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))
    assert {f["properties"]["layer"] for f in fc["features"]} == {"river", "province"}
    provinces = [ln for ln in ax.get_lines() if ln.get_gid() == "basemap:province"]
    assert len(provinces) >= 10  # Sichuan, Chongqing, Guizhou, Yunnan, Hubei … boundary lines


def test_scale_bar_is_a_nice_fifth_of_the_frame() -> None:
    """The default frame (4.5° at ~29°N, ~438 km) gets a 50 km bar (nice(438/5 = 88) = 50)."""
    ax = _axes()
    import math

    coslat = math.cos(math.radians((DEFAULT_EXTENT[2] + DEFAULT_EXTENT[3]) / 2))
    assert draw_scale_bar(ax, DEFAULT_EXTENT, coslat) == 50.0
    assert [ln.get_gid() for ln in ax.get_lines()] == ["scale-bar"]


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_map_written_in_the_format_of_its_suffix(
    run_dir: Path, tmp_path: Path, suffix: str, magic: bytes
) -> None:
    """`--out x.svg` writes SVG, `.pdf` PDF, `.png` PNG (by the file's first bytes)."""
    out = tmp_path / f"map{suffix}"
    assert main(["plot", str(run_dir), "--out", str(out)]) == 0
    assert out.read_bytes()[: len(magic)] == magic


def test_places_are_labelled_by_name() -> None:
    """The map labels zones by name (Alpha, Beta of places.csv), not by id (A, B)."""
    from freight.maps.plot import _draw_places

    ax = _axes()
    labels = _draw_places(ax, load_network(TINY), DEFAULT_EXTENT, {"A", "B", "P", "Q"})
    texts = {t.get_text() for t in labels}
    assert {"Alpha", "Beta"} <= texts and not texts & {"A", "B"}


def test_unknown_map_suffix_is_an_error(run_dir: Path, tmp_path: Path) -> None:
    """A map named .jpg exits 2 naming the allowed formats."""
    with pytest.raises(DataError, match=r"\.png, \.svg or \.pdf"):
        map_format(tmp_path / "m.jpg")
    assert main(["plot", str(run_dir), "--out", str(tmp_path / "m.jpg")]) == 2


def test_damaged_folder_exits_2(run_dir: Path, tmp_path: Path) -> None:
    """A result folder whose link_flows.csv was edited is refused (manifest hash) with exit 2."""
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    with (bad / "link_flows.csv").open("a", encoding="utf-8") as fh:
        fh.write("X,x\n")
    assert main(["plot", str(bad), "--out", str(tmp_path / "m.png")]) == 2
    with pytest.raises(DataError, match="link_flows.csv"):
        plot_folder(bad, tmp_path / "m.png")


def test_criticality_map(tmp_path: Path) -> None:
    """A criticality folder of the tiny network is mapped (SVG) on the network its manifest's
    ``source`` names, titled with that source."""
    crit = tmp_path / "crit"
    assert main(["criticality", str(TINY), "--out", str(crit)]) == 0
    out = tmp_path / "crit.svg"
    assert main(["plot", str(crit), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Criticality" in text and "tiny" in text


def test_water_links_follow_the_river_within_the_sidecar() -> None:
    """The regional sidecar gives W_GYP_FULING (77 km in links.csv) a river line of >2 vertices
    whose GeoJSON feature is marked 'sidecar'; a road link stays 'straight'."""
    geo = link_geometry([REGION])
    assert len(geo["W_GYP_FULING"]) > 2
    net = load_network(REGION)
    rows = [
        {"link": "W_GYP_FULING", "mode": "water", "from": "GYP", "to": "FULING",
         "direction": "forward", "flow_t": 1.0},
        {"link": "R_CD_NJ", "mode": "rail", "from": "CD", "to": "NJ", "direction": "forward",
         "flow_t": 1.0},
    ]  # fmt: skip
    fc = links_geojson(net, rows, geometry=geo)
    kinds = {f["properties"]["link"]: f["properties"]["geometry_source"] for f in fc["features"]}
    assert kinds == {"W_GYP_FULING": "sidecar", "R_CD_NJ": "straight"}


def test_a_long_title_fits_the_figure() -> None:
    """A 200-character title is wrapped so that every line lies inside the figure."""
    from freight.maps.plot import _new_map, _title

    fig, ax, _ = _new_map(DEFAULT_EXTENT)
    _title(ax, fig, "Change in link flows — " + "a very long scenario title " * 7, "subtitle")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bb = ax.title.get_window_extent(renderer)
    fb = fig.bbox
    assert bb.x0 >= fb.x0 and bb.x1 <= fb.x1 and bb.y1 <= fb.y1
    assert ax.title.get_text().count("\n") >= 2  # wrapped onto several lines
