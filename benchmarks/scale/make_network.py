"""Valid synthetic networks at k × the regional size, in freight's own CSV format.

The regional network (network_data/chuannan_yuxi) is copied ``k`` times as *tiles*: every id gets
the suffix ``_T<i>``, coordinates are shifted 3° east per tile column and 2° north per tile row
(a square-ish grid of tiles), demand rows are copied with their tile. Tiles are joined into one
network: between horizontally and vertically adjacent tiles, an expressway and a railway join the
Chongqing node of one tile to the Chengdu node of the next (length from the shifted coordinates ×
1.25, the regional mode defaults), and 5 % of each tile's demand rows also go to the same
destination in the tile to its right (a tenth of the row's tonnes: longer-distance flows). The result passes
``freight validate`` (ids unique, every OD reachable).

At k = 100: 4,500 places, about 9,900 links, 4,800 terminals and about 135,000 demand rows.

Usage::

    python benchmarks/scale/make_network.py K OUT_FOLDER
"""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "network_data" / "chuannan_yuxi"

ID_COLUMNS = {
    "places.csv": ("id",),
    "links.csv": ("id", "from", "to"),
    "terminals.csv": ("id", "place"),
    "demand.csv": ("origin", "destination"),
}
DX, DY = 3.0, 2.0
CROSS_SHARE = 0.05


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (REGION / name).open(encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _km(a: dict[str, str], b: dict[str, str]) -> float:
    lat = math.radians((float(a["lat"]) + float(b["lat"])) / 2)
    dx = (float(a["lon"]) - float(b["lon"])) * 111.3 * math.cos(lat)
    dy = (float(a["lat"]) - float(b["lat"])) * 111.3
    return math.hypot(dx, dy)


def make(k: int, out: Path) -> dict[str, int]:
    """Write a network of ``k`` tiles to ``out``; the counts of its tables."""
    out.mkdir(parents=True, exist_ok=True)
    cols = max(1, math.ceil(math.sqrt(k)))
    counts: dict[str, int] = {}
    tiles = [(i, i % cols, i // cols) for i in range(k)]
    suffix = [f"_T{i}" for i in range(k)]
    for name in ("modes.csv", "commodities.csv"):
        header, rows = _read(name)
        _write(out / name, header, rows)
        counts[name] = len(rows)
    header, places = _read("places.csv")
    all_places: list[dict[str, str]] = []
    by_tile: list[dict[str, dict[str, str]]] = []
    for i, cx, cy in tiles:
        tile = {}
        for r in places:
            c = dict(r, id=r["id"] + suffix[i])
            c["lon"] = f"{float(r['lon']) + DX * cx:.3f}"
            c["lat"] = f"{float(r['lat']) + DY * cy:.3f}"
            tile[r["id"]] = c
            all_places.append(c)
        by_tile.append(tile)
    _write(out / "places.csv", header, all_places)
    counts["places.csv"] = len(all_places)
    for name in ("links.csv", "terminals.csv"):
        header, rows = _read(name)
        copied = [
            {c: (v + suffix[i] if c in ID_COLUMNS[name] and v else v) for c, v in r.items()}
            for i, _, _ in tiles
            for r in rows
        ]
        if name == "links.csv":
            template = {c: "" for c in header}
            for i, cx, cy in tiles:
                for j, dx, dy in tiles:
                    if (dx - cx, dy - cy) not in ((1, 0), (0, 1)):
                        continue
                    a, b = by_tile[i]["CQ"], by_tile[j]["CD"]
                    km = f"{1.25 * _km(a, b):.1f}"
                    for mode, lid in (("road", "E"), ("rail", "R")):
                        copied.append(
                            dict(
                                template, id=f"{lid}_X{i}_{j}", **{"from": a["id"]}, to=b["id"],
                                mode=mode, line=f"synthetic tile link {i}-{j}", length_km=km,
                                source="assumption: synthetic benchmark link between tiles",
                            )
                        )  # fmt: skip
        _write(out / name, header, copied)
        counts[name] = len(copied)
    header, demand = _read("demand.csv")
    rows = []
    step = max(1, round(1 / CROSS_SHARE))
    for i, _, _ in tiles:
        for n, r in enumerate(demand):
            rows.append(
                dict(r, origin=r["origin"] + suffix[i], destination=r["destination"] + suffix[i])
            )
            right = i + 1 if (i + 1) % cols and i + 1 < k else None
            if right is not None and n % step == 0:
                j = right
                if r["origin"] != r["destination"]:
                    rows.append(
                        dict(r, origin=r["origin"] + suffix[i],
                             destination=r["destination"] + suffix[j],
                             tonnes=f"{float(r['tonnes']) * 0.1:.0f}")
                    )  # fmt: skip
    _write(out / "demand.csv", header, rows)
    counts["demand.csv"] = len(rows)
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: make_network.py K OUT_FOLDER\n")
        raise SystemExit(2)
    for name, n in make(int(sys.argv[1]), Path(sys.argv[2])).items():
        sys.stdout.write(f"{name}: {n}\n")
