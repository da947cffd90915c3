"""`freight export`: the Excel workbook and the GeoPackage of result folders (tests/data/tiny and
one regional run)."""

from __future__ import annotations

import csv
import shutil
import xml.dom.minidom
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cli import main
from freight.errors import DataError
from freight.export.gpkg import LAYERS, STYLES, write_gpkg
from freight.export.xlsx import write_xlsx

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "data" / "tiny"
SC = ROOT / "tests" / "data" / "scenarios"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder of `freight run` on the tiny network."""
    out = tmp_path_factory.mktemp("export") / "run"
    assert main(["run", str(TINY), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def regional_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regional 2025 plan run (with P_NEIDA, the Neijiang–Dazu expressway; a few seconds)."""
    out = tmp_path_factory.mktemp("export") / "r"
    assert main(["run", str(ROOT / "scenarios" / "plan_2025_central.toml"), "--out", str(out)]) == 0
    return out


def test_workbook_has_a_sheet_per_table_with_units_and_numbers(
    run_dir: Path, tmp_path: Path
) -> None:
    """A sheet per table, units in row 2, W_PQ's free capacity the number 60 and its flow the
    number in link_flows.csv."""
    out = tmp_path / "run.xlsx"
    assert main(["export", str(run_dir), "--xlsx", str(out)]) == 0
    wb = load_workbook(out)
    # the default (logit) run also writes od_chains.csv, so the workbook has its sheet (last)
    assert wb.sheetnames == ["about", "link_flows", "od_flows", "mode_summary", "terminals",
                             "od_paths", "kpis", "od_chains"]  # fmt: skip
    ws = wb["link_flows"]
    header = [c.value for c in ws[1]]
    units = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert units["flow_t"] == "t/yr" and units["length_km"] == "km" and units["link"] is None
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=3)]
    w = next(r for r in rows if r["link"] == "W_PQ" and r["direction"] == "forward")
    # capacity 80 t less background 20 t (tests/data/tiny/links.csv) whatever the method; the flow
    # is the logit's, so the cell must be the number link_flows.csv holds, stored as a number
    assert w["capacity_free_t"] == 60 and isinstance(w["capacity_free_t"], int | float)
    csv_rows = list(csv.DictReader((run_dir / "link_flows.csv").open(encoding="utf-8")))
    c = next(r for r in csv_rows if r["link"] == "W_PQ" and r["direction"] == "forward")
    assert isinstance(w["flow_t"], int | float) and w["flow_t"] == float(c["flow_t"]) > 0
    assert w["name"] == "Port P–Port Q"
    assert ws.freeze_panes == "A3"


def test_workbook_keeps_chinese_and_dash_names(regional_run: Path, tmp_path: Path) -> None:
    """openpyxl reads 泸州 and Neijiang–Dazu back unchanged from a regional run's workbook."""
    out = write_xlsx(regional_run, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    ws = wb["link_flows"]
    names = {c.value for c in ws["B"]} | {c.value for c in ws["C"]}
    assert "Neijiang–Dazu" in names
    od = wb["od_flows"]
    header = [c.value for c in od[1]]
    zh = {r[header.index("origin_name_zh")] for r in od.iter_rows(min_row=3, values_only=True)}
    assert "泸州" in zh


def test_workbook_columns_fit_their_longest_value(regional_run: Path, tmp_path: Path) -> None:
    """No number shows as #### in Excel: each column is as wide as its longest value as shown
    (thousands separators; a CJK character counts two), within 8–60 characters."""
    wb = load_workbook(write_xlsx(regional_run, tmp_path / "w.xlsx"))
    kpis = wb["kpis"]
    header = [c.value for c in kpis[1]]
    j = header.index("value") + 1
    col = get_column_letter(j)
    values = [v for (v,) in kpis.iter_rows(min_row=3, min_col=j, max_col=j, values_only=True)]
    longest = max(len(f"{v:,.0f}") for v in values if isinstance(v, int | float))
    assert longest >= len("1,000,000,000")  # the regional generalized cost is tens of billions
    assert kpis.column_dimensions[col].width >= longest + 2
    links = wb["link_flows"]
    names = [v for (v,) in links.iter_rows(min_row=3, min_col=2, max_col=2, values_only=True)]
    assert links.column_dimensions["B"].width == min(max(len(n) for n in names) + 2, 60)


def test_geopackage_port_throughput_leaves_out_ships_that_sail_on(
    regional_run: Path, tmp_path: Path
) -> None:
    """Guoyuan's ``throughput_t`` in the places layer is the tonnes its terminals handle: the
    terminals.csv rows of GYP without the hub's through passage (T_GYP_WATER_THROUGH)."""
    import pyogrio

    write_gpkg(regional_run, tmp_path / "p.gpkg")
    places = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="places")
    got = float(places.set_index("place").loc["GYP", "throughput_t"])
    rows = list(csv.DictReader((regional_run / "terminals.csv").open(encoding="utf-8")))
    mine = {r["terminal"]: float(r["throughput_t"]) for r in rows if r["place"] == "GYP"}
    assert mine["T_GYP_WATER_THROUGH"] > 0
    handled = sum(v for k, v in mine.items() if k != "T_GYP_WATER_THROUGH")
    assert got == pytest.approx(handled, rel=1e-9)


def test_geopackage_layers_and_river_geometry(regional_run: Path, tmp_path: Path) -> None:
    """Three layers; every water link has >2 vertices and follows the Yangtze sidecar."""
    import pyogrio

    written = write_gpkg(regional_run, tmp_path / "r.gpkg")
    assert [p.name for p in written] == ["r.gpkg", "r.links.qml", "r.places.qml", "r.terminals.qml"]
    layers = {name for name, _ in pyogrio.list_layers(written[0])}
    assert {"links", "places", "terminals"} <= layers
    links = pyogrio.read_dataframe(written[0], layer="links")
    water = links[links["mode"] == "water"].set_index("link")
    assert len(water.loc["W_FULING_TGD"].geometry.coords) > 2
    assert water.loc["W_FULING_TGD", "geometry_source"] == "sidecar"
    assert water.loc["W_NJG_SH", "geometry_source"] == "sidecar"
    assert len(water.loc["W_NJG_SH"].geometry.coords) > 2
    assert water.loc["W_GYP_FULING", "name"] == "Guoyuan port–Fuling (Longtou port)"
    assert (links["flow_t_total"] >= 0).all()
    places = pyogrio.read_dataframe(written[0], layer="places").set_index("place")
    assert places.loc["LZ", "name_zh"] == "泸州"
    terms = pyogrio.read_dataframe(written[0], layer="terminals")
    assert {"terminal", "place_name", "throughput_t", "utilization"} <= set(terms.columns)


def test_water_geometry_length_near_length_km(regional_run: Path, tmp_path: Path) -> None:
    """Water links in the GeoPackage follow the river sidecar: every water link the sidecar has
    is drawn with more than two vertices and the sidecar's geodesic length (`geometry_km`,
    ±0.2 km), and the lines the sidecar states within 10 % of length_km are so in the
    GeoPackage too; the links layer's description carries the OpenStreetMap (ODbL) notice."""
    import json
    import sqlite3

    import pyogrio
    from pyproj import Geod

    root = Path(__file__).resolve().parents[3]
    sidecar = json.loads(
        (root / "network_data" / "chuannan_yuxi" / "geometry.geojson").read_text("utf-8")
    )
    path = write_gpkg(regional_run, tmp_path / "r.gpkg")[0]
    links = pyogrio.read_dataframe(path, layer="links").set_index("link")
    geod = Geod(ellps="WGS84")
    assert len(sidecar["features"]) >= 11
    for f in sidecar["features"]:
        link, props = f["properties"]["link"], f["properties"]
        g = links.loc[link].geometry
        assert len(g.coords) > 2, link
        km = geod.geometry_length(g) / 1000
        assert km == pytest.approx(props["geometry_km"], abs=0.2), link
        if abs(props["ratio"] - 1) <= 0.10:
            assert abs(km / float(links.loc[link, "length_km"]) - 1) <= 0.10, link
    con = sqlite3.connect(path)
    (notice,) = con.execute(
        "SELECT description FROM gpkg_contents WHERE table_name = 'links'"
    ).fetchone()
    con.close()
    assert "© OpenStreetMap contributors, ODbL" in notice


def test_styles_are_valid_qgis_xml_and_stored_as_defaults(run_dir: Path, tmp_path: Path) -> None:
    """Each shipped .qml parses as XML with a <qgis> root and is the layer's default style."""
    import sqlite3

    for layer in LAYERS:
        doc = xml.dom.minidom.parse(str(STYLES / f"{layer}.qml"))
        root = doc.documentElement
        assert root is not None and root.tagName == "qgis"
    path = write_gpkg(run_dir, tmp_path / "t.gpkg")[0]
    con = sqlite3.connect(path)
    got = con.execute("SELECT f_table_name, useAsDefault FROM layer_styles ORDER BY id").fetchall()
    con.close()
    assert got == [("links", 1), ("places", 1), ("terminals", 1)]


def test_damaged_folder_exits_2(run_dir: Path, tmp_path: Path) -> None:
    """A result folder with an edited table is refused (manifest hash) with exit 2."""
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    (bad / "kpis.csv").write_text("metric,value,unit\n", encoding="utf-8")
    assert main(["export", str(bad), "--xlsx", str(tmp_path / "x.xlsx")]) == 2
    with pytest.raises(DataError, match="kpis.csv"):
        write_xlsx(bad, tmp_path / "x.xlsx")


def test_export_needs_an_output(run_dir: Path) -> None:
    """Neither --xlsx nor --gpkg: exit 2 with a message."""
    assert main(["export", str(run_dir)]) == 2


def test_comparison_geopackage(tmp_path: Path) -> None:
    """A comparison's links layer has the flow change: W_PQ +50 t, R_AB −50 t (tests/test_plot.py;
    the linear model's hand-computed answer, so --method mcf: the default is the logit)."""
    import pyogrio

    cmp = tmp_path / "cmp"
    assert main(["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(cmp),
                 "--method", "mcf"]) == 0  # fmt: skip
    path = write_gpkg(cmp, tmp_path / "c.gpkg")[0]
    links = pyogrio.read_dataframe(path, layer="links").set_index("link")
    assert links.loc["W_PQ", "flow_t_delta_total"] == pytest.approx(50.0)
    assert links.loc["R_AB", "flow_t_delta_total"] == pytest.approx(-50.0)


def test_kpi_values_get_the_format_of_their_row_unit(run_dir: Path, tmp_path: Path) -> None:
    """kpis: demand (t/yr) shows whole tonnes, a share (fraction) a percentage."""
    wb = load_workbook(write_xlsx(run_dir, tmp_path / "k.xlsx"))
    ws = wb["kpis"]
    fmt = {r[0].value: r[1].number_format for r in ws.iter_rows(min_row=3)}
    assert fmt["demand"] == "#,##0" and fmt["share_tonnes_water"] == "0.00%"
    assert fmt["generalized_cost"] == "#,##0"
