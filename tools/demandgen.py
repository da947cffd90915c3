"""Deterministic base-year freight demand for the Chuannan–Yuxi network (``demand.csv``).

Method (``freightdemandgen v2``)
--------------------------------
A segmented gravity model, seeded by the regional figures of network_data/chuannan_yuxi/SOURCES.md
(S-numbers there):

1. **Commodity totals** (§7.2): tonnes per year of each commodity group that cross a zone
   boundary and touch the plan area (origin or destination in one of its eleven zones). Ranges in
   §7.2 (baijiu, batteries, auto parts, chemicals, coal, grain, cold chain) fix the small groups;
   building materials and general cargo take the rest of the regional tonnage (§7.1).
2. **Segment split** (§7.3): each commodity's total is split over segments: ``R`` inside the
   plan area (zone to another zone), ``Co``/``Ci`` to/from the two cores (Chengdu, Chongqing
   core), ``Eo``/``Ei`` east by the Yangtze corridor (Wuhan, Nanjing, Shanghai), ``Bo``/``Bi``
   south by the Western Land–Sea Corridor (Qinzhou), ``Xo``/``Xi`` west by the CR Express
   (Alashankou), ``Yo``/``Yi`` Yunnan and Guizhou (Guiyang, Kunming, Bijie).
3. **Doubly constrained distribution** where both trip ends are known: the block ``R + Co + Ci``
   of each commodity over the plan area's eleven zones and the two cores. Every plan-area zone
   has a known production ``(R + Co) × w_i`` and attraction ``(R + Ci) × v_j`` (production and
   consumption weights: an assumed GDP split or commodity-specific weights); the two cores
   together receive ``Co`` and send ``Ci`` (a *group* constraint: how the cores share it follows
   their economic masses and the deterrence). ``T_ij = a_i b_j W_i V_j exp(-d_ij / L_k)``, no
   intra-zonal cells, no core-to-core cell (that is the through segment), balanced by Furness
   (iterative proportional fitting) to a relative tolerance of :data:`FURNESS_TOL` on every row
   and column constraint. ``d_ij`` = the shortest road distance of ``links.csv``.
4. **Decay fitted to mean hauls**: ``L_k`` is the length scale at which the mean haul inside the
   plan area (segment ``R``, ``Σ T d / Σ T``) equals the commodity's mean-haul target
   (``CommoditySpec.mean_haul_km``, each with its reasoning; the ``mean_haul_<commodity>``
   targets of observed.csv), found by a scan of :data:`DECAY_GRID` log-spaced values and
   bisection on ``ln L`` in the first bracketing interval, to a relative tolerance of
   :data:`FIT_TOL`.
5. **Gateway choice by logsums** (singly constrained: only the plan-area end is known). The
   outbound pool ``Eo + Bo + Xo`` of a commodity leaves zone ``i`` in proportion to its
   production weight and chooses a gateway ``g`` (east / south / west, those the commodity
   uses) by a logit over the behavioural model's logsums::

       P(g | i) = exp(α_g − λ S_ig) / Σ_g' exp(α_g' − λ S_ig')

   ``S_ig`` = the logsum (expected minimum cost, CNY/t) of the OD row ``i → gateway zone`` of
   that commodity from ``freight.model`` (``--method logit``) on the folder's network, the
   destination-weighted mean over the east's three zones; ``λ = GATEWAY_SCALE × chain_scale /
   C̄`` with ``C̄`` the pool's mean reference cost of the behavioural model (its own scale
   convention, :func:`freight.model.behavioural.reference_cost`); the constants ``α_g`` are fitted so that
   the pool's gateway totals equal the §7.3 segment split (the base year reproduces the assumed
   pattern; the zones' shares follow their costs). Inbound pools (``Ei + Bi + Xi``) the same by
   consumption weight. Logsums depend on the demand (congestion, the lock queue), so
   :data:`FIXED_POINT_ROUNDS` rounds are run: demand with the base shares → solve → logsums →
   logit demand → solve → …; the largest change of a gateway share between the last two rounds
   is reported. Yunnan/Guizhou segments keep fixed origin weights (specific mines and plants).
   ``generate_full(folder, logsums=behavioural_logsums(project_net), pivot=base)`` keeps the base
   generation's scales and constants, so the gateway totals follow a network change (e.g. the
   west line of the Western Land–Sea Corridor raises general cargo's southbound share).
6. **Through corridor** ``T``: Chengdu ↔ Chongqing core (loads the Chengyu corridor).
7. **Sourced segments the plan area does not generate** (:data:`OUTSIDE_SEGMENTS`): the Chongqing
   core's own Yangtze freight through Guoyuan to and from the east (S33 × Guoyuan's capacity
   share S34/S53c × 2/3 crossing the dam; the express line's boxes S32a).
8. **Tidy-up**: inside every segment × commodity, cells below ``max(MIN_ROW_T, MIN_ROW_SHARE ×
   segment)`` are dropped; the doubly constrained block is re-balanced by Furness on the cells
   kept (so every zone keeps its production and attraction), other segments are rescaled to
   their totals; tonnes are rounded to whole tonnes by the largest-remainder method so that every
   segment keeps its exact total.

Intra-zonal trips (most sand and gravel) are not in the table: the generated regional total is
reported as the plan area's outbound inter-zonal tonnes divided by ``INTERZONAL_SHARE``.

Everything is deterministic: no random numbers, fixed iteration orders, rows sorted by
(origin, destination, commodity). ``python -m tools.demandgen network_data/chuannan_yuxi``
rewrites ``demand.csv`` byte for byte and reports the checks, the fitted decays and the gateway
logit.

Units: tonnes per year, km, CNY/t; base year 2023.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from freight.data.csvio import read_table
from freight.data.network import Network
from freight.data.schema import TABLE_BY_NAME, Commodity, Demand, Link, Place
from freight.errors import DataError, Problem

VERSION = "freightdemandgen v2"
"""Name and version written into every row's ``source``."""

BASE_YEAR = 2023
"""Year the generated tonnes refer to."""

INTERZONAL_SHARE = 0.35
"""Share of the tonnes loaded in the plan area that leave their own zone (assumption).

Reasoning: ~45% of road tonnes are sand, gravel and building materials moved within a prefecture
(§7.2, ~10% of them leave it); about half of the other road tonnes and nearly all rail and water
tonnes cross a zone boundary (zones are whole prefectures or districts): 0.85 × (0.45 × 0.1 +
0.55 × 0.5) + 0.14 × 0.9 ≈ 0.40, lowered to 0.35 for short collection trips inside the zones.
"""

MIN_ROW_T = 3000.0
"""Cells below this many tonnes per year are dropped (module doc, step 8)."""

MIN_ROW_SHARE = 0.002
"""Cells below this share of their segment are dropped (module doc, step 8). Assumption: 0.2 %
keeps the table at ~1,300 rows while the distribution keeps most of its long cells (v1 dropped
below 0.5 %; with the fitted decay that removed so many long cells that the refitted ``L`` was
twice the untidied one for general cargo)."""

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


FURNESS_TOL = 1e-10
"""Furness convergence: the largest relative error of a row or column constraint (dimensionless)."""

FURNESS_MAX_ITER = 5000
"""Furness iterations at most; a block that does not converge is an error naming it."""

FIT_TOL = 1e-9
"""Decay fit: relative tolerance of the fitted mean haul (dimensionless)."""

DECAY_BOUNDS_KM: tuple[float, float] = (10.0, 10000.0)
"""Search interval of the length scale ``L`` (km); a target outside the mean hauls reachable in it
is an error naming the commodity."""

DECAY_GRID = 25
"""Decay fit: ``L`` values (log-spaced over :data:`DECAY_BOUNDS_KM`) scanned for the first
interval whose mean hauls bracket the target, which bisection then narrows (the mean haul inside
the plan area need not be monotone in ``L``: the cores compete for the zones' tonnes)."""

GATEWAY_SCALE = 0.5
"""Gateway logit scale as a fraction of the commodity's ``chain_scale`` (assumption).

Reasoning: the gateway choice sits above the mode-chain choice, so nested-logit consistency asks
it to be less cost-sensitive than the mode-chain level (``chain_scale / C_ref`` in
:mod:`freight.model.behavioural`); half of it means a gateway dearer by ``C̄ / (0.5 × 4) = C̄ / 2``
(half the pool's mean reference cost) loses a factor e in odds. Not fitted: no observed gateway split by
zone exists in the sources."""

FIXED_POINT_ROUNDS = 3
"""Logsum → demand rounds after the first solve with the base shares (module doc, step 5)."""

GATEWAY_PROBE_T = 1.0
"""Tonnes of a probe row added to the logsum solve for a gateway OD the demand lacks (t/yr)."""

GATEWAYS: Mapping[str, tuple[str, str, str]] = {
    "east": ("east", "Eo", "Ei"),
    "south": ("beibu", "Bo", "Bi"),
    "west": ("crexpress", "Xo", "Xi"),
}
"""Gateway -> (zone group of :data:`GROUPS`, outbound segment, inbound segment)."""

BLOCK_SEGMENTS: tuple[str, ...] = ("R", "Co", "Ci")
"""Segments of the doubly constrained block."""

TIDY_TRIES = 8
"""Tidy-up of a doubly constrained block: when the cells kept cannot be re-balanced to the
zones' productions and attractions, the floors are halved and tried again, at most this often
(then every cell is kept)."""


@dataclass(frozen=True)
class OutsideSegment:
    """A sourced demand segment that the plan area does not generate.

    Attributes
    ----------
    code
        Segment code written into ``source``.
    origin, destinations
        Origin zone and destination zone weights (reversed for the return direction).
    commodity
        Commodity id.
    tonnes_each_way
        Tonnes per year in each direction.
    basis
        Sources and assumptions, written into ``source``.
    """

    code: str
    origin: str
    destinations: Mapping[str, float]
    commodity: str
    tonnes_each_way: float
    basis: str


CHONGQING_PORT_T = 197e6
"""Chongqing port (all port areas) cargo throughput 2017, t/yr (S33, Invest Chongqing)."""

GUOYUAN_CAPACITY_SHARE = 26e6 / 230e6
"""Guoyuan's share of Chongqing port's cargo (assumption: its share of the port's capacity,
Guoyuan > 26 Mt/yr (S34) of the port's 230 Mt/yr (2024, S53c), i.e. every port area equally
used). Guoyuan's own throughput statistic (S34) is not used, so that it stays an independent
validation figure of observed.csv."""

GUOYUAN_T = CHONGQING_PORT_T * GUOYUAN_CAPACITY_SHARE
"""Guoyuan port cargo, t/yr: 197 Mt (S33) × 26/230 = 22.27 Mt (assumption: the 2017 level stands
for 2023; no later port total in the sources)."""

DAM_SHARE = 2 / 3
"""Share of Chongqing's port tonnes that cross the Three Gorges dam (assumption, the same as the
lock background of links.csv, SOURCES.md §3b: most of the port's traffic is with the middle and
lower Yangtze; the rest is local and upriver)."""

EXPRESS_TEU = 1390800 / 63
"""沪渝直达快线 (Chongqing-Shanghai direct express), TEU per month: 1.3908 M TEU in 5,523 voyages
from 2019-05 to 2024-07 (63 months; S32a, iChongqing 2024-08-16)."""

EXPRESS_T = EXPRESS_TEU * 12 * 10 / 0.7
"""Tonnes per year of general cargo on the express line: 265k TEU/yr × 10 t/TEU (the t_per_teu of
general_containers, commodities.csv) / 0.7 (its container_share), so that the model's box
conversion gives the line's boxes."""

GUOYUAN_EAST_T = GUOYUAN_T * DAM_SHARE
"""Chongqing core <-> east freight through Guoyuan, both directions, t/yr (GUOYUAN_T × DAM_SHARE)."""

OUTSIDE_SEGMENTS: tuple[OutsideSegment, ...] = (
    OutsideSegment(
        "Qc",
        "CQ",
        {"SH": 1.0},
        "general_containers",
        EXPRESS_T / 2,
        "Chongqing core <-> Shanghai containers of the 沪渝直达快线 through Guoyuan: 1.3908 M TEU "
        "in 63 months (S32a) = 265k TEU/yr x 10 t/TEU / 0.7 container share; assumption: half "
        "each way (no directional split in the sources)",
    ),
    OutsideSegment(
        "Qb",
        "CQ",
        {"WH": 0.25, "NJG": 0.25, "SH": 0.5},
        "bulk_coal_minerals",
        (GUOYUAN_EAST_T - EXPRESS_T) / 2,
        "Chongqing core <-> east bulk and other cargo through Guoyuan: Chongqing port 197 Mt "
        "(2017, S33) x Guoyuan's capacity share 26/230 Mt/yr (S34, S53c; assumption: port areas "
        "equally used) x 2/3 crossing the Three Gorges dam (assumption, as the lock background) "
        "less the express-line containers (S32a); assumption: half each way, the east's default "
        "zone weights",
    ),
)
"""The Chongqing core's own Yangtze freight through Guoyuan (issue 12: sourced demand instead of
part of the lock background; links.csv's W_TGD_YICHANG background is reduced by the same tonnes,
SOURCES.md)."""


@dataclass(frozen=True)
class CommoditySpec:
    """Seeding of one commodity group.

    Attributes
    ----------
    total_t
        Inter-zonal tonnes per year touching the plan area.
    split
        Segment code -> share of ``total_t`` (shares sum to 1).
    mean_haul_km
        (target, low, high) mean haul inside the plan area (segment ``R``), shortest road km;
        the decay ``L`` is fitted to the target (observed.csv ``mean_haul_<commodity>``).
    haul_basis
        Source or assumption of the mean-haul target.
    seed
        What seeded the numbers (written into ``source``).
    prod, cons
        Production / consumption weights over plan-area zones; empty = GDP.
    gateways
        Segment code -> zone weights overriding ``GROUPS`` for that segment.
    """

    total_t: float
    split: Mapping[str, float]
    mean_haul_km: tuple[float, float, float]
    haul_basis: str
    seed: str
    prod: Mapping[str, float] = field(default_factory=dict)
    cons: Mapping[str, float] = field(default_factory=dict)
    gateways: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


SPECS: Mapping[str, CommoditySpec] = {
    "building_materials": CommoditySpec(
        total_t=95e6,
        split={"R": 0.72, "Co": 0.18, "Ci": 0.07, "Eo": 0.01, "Bo": 0.01, "Yo": 0.008, "Yi": 0.002},
        mean_haul_km=(85.0, 65.0, 105.0),
        haul_basis=(
            "assumption: sand, gravel and cement are rarely trucked further than ~100 km (general "
            "knowledge of aggregate haul radii); neighbouring plan-area zones lie 37-80 km apart by"
            " road; band +-20 km"
        ),
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
        mean_haul_km=(105.0, 80.0, 130.0),
        haul_basis=(
            "assumption: mostly between neighbouring plan-area cities (70-130 km by road), below "
            "China's 2023 road mean haul of ~180 km (general knowledge of the national statistical "
            "communique; S43 gives the tonnes only), which includes long inter-provincial trips; "
            "band +-25 km"
        ),
        seed="§7.1 total less the named groups, §7.2 containers (S34/S37); assumption 125 Mt/yr; "
        "GDP weights",
    ),
    "bulk_coal_minerals": CommoditySpec(
        total_t=24e6,
        split={"R": 0.33, "Co": 0.06, "Ci": 0.03, "Ei": 0.04, "Bi": 0.06, "Yo": 0.03, "Yi": 0.45},
        mean_haul_km=(120.0, 90.0, 150.0),
        haul_basis=(
            "assumption: the mines of Gulin/Xuyong (Luzhou), Qijiang-Wansheng and Zigong/Yibin "
            "(S8/S46) to the power plants of Luohuang (Jiangjin), Luzhou and Yibin lie 70-230 km "
            "apart by road (Luzhou-Jiangjin 125 km); band +-30 km"
        ),
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
        mean_haul_km=(100.0, 75.0, 125.0),
        haul_basis=(
            "assumption: mainly inside the Zigong-Luzhou-Yibin triangle of chemical clusters (S56),"
            " 79-98 km apart by road; band +-25 km"
        ),
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
        mean_haul_km=(95.0, 70.0, 120.0),
        haul_basis=(
            "assumption: suppliers in the western Chongqing districts, Neijiang and Yibin (§7.2, "
            "S22) trade between districts 37-100 km apart by road; band +-25 km"
        ),
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
        mean_haul_km=(120.0, 100.0, 140.0),
        haul_basis=(
            "assumption: Yibin <-> Luzhou (98 km by road) and the two to the other plan-area cities"
            " (70-260 km); band +-20 km (the producers' and consumers' weights alone hold it within"
            " 112-129 km)"
        ),
        seed="§7.2 baijiu 0.8-1.0 Mt/yr Yibin + 0.7-1.0 Mt/yr Luzhou (S44); assumption "
        "0.925 + 0.875 Mt/yr",
        prod={"YB": 0.925, "LZ": 0.875},
    ),
    "grain": CommoditySpec(
        total_t=3.0e6,
        split={"R": 0.15, "Ci": 0.15, "Ei": 0.40, "Bi": 0.20, "Yi": 0.10},
        mean_haul_km=(100.0, 80.0, 120.0),
        haul_basis=(
            "assumption: sorghum from the Luzhou port (S35d) to the Yibin distilleries (98 km by "
            "road) and the other cities; band +-20 km (the weights alone hold it within 97-103 km)"
        ),
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
        mean_haul_km=(85.0, 70.0, 100.0),
        haul_basis=(
            "assumption: Yibin <-> Zigong cells and materials (79 km by road, S55/S56); band +-15 "
            "km (the weights alone hold it within 81-89 km)"
        ),
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
        mean_haul_km=(100.0, 80.0, 120.0),
        haul_basis=(
            "assumption: Rongchang/Neijiang/Luzhou pork and fruit between plan-area cities 70-130 "
            "km apart by road; band +-20 km"
        ),
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
        mean_haul_km=(110.0, 90.0, 130.0),
        haul_basis=(
            "assumption: Yibin terminals to the other plan-area cities (79-250 km by road), most to"
            " the near ones; band +-20 km"
        ),
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


@dataclass(frozen=True)
class FurnessResult:
    """A balanced matrix and how well it meets its constraints."""

    matrix: NDArray[np.float64]
    iterations: int
    max_rel_error: float


def _group_sums(
    values: NDArray[np.float64], groups: NDArray[np.int64], n: int
) -> NDArray[np.float64]:
    return np.bincount(groups, weights=values, minlength=n).astype(float)


def furness(
    seed: NDArray[np.float64],
    row_targets: NDArray[np.float64],
    col_targets: NDArray[np.float64],
    row_groups: NDArray[np.int64] | None = None,
    col_groups: NDArray[np.int64] | None = None,
    *,
    tol: float = FURNESS_TOL,
    max_iter: int = FURNESS_MAX_ITER,
) -> FurnessResult:
    """Balance ``seed`` so that its (grouped) row and column sums meet their targets (Furness/IPF).

    Parameters
    ----------
    seed
        Non-negative ``(n, m)`` matrix, 0 = a structural zero.
    row_targets, col_targets
        Target sum of each row group / column group (same total).
    row_groups, col_groups
        Group index of every row / column (default: each its own group). Rows of a group share
        one balancing factor, so a group constraint fixes the group's total and leaves its split
        to the seed.
    tol
        Stop when every group sum is within ``tol`` (relative) of its target.
    max_iter
        Row-and-column sweeps at most.

    Returns
    -------
    FurnessResult

    Raises
    ------
    ValueError
        Targets with different totals, a positive target whose rows or columns are all zero, or no
        convergence within ``max_iter`` (the constraints cannot be met on the seed's pattern).
    """
    t = np.array(seed, dtype=float)
    n, m = t.shape
    rg = np.arange(n) if row_groups is None else np.asarray(row_groups, dtype=np.int64)
    cg = np.arange(m) if col_groups is None else np.asarray(col_groups, dtype=np.int64)
    rt = np.asarray(row_targets, dtype=float)
    ct = np.asarray(col_targets, dtype=float)
    if not math.isclose(rt.sum(), ct.sum(), rel_tol=1e-9):
        raise ValueError(f"row targets sum to {rt.sum():g}, column targets to {ct.sum():g}")
    for name, sums, targets in (
        ("row", _group_sums(t.sum(axis=1), rg, len(rt)), rt),
        ("column", _group_sums(t.sum(axis=0), cg, len(ct)), ct),
    ):
        bad = np.flatnonzero((targets > 0) & (sums <= 0))
        if bad.size:
            raise ValueError(f"{name} group {int(bad[0])} has a positive target and no cells")

    def error() -> float:
        rs = _group_sums(t.sum(axis=1), rg, len(rt))
        cs = _group_sums(t.sum(axis=0), cg, len(ct))
        with np.errstate(divide="ignore", invalid="ignore"):
            er = np.where(rt > 0, np.abs(rs / rt - 1), rs)
            ec = np.where(ct > 0, np.abs(cs / ct - 1), cs)
        return float(max(er.max(initial=0.0), ec.max(initial=0.0)))

    for it in range(1, max_iter + 1):
        rs = _group_sums(t.sum(axis=1), rg, len(rt))
        f = np.divide(rt, rs, out=np.zeros_like(rt), where=rs > 0)
        t *= f[rg][:, None]
        cs = _group_sums(t.sum(axis=0), cg, len(ct))
        f = np.divide(ct, cs, out=np.zeros_like(ct), where=cs > 0)
        t *= f[cg][None, :]
        err = error()
        if err <= tol:
            return FurnessResult(t, it, err)
    raise ValueError(f"Furness did not converge in {max_iter} sweeps (error {error():.3g})")


def mean_haul(
    matrix: NDArray[np.float64],
    dist: NDArray[np.float64],
    over: NDArray[np.bool_] | None = None,
) -> float:
    """Tonne-weighted mean distance ``Σ T d / Σ T`` over the cells ``over`` (default all; cells
    with zero tonnes ignored)."""
    pos = matrix > 0
    if over is not None:
        pos &= over
    return float((matrix[pos] * dist[pos]).sum() / matrix[pos].sum())


@dataclass(frozen=True)
class DecayFit:
    """The fitted length scale of one block and the balanced matrix at it."""

    length_km: float
    mean_haul_km: float
    target_km: float
    furness: FurnessResult


def fit_decay(
    mass: NDArray[np.float64],
    dist: NDArray[np.float64],
    row_targets: NDArray[np.float64],
    col_targets: NDArray[np.float64],
    target_km: float,
    row_groups: NDArray[np.int64] | None = None,
    col_groups: NDArray[np.int64] | None = None,
    *,
    bounds: tuple[float, float] = DECAY_BOUNDS_KM,
    tol: float = FIT_TOL,
    over: NDArray[np.bool_] | None = None,
) -> DecayFit:
    """Fit ``L`` of the doubly constrained gravity ``mass × exp(-dist / L)`` to a mean haul.

    Parameters
    ----------
    mass
        ``W_i V_j`` of every cell, 0 for a structural zero.
    dist
        Distance of every cell, km.
    row_targets, col_targets, row_groups, col_groups
        The Furness constraints (:func:`furness`).
    target_km
        Mean haul to reproduce, km.
    bounds
        Search interval of ``L``, km.
    tol
        Relative tolerance of the fitted mean haul.
    over
        Cells whose mean haul is fitted (default all).

    Raises
    ------
    ValueError
        When the target lies outside the mean hauls reachable within ``bounds``.
    """
    d = np.where(np.isfinite(dist), dist, 0.0)
    ok = (mass > 0) & np.isfinite(dist)
    scale = float(d[ok].min()) if ok.any() else 0.0

    def solve(length: float) -> FurnessResult:
        seed = np.where(ok, mass * np.exp(-(d - scale) / length), 0.0)
        return furness(seed, row_targets, col_targets, row_groups, col_groups)

    grid = np.geomspace(bounds[0], bounds[1], DECAY_GRID)
    hauls = [mean_haul(solve(float(x)).matrix, d, over) for x in grid]
    bracket = next(
        (
            k
            for k in range(len(grid) - 1)
            if (hauls[k] - target_km) * (hauls[k + 1] - target_km) <= 0
        ),
        None,
    )
    if bracket is None:
        raise ValueError(
            f"mean haul {target_km:g} km is outside the reachable "
            f"{min(hauls):.1f}-{max(hauls):.1f} km"
        )
    lo, hi = math.log(grid[bracket]), math.log(grid[bracket + 1])
    rising = hauls[bracket + 1] >= hauls[bracket]
    mid = lo
    res = solve(math.exp(mid))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        res = solve(math.exp(mid))
        h = mean_haul(res.matrix, d, over)
        if abs(h / target_km - 1) <= tol:
            return DecayFit(math.exp(mid), h, target_km, res)
        if (h < target_km) == rising:
            lo = mid
        else:
            hi = mid
    return DecayFit(math.exp(mid), mean_haul(res.matrix, d, over), target_km, res)


def logit_shares(
    constants: Mapping[str, float], scale: float, cost: Mapping[str, float]
) -> dict[str, float]:
    """``P(g) = exp(α_g − λ c_g) / Σ exp(α_g' − λ c_g')`` over the keys of ``cost`` (sorted)."""
    keys = sorted(cost)
    u = np.array([constants.get(g, 0.0) - scale * cost[g] for g in keys])
    e = np.exp(u - u.max())
    return {g: float(x) for g, x in zip(keys, e / e.sum(), strict=True)}


def fit_constants(
    weights: Mapping[str, float],
    cost: Mapping[str, Mapping[str, float]],
    scale: float,
    target: Mapping[str, float],
    *,
    tol: float = 1e-12,
    max_iter: int = 10000,
) -> dict[str, float]:
    """Constants ``α_g`` at which ``Σ_i w_i P(g | i)`` equals ``target[g]`` (shares summing to 1).

    Parameters
    ----------
    weights
        Zone -> weight (summing to 1).
    cost
        Zone -> gateway -> cost (every zone has every gateway of ``target``).
    scale
        Logit scale λ, 1/(unit of cost).
    target
        Gateway -> aggregate share.

    Returns
    -------
    dict
        Gateway -> constant, the alphabetically first gateway at 0.
    """
    keys = sorted(target)
    alpha = dict.fromkeys(keys, 0.0)
    for _ in range(max_iter):
        got = dict.fromkeys(keys, 0.0)
        for z, w in sorted(weights.items()):
            for g, p in logit_shares(alpha, scale, cost[z]).items():
                got[g] += w * p
        step = {g: math.log(target[g] / got[g]) for g in keys}
        for g in keys:
            alpha[g] += step[g] - step[keys[0]]
        if max(abs(s) for s in step.values()) <= tol:
            break
    return alpha


def _normalized(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: v / total for k, v in sorted(weights.items()) if v > 0}


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


def _kept(cells: Mapping[tuple[str, str], float], total: float) -> dict[tuple[str, str], float]:
    """The cells of a segment at or above ``max(MIN_ROW_T, MIN_ROW_SHARE × total)`` (at least
    the largest)."""
    floor = max(MIN_ROW_T, MIN_ROW_SHARE * total)
    kept = {k: v for k, v in cells.items() if v >= floor}
    if not kept:  # keep the largest cell rather than lose the segment
        best = min(cells, key=lambda k: (-cells[k], k))
        kept = {best: cells[best]}
    return kept


def _round(cells: Mapping[tuple[str, str], float], total: float) -> dict[tuple[str, str], int]:
    return {k: v for k, v in _largest_remainder(cells, round(total)).items() if v > 0}


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


def read_network(folder: str | os.PathLike[str]) -> Network:
    """The folder's network without its demand (places, modes, links, terminals, commodities).

    Raises
    ------
    DataError
        When a table is missing or invalid.
    """
    tables = {}
    problems: list[Problem] = []
    for name in ("places", "modes", "links", "terminals", "commodities"):
        rows, _, found = read_table(Path(folder), TABLE_BY_NAME[name])
        tables[name] = tuple(rows)
        problems += found
    if problems:
        raise DataError(problems, context=str(folder))
    return Network(
        places=tables["places"],  # type: ignore[arg-type]
        modes=tables["modes"],  # type: ignore[arg-type]
        links=tables["links"],  # type: ignore[arg-type]
        terminals=tables["terminals"],  # type: ignore[arg-type]
        commodities=tables["commodities"],  # type: ignore[arg-type]
        demand=(),
        name=Path(folder).name,
    )


def road_km(links: Sequence[Link], zones: Sequence[str]) -> NDArray[np.float64]:
    """Shortest road distance between zones over the road links (both directions), km.

    ``inf`` where no road path exists; 0 on the diagonal.
    """
    ends = sorted({lk.from_ for lk in links} | {lk.to for lk in links} | set(zones))
    ix = {p: i for i, p in enumerate(ends)}
    road = sorted((lk for lk in links if lk.mode == "road"), key=lambda lk: lk.id)
    best: dict[tuple[int, int], float] = {}
    for lk in road:
        for a, b in ((lk.from_, lk.to), (lk.to, lk.from_)):
            key = (ix[a], ix[b])
            best[key] = min(best.get(key, math.inf), float(lk.length_km))
    keys = sorted(best)
    m = csr_matrix(
        ([best[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])),
        shape=(len(ends), len(ends)),
    )
    at = [ix[z] for z in zones]
    full = dijkstra(m, directed=True, indices=at)
    return np.asarray(full[:, at], dtype=float)


@dataclass(frozen=True)
class BlockFit:
    """The doubly constrained block of one commodity after its decay fit."""

    commodity: str
    length_km: float
    target_km: float
    untidied_length_km: float
    final_km: float
    iterations: int
    max_rel_error: float
    floor_factor: float
    cells: Mapping[tuple[str, str], float]


def _block_zones() -> tuple[str, ...]:
    return (*REGION, *sorted(GROUPS["cores"]))


def _block_keep(
    full: NDArray[np.float64],
    seg_of: NDArray[np.object_],
    totals: tuple[float, float, float],
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    groups: NDArray[np.int64],
    relax: float,
) -> NDArray[np.bool_]:
    """Cells of the block kept by the tidy-up at ``relax`` × the floors (every constrained end
    keeps at least its largest cell)."""
    n = full.shape[0]
    keep = np.zeros(full.shape, dtype=bool)
    for s, tot in zip(BLOCK_SEGMENTS, totals, strict=True):
        if tot <= 0:
            continue
        floor = relax * max(MIN_ROW_T, MIN_ROW_SHARE * tot)
        keep |= (seg_of == s) & (full > 0) & (full >= floor)
    for k in range(n):
        if rows[groups[k]] > 0 and not keep[groups == groups[k]].any():
            sel = np.where(groups[:, None] == groups[k], full, -1.0)
            keep[np.unravel_index(int(np.argmax(sel)), sel.shape)] = True
        if cols[groups[k]] > 0 and not keep[:, groups == groups[k]].any():
            sel = np.where(groups[None, :] == groups[k], full, -1.0)
            keep[np.unravel_index(int(np.argmax(sel)), sel.shape)] = True
    return keep


def fit_block(com: str, spec: CommoditySpec, dist: NDArray[np.float64]) -> BlockFit:
    """Doubly constrained ``R + Co + Ci`` block of one commodity, decay fitted to its mean haul,
    small cells dropped and re-balanced (module doc, steps 3, 4 and 8).

    Parameters
    ----------
    dist
        Road km between :func:`_block_zones` (in that order).

    Raises
    ------
    DataError
        When the mean-haul target cannot be reached or the block cannot be balanced.
    """
    zones = _block_zones()
    cores = GROUPS["cores"]
    n_r = len(REGION)
    r, co, ci = (spec.total_t * spec.split.get(s, 0.0) for s in BLOCK_SEGMENTS)
    prod = _normalized(spec.prod or GDP_2023)
    cons = _normalized(spec.cons or GDP_2023)
    mass_core = _normalized(cores)
    w = np.array([prod.get(z, 0.0) for z in REGION] + [mass_core[c] for c in sorted(cores)])
    v = np.array([cons.get(z, 0.0) for z in REGION] + [mass_core[c] for c in sorted(cores)])
    groups = np.array(list(range(n_r)) + [n_r] * len(cores), dtype=np.int64)
    rows = np.array([(r + co) * prod.get(z, 0.0) for z in REGION] + [ci])
    cols = np.array([(r + ci) * cons.get(z, 0.0) for z in REGION] + [co])
    mask = np.ones((len(zones), len(zones)), dtype=bool)
    np.fill_diagonal(mask, False)
    mask[n_r:, n_r:] = False  # core to core: the through segment
    mass = np.where(mask, np.outer(w, v), 0.0)
    inside = np.zeros(mask.shape, dtype=bool)
    inside[:n_r, :n_r] = True  # the mean haul is fitted inside the plan area (segment R)
    target = spec.mean_haul_km[0]

    def fail(msg: str) -> DataError:
        return DataError(
            [Problem("tools/demandgen.py", None, "mean_haul_km", f"{com}: {msg}")],
            context="demand generator",
        )

    try:
        fit = fit_decay(mass, dist, rows, cols, target, groups, groups, over=inside)
    except ValueError as exc:
        raise fail(str(exc)) from None
    full = fit.furness.matrix
    seg_of = np.full(full.shape, "R", dtype=object)
    seg_of[:n_r, n_r:] = "Co"
    seg_of[n_r:, :n_r] = "Ci"
    final: DecayFit | None = None
    relax = 1.0
    for _ in range(TIDY_TRIES):
        keep = _block_keep(full, seg_of, (r, co, ci), rows, cols, groups, relax)
        try:  # refit on the kept cells: the final block meets the target and the marginals
            final = fit_decay(
                np.where(keep, mass, 0.0), dist, rows, cols, target, groups, groups, over=inside
            )
            break
        except ValueError:
            relax /= 2
    if final is None:  # keep every cell: the first fit itself
        final, relax = fit, 0.0
    bal = final.furness
    d = np.where(np.isfinite(dist), dist, 0.0)
    cells = {
        (zones[i], zones[j]): float(bal.matrix[i, j])
        for i in range(len(zones))
        for j in range(len(zones))
        if bal.matrix[i, j] > 0
    }
    return BlockFit(
        com,
        final.length_km,
        target,
        fit.length_km,
        mean_haul(bal.matrix, d, inside),
        bal.iterations,
        bal.max_rel_error,
        relax,
        cells,
    )


LogsumFn = Callable[[Sequence["DemandRow"]], Mapping[tuple[str, str, str], tuple[float, float]]]
"""Demand rows -> (logsum, reference cost) in CNY/t of every (origin, destination, commodity) row
solved (:func:`freight.model.behavioural.reference_cost`)."""


def behavioural_logsums(net: Network) -> LogsumFn:
    """A :data:`LogsumFn` that solves the behavioural model (``--method logit``) of ``net``
    (default prices: no carbon price) with the given demand and returns each row's logsum."""
    from freight.model.behavioural import reference_cost, solve_behavioural

    def run(rows: Sequence[DemandRow]) -> dict[tuple[str, str, str], tuple[float, float]]:
        demand = tuple(
            Demand(
                origin=r.origin,
                destination=r.destination,
                commodity=r.commodity,
                tonnes=float(r.tonnes),
                base_year=BASE_YEAR,
                source=r.segment,
            )
            for r in rows
        )
        res = solve_behavioural(replace(net, demand=demand))
        if res.sue is None:  # pragma: no cover - the behavioural solver always sets it
            raise RuntimeError("the behavioural model returned no logsums")
        ref = reference_cost(res.net)
        return {
            (d.origin, d.destination, d.commodity): (float(s), float(c))
            for d, s, c in zip(res.net.demand, res.sue.logsum.tolist(), ref.tolist(), strict=True)
        }

    return run


@dataclass(frozen=True)
class GatewayPool:
    """The gateway logit of one commodity and direction (``out`` or ``in``)."""

    commodity: str
    direction: str
    total_t: float
    scale: float
    mean_reference_cost: float
    constants: Mapping[str, float]
    target: Mapping[str, float]
    shares: Mapping[str, Mapping[str, float]]
    logsums: Mapping[str, Mapping[str, float]]


def _gateway_zones(spec: CommoditySpec, seg: str, group: str) -> dict[str, float]:
    return _normalized(spec.gateways.get(seg, GROUPS[group]))


def _pools(com: str, spec: CommoditySpec) -> list[tuple[str, float, dict[str, float]]]:
    """(direction, pool tonnes, gateway -> share of the pool) of a commodity's gateway pools."""
    out = []
    for direction, k in (("out", 1), ("in", 2)):
        segs = {g: spec.split.get(v[k], 0.0) for g, v in GATEWAYS.items()}
        total = sum(segs.values())
        if total > 0:
            out.append(
                (direction, spec.total_t * total, {g: s / total for g, s in segs.items() if s > 0})
            )
    return out


def gateway_pool(
    com: str,
    spec: CommoditySpec,
    direction: str,
    total: float,
    target: Mapping[str, float],
    logsum: Mapping[tuple[str, str, str], tuple[float, float]] | None,
    chain_scale: float,
    pivot: GatewayPool | None = None,
) -> GatewayPool:
    """Gateway shares of one pool: the logit over the logsums with fitted constants, or the base
    shares when ``logsum`` is ``None`` (the first round). With ``pivot`` (the same pool of a base
    generation) its scale and constants are kept instead of fitted, so the pool's gateway totals
    follow the costs (a network with a project against the base).

    ``logsum`` maps (origin, destination, commodity) to (logsum, reference cost), CNY/t. The
    scale is ``GATEWAY_SCALE × chain_scale / C̄``, ``C̄`` the pool's mean reference cost (zone
    weights × the pool's gateway shares × the gateway zones' weights).
    """
    weights = _normalized(
        (spec.prod or GDP_2023) if direction == "out" else (spec.cons or GDP_2023)
    )
    ls: dict[str, dict[str, float]] = {z: {} for z in weights}
    mean = 0.0
    for z in weights:
        for g in sorted(target):
            group, so, si = GATEWAYS[g]
            zw = _gateway_zones(spec, so if direction == "out" else si, group)
            if logsum is None:
                ls[z][g] = 0.0
                continue
            vals = [
                (w, logsum[(z, d, com) if direction == "out" else (d, z, com)])
                for d, w in zw.items()
            ]
            ls[z][g] = sum(w * v[0] for w, v in vals)
            mean += weights[z] * target[g] * sum(w * v[1] for w, v in vals)
    if logsum is None:
        shares = {z: dict(target) for z in weights}
        return GatewayPool(com, direction, total, 0.0, 0.0, {}, target, shares, ls)
    if pivot is not None:
        scale, alpha = pivot.scale, dict(pivot.constants)
    else:
        scale = GATEWAY_SCALE * chain_scale / mean
        alpha = fit_constants(weights, ls, scale, target)
    shares = {z: logit_shares(alpha, scale, ls[z]) for z in weights}
    return GatewayPool(com, direction, total, scale, mean, alpha, target, shares, ls)


def _gateway_cells(
    spec: CommoditySpec, pool: GatewayPool, gateway: str
) -> dict[tuple[str, str], float]:
    group, so, si = GATEWAYS[gateway]
    seg = so if pool.direction == "out" else si
    zw = _gateway_zones(spec, seg, group)
    weights = _normalized(
        (spec.prod or GDP_2023) if pool.direction == "out" else (spec.cons or GDP_2023)
    )
    cells: dict[tuple[str, str], float] = {}
    for z, wz in weights.items():
        for d, wd in zw.items():
            key = (z, d) if pool.direction == "out" else (d, z)
            cells[key] = pool.total_t * wz * pool.shares[z][gateway] * wd
    return cells


def _fixed_cells(spec: CommoditySpec, seg: str, total: float) -> dict[tuple[str, str], float]:
    """Yunnan/Guizhou segments: plan-area weights × fixed outside-zone weights."""
    group, direction = SEGMENTS[seg]
    zw = _normalized(spec.gateways.get(seg, GROUPS[group]))
    weights = _normalized(
        (spec.prod or GDP_2023) if direction == "out" else (spec.cons or GDP_2023)
    )
    cells: dict[tuple[str, str], float] = {}
    for z, wz in weights.items():
        for d, wd in zw.items():
            cells[(z, d) if direction == "out" else (d, z)] = total * wz * wd
    return cells


@dataclass(frozen=True)
class Generation:
    """Generated rows with the fits behind them."""

    rows: tuple[DemandRow, ...]
    blocks: tuple[BlockFit, ...]
    pools: tuple[GatewayPool, ...]
    share_change: float
    rounds: int

    def report(self) -> str:
        """Plain-text lines on the decay fits and the gateway logit."""
        lines = ["decay fitted to the mean hauls inside the plan area (segment R, road km):"]
        for b in self.blocks:
            lines.append(
                f"  {b.commodity:22s} L = {b.length_km:7.1f} km (all cells: "
                f"{b.untidied_length_km:7.1f})  mean haul {b.final_km:6.1f} km (target "
                f"{b.target_km:g}); floors x{b.floor_factor:g}; Furness {b.iterations} sweeps, "
                f"max error {b.max_rel_error:.1e}"
            )
        lines.append(
            f"gateway logit: {self.rounds} logsum rounds; largest share change in the last "
            f"round {self.share_change:.2e}"
        )
        for p in self.pools:
            tgt = " ".join(f"{g} {s:.3f}" for g, s in sorted(p.target.items()))
            rng = []
            for g in sorted(p.target):
                vals = [p.shares[z][g] for z in p.shares]
                rng.append(f"{g} {min(vals):.3f}-{max(vals):.3f}")
            lines.append(
                f"  {p.commodity:22s} {p.direction:3s} {p.total_t / 1e6:7.3f} Mt  pool shares "
                f"{tgt}; zone range {', '.join(rng)}; scale {p.scale:.2e}/CNY "
                f"(mean reference cost {p.mean_reference_cost:.1f} CNY/t)"
            )
        return "\n".join(lines)


def _block_source(com: str, spec: CommoditySpec, b: BlockFit, seg: str) -> str:
    lo, hi = spec.mean_haul_km[1], spec.mean_haul_km[2]
    return (
        f"{VERSION}: doubly constrained gravity (Furness, tol {FURNESS_TOL:g}) exp(-d/L), "
        f"d = shortest road km, L = {b.length_km:.1f} km fitted to the mean haul "
        f"{b.target_km:g} km (band {lo:g}-{hi:g}; {spec.haul_basis}); segment {seg} "
        f"({SEGMENT_TEXT[seg]}) {spec.split[seg]:.1%} of {com} "
        f"({spec.total_t * spec.split[seg] / 1e6:.3f} Mt/yr, §7.3 pattern); seeded by {spec.seed}"
    )


def _gateway_source(
    com: str, spec: CommoditySpec, seg: str, pool: GatewayPool, gateway: str, zone: str
) -> str:
    if pool.scale == 0:
        how = "gateway split at the base shares (no logsums)"
    else:
        how = (
            f"gateway logit over behavioural logsums (scale {GATEWAY_SCALE:g} x chain_scale / "
            f"{pool.mean_reference_cost:.1f} CNY/t mean reference cost; constants fitted to the "
            f"pool's §7.3 split): "
            f"{zone} {pool.shares[zone][gateway]:.3f} {gateway} at logsum "
            f"{pool.logsums[zone][gateway]:.1f} CNY/t"
        )
    return (
        f"{VERSION}: {how}; segment {seg} ({SEGMENT_TEXT[seg]}) {pool.target[gateway]:.1%} of the "
        f"{pool.direction}bound gateway pool of {com} ({pool.total_t / 1e6:.3f} Mt/yr, §7.3 "
        f"pattern); seeded by {spec.seed}"
    )


def _check_inputs(places: Mapping[str, Place], commodities: Mapping[str, Commodity]) -> None:
    needed = set(REGION) | {z for g in GROUPS.values() for z in g}
    needed |= {s.origin for s in OUTSIDE_SEGMENTS} | {
        z for s in OUTSIDE_SEGMENTS for z in s.destinations
    }
    problems = [
        Problem("places.csv", None, "id", f"zone {z!r} used by the demand generator is missing")
        for z in sorted(needed)
        if z not in places or not places[z].zone
    ]
    coms = set(SPECS) | set(THROUGH_MIX) | {s.commodity for s in OUTSIDE_SEGMENTS}
    problems += [
        Problem("commodities.csv", None, "id", f"commodity {c!r} is missing")
        for c in sorted(coms)
        if c not in commodities
    ]
    if problems:
        raise DataError(problems, context="demand generator")


def _fixed_rows() -> list[DemandRow]:
    """The through corridor and the sourced outside segments (they do not depend on costs)."""
    rows: list[DemandRow] = []
    for o, d in (("CD", "CQ"), ("CQ", "CD")):
        for com, share in sorted(THROUGH_MIX.items()):
            t = round(THROUGH_T * share)
            src = (
                f"{VERSION}: through corridor Chengdu <-> Chongqing core, {THROUGH_T / 1e6:g} Mt/yr "
                f"each way (assumption) x {share:.0%} {com} (assumption: manufacturing-led mix); "
                "not counted in the plan-area shares"
            )
            rows.append(DemandRow(o, d, com, t, "T", src))
    for s in OUTSIDE_SEGMENTS:
        for direction in ("out", "back"):
            cells = {
                ((s.origin, z) if direction == "out" else (z, s.origin)): s.tonnes_each_way * w
                for z, w in _normalized(s.destinations).items()
            }
            src = (
                f"{VERSION}: sourced segment {s.code}, {s.tonnes_each_way / 1e6:.3f} Mt/yr each way "
                f"({s.basis}); not generated by the plan area, not counted in its shares"
            )
            rows += [
                DemandRow(o, d, s.commodity, t, s.code, src)
                for (o, d), t in _round(cells, s.tonnes_each_way).items()
            ]
    return rows


def _assemble(
    blocks: Mapping[str, BlockFit],
    pools: Mapping[tuple[str, str], GatewayPool],
) -> list[DemandRow]:
    rows: list[DemandRow] = []
    for com in sorted(SPECS):
        spec = SPECS[com]
        b = blocks[com]
        n_r = set(REGION)
        for seg in BLOCK_SEGMENTS:
            total = spec.total_t * spec.split.get(seg, 0.0)
            if total <= 0:
                continue
            cells = {
                k: v
                for k, v in b.cells.items()
                if ("R" if k[0] in n_r and k[1] in n_r else "Co" if k[0] in n_r else "Ci") == seg
            }
            src = _block_source(com, spec, b, seg)
            rows += [
                DemandRow(o, d, com, t, seg, src) for (o, d), t in _round(cells, total).items()
            ]
        for (pcom, direction), pool in sorted(pools.items()):
            if pcom != com:
                continue
            for g in sorted(pool.target):
                group, so, si = GATEWAYS[g]
                seg = so if direction == "out" else si
                full = _gateway_cells(spec, pool, g)
                total = sum(full.values())  # = the §7.3 split unless the constants are pivoted
                cells = _kept(full, total)
                for (o, d), t in _round(cells, total).items():
                    zone = o if direction == "out" else d
                    src = _gateway_source(com, spec, seg, pool, g, zone)
                    rows.append(DemandRow(o, d, com, t, seg, src))
        for seg in ("Yo", "Yi"):
            total = spec.total_t * spec.split.get(seg, 0.0)
            if total <= 0:
                continue
            cells = _kept(_fixed_cells(spec, seg, total), total)
            src = (
                f"{VERSION}: fixed Yunnan/Guizhou zone weights (the commodity's mines and "
                f"plants, or the defaults; no distance decay); segment {seg} "
                f"({SEGMENT_TEXT[seg]}) {spec.split[seg]:.1%} of {com} "
                f"({total / 1e6:.3f} Mt/yr, §7.3 pattern); seeded by {spec.seed}"
            )
            rows += [
                DemandRow(o, d, com, t, seg, src) for (o, d), t in _round(cells, total).items()
            ]
    rows += _fixed_rows()
    merged: dict[tuple[str, str, str], DemandRow] = {}
    for r in rows:
        key = (r.origin, r.destination, r.commodity)
        if key in merged:  # cannot happen with disjoint segments
            raise AssertionError(f"two segments give the same row {key}")
        merged[key] = r
    return [merged[k] for k in sorted(merged)]


def _probes(rows: Sequence[DemandRow]) -> list[DemandRow]:
    """Rows of :data:`GATEWAY_PROBE_T` for every gateway OD of a pool that ``rows`` lack."""
    have = {(r.origin, r.destination, r.commodity) for r in rows}
    out = []
    for com in sorted(SPECS):
        spec = SPECS[com]
        for direction, _, target in _pools(com, spec):
            weights = _normalized(
                (spec.prod or GDP_2023) if direction == "out" else (spec.cons or GDP_2023)
            )
            for g in sorted(target):
                group, so, si = GATEWAYS[g]
                for d in _gateway_zones(spec, so if direction == "out" else si, group):
                    for z in weights:
                        key = (z, d, com) if direction == "out" else (d, z, com)
                        if key not in have:
                            out.append(DemandRow(*key, int(GATEWAY_PROBE_T), "probe", "probe"))
    return out


def generate_full(
    folder: str | os.PathLike[str],
    *,
    logsums: LogsumFn | None = None,
    rounds: int = FIXED_POINT_ROUNDS,
    pivot: Generation | None = None,
) -> Generation:
    """Generate the base-year demand of a network folder with the fits behind it.

    Parameters
    ----------
    folder
        Network folder (places, modes, links, terminals, commodities; demand.csv is not read).
    logsums
        Logsums of the gateway choice; default: :func:`behavioural_logsums` of the folder.
    rounds
        Logsum rounds (0: the base gateway shares, no model run).
    pivot
        A base generation whose gateway scales and constants are kept (not refitted): with
        ``logsums`` of a network with projects, the gateway totals respond to the cost changes.

    Raises
    ------
    DataError
        When a zone or commodity the generator uses is missing, a table is invalid, or a block
        cannot be fitted.
    """
    net = read_network(folder)
    places = net.place_by_id
    commodities = net.commodity_by_id
    _check_inputs(places, commodities)
    zones = _block_zones()
    dist = road_km(net.links, zones)
    blocks = {com: fit_block(com, SPECS[com], dist) for com in sorted(SPECS)}
    ls_fn = logsums if logsums is not None else behavioural_logsums(net)

    def pools_at(
        ls: Mapping[tuple[str, str, str], tuple[float, float]] | None,
    ) -> dict[tuple[str, str], GatewayPool]:
        out = {}
        for com in sorted(SPECS):
            for direction, total, target in _pools(com, SPECS[com]):
                out[(com, direction)] = gateway_pool(
                    com,
                    SPECS[com],
                    direction,
                    total,
                    target,
                    ls,
                    commodities[com].chain_scale,
                    base_pools.get((com, direction)) if ls is not None else None,
                )
        return out

    base_pools = {(p.commodity, p.direction): p for p in pivot.pools} if pivot else {}

    pools = pools_at(None)
    rows = _assemble(blocks, pools)
    change = 0.0
    for _ in range(rounds):
        ls = ls_fn([*rows, *_probes(rows)])
        new = pools_at(ls)
        change = max(
            abs(new[k].shares[z][g] - pools[k].shares[z][g])
            for k in new
            for z in new[k].shares
            for g in new[k].shares[z]
        )
        pools = new
        rows = _assemble(blocks, pools)
    return Generation(
        tuple(rows), tuple(blocks[c] for c in sorted(blocks)), tuple(pools.values()), change, rounds
    )


def generate(
    folder: str | os.PathLike[str],
    *,
    logsums: LogsumFn | None = None,
    rounds: int = FIXED_POINT_ROUNDS,
) -> list[DemandRow]:
    """Generate the base-year demand of a network folder (:func:`generate_full`'s rows).

    Returns
    -------
    list of DemandRow
        Sorted by (origin, destination, commodity); tonnes per year, whole tonnes.
    """
    return list(generate_full(folder, logsums=logsums, rounds=rounds).rows)


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
    rows, result, _ = write_full(folder)
    return rows, result


def write_full(
    folder: str | os.PathLike[str],
) -> tuple[list[DemandRow], DemandCheck, Generation]:
    """:func:`write` with the fits behind the rows."""
    gen = generate_full(folder)
    rows = list(gen.rows)
    (Path(folder) / "demand.csv").write_text(render_csv(rows), encoding="utf-8", newline="")
    return rows, check(rows), gen


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tools.demandgen FOLDER``: rewrite FOLDER/demand.csv and report the checks.

    Returns 0 when every check passes, 1 otherwise, 2 for invalid input.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m tools.demandgen NETWORK_FOLDER\n")
        return 2
    try:
        _, result, gen = write_full(args[0])
    except DataError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    sys.stdout.write(result.report() + "\n" + gen.report() + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
