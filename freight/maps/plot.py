"""Maps of result folders: link flows of a run, flow changes of a comparison, and the extra cost
of closing each element of a criticality run (PNG, SVG or PDF by the file's suffix).

The map has a basemap of the region (the Yangtze and the upper Yangtze (Jinsha) from Natural
Earth's public-domain rivers layer, and provincial boundaries where the shipped layer has them:
``freight/maps/data/basemap.geojson``, clipped once by ``tools/build_basemap.py``), a scale bar
and place names. Links follow the network's optional ``geometry.geojson`` (the Yangtze water
links follow the river); the others are straight lines between their places' WGS84
longitude/latitude (a plate carrée map with the aspect ratio of the map's middle latitude, so
that shapes are right near it). Several links between the same two places (a road and a railway,
two railways) are drawn side by side.

By default the map is clipped to the study region (:data:`DEFAULT_EXTENT`); links to far
gateways (Shanghai, Alashankou, Qinzhou…) run to the frame's edge, where a label names the place
they lead to. ``extent=None`` shows every place.

Drawing uses matplotlib's object API with the Agg canvas (no display, no pyplot state). Files
are written atomically (a temporary file in the same folder, then a rename).
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from matplotlib import patheffects, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.transforms import ScaledTranslation

from freight.data.network import Network
from freight.data.schema import MODES
from freight.errors import DataError, Problem
from freight.maps.geo import (
    folder_kind,
    links_geojson,
    network_for_result,
    read_csv,
    read_manifest,
    result_geometry,
    write_atomic,
    write_geojson,
)

BASEMAP_FILE = Path(__file__).parent / "data" / "basemap.geojson"
"""The clipped Natural Earth layers (rivers, provincial boundaries) drawn under every map."""
RIVER_COLOR = "#9cc3e4"
PROVINCE_COLOR = "#8c8c8c"
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
"""Map file suffixes and the format each is written in."""

Extent = tuple[float, float, float, float]
"""Map frame: (lon_min, lon_max, lat_min, lat_max), degrees WGS84."""

DEFAULT_EXTENT: Extent = (103.0, 107.5, 27.5, 30.8)
"""The Chuannan–Yuxi region (southern Sichuan and western Chongqing)."""

MODE_COLORS: dict[str, str] = {
    "road": "#7a7a7a",
    "rail": "#a3341c",
    "water": "#1f6fb4",
    "air": "#7b3fa0",
}
INCREASE_COLOR = "#1a9641"
DECREASE_COLOR = "#d7191c"
UNCHANGED_COLOR = "#c4c4c4"

W_MIN, W_MAX = 1.0, 14.0
"""Line widths (points) of the smallest and the largest flow drawn."""
W_ZERO = 0.7
"""Line width (points) of links without flow (or without change)."""
GAP = 1.0
"""Gap (points) between parallel links drawn side by side."""
MAP_MAX_IN = (8.5, 7.5)
"""Largest size of the map frame (width, height), inches; the figure adds fixed margins."""
MARGINS_IN = (0.75, 2.4, 0.7, 0.95)
"""Margins around the map frame (left, right for the legend, bottom, top for the title), inches."""
DPI = 110


# --------------------------------------------------------------------------- helpers


def fmt_tonnes(t: float) -> str:
    """Tonnes per year in short form: ``12.3 Mt``, ``450 kt``, ``60 t`` (3 significant digits)."""
    a = abs(t)
    if a >= 1e6:
        return f"{t / 1e6:.3g} Mt"
    if a >= 1e3:
        return f"{t / 1e3:.3g} kt"
    return f"{t:.3g} t"


def nice(x: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``x`` (``x`` > 0)."""
    k = math.floor(math.log10(x))
    base = 10.0**k
    for m in (5.0, 2.0, 1.0):
        if m * base <= x * (1 + 1e-12):
            return m * base
    return base  # pragma: no cover - m = 1 always fits


def _check_extent(extent: Extent | None) -> None:
    if extent is None:
        return
    lo_x, hi_x, lo_y, hi_y = extent
    if not (-180 <= lo_x < hi_x <= 180 and -90 <= lo_y < hi_y <= 90):
        raise ValueError(
            f"extent must be (lon_min, lon_max, lat_min, lat_max) with min < max, got {extent}"
        )


@dataclass(frozen=True)
class _Seg:
    """One link to draw: forward ends (lon, lat), width basis (t/yr) and style."""

    link: str
    mode: str
    a: str
    b: str
    p: tuple[float, float]
    q: tuple[float, float]
    value: float
    color: str
    dashed: bool
    label: str = ""
    line: tuple[tuple[float, float], ...] = ()


def _frame(extent: Extent | None, net: Network, segs: Sequence[_Seg]) -> Extent:
    if extent is not None:
        return extent
    used = {s.a for s in segs} | {s.b for s in segs}
    pts = [(p.lon, p.lat) for p in net.places if p.id in used] or [
        (p.lon, p.lat) for p in net.places
    ]
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    coslat = math.cos(math.radians((y0 + y1) / 2))
    w, h = max((x1 - x0) * coslat, 0.1), max(y1 - y0, 0.1)
    # keep the frame's height/width between 1/2 and 3/2 (a row of places is not a strip)
    w, h = max(w, h / 1.5) * 1.08, max(h, w / 2) * 1.08
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / coslat / 2, cx + w / coslat / 2, cy - h / 2, cy + h / 2)


def _inside(pt: tuple[float, float], ext: Extent) -> bool:
    return ext[0] <= pt[0] <= ext[1] and ext[2] <= pt[1] <= ext[3]


def _exit_point(
    p: tuple[float, float], q: tuple[float, float], ext: Extent
) -> tuple[float, float] | None:
    """Where the segment from ``p`` (inside) to ``q`` (outside) leaves the frame."""
    t_best = None
    dx, dy = q[0] - p[0], q[1] - p[1]
    edges = ((ext[0], dx, p[0]), (ext[1], dx, p[0]), (ext[2], dy, p[1]), (ext[3], dy, p[1]))
    for edge, d, v in edges:
        if d == 0:
            continue
        t = (edge - v) / d
        if 0 < t <= 1:
            x, y = p[0] + t * dx, p[1] + t * dy
            if ext[0] - 1e-9 <= x <= ext[1] + 1e-9 and ext[2] - 1e-9 <= y <= ext[3] + 1e-9:
                t_best = t if t_best is None else min(t_best, t)
    if t_best is None:
        return None
    return (p[0] + t_best * dx, p[1] + t_best * dy)


def _widths(segs: Sequence[_Seg]) -> tuple[dict[str, float], float]:
    vmax = max((s.value for s in segs), default=0.0)
    out: dict[str, float] = {}
    for s in segs:
        if s.value <= 0 or vmax <= 0:
            out[s.link] = W_ZERO
        else:
            out[s.link] = W_MIN + (W_MAX - W_MIN) * s.value / vmax
    return out, vmax


def _offsets(segs: Sequence[_Seg], widths: Mapping[str, float]) -> dict[str, float]:
    """Sideways offset (points) of each link, so that parallel links sit side by side."""
    groups: dict[tuple[str, str], list[_Seg]] = {}
    for s in segs:
        groups.setdefault((min(s.a, s.b), max(s.a, s.b)), []).append(s)
    out: dict[str, float] = {}
    rank = {m: i for i, m in enumerate(MODES)}
    for group in groups.values():
        group.sort(key=lambda s: (rank.get(s.mode, len(MODES)), s.link))
        total = sum(widths[s.link] for s in group) + GAP * (len(group) - 1)
        pos = -total / 2
        for s in group:
            out[s.link] = pos + widths[s.link] / 2
            pos += widths[s.link] + GAP
    return out


def _new_map(ext: Extent) -> tuple[Figure, Axes, float]:
    """A figure sized to the frame's shape (fixed margins, so no second 'tight' layout pass)."""
    coslat = math.cos(math.radians((ext[2] + ext[3]) / 2))
    ratio = (ext[3] - ext[2]) / ((ext[1] - ext[0]) * coslat)  # height / width of the frame
    w = min(MAP_MAX_IN[0], MAP_MAX_IN[1] / ratio)
    h = w * ratio
    left, right, bottom, top = MARGINS_IN
    fw, fh = left + w + right, bottom + h + top
    fig = Figure(figsize=(fw, fh), dpi=DPI)
    FigureCanvasAgg(fig)  # a renderer to measure labels with
    ax = fig.add_axes((left / fw, bottom / fh, w / fw, h / fh))
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_aspect(1.0 / coslat)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(True, color="#e6e6e6", linewidth=0.6, zorder=0)
    ax.set_facecolor("#fbfbf8")
    return fig, ax, coslat


def _draw_links(
    fig: Figure, ax: Axes, segs: Sequence[_Seg], coslat: float
) -> tuple[dict[str, float], float]:
    widths, vmax = _widths(segs)
    offs = _offsets(segs, widths)
    # thick lines first, so that thin ones stay visible on top
    for z, s in enumerate(sorted(segs, key=lambda s: (-widths[s.link], s.link))):
        a, b = (s.p, s.q) if s.a <= s.b else (s.q, s.p)
        dx, dy = (b[0] - a[0]) * coslat, b[1] - a[1]
        n = math.hypot(dx, dy) or 1.0
        off = offs[s.link]
        shift = ScaledTranslation(-dy / n * off / 72.0, dx / n * off / 72.0, fig.dpi_scale_trans)
        pts = s.line or (s.p, s.q)
        ax.plot(
            [x for x, _ in pts],
            [y for _, y in pts],
            color=s.color,
            linewidth=widths[s.link],
            linestyle=(0, (4, 3)) if s.dashed else "-",
            solid_capstyle="butt",
            alpha=0.55 if s.value <= 0 else 0.9,
            transform=ax.transData + shift,
            zorder=2 + z * 1e-3,
        )
    return widths, vmax


_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def _draw_places(
    ax: Axes, net: Network, ext: Extent, used: set[str], avoid: Sequence[Text] = ()
) -> list[Text]:
    # on a wide map (every gateway shown) only zones are labelled: terminals crowd the region
    minor_labels = ext[1] - ext[0] < 10.0
    pts = [p for p in net.places if (p.id in used or p.zone) and _inside((p.lon, p.lat), ext)]
    zones = [p for p in pts if p.zone]
    other = [p for p in pts if not p.zone]
    ax.scatter([p.lon for p in zones], [p.lat for p in zones], s=28, c="black", zorder=5)
    ax.scatter(
        [p.lon for p in other],
        [p.lat for p in other],
        s=16,
        facecolors="white",
        edgecolors="black",
        linewidths=0.8,
        zorder=5,
    )
    # labels: zones first, each at the first corner where it overlaps no label placed before
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    # labels already drawn (the exits at the frame's edge) are avoided; a label stays inside
    frame = ax.get_window_extent(renderer)
    taken: list[Any] = [t.get_window_extent(renderer) for t in avoid]
    labels: list[Text] = []
    corners: tuple[tuple[tuple[int, int], Literal["left", "right"]], ...] = (
        ((4, 3), "left"),
        ((4, -9), "left"),
        ((-4, 3), "right"),
        ((-4, -9), "right"),
    )
    for p in sorted(pts, key=lambda p: (not p.zone, p.id)):
        if not (p.zone or minor_labels):
            continue
        t = ax.annotate(
            p.name or p.id,
            (p.lon, p.lat),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=8 if p.zone else 6.5,
            fontweight="bold" if p.zone else "normal",
            zorder=6,
            path_effects=_HALO,
        )
        for offset, ha in corners:
            t.set_position(offset)
            t.set_horizontalalignment(ha)
            bb = t.get_window_extent(renderer)
            inside = bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1
            if inside and not any(bb.overlaps(o) for o in taken):
                taken.append(bb)
                labels.append(t)
                break
        else:
            t.remove()
    return labels


def _short(names: Mapping[str, str], place: str) -> str:
    """A place's name up to its first bracket (``Qinzhou port (Beibu Gulf)`` → ``Qinzhou port``)."""
    return (names.get(place) or place).split(" (")[0].strip() or place


def _draw_exits(
    ax: Axes, segs: Sequence[_Seg], ext: Extent, place_names: Mapping[str, str] | None = None
) -> list[Text]:
    """Label where links to places outside the frame leave it (``→ Shanghai``): the far places' names
    (up to a bracket), one per line, or their ids where ``place_names`` has none."""
    exits: list[tuple[float, float, str]] = []
    for s in segs:
        for p, q, far in ((s.p, s.q, s.b), (s.q, s.p, s.a)):
            if _inside(p, ext) and not _inside(q, ext):
                e = _exit_point(p, q, ext)
                if e is not None:
                    exits.append((e[0], e[1], far))
    span = max(ext[1] - ext[0], ext[3] - ext[2])
    clusters: list[tuple[float, float, list[str]]] = []
    for x, y, far in sorted(exits):
        for cx, cy, names in clusters:
            if math.hypot(x - cx, y - cy) < 0.04 * span:
                if far not in names:
                    names.append(far)
                break
        else:
            clusters.append((x, y, [far]))
    labels: list[Text] = []
    names_of = dict(place_names or {})
    for x, y, far_ids in clusters:
        # nudge the label inside the frame
        tx = min(max(x, ext[0] + 0.01 * span), ext[1] - 0.01 * span)
        ty = min(max(y, ext[2] + 0.01 * span), ext[3] - 0.01 * span)
        ha = "right" if x >= ext[1] - 1e-9 else "left" if x <= ext[0] + 1e-9 else "center"
        va = "top" if y >= ext[3] - 1e-9 else "bottom" if y <= ext[2] + 1e-9 else "center"
        t = ax.text(
            tx,
            ty,
            "\n".join("→ " + n for n in sorted({_short(names_of, f) for f in far_ids})),
            fontsize=6.5,
            ha=ha,
            va=va,
            style="italic",
            color="#333333",
            zorder=7,
            path_effects=_HALO,
        )
        labels.append(t)
    return labels


def _label_links(
    fig: Figure,
    ax: Axes,
    segs: Sequence[_Seg],
    ext: Extent,
    obstacles: Sequence[Text],
    limit: int,
) -> list[Annotation]:
    """Label up to ``limit`` links (in the given order) where the label overlaps no other label.

    Each label is tried at a few points along the visible part of its link (middle first); a
    label that fits nowhere is left out, and the next link is tried.
    """
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    taken = [t.get_window_extent(renderer) for t in obstacles]
    placed: list[Annotation] = []
    for s in segs:
        if len(placed) >= limit:
            break
        p, q = s.p, s.q
        if not _inside(p, ext):
            p, q = q, p
        if not _inside(p, ext):
            continue
        if not _inside(q, ext):
            q = _exit_point(p, q, ext) or p
        dark = {INCREASE_COLOR: "#0b5d24", DECREASE_COLOR: "#a50f15"}.get(s.color, "#222222")
        ann = ax.annotate(
            s.label,
            p,
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color=dark,
            zorder=7,
            path_effects=_HALO,
        )
        for f in (0.5, 0.35, 0.65, 0.2, 0.8):
            ann.xy = (p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]))
            bb = ann.get_window_extent(renderer)
            if not any(bb.overlaps(o) for o in taken):
                taken.append(bb)
                placed.append(ann)
                break
        else:
            ann.remove()
    return placed


def _width_handles(vmax: float, color: str, sign: str = "") -> list[Line2D]:
    if vmax <= 0:
        return []
    refs = sorted({nice(vmax), nice(vmax / 4)}, reverse=True)
    return [
        Line2D(
            [],
            [],
            color=color,
            linewidth=W_MIN + (W_MAX - W_MIN) * r / vmax,
            solid_capstyle="butt",
            label=f"{sign}{fmt_tonnes(r)}/yr",
        )
        for r in refs
    ]


def _place_handles() -> list[Line2D]:
    return [
        Line2D([], [], marker="o", color="black", linestyle="", markersize=5, label="zone"),
        Line2D(
            [],
            [],
            marker="o",
            markerfacecolor="white",
            markeredgecolor="black",
            linestyle="",
            markersize=4.5,
            label="terminal, port, junction",
        ),
    ]


def _legend(ax: Axes, handles: Sequence[Line2D]) -> None:
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize=8,
        frameon=False,
    )


def map_format(out: str | os.PathLike[str]) -> str:
    """The format of a map file by its suffix (``png``, ``svg`` or ``pdf``).

    Raises
    ------
    DataError
        If the suffix is none of :data:`FORMATS`.
    """
    fmt = FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise DataError(
            [Problem(str(out), None, "--out", "a map is written as .png, .svg or .pdf")]
        )
    return fmt


def _savefig(fig: Figure, out: str | os.PathLike[str]) -> Path:
    fmt = map_format(out)
    buf = BytesIO()
    meta: dict[str, Any] = {"Software": None} if fmt == "png" else {"Creator": None}
    if fmt == "svg":
        meta = {"Date": None}
    elif fmt == "pdf":
        meta = {"CreationDate": None, "Producer": None, "Creator": None}
    # SVG keeps its text as text (searchable, editable in a report); PDF embeds TrueType fonts
    with rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buf, format=fmt, metadata=meta)
    return write_atomic(out, buf.getvalue())


def _basemap_features() -> list[dict[str, Any]]:
    if not BASEMAP_FILE.is_file():
        return []
    feats: list[dict[str, Any]] = json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))["features"]
    return feats


def _lines(geom: Mapping[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "LineString":
        return [geom["coordinates"]]
    if geom["type"] == "MultiLineString":
        return list(geom["coordinates"])
    return []


def draw_basemap(ax: Axes) -> list[Line2D]:
    """Draw the shipped basemap (rivers, provincial boundaries) under the links.

    Returns
    -------
    list of Line2D
        The lines drawn; each has the gid ``basemap:river`` or ``basemap:province``.
    """
    drawn: list[Line2D] = []
    for f in _basemap_features():
        layer = f["properties"]["layer"]
        style: dict[str, Any] = (
            {"color": RIVER_COLOR, "linewidth": 2.2, "zorder": 1}
            if layer == "river"
            else {"color": PROVINCE_COLOR, "linewidth": 0.8, "linestyle": (0, (5, 2, 1, 2)),
                  "zorder": 1}
        )  # fmt: skip
        for part in _lines(f["geometry"]):
            (ln,) = ax.plot([x for x, _ in part], [y for _, y in part], **style)
            ln.set_gid(f"basemap:{layer}")
            drawn.append(ln)
    return drawn


def draw_scale_bar(ax: Axes, ext: Extent, coslat: float) -> float:
    """A scale bar in the lower left corner; returns its length (km)."""
    km_per_deg = 111.32 * coslat
    width_km = (ext[1] - ext[0]) * km_per_deg
    km = nice(width_km / 5)
    x0 = ext[0] + 0.04 * (ext[1] - ext[0])
    y0 = ext[2] + 0.04 * (ext[3] - ext[2])
    dx = km / km_per_deg
    (bar,) = ax.plot([x0, x0 + dx], [y0, y0], color="black", linewidth=3, solid_capstyle="butt",
                     zorder=8)  # fmt: skip
    bar.set_gid("scale-bar")
    ax.text(x0 + dx / 2, y0 + 0.012 * (ext[3] - ext[2]), f"{km:g} km", ha="center",
            va="bottom", fontsize=7.5, zorder=8, path_effects=_HALO)  # fmt: skip
    return km


def _basemap_handles() -> list[Line2D]:
    layers = {f["properties"]["layer"] for f in _basemap_features()}
    out = []
    if "river" in layers:
        out.append(
            Line2D(
                [],
                [],
                color=RIVER_COLOR,
                linewidth=2.2,
                label="rivers (Natural Earth)",
            )
        )
    if "province" in layers:
        out.append(Line2D([], [], color=PROVINCE_COLOR, linewidth=0.8,
                          linestyle=(0, (5, 2, 1, 2)), label="provincial boundary"))  # fmt: skip
    return out


def _title(ax: Axes, fig: Figure, title: str, sub: str) -> None:
    """Title and subtitle over the map, wrapped so that no line is clipped: a line is centred on
    the map frame, so it may be twice as wide as the frame's centre is from the figure's left
    edge (about 9 characters of 11 pt per inch)."""
    box = ax.get_position()
    centre_in = (box.x0 + box.width / 2) * fig.get_figwidth()
    right_in = fig.get_figwidth() - centre_in
    width = max(40, int(2 * min(centre_in, right_in) * 9))
    ax.set_title(
        textwrap.fill(title, width) + "\n" + textwrap.fill(sub, int(width * 1.1)),
        fontsize=11,
        pad=10,
    )


def _scenario_label(entry: Any, default: str) -> str:
    if not isinstance(entry, Mapping):
        return default
    sid = str(entry.get("id") or default)
    title = str(entry.get("title") or "")
    # the default fonts have no Chinese glyphs: show non-ASCII titles by id only
    return f"{sid} ({title})" if title and title.isascii() else sid


def _segments(features: Sequence[Mapping[str, Any]], compare: bool) -> list[_Seg]:
    segs: list[_Seg] = []
    for f in features:
        pr = f["properties"]
        coords = f["geometry"]["coordinates"]
        (x0, y0), (x1, y1) = coords[0], coords[-1]
        if compare:
            d = pr.get("flow_t_delta_total") or 0.0
            tol = 0.5
            color = INCREASE_COLOR if d > tol else DECREASE_COLOR if d < -tol else UNCHANGED_COLOR
            value = abs(d) if abs(d) > tol else 0.0
            name = pr.get("name_forward") or pr.get("name_reverse") or pr["link"]
            label = f"{name} {'+' if d > 0 else '−'}{fmt_tonnes(abs(d))}"
        else:
            value = max(pr.get("flow_t_total") or 0.0, 0.0)
            color = MODE_COLORS.get(str(pr["mode"]), "black")
            label = ""
        segs.append(
            _Seg(
                link=str(pr["link"]),
                mode=str(pr["mode"]),
                a=str(pr["from"]),
                b=str(pr["to"]),
                p=(float(x0), float(y0)),
                q=(float(x1), float(y1)),
                value=value,
                color=color,
                dashed=value <= 0 and not compare,
                label=label,
                line=tuple((float(x), float(y)) for x, y in coords) if len(coords) > 2 else (),
            )
        )
    return segs


def _footer(fig: Figure, ext: Extent | None, what: str = "tonnes per year") -> None:
    note = (
        "Water links follow the Yangtze (Yibin–Fuling: © OpenStreetMap contributors, ODbL; "
        "downstream: Natural Earth 1:10m, public domain), other links are "
        f"straight lines between places; line width proportional to {what}"
    )
    if ext is not None:
        note += "; links to places outside the frame are cut at its edge (→ place)"
    fig.text(0.01, 0.01, textwrap.fill(note + ".", 150), fontsize=6.5, color="#555555")


# --------------------------------------------------------------------------- public


def _map_network(
    d: Path,
    net: Network | None,
    geometry: Mapping[str, Sequence[Sequence[float]]] | None,
) -> tuple[Network, Mapping[str, Sequence[Sequence[float]]]]:
    """The network and link geometry a map of folder ``d`` draws: the given ones, else the
    folder's network and its ``geometry.geojson`` (no geometry for a network given by the caller)."""
    network = net if net is not None else network_for_result(d)
    if geometry is None:
        geometry = result_geometry(d) if net is None else {}
    return network, geometry


def _draw_map(
    extent: Extent | None, network: Network, segs: Sequence[_Seg]
) -> tuple[Figure, Axes, Extent, float]:
    """The frame, basemap, scale bar and links of a map; the figure, axes, frame and the
    largest link value (for the width legend)."""
    ext = _frame(extent, network, segs)
    fig, ax, coslat = _new_map(ext)
    draw_basemap(ax)
    draw_scale_bar(ax, ext, coslat)
    _, vmax = _draw_links(fig, ax, segs, coslat)
    return fig, ax, ext, vmax


def _draw_context(
    ax: Axes, network: Network, ext: Extent, segs: Sequence[_Seg], extent: Extent | None
) -> list[Text]:
    """Place markers and names, and the exits of links leaving the frame; their labels."""
    names = {p.id: p.name for p in network.places if p.name}
    exit_labels = _draw_exits(ax, segs, ext, names) if extent is not None else []
    used = {s.a for s in segs} | {s.b for s in segs}
    place_labels = _draw_places(ax, network, ext, used, avoid=exit_labels)
    return [*place_labels, *exit_labels]


def plot_result(
    result_dir: str | os.PathLike[str],
    out_png: str | os.PathLike[str],
    *,
    net: Network | None = None,
    extent: Extent | None = DEFAULT_EXTENT,
    geometry: Mapping[str, Sequence[Sequence[float]]] | None = None,
) -> Path:
    """Map of a run's link flows: width by tonnes (both directions), colour by mode.

    Parameters
    ----------
    result_dir
        Folder written by ``freight run`` (``link_flows.csv``, ``manifest.json``).
    out_png
        The PNG file to (re)write.
    net
        The network for the coordinates; default :func:`freight.maps.geo.network_for_result`.
    extent
        Map frame (lon_min, lon_max, lat_min, lat_max) in degrees; ``None`` fits every place.
    geometry
        Link id -> vertices (lon, lat); default the network's ``geometry.geojson`` when
        ``net`` is not given (none otherwise).

    Returns
    -------
    Path
        ``out_png``.
    """
    _check_extent(extent)
    d = Path(result_dir)
    network, geometry = _map_network(d, net, geometry)
    fc = links_geojson(network, read_csv(d / "link_flows.csv"), geometry=geometry)
    segs = _segments(fc["features"], compare=False)
    fig, ax, ext, vmax = _draw_map(extent, network, segs)
    _draw_context(ax, network, ext, segs, extent)

    meta = read_manifest(d)
    who = _scenario_label(meta.get("scenario"), "base")
    title = f"Freight flows by link — {who}"
    if network.name:
        title += f", network {network.name}"
    sub = "tonnes per year, both directions"
    kpis = read_csv(d / "kpis.csv") if (d / "kpis.csv").is_file() else []
    kpi = {r["metric"]: r["value"] for r in kpis}
    if kpi.get("served") and kpi.get("unserved") is not None:
        sub += (
            f"; served {fmt_tonnes(float(kpi['served']))}/yr, "
            f"unserved {fmt_tonnes(float(kpi['unserved'] or 0))}/yr"
        )
    _title(ax, fig, title, sub)

    present = {s.mode for s in segs}
    handles = [
        Line2D([], [], color=MODE_COLORS[m], linewidth=4, label=m) for m in MODES if m in present
    ]
    handles += _width_handles(vmax, "#555555")
    handles.append(
        Line2D(
            [],
            [],
            color="#555555",
            linewidth=W_ZERO,
            linestyle=(0, (4, 3)),
            label="no flow",
        )
    )
    handles += _place_handles() + _basemap_handles()
    _legend(ax, handles)
    _footer(fig, extent)
    return _savefig(fig, out_png)


def plot_comparison(
    compare_dir: str | os.PathLike[str],
    out_png: str | os.PathLike[str],
    net: Network | None = None,
    *,
    extent: Extent | None = DEFAULT_EXTENT,
    label_top: int = 8,
    geometry: Mapping[str, Sequence[Sequence[float]]] | None = None,
) -> Path:
    """Map of a comparison's link flow changes: width by |change|, green up, red down.

    The change of a link is the sum over both directions of ``flow_t_delta`` (scenario minus
    base, tonnes per year; positive = more freight on the link in the scenario).

    Parameters
    ----------
    compare_dir
        Folder written by ``freight compare`` (``link_changes.csv``, ``manifest.json``).
    out_png
        The PNG file to (re)write.
    net
        The network for the coordinates; default :func:`freight.maps.geo.network_for_result` (both
        sides' places and links).
    extent
        Map frame (lon_min, lon_max, lat_min, lat_max) in degrees; ``None`` fits every place.
    label_top
        Label this many links with the largest changes (inside the frame) by id and change.
    geometry
        Link id -> vertices (lon, lat); default the network's ``geometry.geojson`` when
        ``net`` is not given (none otherwise).

    Returns
    -------
    Path
        ``out_png``.
    """
    _check_extent(extent)
    d = Path(compare_dir)
    network, geometry = _map_network(d, net, geometry)
    fc = links_geojson(network, read_csv(d / "link_changes.csv"), geometry=geometry)
    segs = _segments(fc["features"], compare=True)
    fig, ax, ext, vmax = _draw_map(extent, network, segs)
    labels = _draw_context(ax, network, ext, segs, extent)

    shown = [s for s in segs if s.value > 0]
    shown.sort(key=lambda s: (-s.value, s.link))
    _label_links(fig, ax, shown, ext, labels, label_top)
    meta = read_manifest(d)
    base: Mapping[str, Any] = meta["base"] if isinstance(meta.get("base"), Mapping) else {}
    scen: Mapping[str, Any] = meta["scenario"] if isinstance(meta.get("scenario"), Mapping) else {}
    b = _scenario_label(base.get("scenario"), str(base.get("path", "base")))
    s_ = _scenario_label(scen.get("scenario"), str(scen.get("path", "scenario")))
    _title(
        ax, fig, f"Change in link flows — {s_} vs {b}",
        "scenario minus base, tonnes per year, both directions",
    )  # fmt: skip
    handles = [
        Line2D([], [], color=INCREASE_COLOR, linewidth=4, label="more freight"),
        Line2D([], [], color=DECREASE_COLOR, linewidth=4, label="less freight"),
        Line2D([], [], color=UNCHANGED_COLOR, linewidth=W_ZERO * 2, label="no change"),
    ]
    handles += _width_handles(vmax, "#555555", "±")
    handles += _place_handles() + _basemap_handles()
    _legend(ax, handles)
    _footer(fig, extent, "the change in tonnes per year")
    return _savefig(fig, out_png)


def plot_criticality(
    crit_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    net: Network | None = None,
    *,
    extent: Extent | None = DEFAULT_EXTENT,
    label_top: int = 8,
    geometry: Mapping[str, Sequence[Sequence[float]]] | None = None,
) -> Path:
    """Map of a criticality folder: each link's width and colour by the extra generalized cost
    of closing it (CNY/yr, ``extra_cost_cny`` of ``criticality.csv``); closed terminals as
    circles sized by theirs. The ``label_top`` most critical links are labelled.

    Parameters
    ----------
    crit_dir
        Folder written by ``freight criticality``.
    out
        The map file to (re)write (``.png``, ``.svg`` or ``.pdf``).
    net
        The network; default :func:`freight.maps.geo.network_for_result`.
    extent
        Map frame; ``None`` fits every place.
    label_top
        Number of links labelled with their extra cost.
    geometry
        Link id -> vertices (lon, lat); default the network's ``geometry.geojson`` when
        ``net`` is not given (none otherwise).

    Returns
    -------
    Path
        ``out``.
    """
    _check_extent(extent)
    map_format(out)
    d = Path(crit_dir)
    network, geometry = _map_network(d, net, geometry)
    rows = read_csv(d / "criticality.csv")
    pl = network.place_by_id
    cost: dict[str, float] = {}
    for r in rows:
        v = r.get("extra_cost_cny") or ""
        cost[r["element"]] = max(float(v), 0.0) if v else 0.0
    segs: list[_Seg] = []
    for lk in network.links:
        if lk.from_ not in pl or lk.to not in pl:
            continue
        a, b = pl[lk.from_], pl[lk.to]
        value = cost.get(lk.id, 0.0)
        shape_ = geometry.get(lk.id)
        segs.append(
            _Seg(
                link=lk.id, mode=lk.mode, a=lk.from_, b=lk.to, p=(a.lon, a.lat), q=(b.lon, b.lat),
                value=value, color="#b30000" if value > 0 else UNCHANGED_COLOR, dashed=False,
                label=f"{a.name}–{b.name} {value / 1e6:,.1f} M CNY/yr",
                line=tuple((float(x), float(y)) for x, y in shape_) if shape_ else (),
            )
        )  # fmt: skip
    fig, ax, ext, vmax = _draw_map(extent, network, segs)
    terms = [r for r in rows if r.get("kind") == "terminal" and cost.get(r["element"], 0.0) > 0]
    tmax = max((cost[r["element"]] for r in terms), default=0.0)
    for r in terms:
        place = pl.get(r.get("from", ""))
        if place is None or tmax <= 0:
            continue
        ax.scatter([place.lon], [place.lat], s=30 + 400 * cost[r["element"]] / tmax,
                   facecolors="none", edgecolors="#b30000", linewidths=1.2, zorder=4)  # fmt: skip
    labels = _draw_context(ax, network, ext, segs, extent)
    shown = sorted((s for s in segs if s.value > 0), key=lambda s: (-s.value, s.link))
    _label_links(fig, ax, shown, ext, labels, label_top)
    meta = read_manifest(d)
    src = meta.get("source")
    who = _scenario_label(meta.get("scenario"), Path(str(src)).stem if src else "base")
    only = f" ({meta['only']} only)" if meta.get("only") else ""
    verb = "closing" if not meta.get("factor") else f"derating to {float(meta['factor']):.0%}"
    _title(
        ax, fig, f"Criticality — extra cost of {verb} each element{only}, {who}",
        "generalized cost plus unserved penalty with the element closed, minus the base "
        "(CNY per year)",
    )  # fmt: skip
    handles = [
        Line2D([], [], color="#b30000", linewidth=4, label="extra cost when closed"),
        Line2D([], [], color=UNCHANGED_COLOR, linewidth=W_ZERO * 2, label="no extra cost"),
    ]
    if vmax > 0:
        for ref in sorted({nice(vmax), nice(vmax / 4)}, reverse=True):
            handles.append(
                Line2D([], [], color="#b30000", linewidth=W_MIN + (W_MAX - W_MIN) * ref / vmax,
                       solid_capstyle="butt", label=f"{ref / 1e6:,.0f} M CNY/yr")
            )  # fmt: skip
    if terms:
        handles.append(
            Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#b30000",
                   linestyle="", markersize=8, label="terminal (size: extra cost)")
        )  # fmt: skip
    handles += _place_handles() + _basemap_handles()
    _legend(ax, handles)
    _footer(fig, extent, "the extra cost in CNY per year")
    return _savefig(fig, out)


def criticality_source(crit_dir: str | os.PathLike[str]) -> Path | None:
    """The network or scenario a criticality folder was computed on: its manifest's ``source``
    when that path exists (relative paths are taken from the working folder), else ``None``."""
    src = read_manifest(crit_dir).get("source")
    if isinstance(src, str) and src and Path(src).exists():
        return Path(src)
    return None


def plot_folder(
    result_dir: str | os.PathLike[str],
    out_png: str | os.PathLike[str] | None = None,
    *,
    geojson: str | os.PathLike[str] | None = None,
    data: str | os.PathLike[str] | None = None,
    extent: Extent | None = DEFAULT_EXTENT,
) -> list[Path]:
    """Map (and optionally GeoJSON) of a run, comparison or criticality folder.

    Parameters
    ----------
    result_dir
        Folder written by ``freight run``, ``compare`` or ``criticality`` (told apart by the
        verified manifest's ``command``).
    out_png
        The map to write (``.png``, ``.svg`` or ``.pdf``); default ``map.png`` inside
        ``result_dir``.
    geojson
        Also write the links as GeoJSON to this file (runs and comparisons).
    data
        Network folder or scenario ``.toml`` for the coordinates, instead of the manifest's.
    extent
        Map frame; ``None`` fits every place.

    Returns
    -------
    list of Path
        The files written: the map, then the GeoJSON if asked for.

    Raises
    ------
    DataError
        If the folder is missing, damaged or of another command, or the suffix is not a map's.
    """
    d = Path(result_dir)
    kind = folder_kind(d)
    png = Path(out_png) if out_png is not None else d / "map.png"
    map_format(png)
    if data is None and kind == "criticality":
        data = criticality_source(d)
    net = network_for_result(d, data=data)
    geometry = result_geometry(d, data=data)
    if kind == "criticality":
        written = [plot_criticality(d, png, net, extent=extent, geometry=geometry)]
    elif kind == "compare":
        written = [plot_comparison(d, png, net, extent=extent, geometry=geometry)]
    else:
        written = [plot_result(d, png, net=net, extent=extent, geometry=geometry)]
    if geojson is not None:
        if kind == "criticality":
            raise DataError(
                [Problem(str(d), None, "--geojson", "a criticality folder has no flows")]
            )
        written.append(write_geojson(d, geojson, net=net))
    return written


__all__ = [
    "DEFAULT_EXTENT",
    "MODE_COLORS",
    "Extent",
    "fmt_tonnes",
    "nice",
    "draw_basemap",
    "draw_scale_bar",
    "map_format",
    "plot_comparison",
    "plot_criticality",
    "plot_folder",
    "plot_result",
]
