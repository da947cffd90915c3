"""Place result tables on the map: GeoJSON of link flows and of link flow changes.

A result folder holds tables only; the coordinates come from the network's places (WGS84
longitude/latitude). :func:`network_for_result` finds the network a result folder was computed
on (from its ``manifest.json``), :func:`links_geojson` joins link rows to places, and
:func:`write_geojson` writes the file atomically.

The GeoJSON is made for desktop GIS (QGIS): one ``LineString`` feature per physical link, drawn
from its ``from`` place to its ``to`` place (the link's forward direction), with flat properties
(strings, numbers or ``null``; no nested objects). Both directions of a link are merged into one
feature: a direction-dependent column ``c`` of the tables becomes ``c_forward`` and ``c_reverse``,
and additive columns (tonnes, tonne-km, money, CO2) also get ``c_total``. Numbers are rounded to
4 decimals, coordinates to 6 (about 0.1 m); keys are sorted, so the same tables give the same
bytes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from freight.data.network import Network
from freight.errors import DataError, Problem
from freight.results.folder import ResultFolder
from freight.results.tables import write_file_atomic

FolderKind = Literal["run", "compare", "criticality"]

DIRECTIONS: tuple[str, str] = ("forward", "reverse")

_RUN_KEYS = frozenset({"link", "mode", "from", "to", "direction"})
_COMPARE_KEYS = frozenset({"link", "mode", "from", "to", "direction", "status"})
_RUN_SHARED = frozenset({"length_km"})
_RUN_ADDITIVE = frozenset({"flow_t", "money_cost_cny", "tonne_km", "co2_t"})
_COMPARE_ADDITIVE_PREFIXES = ("flow_t_", "tonne_km_", "co2_t_")

COORD_DECIMALS = 6
"""Decimals of longitude/latitude in the GeoJSON (1e-6 degree is about 0.1 m)."""
VALUE_DECIMALS = 4
"""Decimals of every other number (as in the result CSVs)."""


# --------------------------------------------------------------------------- result folders


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read a table of a result folder (header row, UTF-8) into a list of dicts of strings.

    The folder is opened with :meth:`ResultFolder.open` and its manifest verified (every listed
    file's SHA-256), so a damaged or incomplete folder is an error naming the file.

    Raises
    ------
    DataError
        If the folder has no manifest, a listed file is missing or damaged, or the table is not
        one of the folder's files.
    """
    p = Path(path)
    folder = ResultFolder.open(p.parent, verify=True)
    if p.name not in folder.files:
        raise DataError([Problem(str(p), None, "", "file not found in the result folder")])
    return folder.read(p.name)


def read_manifest(result_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The verified ``manifest.json`` of a result folder as a dict.

    Raises
    ------
    DataError
        If the folder has no manifest, or a file it lists is missing or damaged.
    """
    return dict(ResultFolder.open(result_dir, verify=True).manifest)


def folder_kind(result_dir: str | os.PathLike[str]) -> FolderKind:
    """Whether a folder holds the results of ``freight run``, ``compare`` or ``criticality``.

    Decided by the verified manifest's ``command`` entry.

    Raises
    ------
    DataError
        If the folder is missing, damaged, or of another command.
    """
    d = Path(result_dir)
    if not d.is_dir():
        raise DataError([Problem(str(d), None, "", "not found: expected a result folder")])
    command = ResultFolder.open(d, verify=True).command
    if command in ("run", "compare", "criticality"):
        return command  # type: ignore[return-value]
    raise DataError(
        [
            Problem(
                str(d / "manifest.json"),
                None,
                "command",
                f"a result folder of 'freight {command}': expected one of 'freight run' "
                "(link_flows.csv), 'freight compare' (link_changes.csv) or 'freight criticality'",
            )
        ]
    )


GEOMETRY_FILE = "geometry.geojson"
"""Optional sidecar of a network folder: link geometries keyed by the ``link`` property."""


def link_geometry(data_dirs: Iterable[str | os.PathLike[str]]) -> dict[str, list[list[float]]]:
    """Link geometries (lon, lat vertices) from the ``geometry.geojson`` of network folders.

    Parameters
    ----------
    data_dirs
        Folders (or files, whose folder is used) that may hold a ``geometry.geojson``: a
        FeatureCollection of ``LineString`` features with a ``link`` property (links.csv id),
        vertices in WGS84 degrees from the link's ``from`` place to its ``to`` place.

    Returns
    -------
    dict
        Link id -> vertices; links without a feature are drawn straight.

    Raises
    ------
    DataError
        If a sidecar exists but is not such a FeatureCollection.
    """
    out: dict[str, list[list[float]]] = {}
    seen: set[Path] = set()
    for d in data_dirs:
        p = Path(d)
        folder = p if p.is_dir() else p.parent
        f = folder / GEOMETRY_FILE
        if f in seen or not f.is_file():
            continue
        seen.add(f)
        try:
            fc = json.loads(f.read_text(encoding="utf-8"))
            for feat in fc["features"]:
                if feat["geometry"]["type"] != "LineString":
                    raise ValueError(f"link {feat['properties']['link']}: not a LineString")
                out[str(feat["properties"]["link"])] = [
                    [float(x), float(y)] for x, y in feat["geometry"]["coordinates"]
                ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(
                [Problem(str(f), None, "", f"not a link geometry file: {exc}")]
            ) from exc
    return out


def network_for_result(
    result_dir: str | os.PathLike[str], *, data: str | os.PathLike[str] | None = None
) -> Network:
    """The network a result or comparison folder was computed on.

    Parameters
    ----------
    result_dir
        A folder written by ``freight run`` or ``freight compare``.
    data
        Explicit network folder or scenario ``.toml`` to use instead of the manifest's.

    Returns
    -------
    Network
        For a run folder: the manifest's ``scenario.data`` folder, or the network of its
        ``scenario.file`` (projects applied, so added places and links are there). For a
        comparison: the scenario side's network with the base side's missing places and links
        added.

    Raises
    ------
    DataError
        If the manifest does not name a network, or the network cannot be found or read.
    """
    from freight.scenario.case import load_result_case

    folder_kind(result_dir)  # a clear error for a folder that is neither
    return load_result_case(result_dir, data=data).net


# --------------------------------------------------------------------------- values


def number(x: Any) -> float | None:
    """A table cell as a rounded float (4 decimals), or ``None`` for blank, NaN or infinity."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, str):
        if not x.strip():
            return None
        try:
            v = float(x)
        except ValueError:
            return None
    else:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return None
    if not math.isfinite(v):
        return None
    r = round(v, VALUE_DECIMALS)
    return 0.0 if r == 0 else r


def _cell(x: Any) -> float | str | None:
    """A cell as a number when it parses as one, else as a string (blank -> None)."""
    if x is None:
        return None
    v = number(x)
    if v is not None:
        return v
    s = str(x)
    if not s.strip() or s.strip().lower() in ("nan", "inf", "-inf"):
        return None
    return s


def _coord(x: float) -> float:
    return round(float(x), COORD_DECIMALS)


# --------------------------------------------------------------------------- GeoJSON


def _is_compare(rows: Sequence[Mapping[str, Any]]) -> bool:
    return bool(rows) and "flow_t_delta" in rows[0]


def _additive(column: str, compare: bool) -> bool:
    if compare:
        return column.startswith(_COMPARE_ADDITIVE_PREFIXES)
    return column in _RUN_ADDITIVE or column.startswith("flow_t_")


def _group(
    rows: Iterable[Mapping[str, Any]],
) -> dict[str, dict[str, Mapping[str, Any]]]:
    by_link: dict[str, dict[str, Mapping[str, Any]]] = {}
    for r in rows:
        direction = str(r.get("direction", "forward"))
        if direction not in DIRECTIONS:
            raise DataError(
                [Problem("link rows", None, "direction", f"unknown direction {direction!r}")]
            )
        by_link.setdefault(str(r["link"]), {})[direction] = r
    return by_link


def _ends(link: str, dirs: Mapping[str, Mapping[str, Any]], net: Network) -> tuple[str, str]:
    """The link's forward (from, to) places: from the network, else from its rows."""
    lk = net.link_by_id.get(link)
    if lk is not None:
        return lk.from_, lk.to
    if "forward" in dirs:
        return str(dirs["forward"]["from"]), str(dirs["forward"]["to"])
    return str(dirs["reverse"]["to"]), str(dirs["reverse"]["from"])


def link_properties(
    link: str, dirs: Mapping[str, Mapping[str, Any]], net: Network, *, compare: bool
) -> dict[str, Any]:
    """Flat properties of one link's feature, both directions merged (see module doc).

    Parameters
    ----------
    link
        Link id.
    dirs
        The link's table rows keyed by direction (``"forward"``, ``"reverse"``).
    net
        The network (for the link's ``line`` name).
    compare
        True for rows of ``link_changes.csv``, False for rows of ``link_flows.csv``.
    """
    first = dirs.get("forward") or dirs["reverse"]
    frm, to = _ends(link, dirs, net)
    props: dict[str, Any] = {
        "link": link,
        "mode": str(first.get("mode", "")),
        "from": frm,
        "to": to,
    }
    lk = net.link_by_id.get(link)
    props["line"] = (lk.line if lk is not None else "") or ""
    keys = _COMPARE_KEYS if compare else _RUN_KEYS
    columns: list[str] = []
    for r in dirs.values():
        columns += [c for c in r if c not in keys and c not in columns]
    if compare:
        statuses = sorted({str(r.get("status", "")) for r in dirs.values()})
        props["status"] = statuses[0] if len(statuses) == 1 else "+".join(statuses)
    for c in columns:
        if not compare and c in _RUN_SHARED:
            props[c] = _cell(first.get(c))
            continue
        values = {d: _cell(dirs[d].get(c)) if d in dirs else None for d in DIRECTIONS}
        for d in DIRECTIONS:
            props[f"{c}_{d}"] = values[d]
        if _additive(c, compare):
            nums = [v for v in values.values() if isinstance(v, float)]
            props[f"{c}_total"] = number(sum(nums)) if nums else None
    if not compare:
        utils = [props.get(f"utilization_{d}") for d in DIRECTIONS]
        nums = [u for u in utils if isinstance(u, float)]
        props["utilization_max"] = max(nums) if nums else None
    return props


def links_geojson(
    net: Network,
    link_rows: Sequence[Mapping[str, Any]],
    *,
    places: bool = False,
    name: str = "links",
    geometry: Mapping[str, Sequence[Sequence[float]]] | None = None,
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the links of a result or comparison table.

    Parameters
    ----------
    net
        The network whose places give the coordinates (WGS84 degrees).
    link_rows
        Rows of ``link_flows.csv`` (a run) or ``link_changes.csv`` (a comparison), as read
        from the CSV (strings) or as built in memory (numbers); one row per link and direction.
    places
        Also add one ``Point`` feature per place (after the links). QGIS then offers the two
        geometry types as two layers.
    name
        The collection's ``name`` (the layer name in QGIS).
    geometry
        Link id -> vertices (lon, lat) from :func:`link_geometry`; a link with a geometry is
        drawn along it (property ``geometry_source`` = ``sidecar``), any other as the straight line
        between its places (``straight``).

    Returns
    -------
    dict
        A FeatureCollection: one ``LineString`` per link, from its ``from`` place to its ``to``
        place, sorted by link id. Run properties: ``flow_t_forward``, ``flow_t_reverse``,
        ``flow_t_total`` (t/yr) and likewise every other column (see module doc),
        ``utilization_max``, ``length_km``, ``line``. Comparison properties: ``flow_t_delta_total``
        (t/yr, scenario minus base; positive = more freight in the scenario) and the other
        ``*_base``, ``*_scenario``, ``*_delta`` columns per direction.

    Raises
    ------
    DataError
        If a link's place is not among the network's places.
    """
    compare = _is_compare(link_rows)
    by_link = _group(link_rows)
    pl = net.place_by_id
    features: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for link in sorted(by_link):
        dirs = by_link[link]
        frm, to = _ends(link, dirs, net)
        missing = [p for p in (frm, to) if p not in pl]
        if missing:
            problems.append(
                Problem(
                    "link rows",
                    None,
                    "link",
                    f"link {link}: place {', '.join(missing)} not in the network's places",
                )
            )
            continue
        a, b = pl[frm], pl[to]
        shape_ = (geometry or {}).get(link)
        coords = (
            [[_coord(x), _coord(y)] for x, y in shape_]
            if shape_ and len(shape_) >= 2
            else [[_coord(a.lon), _coord(a.lat)], [_coord(b.lon), _coord(b.lat)]]
        )
        props = link_properties(link, dirs, net, compare=compare)
        props["geometry_source"] = "sidecar" if shape_ and len(shape_) >= 2 else "straight"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": props,
            }
        )
    if problems:
        raise DataError(problems, context="placing links on the map")
    if places:
        for p in sorted(net.places, key=lambda p: p.id):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [_coord(p.lon), _coord(p.lat)]},
                    "properties": {
                        "place": p.id,
                        "name": p.name,
                        "name_zh": p.name_zh,
                        "kind": p.kind,
                        "province": p.province,
                        "zone": p.zone,
                    },
                }
            )
    return {"type": "FeatureCollection", "name": name, "features": features}


def geojson_text(collection: Mapping[str, Any]) -> str:
    """Deterministic GeoJSON text: sorted keys, UTF-8 characters kept, one trailing newline."""
    return json.dumps(collection, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes atomically (see :func:`freight.results.tables.write_file_atomic`)."""
    return write_file_atomic(path, data)


def result_link_rows(result_dir: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The link rows of a run folder (``link_flows.csv``) or comparison (``link_changes.csv``)."""
    d = Path(result_dir)
    kind = folder_kind(d)
    if kind == "criticality":
        raise DataError(
            [Problem(str(d), None, "", "a criticality folder has no link flows: map it instead")]
        )
    name = "link_changes.csv" if kind == "compare" else "link_flows.csv"
    return read_csv(d / name)


def result_geometry(
    result_dir: str | os.PathLike[str], *, data: str | os.PathLike[str] | None = None
) -> dict[str, list[list[float]]]:
    """The link geometries of the network a result folder was computed on (see
    :func:`link_geometry`): the sidecars of the case's input folders."""
    from freight.scenario.case import load_result_case

    case = load_result_case(result_dir, data=data)
    return link_geometry([case.path, *case.inputs])


def write_geojson(
    result_dir: str | os.PathLike[str],
    out_file: str | os.PathLike[str],
    *,
    net: Network | None = None,
    places: bool = False,
) -> Path:
    """Write the GeoJSON of a run or comparison folder's links (atomically).

    Parameters
    ----------
    result_dir
        Folder written by ``freight run`` or ``freight compare``.
    out_file
        The ``.geojson`` file to (re)write.
    net
        The network for the coordinates; default :func:`network_for_result`.
    places
        Also write the places as ``Point`` features.

    Returns
    -------
    Path
        ``out_file``.
    """
    d = Path(result_dir)
    network = net if net is not None else network_for_result(d)
    kind = folder_kind(d)
    fc = links_geojson(
        network,
        result_link_rows(d),
        places=places,
        name="link_changes" if kind == "compare" else "link_flows",
        geometry=result_geometry(d),
    )
    return write_atomic(out_file, geojson_text(fc).encode("utf-8"))
