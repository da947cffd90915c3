"""GeoPackage of a run or comparison folder: layers ``links``, ``places`` and ``terminals``.

- ``links``: one line per physical link (both directions merged as in
  :func:`freight.maps.geo.links_geojson`: ``flow_t_forward``, ``flow_t_reverse``,
  ``flow_t_total``, ``utilization_max`` … or the ``*_delta`` columns of a comparison), with
  ``name`` / ``name_zh`` (``A–B`` of the places' names), ``line`` and ``geometry_source`` (``sidecar``
  where the network's ``geometry.geojson`` gives the line, e.g. the Yangtze water links that
  follow the river; ``straight`` otherwise).
- ``places``: one point per place with ``name``, ``name_zh``, ``kind``, ``province``, ``zone``
  and, for a run, ``throughput_t`` (t/yr handled by its terminals).
- ``terminals``: one point per terminal (at its place) with the columns of ``terminals.csv``
  (or ``terminal_changes.csv``) and the place's names.

Coordinates are WGS84 (EPSG:4326). When a line comes from a sidecar, the ``links`` layer's
description (``gpkg_contents``) is :data:`SIDECAR_NOTICE`, the OpenStreetMap attribution the
ODbL asks for. Each layer gets a QGIS style: the ``.qml`` files of
``freight/export/styles`` are stored in the GeoPackage's ``layer_styles`` table as the layer's
default (QGIS applies them on opening) and written next to the GeoPackage as
``STEM.LAYER.qml``.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from freight.data.network import Network
from freight.errors import DataError, Problem
from freight.maps.geo import folder_kind, links_geojson, network_for_result, result_geometry
from freight.results.folder import ResultFolder, write_file

log = logging.getLogger(__name__)

SIDECAR_NOTICE = (
    "Lines with geometry_source = sidecar come from the network's geometry.geojson, whose "
    "features state their source and licence; the shipped network's Yangtze lines from Yibin to "
    "below Fuling derive from OpenStreetMap: © OpenStreetMap contributors, ODbL 1.0 "
    "(https://www.openstreetmap.org/copyright); downstream from Natural Earth (public domain)."
)
"""Description of the ``links`` layer (``gpkg_contents``) when any line comes from a sidecar:
the attribution the ODbL asks of a database that holds OpenStreetMap-derived lines."""
STYLES = Path(__file__).parent / "styles"
"""The QGIS styles shipped with freight, one ``LAYER.qml`` per layer."""
LAYERS: tuple[str, ...] = ("links", "places", "terminals")
"""Layers of the GeoPackage, in the order they are written."""


def _num(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def link_features(
    net: Network, rows: Sequence[Mapping[str, Any]], geometry: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The ``links`` layer as GeoJSON features (names added, per-direction name columns dropped)."""
    fc = links_geojson(net, rows, geometry=geometry)
    pl = net.place_by_id
    out = []
    for f in fc["features"]:
        p = f["properties"]
        a, b = pl.get(p["from"]), pl.get(p["to"])
        for k in [k for k in p if k.startswith(("name_forward", "name_reverse", "name_zh_",
                                                 "line_forward", "line_reverse"))]:  # fmt: skip
            del p[k]
        p["name"] = f"{a.name}–{b.name}" if a and b else p["link"]
        p["name_zh"] = f"{a.name_zh}–{b.name_zh}" if a and b and a.name_zh and b.name_zh else ""
        out.append(f)
    return out


def place_features(
    net: Network, terminals: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The ``places`` layer: every place, with the tonnes its terminals handle (t/yr).

    A hub's through passage (a same-mode row with no handling charge: ships that sail on) is
    not handling and is not counted, as in the port figures of ``freight calibrate``."""
    rows = net.terminal_by_id
    thr: dict[str, float] = {}
    for t in terminals:
        row = rows.get(str(t.get("terminal")))
        if row is not None and row.through_passage:
            continue
        v = t.get("throughput_t")
        if isinstance(v, float) and math.isfinite(v):
            thr[str(t["place"])] = thr.get(str(t["place"]), 0.0) + v
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "place": p.id,
                "name": p.name,
                "name_zh": p.name_zh,
                "kind": p.kind,
                "province": p.province,
                "zone": bool(p.zone),
                "throughput_t": thr.get(p.id, 0.0) if terminals else None,
            },
        }  # fmt: skip
        for p in sorted(net.places, key=lambda p: p.id)
    ]


def terminal_features(net: Network, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``terminals`` layer: one point per terminal row, at its place."""
    pl = net.place_by_id
    out = []
    for r in rows:
        p = pl.get(str(r.get("place", "")))
        if p is None:
            continue
        props = {k: _num(v) for k, v in r.items()}
        props.setdefault("place_name", p.name)
        props.setdefault("place_name_zh", p.name_zh)
        if not props.get("place_name"):
            props["place_name"], props["place_name_zh"] = p.name, p.name_zh
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": props,
            }
        )
    return out


def _style(layer: str) -> str:
    return (STYLES / f"{layer}.qml").read_text(encoding="utf-8")


def _add_styles(path: Path) -> None:
    """Store each layer's style in the GeoPackage's ``layer_styles`` table as its default."""
    con = sqlite3.connect(path)
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        )
        for layer in LAYERS:
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '', "
                "'2023-01-01T00:00:00Z')",
                (layer, f"freight {layer}", _style(layer), f"freight style of the {layer} layer"),
            )
        con.commit()
    finally:
        con.close()


def _add_notice(path: Path, layer: str, text: str) -> None:
    """Set the layer's ``gpkg_contents.description`` (shown by QGIS as the layer's abstract)."""
    con = sqlite3.connect(path)
    try:
        con.execute("UPDATE gpkg_contents SET description = ? WHERE table_name = ?", (text, layer))
        con.commit()
    finally:
        con.close()


def write_gpkg(
    result_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    data: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write the GeoPackage of a run or comparison folder (verified first) and its styles.

    Parameters
    ----------
    result_dir
        Folder written by ``freight run`` or ``freight compare``.
    out
        The ``.gpkg`` file to (re)write.
    data
        Network folder or scenario ``.toml`` instead of the one the manifest names.

    Returns
    -------
    list of Path
        The GeoPackage, then the ``.qml`` files written next to it.

    Raises
    ------
    freight.errors.DataError
        If the folder is missing, damaged, or of another command.
    freight.results.folder.OutputError
        If a file may not or cannot be written.
    """
    import geopandas as gpd

    d = Path(result_dir)
    kind = folder_kind(d)
    if kind not in ("run", "compare"):
        raise DataError(
            [Problem(str(d), None, "--gpkg", "a GeoPackage needs a run or comparison folder")]
        )
    folder = ResultFolder.open(d, verify=True)
    net = network_for_result(d, data=data)
    geometry = result_geometry(d, data=data)
    if kind == "run":
        link_rows, term_rows = folder.read("link_flows.csv"), folder.rows("terminals.csv")
    else:
        link_rows, term_rows = folder.read("link_changes.csv"), folder.rows("terminal_changes.csv")
    layers = {
        "links": link_features(net, link_rows, geometry),
        "places": place_features(net, term_rows if kind == "run" else ()),
        "terminals": terminal_features(net, term_rows),
    }
    target = Path(out)
    with tempfile.TemporaryDirectory(prefix=".freight-gpkg-", dir=target.parent) as tmp:
        path = Path(tmp) / "out.gpkg"
        for name, feats in layers.items():
            gdf = gpd.GeoDataFrame.from_features(feats, crs="EPSG:4326")
            gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        _add_styles(path)
        if any(f["properties"].get("geometry_source") == "sidecar" for f in layers["links"]):
            _add_notice(path, "links", SIDECAR_NOTICE)
        written = [write_file(target, path.read_bytes(), inputs=[d])]
    for name in LAYERS:
        qml = target.with_name(f"{target.stem}.{name}.qml")
        written.append(write_file(qml, _style(name), inputs=[d]))
    log.info("%s: layers %s", target, ", ".join(f"{k} ({len(v)})" for k, v in layers.items()))
    return written
