"""Deterministic base-year freight demand for the Chuannan–Yuxi network (``demand.csv``).

Method (``freightdemandgen v1``)
--------------------------------
A segmented gravity model, seeded by the regional figures of network_data/chuannan_yuxi/SOURCES.md (S-numbers there):

1. **Commodity totals** (§7.2): tonnes per year of each commodity group that cross a zone
   boundary and touch the plan area (origin or destination in one of its eleven zones). Ranges in
   §7.2 (baijiu, batteries, auto parts, chemicals, coal, grain, cold chain) fix the small groups;
   building materials and general cargo take the rest of the regional tonnage (§7.1).
2. **Segment split** (§7.3): each commodity's total is split over segments: ``R`` inside the
   plan area (zone to another zone), ``Co``/``Ci`` to/from the two cores (Chengdu, Chongqing
   core), ``Eo``/``Ei`` east by the Yangtze corridor (Wuhan, Nanjing, Shanghai), ``Bo``/``Bi``
   the Beibu Gulf (Qinzhou), ``Xo``/``Xi`` the CR Express (Alashankou), ``Yo``/``Yi`` Yunnan and
   Guizhou (Guiyang, Kunming, Bijie).
3. **Distribution inside a segment**. Outbound and internal segments are *production-constrained*:
   each plan-area zone ships its production share ``w_i`` of the segment total; the share going
   to destination ``j`` is ``A_j f(d_ij) / sum_j' A_j' f(d_ij')`` with attraction ``A_j``
   (consumption weight inside the plan area, economic mass for the cores) and deterrence
   ``f(d) = exp(-d / L_k)``, ``d`` = straight-line km × 1.2, ``L_k`` a commodity length scale.
   Inbound segments are *attraction-constrained* in the same way (each zone receives its
   consumption share). Gateway segments (east, Beibu, CR Express, Yunnan–Guizhou) split by fixed
   gateway weights without distance decay (the long haul dwarfs the distance differences).
4. **Through corridor**: Chengdu ↔ Chongqing-core freight (which loads the Chengyu corridor through
   the plan area) is added as its own segment ``T``; it is not counted in the plan-area shares.
5. **Tidy-up**: inside every block (segment × commodity) cells below ``max(MIN_ROW_T,
   MIN_ROW_SHARE × block)`` are dropped and the block rescaled to its total; tonnes are rounded
   to whole tonnes by the largest-remainder method so that every block keeps its exact total.

Intra-zonal trips (most sand and gravel) are not in the table: the generated regional total is
reported as the plan area's outbound inter-zonal tonnes divided by ``INTERZONAL_SHARE``.

Everything is deterministic: no random numbers, fixed iteration orders, rows sorted by
(origin, destination, commodity). ``python -m tools.demandgen network_data/chuannan_yuxi``
rewrites ``demand.csv`` byte for byte and reports the checks against the fact-sheet targets.

Units: tonnes per year, km; base year 2023.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from freight.data.csvio import read_table
from freight.data.schema import TABLE_BY_NAME, Commodity, Place
from freight.errors import DataError, Problem

VERSION = "freightdemandgen v1"
"""Name and version written into every row's ``source``."""

BASE_YEAR = 2023
"""Year the generated tonnes refer to."""

DETOUR = 1.2
"""Straight line to network distance factor used in the deterrence function (assumption, SOURCES.md)."""

INTERZONAL_SHARE = 0.35
"""Share of the tonnes loaded in the plan area that leave their own zone (assumption).

Reasoning: ~45% of road tonnes are sand, gravel and building materials moved within a prefecture
(§7.2, ~10% of them leave it); about half of the other road tonnes and nearly all rail and water
tonnes cross a zone boundary (zones are whole prefectures or districts): 0.85 × (0.45 × 0.1 +
0.55 × 0.5) + 0.14 × 0.9 ≈ 0.40, lowered to 0.35 for short collection trips inside the zones.
"""

MIN_ROW_T = 3000.0
"""Cells below this many tonnes per year are dropped (their block is rescaled)."""

MIN_ROW_SHARE = 0.005
"""Cells below this share of their block are dropped (their block is rescaled)."""

REGION: tuple[str, ...] = ("ZG", "LZ", "NJ", "YB", "JJ", "YC", "QJ", "WS", "DZ", "TL", "RC")
"""The plan area's zones (川府发〔2023〕9号, S1): four cities and seven Chongqing districts/zones."""

GDP_2023: Mapping[str, float] = {
    "YB": 3800.0,
    "LZ": 2700.0,
    "ZG": 1750.0,
    "NJ": 1750.0,
    "JJ": 1350.0,
    "YC": 1300.0,
    "QJ": 600.0,
    "WS": 300.0,
    "DZ": 900.0,
    "RC": 850.0,
    "TL": 750.0,
}
"""Approximate 2023 GDP, 亿 CNY (assumption: public statistics, unverified); Qijiang's 900 split 2:1 with
Wansheng (assumption)."""

GROUPS: Mapping[str, Mapping[str, float]] = {
    "cores": {"CD": 22000.0, "CQ": 16000.0},
    "east": {"WH": 0.25, "NJG": 0.25, "SH": 0.5},
    "beibu": {"QZP": 1.0},
    "crexpress": {"ALS": 1.0},
    "yungui": {"GY": 0.5, "KM": 0.35, "BJ": 0.15},
}
"""Outside zones by group with default weights. Cores: economic mass (2023 GDP, 亿 CNY,
assumption: Chengdu ~2.2万亿; Chongqing's central districts ~1.6万亿). Gateways: shares."""

SEGMENTS: Mapping[str, tuple[str, str]] = {
    "R": ("region", "intra"),
    "Co": ("cores", "out"),
    "Ci": ("cores", "in"),
    "Eo": ("east", "out"),
    "Ei": ("east", "in"),
    "Bo": ("beibu", "out"),
    "Bi": ("beibu", "in"),
    "Xo": ("crexpress", "out"),
    "Xi": ("crexpress", "in"),
    "Yo": ("yungui", "out"),
    "Yi": ("yungui", "in"),
}
"""Segment code -> (zone group, direction seen from the plan area)."""

SEGMENT_TEXT: Mapping[str, str] = {
    "R": "inside the plan area",
    "Co": "plan area to the cores",
    "Ci": "cores to the plan area",
    "Eo": "plan area to Wuhan/Nanjing/Shanghai",
    "Ei": "Wuhan/Nanjing/Shanghai to the plan area",
    "Bo": "plan area to the Beibu Gulf",
    "Bi": "Beibu Gulf to the plan area",
    "Xo": "plan area to the CR Express exit",
    "Xi": "CR Express exit to the plan area",
    "Yo": "plan area to Yunnan/Guizhou",
    "Yi": "Yunnan/Guizhou to the plan area",
}

PATTERN: Mapping[str, tuple[str, ...]] = {
    "intra_and_cores": ("R", "Co", "Ci"),
    "east_yangtze": ("Eo", "Ei"),
    "beibu_gulf": ("Bo", "Bi"),
    "cr_express": ("Xo", "Xi"),
    "yunnan_guizhou": ("Yo", "Yi"),
}
"""§7.3 categories as groups of segments."""

PATTERN_TARGETS: Mapping[str, tuple[float, float]] = {
    "intra_and_cores": (0.70, 0.80),
    "east_yangtze": (0.08, 0.10),
    "beibu_gulf": (0.02, 0.04),
    "cr_express": (0.0, 0.01),
    "yunnan_guizhou": (0.05, 0.08),
}
"""§7.3 target shares of the tonnes touching the plan area (Yunnan/Guizhou both directions)."""

GENERATED_TARGET_T: tuple[float, float] = (550e6, 650e6)
"""§7.1 regional freight generated, tonnes per year."""

THROUGH_T = 12.0e6
"""Chengdu -> Chongqing core and back, tonnes per year each way (assumption: about a fifth of
the plan area's own exchange with the two cores; the Chengyu expressway and railway carry it
through Neijiang, Longchang, Rongchang and Yongchuan)."""

THROUGH_MIX: Mapping[str, float] = {
    "general_containers": 0.55,
    "auto_parts": 0.15,
    "building_materials": 0.10,
    "bulk_coal_minerals": 0.05,
    "chemicals": 0.05,
    "cold_chain_meat_fruit": 0.04,
    "electronics": 0.03,
    "batteries": 0.01,
    "baijiu": 0.01,
    "grain": 0.01,
}
"""Commodity mix of the Chengdu <-> Chongqing through flow (assumption: manufacturing-led)."""


@dataclass(frozen=True)
class CommoditySpec:
    """Seeding of one commodity group.

    Attributes
    ----------
    total_t
        Inter-zonal tonnes per year touching the plan area.
    split
        Segment code -> share of ``total_t`` (shares sum to 1).
    decay_km
        Length scale ``L`` of the deterrence ``exp(-d / L)``, km.
    seed
        What seeded the numbers (written into ``source``).
    prod, cons
        Production / consumption weights over plan-area zones; empty = GDP.
    gateways
        Segment code -> gateway weights overriding ``GROUPS`` for that segment.
    """

    total_t: float
    split: Mapping[str, float]
    decay_km: float
    seed: str
    prod: Mapping[str, float] = field(default_factory=dict)
    cons: Mapping[str, float] = field(default_factory=dict)
    gateways: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


SPECS: Mapping[str, CommoditySpec] = {
    "building_materials": CommoditySpec(
        total_t=95e6,
        split={"R": 0.72, "Co": 0.18, "Ci": 0.07, "Eo": 0.01, "Bo": 0.01, "Yo": 0.008, "Yi": 0.002},
        decay_km=40.0,
        seed="§7.1/§7.2 largest tonnage, short trips (S35b); assumption 95 Mt/yr; GDP weights",
    ),
    "general_containers": CommoditySpec(
        total_t=125e6,
        split={
            "R": 0.344,
            "Co": 0.22,
            "Ci": 0.19,
            "Eo": 0.075,
            "Ei": 0.065,
            "Bo": 0.03,
            "Bi": 0.018,
            "Xo": 0.006,
            "Xi": 0.004,
            "Yo": 0.024,
            "Yi": 0.024,
        },
        decay_km=80.0,
        seed="§7.1 total less the named groups, §7.2 containers (S34/S37); assumption 125 Mt/yr; "
        "GDP weights",
    ),
    "bulk_coal_minerals": CommoditySpec(
        total_t=24e6,
        split={"R": 0.33, "Co": 0.06, "Ci": 0.03, "Ei": 0.04, "Bi": 0.06, "Yo": 0.03, "Yi": 0.45},
        decay_km=100.0,
        seed="§7.2 coal 15-25 Mt/yr Bijie/Gulin/Qijiang -> power plants (S8/S46); assumption "
        "24 Mt/yr; plant and mine weights",
        prod={
            "LZ": 0.30,
            "QJ": 0.15,
            "WS": 0.15,
            "YB": 0.15,
            "ZG": 0.15,
            "NJ": 0.05,
            "JJ": 0.01,
            "YC": 0.01,
            "DZ": 0.01,
            "RC": 0.01,
            "TL": 0.01,
        },
        cons={
            "JJ": 0.25,
            "YB": 0.20,
            "LZ": 0.15,
            "NJ": 0.10,
            "ZG": 0.08,
            "YC": 0.06,
            "RC": 0.04,
            "DZ": 0.04,
            "TL": 0.04,
            "QJ": 0.02,
            "WS": 0.02,
        },
        gateways={"Yi": {"BJ": 0.70, "GY": 0.15, "KM": 0.15}, "Ei": {"NJG": 0.5, "SH": 0.5}},
    ),
    "chemicals": CommoditySpec(
        total_t=10e6,
        split={
            "R": 0.20,
            "Co": 0.20,
            "Ci": 0.08,
            "Eo": 0.30,
            "Ei": 0.08,
            "Bo": 0.04,
            "Bi": 0.01,
            "Yo": 0.04,
            "Yi": 0.05,
        },
        decay_km=150.0,
        seed="§7.2 chemicals 8-12 Mt/yr (S56); assumption 10 Mt/yr; cluster weights",
        prod={
            "ZG": 0.30,
            "LZ": 0.30,
            "YB": 0.25,
            "NJ": 0.05,
            "JJ": 0.05,
            "YC": 0.02,
            "TL": 0.01,
            "RC": 0.01,
            "QJ": 0.01,
        },
        gateways={"Eo": {"NJG": 0.4, "SH": 0.4, "WH": 0.2}},
    ),
    "auto_parts": CommoditySpec(
        total_t=7.5e6,
        split={
            "R": 0.15,
            "Co": 0.45,
            "Ci": 0.25,
            "Eo": 0.03,
            "Ei": 0.02,
            "Bo": 0.04,
            "Bi": 0.01,
            "Xo": 0.01,
            "Xi": 0.005,
            "Yo": 0.02,
            "Yi": 0.015,
        },
        decay_km=80.0,
        seed="§7.2 auto parts 5-10 Mt/yr (S22); assumption 7.5 Mt/yr; cluster weights",
        prod={
            "YC": 0.18,
            "JJ": 0.16,
            "DZ": 0.14,
            "TL": 0.10,
            "RC": 0.10,
            "YB": 0.10,
            "NJ": 0.08,
            "QJ": 0.08,
            "ZG": 0.03,
            "LZ": 0.03,
        },
        cons={
            "YB": 0.20,
            "YC": 0.15,
            "JJ": 0.15,
            "DZ": 0.10,
            "TL": 0.10,
            "RC": 0.10,
            "NJ": 0.10,
            "QJ": 0.05,
            "ZG": 0.025,
            "LZ": 0.025,
        },
    ),
    "baijiu": CommoditySpec(
        total_t=1.8e6,
        split={"R": 0.06, "Co": 0.34, "Eo": 0.40, "Bo": 0.02, "Xo": 0.02, "Yo": 0.16},
        decay_km=200.0,
        seed="§7.2 baijiu 0.8-1.0 Mt/yr Yibin + 0.7-1.0 Mt/yr Luzhou (S44); assumption "
        "0.925 + 0.875 Mt/yr",
        prod={"YB": 0.925, "LZ": 0.875},
    ),
    "grain": CommoditySpec(
        total_t=3.0e6,
        split={"R": 0.15, "Ci": 0.15, "Ei": 0.40, "Bi": 0.20, "Yi": 0.10},
        decay_km=100.0,
        seed="§7.2 grain 2-3 Mt/yr in via Luzhou (S35d); assumption 3 Mt/yr; distillery weights",
        prod={"LZ": 0.8, "YB": 0.2},
        cons={
            "LZ": 0.45,
            "YB": 0.35,
            "ZG": 0.04,
            "NJ": 0.04,
            "JJ": 0.03,
            "YC": 0.03,
            "RC": 0.02,
            "DZ": 0.02,
            "TL": 0.01,
            "QJ": 0.01,
        },
        gateways={"Ei": {"SH": 0.7, "NJG": 0.3}},
    ),
    "batteries": CommoditySpec(
        total_t=1.5e6,
        split={
            "R": 0.10,
            "Co": 0.30,
            "Ci": 0.05,
            "Eo": 0.20,
            "Ei": 0.05,
            "Bo": 0.04,
            "Bi": 0.05,
            "Xo": 0.06,
            "Yi": 0.15,
        },
        decay_km=150.0,
        seed="§7.2 batteries 1-2 Mt/yr (S55/S56); assumption 1.5 Mt/yr; Yibin/Zigong weights",
        prod={"YB": 0.75, "ZG": 0.15, "NJ": 0.05, "LZ": 0.05},
        cons={"YB": 0.8, "ZG": 0.2},
        gateways={"Yi": {"GY": 0.6, "KM": 0.3, "BJ": 0.1}},
    ),
    "cold_chain_meat_fruit": CommoditySpec(
        total_t=1.2e6,
        split={
            "R": 0.15,
            "Co": 0.45,
            "Ci": 0.10,
            "Eo": 0.05,
            "Bi": 0.12,
            "Xi": 0.03,
            "Yo": 0.05,
            "Yi": 0.05,
        },
        decay_km=120.0,
        seed="§7.2 cold chain ~1 Mt/yr, ASEAN fruit by ILSTC (S22); assumption 1.2 Mt/yr",
        prod={
            "RC": 0.30,
            "NJ": 0.20,
            "LZ": 0.15,
            "YB": 0.15,
            "JJ": 0.05,
            "YC": 0.05,
            "DZ": 0.05,
            "TL": 0.05,
        },
    ),
    "electronics": CommoditySpec(
        total_t=0.3e6,
        split={
            "R": 0.10,
            "Co": 0.25,
            "Ci": 0.15,
            "Eo": 0.20,
            "Ei": 0.10,
            "Bo": 0.05,
            "Xo": 0.10,
            "Xi": 0.05,
        },
        decay_km=200.0,
        seed="§7.2 electronics, low tonnage (S55); assumption 0.3 Mt/yr",
        prod={"YB": 0.6, "JJ": 0.1, "YC": 0.1, "LZ": 0.1, "ZG": 0.05, "NJ": 0.05},
    ),
}
"""Seeding of every commodity group (ids as in commodities.csv)."""


@dataclass(frozen=True)
class DemandRow:
    """One generated demand row (tonnes per year, whole tonnes)."""

    origin: str
    destination: str
    commodity: str
    tonnes: int
    segment: str
    source: str


@dataclass(frozen=True)
class CheckItem:
    """One check of the generated demand against a fact-sheet target range (inclusive)."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    basis: str

    @property
    def ok(self) -> bool:
        """True when ``low <= value <= high``."""
        return self.low <= self.value <= self.high


@dataclass(frozen=True)
class DemandCheck:
    """All checks of one generated demand table."""

    items: tuple[CheckItem, ...]
    rows: int

    @property
    def ok(self) -> bool:
        """True when every check passes."""
        return all(i.ok for i in self.items)

    def item(self, name: str) -> CheckItem:
        """The check called ``name``.

        Raises
        ------
        KeyError
            When there is no such check.
        """
        for i in self.items:
            if i.name == name:
                return i
        raise KeyError(f"no check named {name!r}")

    def report(self) -> str:
        """A plain-text table of the checks."""
        lines = [f"{self.rows} demand rows"]
        for i in self.items:
            scale = 1e6 if i.unit == "Mt/yr" else (0.01 if i.unit == "%" else 1.0)
            lines.append(
                f"{'ok  ' if i.ok else 'FAIL'} {i.name:34s} {i.value / scale:10.2f} {i.unit:6s} "
                f"target {i.low / scale:g}-{i.high / scale:g}  ({i.basis})"
            )
        return "\n".join(lines)


def _haversine_km(a: Place, b: Place) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _normalized(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items() if v > 0}


def _largest_remainder(
    cells: Mapping[tuple[str, str], float], total: int
) -> dict[tuple[str, str], int]:
    """Round ``cells`` to integers summing to ``total`` (Hamilton's method, ties by key)."""
    s = sum(cells.values())
    exact = {k: v * total / s for k, v in cells.items()}
    floors = {k: math.floor(v) for k, v in exact.items()}
    short = total - sum(floors.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[:short]:
        floors[k] += 1
    return floors


def _tidy(cells: dict[tuple[str, str], float], total: float) -> dict[tuple[str, str], int]:
    """Drop small cells, rescale to ``total`` and round to whole tonnes."""
    floor = max(MIN_ROW_T, MIN_ROW_SHARE * total)
    kept = {k: v for k, v in cells.items() if v >= floor}
    if not kept:  # keep the largest cell rather than lose the block
        best = min(cells, key=lambda k: (-cells[k], k))
        kept = {best: cells[best]}
    return {k: v for k, v in _largest_remainder(kept, round(total)).items() if v > 0}


def _block(
    seg: str,
    spec: CommoditySpec,
    total: float,
    places: Mapping[str, Place],
) -> dict[tuple[str, str], float]:
    """Unrounded cells ``(origin, destination) -> tonnes`` of one segment x commodity block."""
    group, direction = SEGMENTS[seg]
    prod = _normalized(spec.prod or GDP_2023)
    cons = _normalized(spec.cons or GDP_2023)

    def deter(i: str, j: str) -> float:
        return math.exp(-_haversine_km(places[i], places[j]) * DETOUR / spec.decay_km)

    cells: dict[tuple[str, str], float] = {}
    if group in ("region", "cores"):
        if group == "region":
            others: Mapping[str, float] = cons
        else:
            others = GROUPS["cores"]
        if direction in ("intra", "out"):
            for i, wi in sorted(prod.items()):
                att = {j: a * deter(i, j) for j, a in sorted(others.items()) if j != i}
                s = sum(att.values())
                for j, aj in att.items():
                    cells[(i, j)] = total * wi * aj / s
        else:  # inbound from the cores: attraction-constrained
            for j, wj in sorted(cons.items()):
                gen = {i: m * deter(i, j) for i, m in sorted(GROUPS["cores"].items())}
                s = sum(gen.values())
                for i, gi in gen.items():
                    cells[(i, j)] = total * wj * gi / s
        return cells
    gw = _normalized(spec.gateways.get(seg, GROUPS[group]))
    for z, wz in sorted((prod if direction == "out" else cons).items()):
        for g, wg in sorted(gw.items()):
            key = (z, g) if direction == "out" else (g, z)
            cells[key] = total * wz * wg
    return cells


def _source(seg: str, com: str, spec: CommoditySpec, total: float) -> str:
    group, direction = SEGMENTS[seg]
    if group == "region" or group == "cores":
        kind = "attraction" if direction == "in" else "production"
        method = (
            f"{kind}-constrained gravity exp(-d/{spec.decay_km:g} km), d = straight km x {DETOUR}"
        )
    else:
        method = "gateway split (fixed gateway weights, no distance decay)"
    share = spec.split[seg]
    return (
        f"{VERSION}: {method}; segment {seg} ({SEGMENT_TEXT[seg]}) {share:.1%} of {com} "
        f"(block {total / 1e6:.3f} Mt/yr, §7.3 pattern); seeded by {spec.seed}"
    )


def read_places(folder: str | os.PathLike[str]) -> dict[str, Place]:
    """Places of a network folder keyed by id.

    Raises
    ------
    DataError
        When places.csv is missing or invalid.
    """
    rows, _, problems = read_table(Path(folder), TABLE_BY_NAME["places"])
    if problems:
        raise DataError(problems, context=str(folder))
    return {p.id: p for p in rows if isinstance(p, Place)}


def read_commodities(folder: str | os.PathLike[str]) -> dict[str, Commodity]:
    """Commodities of a network folder keyed by id.

    Raises
    ------
    DataError
        When commodities.csv is missing or invalid.
    """
    rows, _, problems = read_table(Path(folder), TABLE_BY_NAME["commodities"])
    if problems:
        raise DataError(problems, context=str(folder))
    return {c.id: c for c in rows if isinstance(c, Commodity)}


def generate(folder: str | os.PathLike[str]) -> list[DemandRow]:
    """Generate the base-year demand of a network folder.

    Parameters
    ----------
    folder
        Network folder; its places.csv gives the zone coordinates and commodities.csv the ids.

    Returns
    -------
    list of DemandRow
        Sorted by (origin, destination, commodity); tonnes per year, whole tonnes.

    Raises
    ------
    DataError
        When a zone or commodity used by the generator is missing from the folder.
    """
    places = read_places(folder)
    commodities = read_commodities(folder)
    needed = set(REGION) | {z for g in GROUPS.values() for z in g}
    problems = [
        Problem("places.csv", None, "id", f"zone {z!r} used by the demand generator is missing")
        for z in sorted(needed)
        if z not in places or not places[z].zone
    ]
    problems += [
        Problem("commodities.csv", None, "id", f"commodity {c!r} is missing")
        for c in sorted(set(SPECS) | set(THROUGH_MIX))
        if c not in commodities
    ]
    if problems:
        raise DataError(problems, context=str(folder))

    rows: list[DemandRow] = []
    for com in sorted(SPECS):
        spec = SPECS[com]
        for seg in SEGMENTS:
            share = spec.split.get(seg, 0.0)
            if share <= 0:
                continue
            total = spec.total_t * share
            cells = _tidy(_block(seg, spec, total, places), total)
            src = _source(seg, com, spec, total)
            rows += [DemandRow(o, d, com, t, seg, src) for (o, d), t in cells.items()]
    for o, d in (("CD", "CQ"), ("CQ", "CD")):
        for com, share in sorted(THROUGH_MIX.items()):
            t = round(THROUGH_T * share)
            src = (
                f"{VERSION}: through corridor Chengdu <-> Chongqing core, {THROUGH_T / 1e6:g} Mt/yr "
                f"each way (assumption) x {share:.0%} {com} (assumption: manufacturing-led mix); "
                "not counted in the plan-area shares"
            )
            rows.append(DemandRow(o, d, com, t, "T", src))
    merged: dict[tuple[str, str, str], DemandRow] = {}
    for r in rows:
        key = (r.origin, r.destination, r.commodity)
        if key in merged:  # cannot happen with disjoint segments; kept for safety
            old = merged[key]
            merged[key] = DemandRow(*key, old.tonnes + r.tonnes, old.segment, old.source)
        else:
            merged[key] = r
    return [merged[k] for k in sorted(merged)]


def render_csv(rows: Sequence[DemandRow]) -> str:
    """demand.csv text: header ``origin,destination,commodity,tonnes,base_year,source``, LF."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["origin", "destination", "commodity", "tonnes", "base_year", "source"])
    for r in rows:
        w.writerow([r.origin, r.destination, r.commodity, r.tonnes, BASE_YEAR, r.source])
    return buf.getvalue()


def _segment_of(o: str, d: str) -> str:
    region = set(REGION)
    if o in region and d in region:
        return "R"
    if o in region or d in region:
        outside = d if o in region else o
        suffix = "o" if o in region else "i"
        for group, zones in GROUPS.items():
            if outside in zones:
                letter = {"cores": "C", "east": "E", "beibu": "B", "crexpress": "X"}.get(group, "Y")
                return letter + suffix
    return "T"


def check(rows: Sequence[DemandRow]) -> DemandCheck:
    """Check generated demand against the fact-sheet targets (§7.1-§7.3).

    The segment of a row is recomputed from its origin and destination (not taken from the
    generator), so the check also applies to a hand-edited table.

    Parameters
    ----------
    rows
        Demand rows (tonnes per year).

    Returns
    -------
    DemandCheck
        Regional generated total, §7.3 pattern shares (of the tonnes touching the plan area) and
        §7.2 commodity volumes, each with its target range.
    """
    region = set(REGION)
    by_seg: dict[str, float] = {}
    by_com: dict[str, float] = {}
    outbound = 0.0
    for r in rows:
        seg = _segment_of(r.origin, r.destination)
        by_seg[seg] = by_seg.get(seg, 0.0) + r.tonnes
        if seg != "T":
            by_com[r.commodity] = by_com.get(r.commodity, 0.0) + r.tonnes
        if r.origin in region:
            outbound += r.tonnes
    touching = sum(v for k, v in by_seg.items() if k != "T")
    items = [
        CheckItem(
            "generated_total",
            outbound / INTERZONAL_SHARE,
            *GENERATED_TARGET_T,
            "Mt/yr",
            f"§7.1 550-650 Mt/yr; = plan-area outbound inter-zonal / {INTERZONAL_SHARE}",
        )
    ]
    for cat, segs in PATTERN.items():
        lo, hi = PATTERN_TARGETS[cat]
        share = sum(by_seg.get(s, 0.0) for s in segs) / touching if touching else 0.0
        items.append(CheckItem(f"share_{cat}", share, lo, hi, "%", "§7.3"))

    def com_rows(com: str, origin: str | None = None, into_region: bool = False) -> float:
        return float(
            sum(
                r.tonnes
                for r in rows
                if r.commodity == com
                and (origin is None or r.origin == origin)
                and (not into_region or (r.destination in region and r.origin not in region))
            )
        )

    items += [
        CheckItem("baijiu_out_yibin", com_rows("baijiu", "YB"), 0.8e6, 1.0e6, "Mt/yr", "§7.2"),
        CheckItem("baijiu_out_luzhou", com_rows("baijiu", "LZ"), 0.7e6, 1.0e6, "Mt/yr", "§7.2"),
        CheckItem("batteries", by_com.get("batteries", 0.0), 1e6, 2e6, "Mt/yr", "§7.2"),
        CheckItem("auto_parts", by_com.get("auto_parts", 0.0), 5e6, 10e6, "Mt/yr", "§7.2"),
        CheckItem("chemicals", by_com.get("chemicals", 0.0), 8e6, 12e6, "Mt/yr", "§7.2"),
        CheckItem(
            "coal_and_minerals",
            by_com.get("bulk_coal_minerals", 0.0),
            15e6,
            25e6,
            "Mt/yr",
            "§7.2 coal 15-25 Mt/yr (group is coal-dominated)",
        ),
        CheckItem(
            "grain_inflow",
            com_rows("grain", into_region=True),
            2e6,
            3e6,
            "Mt/yr",
            "§7.2 grain 2-3 Mt/yr in",
        ),
        CheckItem(
            "cold_chain",
            by_com.get("cold_chain_meat_fruit", 0.0),
            0.8e6,
            1.5e6,
            "Mt/yr",
            "§7.2 ~1 Mt/yr",
        ),
        CheckItem("rows", float(len(rows)), 300, 1500, "rows", "manageable table size"),
    ]
    return DemandCheck(items=tuple(items), rows=len(rows))


def write(folder: str | os.PathLike[str]) -> tuple[list[DemandRow], DemandCheck]:
    """Generate, write ``demand.csv`` into ``folder`` and check it.

    Returns
    -------
    rows, check
        The rows written and their check.
    """
    rows = generate(folder)
    (Path(folder) / "demand.csv").write_text(render_csv(rows), encoding="utf-8", newline="")
    return rows, check(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tools.demandgen FOLDER``: rewrite FOLDER/demand.csv and report the checks.

    Returns 0 when every check passes, 1 otherwise, 2 for invalid input.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m tools.demandgen NETWORK_FOLDER\n")
        return 2
    try:
        _, result = write(args[0])
    except DataError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    sys.stdout.write(result.report() + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
