"""The economics of the appraisal: price base, benefit profile, cost profile and indicators.

Pure functions of numbers and project files, no solving (:mod:`freight.analysis.appraise` calls
them with the modelled benefits). Conventions (建设项目经济评价方法与参数 3rd ed. [S40], EU Guide
to Cost-Benefit Analysis of Investment Projects 2014, TAG unit A1.1):

* **Price base and discounting** at :attr:`Economics.base_year`; every money figure is CNY at
  the price base. Capex at a project's ``price_year`` is re-indexed with the deflator series,
  converted to economic prices with the conversion factor, and uplifted by optimism bias, which
  is reported separately.
* **Do-minimum and sunk costs**: a project open before the base year is in the do-minimum and
  carries no cost; capex of a construction year before the base year is sunk (reported, not
  counted).
* **Benefit profile**: each component's annual benefit is known at the modelled years; between
  them it is interpolated linearly, after the last it follows the last segment's trend to
  ``cap_year`` and is held after; before the first modelled year it is held at the first. With
  one modelled year it is flat. Time components grow with the value-of-time index
  ``I_y = (GDP per head_y / GDP per head_base) ** elasticity`` in every year, the cap year
  included: cargo time wholly, vehicle time only by its crew (wage) share ``s``
  (``s I_y + 1 − s``: the vehicle's capital and time-related running costs do not grow with
  income, TAG unit A1.3's treatment of vehicle operating costs).
* **Costs**: capex by the project's construction profile (even by default); opex each operating
  year; a straight-line residual value ``counted capex × (lifetime − period) / lifetime`` in the
  last appraised year (on the capex counted, without optimism bias: a sunk part earns none, so a
  capex sensitivity never raises a BCR through the residual).
* **Indicators**: NPV, BCR = PV(benefits + residual) / PV(capex + optimism bias + opex), IRR
  (blank when the net flow does not change sign), FYRR = first operating year's benefit / capex
  (incl. optimism bias), switching values: the capex (blank when even a zero capex leaves BCR
  below 1) and the share of benefits at which BCR = 1 (blank without benefits).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scipy.optimize import brentq

from freight.errors import Problem, ScenarioError
from freight.scenario.files import EconomicsFile, ProjectFile, read_economics_file

log = logging.getLogger(__name__)

TIME_COMPONENTS: frozenset[str] = frozenset({"cargo_time", "vehicle_time"})
"""Components whose value grows with the value-of-time index (``vehicle_time`` by its crew share,
:meth:`Economics.time_growth`)."""
MIN_PV = 1.0
"""PV of benefits (CNY) below which a project is treated as having none (no benefit switching
value: the ratio would be rounding noise)."""
PRICE_BASE_COMPONENTS: frozenset[str] = frozenset({"local_air", "accidents"})
"""Components valued at unit values of the price base (not re-indexed)."""


@dataclass(frozen=True)
class Economics:
    """The appraisal's parameters (see :class:`freight.scenario.files.EconomicsFile`).

    Money is CNY at the price base ``base_year``; rates per year.
    """

    discount_rate: float = 0.08
    base_year: int = 2025
    model_price_year: int = 2023
    period: int = 30
    cap_year: int = 2045
    ramp_up: tuple[float, ...] = (0.5, 0.75)
    carbon_price: float = 100.0
    carbon_price_growth: float = 0.0
    vot_elasticity: float = 1.0
    gdp_per_head_growth: tuple[tuple[int, float], ...] = ((2023, 0.0),)
    deflator: Mapping[int, float] = field(default_factory=lambda: {2023: 100.0})
    capex_cf: float = 1.0
    opex_cf: float = 1.0
    vat_transport: float = 0.0
    optimism_bias: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    optimism_bias_by_mode: Mapping[str, str] = field(default_factory=dict)
    local_air: Mapping[str, float] = field(default_factory=dict)
    accidents: Mapping[str, float] = field(default_factory=dict)
    background_cargo_vot: float = 0.0
    crew_share: float = 1.0
    vot_factor: float = 1.0
    capex_factor: float = 1.0
    benefit_factor: float = 1.0

    def price_index(self, year: int) -> float:
        """Factor from prices of ``year`` to the price base (deflator_base / deflator_year).

        Raises
        ------
        ScenarioError
            If either year is not in the deflator series.
        """
        for y in (year, self.base_year):
            if y not in self.deflator:
                raise ScenarioError(
                    [
                        Problem(
                            "scenarios/economics/economics.toml",
                            None,
                            "deflator",
                            f"no deflator for {y} (series covers "
                            f"{min(self.deflator)}–{max(self.deflator)})",
                        )
                    ]
                )
        return self.deflator[self.base_year] / self.deflator[year]

    def gdp_per_head(self, year: int) -> float:
        """Real GDP per head in ``year`` relative to the base year (1 at the base year)."""

        def level(y: int) -> float:
            out = 1.0
            steps = sorted(self.gdp_per_head_growth)
            first = steps[0][0]
            for t in range(first, y):
                rate = [g for (y0, g) in steps if y0 <= t][-1]
                out *= 1.0 + rate
            return out

        return level(year) / level(self.base_year)

    def vot_index(self, year: int) -> float:
        """Value-of-time index of ``year``: GDP per head relative to the base year to the
        power of the elasticity, times :attr:`vot_factor`."""
        return float(self.vot_factor * self.gdp_per_head(year) ** self.vot_elasticity)

    def time_growth(self, component: str, year: int) -> float:
        """Factor on a component's value in ``year`` from the growth of values of time: the
        value-of-time index for ``cargo_time``, ``crew_share × index + 1 − crew_share`` for
        ``vehicle_time`` (only the crew's wages grow with income), 1 for other components."""
        if component == "cargo_time":
            return self.vot_index(year)
        if component == "vehicle_time":
            return self.crew_share * self.vot_index(year) + 1.0 - self.crew_share
        return 1.0

    def carbon(self, year: int) -> float:
        """Carbon price of ``year``, CNY/t CO2 at the price base."""
        return self.carbon_price * (1.0 + self.carbon_price_growth) ** (year - self.base_year)

    def discount(self, year: int, rate: float | None = None) -> float:
        """Discount factor of ``year`` to the base year."""
        r = self.discount_rate if rate is None else rate
        return float((1.0 + r) ** -(year - self.base_year))


def load_economics(path: str | Path) -> Economics:
    """The :class:`Economics` of an economics TOML (``scenarios/economics/economics.toml``)."""
    f: EconomicsFile = read_economics_file(Path(path))
    return Economics(
        discount_rate=f.discount_rate,
        base_year=f.base_year,
        model_price_year=f.model_price_year,
        period=f.period_years,
        cap_year=f.cap_year,
        ramp_up=tuple(f.ramp_up),
        carbon_price=f.carbon_price_cny_per_t,
        carbon_price_growth=f.carbon_price_growth,
        vot_elasticity=f.vot_income_elasticity,
        gdp_per_head_growth=tuple(sorted((int(k), v) for k, v in f.gdp_per_head_growth.items())),
        deflator={int(k): v for k, v in f.deflator.items()},
        capex_cf=f.capex_conversion_factor,
        opex_cf=f.opex_conversion_factor,
        vat_transport=f.vat_transport,
        optimism_bias={k: (v.planned, v.under_construction) for k, v in f.optimism_bias.items()},
        optimism_bias_by_mode=dict(f.optimism_bias_by_mode),
        local_air={str(k): v for k, v in f.local_air_cny_per_t_km.items()},
        accidents={str(k): v for k, v in f.accidents_cny_per_t_km.items()},
        background_cargo_vot=f.background_cargo_vot_cny_per_t_h,
        crew_share=f.vehicle_time_crew_share,
    )


# ----------------------------------------------------------------------------- benefit profile


def profile_value(modelled: Mapping[int, float], year: int, cap_year: int) -> float:
    """The value of a modelled quantity in ``year`` (module docstring: interpolation between
    modelled years, the last segment's trend to ``cap_year``, held after and before).

    Parameters
    ----------
    modelled
        Modelled year -> value (any unit, e.g. CNY/yr).
    year
        The year wanted.
    cap_year
        Last year of extrapolation.
    """
    years = sorted(modelled)
    if not years:
        return 0.0
    if len(years) == 1:
        return float(modelled[years[0]])
    y = min(year, max(cap_year, years[-1]))
    if y <= years[0]:
        return float(modelled[years[0]])
    for a, b in zip(years, years[1:], strict=False):
        if y <= b:
            return float(modelled[a] + (modelled[b] - modelled[a]) * (y - a) / (b - a))
    a, b = years[-2], years[-1]
    return float(modelled[b] + (modelled[b] - modelled[a]) * (y - b) / (b - a))


# ----------------------------------------------------------------------------- costs


@dataclass(frozen=True)
class CostProfile:
    """A project's costs at the price base, CNY, by year (economic prices).

    Attributes
    ----------
    capex
        Capex counted (construction years from the base year on), without optimism bias.
    optimism_bias
        The optimism-bias uplift of the counted capex.
    opex
        Operating cost per operating year.
    sunk
        Capex of construction years before the base year (not counted).
    residual
        Residual value credited in the last appraised year.
    residual_year
        That year.
    capex_total
        Economic capex of the whole project (sunk included, no optimism bias).
    ob_rate
        The optimism-bias uplift applied.
    do_minimum
        The project is open before the base year: no cost at all.
    """

    capex: dict[int, float]
    optimism_bias: dict[int, float]
    opex: dict[int, float]
    sunk: float
    residual: float
    residual_year: int
    capex_total: float
    ob_rate: float
    do_minimum: bool


def is_do_minimum(project: ProjectFile, eco: Economics) -> bool:
    """Whether the project is open before the base year (the do-minimum)."""
    return project.opening_year < eco.base_year


def optimism_bias_rate(project: ProjectFile, eco: Economics) -> float:
    """The optimism-bias uplift of a project: its cost type's planned or under-construction
    rate (under construction: construction started before the base year); 0 when the type is
    unknown (logged)."""
    kind = project.cost_type or eco.optimism_bias_by_mode.get(project.mode, "")
    if kind not in eco.optimism_bias:
        if eco.optimism_bias:
            log.warning("%s: no optimism-bias class for %r: no uplift", project.id, kind)
        return 0.0
    planned, building = eco.optimism_bias[kind]
    return building if project.construction_start < eco.base_year else planned


def cost_profile(project: ProjectFile, eco: Economics, *, full_capex: bool = False) -> CostProfile:
    """The project's costs at the price base in economic prices (module docstring).

    ``full_capex`` charges the whole capex; otherwise only ``freight_capex_share`` of it (and of
    the opex) is charged to the freight appraisal.
    """
    build = list(range(project.construction_start, project.opening_year)) or [project.opening_year]
    shares = list(project.construction_profile) or [1.0 / len(build)] * len(build)
    share = 1.0 if full_capex else project.freight_capex_share
    index = eco.price_index(project.price_year)
    capex_total = project.capex_cny * index * eco.capex_cf * share * eco.capex_factor
    opex_year = project.opex_cny_per_year * index * eco.opex_cf * share
    last = project.opening_year + eco.period - 1
    if is_do_minimum(project, eco):
        return CostProfile({}, {}, {}, capex_total, 0.0, last, capex_total, 0.0, True)
    ob = optimism_bias_rate(project, eco)
    capex: dict[int, float] = {}
    bias: dict[int, float] = {}
    sunk = 0.0
    for y, s in zip(build, shares, strict=True):
        if y < eco.base_year:
            sunk += capex_total * s
            continue
        capex[y] = capex.get(y, 0.0) + capex_total * s
        bias[y] = bias.get(y, 0.0) + capex_total * s * ob
    opex = {project.opening_year + i: opex_year for i in range(eco.period)}
    residual = 0.0
    if project.lifetime_years > eco.period:  # on the counted capex: a sunk cost earns nothing
        counted = sum(capex.values())
        residual = counted * (project.lifetime_years - eco.period) / project.lifetime_years
    return CostProfile(capex, bias, opex, sunk, residual, last, capex_total, ob, False)


def ramp(project: ProjectFile, eco: Economics, year: int) -> float:
    """Share of the full benefit in ``year`` (0 before opening; the ramp-up after)."""
    i = year - project.opening_year
    if i < 0 or i >= eco.period:
        return 0.0
    r = eco.ramp_up if project.ramp_up is None else tuple(project.ramp_up)
    return r[i] if i < len(r) else 1.0


def operating_years(project: ProjectFile, eco: Economics) -> list[int]:
    """The appraised operating years (from the base year on)."""
    return [
        y
        for y in range(project.opening_year, project.opening_year + eco.period)
        if y >= eco.base_year
    ]


# ----------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class Indicators:
    """The decision indicators of one project (CNY at the price base, discounted).

    ``bcr``, ``irr``, ``fyrr``, the switching values are ``None`` where undefined.
    """

    pv_benefit: float
    pv_residual: float
    pv_capex: float
    pv_optimism_bias: float
    pv_opex: float
    npv: float
    bcr: float | None
    irr: float | None
    fyrr: float | None
    capex_switch: float | None
    benefit_switch: float | None

    @property
    def pv_cost(self) -> float:
        """PV of capex, optimism bias and opex."""
        return self.pv_capex + self.pv_optimism_bias + self.pv_opex


def net_flows(benefit: Mapping[int, float], costs: CostProfile) -> dict[int, float]:
    """Benefit + residual − capex − optimism bias − opex by year (CNY)."""
    years = sorted(set(benefit) | set(costs.capex) | set(costs.opex))
    out = {
        y: benefit.get(y, 0.0)
        - costs.capex.get(y, 0.0)
        - costs.optimism_bias.get(y, 0.0)
        - costs.opex.get(y, 0.0)
        for y in years
    }
    if costs.residual and not costs.do_minimum:
        out[costs.residual_year] = out.get(costs.residual_year, 0.0) + costs.residual
    return out


def irr(flows: Mapping[int, float], base_year: int) -> float | None:
    """The rate at which the NPV of ``flows`` is 0 (between −90 % and 500 %), ``None`` when
    the NPV does not change sign there."""

    def f(r: float) -> float:
        return sum(v * (1.0 + r) ** -(y - base_year) for y, v in flows.items())

    lo, hi = -0.9, 5.0
    a, b = f(lo), f(hi)
    if not (math.isfinite(a) and math.isfinite(b)) or a * b >= 0:
        return None
    return float(brentq(f, lo, hi, xtol=1e-12))


def indicators(
    benefit: Mapping[int, float], costs: CostProfile, eco: Economics, first_year: int
) -> Indicators:
    """NPV, BCR, IRR, FYRR and switching values of a benefit stream and a cost profile.

    Parameters
    ----------
    benefit
        Year -> annual benefit (CNY at the price base, ramp-up applied).
    costs
        :func:`cost_profile` of the project.
    eco
        Discounting.
    first_year
        First operating year (for FYRR).
    """

    def pv(d: Mapping[int, float]) -> float:
        return sum(v * eco.discount(y) for y, v in d.items())

    pv_b = pv(benefit)
    pv_rv = 0.0 if costs.do_minimum else costs.residual * eco.discount(costs.residual_year)
    pv_k, pv_ob, pv_o = pv(costs.capex), pv(costs.optimism_bias), pv(costs.opex)
    pv_c = pv_k + pv_ob + pv_o
    npv = pv_b + pv_rv - pv_c
    bcr = (pv_b + pv_rv) / pv_c if pv_c > 0 else None
    capex_all = sum(costs.capex.values()) + sum(costs.optimism_bias.values())
    fyrr = benefit.get(first_year, 0.0) / capex_all if capex_all > 0 else None
    # capex scaled by s (the residual scales with it): pv_b + s·pv_rv − s·(pv_k + pv_ob) − pv_o
    k_net = pv_k + pv_ob - pv_rv
    capex_switch: float | None = None
    if k_net > 0 and capex_all > 0 and pv_b > pv_o:
        capex_switch = (pv_b - pv_o) / k_net * capex_all
    benefit_switch = (pv_c - pv_rv) / pv_b if pv_b > MIN_PV and pv_c > 0 else None
    rate = irr(net_flows(benefit, costs), eco.base_year) if pv_c > 0 else None
    return Indicators(
        pv_b, pv_rv, pv_k, pv_ob, pv_o, npv, bcr, rate, fyrr, capex_switch, benefit_switch
    )


def with_sensitivity(eco: Economics, **changes: Any) -> Economics:
    """A copy of ``eco`` with some fields changed (a sensitivity test)."""
    return replace(eco, **changes)


def component_year_value(
    component: str,
    modelled: Mapping[int, float],
    year: int,
    eco: Economics,
    co2_modelled: Mapping[int, float] | None = None,
) -> float:
    """One component's benefit in ``year``, CNY at the price base.

    ``modelled`` holds the component at the modelled years in the network's prices (CNY/yr at
    ``model_price_year``), re-indexed here (but :data:`PRICE_BASE_COMPONENTS`); time components
    grow with :meth:`Economics.time_growth`.
    The ``co2`` component is tonnes avoided (``co2_modelled``) × the year's carbon price.
    """
    if component == "co2":
        tonnes = profile_value(co2_modelled or {}, year, eco.cap_year)
        return tonnes * eco.carbon(year) * eco.benefit_factor
    v = profile_value(modelled, year, eco.cap_year)
    if component not in PRICE_BASE_COMPONENTS:
        v *= eco.price_index(eco.model_price_year)
    if component in TIME_COMPONENTS:
        v *= eco.time_growth(component, year)
    return v * eco.benefit_factor


def benefit_stream(
    project: ProjectFile,
    components: Mapping[tuple[str, str], Mapping[int, float]],
    eco: Economics,
    co2: Mapping[tuple[str, str], Mapping[int, float]] | None = None,
) -> dict[tuple[str, str, int], float]:
    """(user class, component, year) -> benefit, CNY at the price base, ramp-up applied.

    ``components`` maps (user class, component) to its modelled values by year (network
    prices); for the ``co2`` component ``co2`` maps the same key to tonnes avoided by year.
    """
    out: dict[tuple[str, str, int], float] = {}
    for y in operating_years(project, eco):
        share = ramp(project, eco, y)
        for key, modelled in components.items():
            v = component_year_value(key[1], modelled, y, eco, (co2 or {}).get(key))
            out[(key[0], key[1], y)] = v * share
    return out


def yearly_total(stream: Mapping[tuple[str, str, int], float]) -> dict[int, float]:
    """Year -> sum over user classes and components."""
    out: dict[int, float] = {}
    for (_, _, y), v in stream.items():
        out[y] = out.get(y, 0.0) + v
    return out


def largest(values: Mapping[str, float], n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` entries of largest absolute value, largest first."""
    return sorted(values.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:n]


__all__: Sequence[str] = (
    "PRICE_BASE_COMPONENTS",
    "TIME_COMPONENTS",
    "CostProfile",
    "Economics",
    "Indicators",
    "benefit_stream",
    "component_year_value",
    "cost_profile",
    "indicators",
    "irr",
    "is_do_minimum",
    "largest",
    "load_economics",
    "net_flows",
    "operating_years",
    "optimism_bias_rate",
    "profile_value",
    "ramp",
    "with_sensitivity",
    "yearly_total",
)
