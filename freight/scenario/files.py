"""The scenario and project files: their TOML keys, declared once as strict pydantic models.

Every table is ``extra="forbid"`` and frozen: an unknown key is an error naming the file and key,
with the nearest valid key ("did you mean `speed_kmh`?"). Every number is finite and bounded
(docs/scenarios.md, "Bounds", gives each bound and its reasoning). The rows of a project's
``[[add_links]]``, ``[[add_terminals]]`` and ``[[add_places]]`` are validated by the row models
of the CSV tables (:mod:`freight.data.schema`), with unknown columns forbidden, and the ``set``
table of a ``[[modify_*]]`` edit may name only that table's columns, each value checked against
its column's type and bounds. Mode keys (``tariff_factors``) are checked here; commodity keys
(``vot_factors``, ``[demand.by_commodity]``) when the scenario is resolved onto its network
(:func:`freight.scenario.resolve.check_scenario_ids`).

:func:`read_scenario_file` and :func:`read_project_file` parse one file (no ``extends``
resolution; that is :mod:`freight.scenario.resolve`).
"""

from __future__ import annotations

import errno
import re
import tomllib
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from freight.data.schema import (
    MAX_FACTOR,
    MAX_HOURS,
    MAX_YEAR,
    MIN_YEAR,
    MODES,
    RANGE_ERRORS,
    TABLE_BY_NAME,
    Mode,
    Row,
    bounds_text,
    column_adapter,
    columns,
    field_name,
    strict_model,
)
from freight.errors import Problem, ScenarioError, did_you_mean

EDIT_TABLES: tuple[str, ...] = ("places", "links", "terminals")
"""The tables a project may edit."""

MAX_GROWTH = 1.0
"""Largest demand growth rate per year (100 %/yr); the smallest is ``MIN_GROWTH``."""
MIN_GROWTH = -0.5
"""Smallest demand growth rate per year (-50 %/yr)."""
MAX_CARBON_PRICE = 1e4
"""Largest carbon price, CNY per tonne CO2 (the EU price is about 600; the highest published
social costs of carbon are about 3,000)."""
MAX_CAPEX_CNY = 1e13
"""Largest project investment, CNY (10 万亿; the Three Gorges Dam cost about 2e11)."""
MAX_OPEX_CNY = 1e12
"""Largest yearly operating cost of a project, CNY per year."""
MAX_LIFETIME_YEARS = 200
"""Longest appraisal lifetime of an asset, years."""


def _f(default: Any, description: str, unit: str = "", **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"unit": unit}, **kw)


Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR)]
"""A multiplier of a cost: finite, 0 to ``MAX_FACTOR``."""
Growth = Annotated[float, Field(ge=MIN_GROWTH, le=MAX_GROWTH)]
"""A growth rate per year: finite, ``MIN_GROWTH`` to ``MAX_GROWTH``."""
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
"""A calendar year, ``MIN_YEAR`` to ``MAX_YEAR``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DemandGrowth(_Strict):
    """Demand growth from the data's base year to the scenario year (``[demand]``)."""

    growth: float | None = _f(
        None,
        "overall growth per year, compound from each demand row's base year; "
        "blank = inherited (0 at the root)",
        "1/yr",
        ge=MIN_GROWTH,
        le=MAX_GROWTH,
    )
    by_commodity: dict[str, Growth] = _f(
        {},
        "growth per year for named commodities (replaces growth); keys are commodity ids of the "
        "network, each with the bounds of growth",
        "1/yr",
    )
    factor: float | None = _f(
        None,
        "a final multiplier on every demand row; blank = inherited (1 at the root)",
        "",
        gt=0,
        le=MAX_FACTOR,
    )


class BackgroundGrowth(_Strict):
    """Growth of the links' background traffic (``background_t``) to the scenario year
    (``[background]``)."""

    growth: float | None = _f(
        None,
        "growth per year of every link's background, compound from the demand's base year; "
        "blank = inherited (0 at the root)",
        "1/yr",
        ge=MIN_GROWTH,
        le=MAX_GROWTH,
    )
    by_mode: dict[Mode, Growth] = _f(
        {}, "growth per year of the links of a mode (replaces growth; keys road, rail, water, air)",
        "1/yr",
    )  # fmt: skip
    by_link: dict[str, Growth] = _f(
        {}, "growth per year of named links (replaces by_mode and growth; keys link ids)", "1/yr"
    )
    max_vc: dict[Mode, Annotated[float, Field(gt=0, le=1)]] = _f(
        {}, "ceiling of a mode's grown background as a share of each link's capacity_t before the "
        "projects (a link a project adds: its own), so every network of one future carries the "
        "same background; growth beyond it is suppressed and logged; a mode without a key: 1 "
        "(keys road, rail, water, air)", "",
    )  # fmt: skip


class Parameters(_Strict):
    """Prices of the generalized cost (``[parameters]``)."""

    carbon_price: float | None = _f(
        None, "price of CO2; blank = inherited (0 at the root)", "CNY/t CO2", ge=0,
        le=MAX_CARBON_PRICE,
    )  # fmt: skip
    vot_factor: float | None = _f(
        None, "multiplies every value of time; blank = inherited (1 at the root)", "",
        gt=0, le=MAX_FACTOR,
    )  # fmt: skip
    vot_factors: dict[str, Factor] = _f(
        {},
        "multiplies the value of time of named commodities (keys: commodity ids of the network)",
        "",
    )
    tariff_factors: dict[Mode, Factor] = _f(
        {}, "multiplies the money cost of a mode (keys: road, rail, water, air)", ""
    )
    discount_rate: float | None = _f(
        None,
        "social discount rate of the appraisal; blank = inherited (0.08 at the root)",
        "1/yr",
        gt=0,
        le=0.5,
    )


class Disruption(_Strict):
    """Close or derate a link or terminal for a share of the year (``[[disruptions]]``)."""

    element: str = _f(..., "link or terminal id", min_length=1)
    action: Literal["close", "derate"] = _f("close", "close, or derate to factor")
    factor: float = _f(0.0, "capacity kept while derated (share)", "", ge=0, le=1)
    share_of_year: float = _f(1.0, "share of the year the disruption lasts", "", gt=0, le=1)
    extra_wait_h: float = _f(
        0.0, "extra time per traversal while disrupted", "h", ge=0, le=MAX_HOURS
    )
    note: str = _f("", "free text")


class SolverOptions(_Strict):
    """Solver settings of a scenario (``[solver]``)."""

    method: Literal["mcf", "lp", "logit"] | None = _f(
        None,
        "logit (the behavioural model), mcf (the planner's system optimum, fast exact) or lp "
        "(its HiGHS reference); used by freight run and compare unless --method is given; "
        "blank = inherited (logit at the root)",
    )


class ScenarioFile(_Strict):
    """The TOML of a scenario."""

    id: str = _f(..., "scenario id (the file name by convention)", min_length=1)
    title: str = _f("", "one-line title")
    description: str = _f("", "what the scenario assumes and why")
    data: str | None = _f(None, "network data folder, relative to this file (give data or extends)")
    extends: str | None = _f(
        None, "parent scenario file, relative to this file (give data or extends)"
    )
    year: int | None = _f(
        None, "scenario year; demand grows from each row's base year to it", "year",
        ge=MIN_YEAR, le=MAX_YEAR,
    )  # fmt: skip
    demand: DemandGrowth = _f(DemandGrowth(), "demand growth ([demand] table)")
    background: BackgroundGrowth = _f(
        BackgroundGrowth(),
        "growth of background traffic ([background] table); a grown background is capped at "
        "max_vc (default 1) x the link's capacity_t before the projects",
    )
    parameters: Parameters = _f(Parameters(), "prices ([parameters] table)")
    projects: list[str] | None = _f(
        None, "project ids (files projects/ID.toml); replaces the parent's list"
    )
    add_projects: list[str] = _f([], "project ids added to the parent's list")
    remove_projects: list[str] = _f([], "project ids removed from the parent's list")
    disruptions: list[Disruption] | None = _f(
        None, "disruptions ([[disruptions]] rows); replaces the parent's list"
    )
    solver: SolverOptions = _f(SolverOptions(), "solver settings ([solver] table)")

    @model_validator(mode="after")
    def _base(self) -> ScenarioFile:
        if self.data is None and self.extends is None:
            raise ValueError("a scenario needs 'data' (a network folder) or 'extends' (a scenario)")
        if self.data is not None and self.extends is not None:
            raise ValueError("give either 'data' or 'extends', not both")
        return self


class ModifyEdit(_Strict):
    """Set columns of an existing row (``[[modify_links]]`` etc.)."""

    id: str = _f(..., "id of the row to change", min_length=1)
    set: dict[str, Any] = _f(
        ..., "columns of that table and their new values (type and bounds of the column)",
        min_length=1,
    )  # fmt: skip


class ProjectFile(_Strict):
    """The TOML of a project: edits plus costs and dates."""

    id: str = _f(..., "project id (must equal the file name)", min_length=1)
    name: str = _f(..., "English name", min_length=1)
    name_zh: str = _f("", "Chinese name")
    mode: str = _f("", "asset class, e.g. rail, road, water_terminal (informative)")
    plan_section: str = _f(..., "where the plan names it, e.g. '(十一)'")
    description: str = _f("", "what is built")
    source: str = _f(..., "citations and assumptions; the default source of added rows")
    capex_cny: float = _f(..., "investment (prices of price_year)", "CNY", ge=0, le=MAX_CAPEX_CNY)
    price_year: int = _f(2023, "price year of capex and opex", "year", ge=MIN_YEAR, le=MAX_YEAR)
    opex_cny_per_year: float = _f(0.0, "operating cost", "CNY/yr", ge=0, le=MAX_OPEX_CNY)
    construction_start: int = _f(..., "first year of construction", "year", ge=MIN_YEAR,
                                 le=MAX_YEAR)  # fmt: skip
    opening_year: int = _f(..., "first year of operation", "year", ge=MIN_YEAR, le=MAX_YEAR)
    lifetime_years: int = _f(30, "appraisal lifetime", "years", ge=1, le=MAX_LIFETIME_YEARS)
    construction_profile: list[Annotated[float, Field(ge=0, le=1)]] = _f(
        [],
        "share of capex spent in each year construction_start .. opening_year - 1 (all in the "
        "opening year when they coincide); shares sum to 1; empty = even spread",
        "",
    )
    ramp_up: list[Annotated[float, Field(ge=0, le=1)]] | None = _f(
        None,
        "share of the full annual benefit in the first operating years; blank = the "
        "appraisal's default (scenarios/economics/economics.toml)",
        "",
    )
    cost_type: str = _f(
        "",
        "optimism-bias class of the capex (a key of [optimism_bias] in "
        "scenarios/economics/economics.toml); blank = by mode",
    )
    freight_capex_share: float = _f(
        1.0,
        "share of the capex attributed to freight for a mixed-purpose project (the full-capex "
        "BCR is shown beside); its reasoning goes in source",
        "",
        gt=0,
        le=1,
    )
    base_assumptions: str = _f(
        "", "base-network assumptions the project's benefit depends on, with their sources"
    )
    requires: list[str] = _f([], "project ids that must be in the same scenario")
    excludes: list[str] = _f([], "project ids that may not be in the same scenario")
    add_places: list[dict[str, Any]] = _f(
        [], "new rows of places.csv (columns, types and bounds of places.csv)"
    )
    add_links: list[dict[str, Any]] = _f(
        [], "new rows of links.csv (columns, types and bounds of links.csv)"
    )
    add_terminals: list[dict[str, Any]] = _f(
        [], "new rows of terminals.csv (columns, types and bounds of terminals.csv)"
    )
    modify_places: list[ModifyEdit] = _f([], "changes to rows of places.csv")
    modify_links: list[ModifyEdit] = _f([], "changes to rows of links.csv")
    modify_terminals: list[ModifyEdit] = _f([], "changes to rows of terminals.csv")
    remove_links: list[str] = _f([], "ids of links.csv rows to remove")
    remove_terminals: list[str] = _f([], "ids of terminals.csv rows to remove")
    expected_effect: str = _f("", "what the project should change (checked by the direction suite)")

    @model_validator(mode="after")
    def _years(self) -> ProjectFile:
        if self.opening_year < self.construction_start:
            raise ValueError("opening_year is before construction_start")
        if self.construction_profile:
            years = max(self.opening_year - self.construction_start, 1)
            if len(self.construction_profile) != years:
                raise ValueError(
                    f"construction_profile has {len(self.construction_profile)} shares for "
                    f"{years} construction years (construction_start .. opening_year - 1)"
                )
            if abs(sum(self.construction_profile) - 1.0) > 1e-6:
                raise ValueError("construction_profile shares do not sum to 1")
        return self


class OptimismBias(_Strict):
    """Optimism-bias uplifts of one cost type (``[optimism_bias.TYPE]`` of economics.toml)."""

    planned: float = _f(..., "uplift of a project not yet under construction", "", ge=0, le=3)
    under_construction: float = _f(
        ..., "uplift of a project under construction at the base year", "", ge=0, le=3
    )


class Sensitivity(_Strict):
    """The sensitivity tests of the appraisal (``[sensitivity]`` of economics.toml)."""

    capex_factor: float = _f(1.2, "capex multiplier of the high-cost test", "", gt=0, le=10)
    benefit_factor: float = _f(0.8, "benefit multiplier of the low-benefit test", "", ge=0, le=10)
    vot_income_elasticity: float = _f(
        1.0, "income elasticity of the value-of-time test", "", ge=0, le=3
    )
    vot_factor: float = _f(0.5, "multiplier of every time saving in the low-VOT test", "", ge=0,
                           le=10)  # fmt: skip
    carbon_price_cny_per_t: list[Annotated[float, Field(ge=0, le=MAX_CARBON_PRICE)]] = _f(
        [0.0, 300.0], "carbon prices of the carbon tests (price base)", "CNY/t CO2"
    )


class EconomicsFile(_Strict):
    """The appraisal's economic parameters (``scenarios/economics/economics.toml``); every
    parameter has an entry in ``sources`` (a citation or ``assumption: …``)."""

    discount_rate: float = _f(..., "social discount rate", "1/yr", gt=0, le=0.5)
    base_year: Year = _f(
        ..., "price base and discounting year; projects open before it are the do-minimum", "year"
    )
    model_price_year: Year = _f(..., "price year of the network's money costs", "year")
    period_years: int = _f(..., "operating years appraised", "years", ge=1, le=MAX_LIFETIME_YEARS)
    cap_year: Year = _f(..., "last year of benefit growth (held after, but for VOT)", "year")
    ramp_up: list[Annotated[float, Field(ge=0, le=1)]] = _f(
        ..., "default share of the full benefit in the first operating years", ""
    )
    carbon_price_cny_per_t: float = _f(
        ..., "appraisal carbon price at the base year (price base)", "CNY/t CO2", ge=0,
        le=MAX_CARBON_PRICE,
    )  # fmt: skip
    carbon_price_growth: float = _f(0.0, "real growth of the carbon price", "1/yr", ge=-0.5,
                                    le=0.5)  # fmt: skip
    vot_income_elasticity: float = _f(
        ..., "elasticity of values of time to real GDP per head", "", ge=0, le=3
    )
    gdp_per_head_growth: dict[str, Growth] = _f(
        ..., "real GDP per head growth from each year (key) until the next key", "1/yr"
    )
    deflator: dict[str, Annotated[float, Field(gt=0, le=1e6)]] = _f(
        ..., "price index by year (any base): capex re-indexed to base_year", ""
    )
    capex_conversion_factor: float = _f(
        ..., "economic (shadow) price / market price of capex", "", gt=0, le=MAX_FACTOR
    )
    opex_conversion_factor: float = _f(
        ..., "economic price / market price of operating costs", "", gt=0, le=MAX_FACTOR
    )
    vat_transport: float = _f(..., "VAT rate inside transport prices", "", ge=0, le=1)
    optimism_bias: dict[str, OptimismBias] = _f(..., "uplifts by cost type")
    optimism_bias_by_mode: dict[str, str] = _f(
        ..., "cost type of a project by its mode (when cost_type is blank)"
    )
    local_air_cny_per_t_km: dict[Mode, Annotated[float, Field(ge=0, le=100)]] = _f(
        ..., "local air pollution cost by mode (price base)", "CNY/t-km"
    )
    accidents_cny_per_t_km: dict[Mode, Annotated[float, Field(ge=0, le=100)]] = _f(
        ..., "accident cost by mode (price base)", "CNY/t-km"
    )
    background_cargo_vot_cny_per_t_h: float = _f(
        ..., "value of time of the background traffic's load", "CNY/t-h", ge=0, le=1e4
    )
    vehicle_time_crew_share: float = _f(
        1.0, "crew (wage) share of the vehicle-time cost: only it grows with the value-of-time "
        "index (vehicle capital does not)", "", ge=0, le=1,
    )  # fmt: skip
    sensitivity: Sensitivity = _f(Sensitivity(), "sensitivity tests")
    sources: dict[str, str] = _f(..., "parameter name -> citation or 'assumption: …'")

    @model_validator(mode="after")
    def _sourced(self) -> EconomicsFile:
        missing = [k for k in type(self).model_fields if k != "sources" and not self.sources.get(k)]
        if missing:
            raise ValueError(f"no source for: {', '.join(missing)}")
        for key in (*self.gdp_per_head_growth, *self.deflator):
            if not key.isdigit():
                raise ValueError(f"year key {key!r} is not a year")
        for mode, kind in self.optimism_bias_by_mode.items():
            if kind not in self.optimism_bias:
                raise ValueError(f"optimism_bias_by_mode.{mode}: unknown cost type {kind!r}")
        return self


MAX_BUDGET_CNY_100M = 1e6
"""Largest capital budget of a portfolio, 亿 CNY (per year or in total)."""


class PortfolioFile(_Strict):
    """A capital budget for ``freight portfolio`` (``scenarios/portfolio/*.toml``): how much may
    be spent per year (or in total) on the plan's projects, and the phasing limits. Amounts are
    亿 CNY (10^8 CNY) of capex at the appraisal's price base; the reasoning goes in ``source``."""

    id: str = _f(..., "budget id", min_length=1)
    title: str = _f("", "one-line title")
    description: str = _f("", "what the budget is and why")
    source: str = _f(..., "citations (S-numbers) and assumptions behind the amounts", min_length=1)
    annual_budget_cny_100m: float | None = _f(
        None, "capex that may be spent in each year", "亿 CNY/yr", ge=0, le=MAX_BUDGET_CNY_100M
    )
    budget_by_year_cny_100m: dict[str, Annotated[float, Field(ge=0, le=MAX_BUDGET_CNY_100M)]] = _f(
        {}, "capex per year, keyed by year (from the price base year on; later years hold the "
        "last value); replaces annual_budget_cny_100m", "亿 CNY/yr",
    )  # fmt: skip
    total_budget_cny_100m: float | None = _f(
        None, "capex that may be spent over all years", "亿 CNY", ge=0, le=MAX_BUDGET_CNY_100M
    )
    last_start_year: Year | None = _f(
        None, "latest year a project may start (blank: the last modelled year or the plan's "
        "latest construction start, whichever is later)", "year",
    )  # fmt: skip
    earliest_start: dict[str, Year] = _f(
        {}, "project id -> earliest construction start (blank: the project file's "
        "construction_start, or the price base year if later)", "year",
    )  # fmt: skip
    under_construction: Literal["committed", "optional"] = _f(
        "committed", "projects whose construction started before the price base year: "
        "committed (built at their start year, their remaining capex counted first) or optional "
        "(may be dropped; the start year stays)",
    )  # fmt: skip
    committed: list[str] = _f([], "further project ids that must be in the programme")

    @model_validator(mode="after")
    def _amounts(self) -> PortfolioFile:
        if (
            self.annual_budget_cny_100m is None
            and not self.budget_by_year_cny_100m
            and self.total_budget_cny_100m is None
        ):
            raise ValueError(
                "give annual_budget_cny_100m, budget_by_year_cny_100m or total_budget_cny_100m"
            )
        if self.annual_budget_cny_100m is not None and self.budget_by_year_cny_100m:
            raise ValueError("give annual_budget_cny_100m or budget_by_year_cny_100m, not both")
        for key in self.budget_by_year_cny_100m:
            if not key.isdigit() or not MIN_YEAR <= int(key) <= MAX_YEAR:
                raise ValueError(f"budget_by_year_cny_100m: key {key!r} is not a year")
        return self


_M = TypeVar("_M", bound=BaseModel)


def _read_model(path: Path, model: type[_M]) -> _M:
    """One TOML file parsed into ``model``; every problem named by file and key."""
    raw = _toml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(str(path), model, exc)) from None


def read_economics_file(path: Path) -> EconomicsFile:
    """Parse and validate the appraisal's economics TOML.

    Raises
    ------
    ScenarioError
        Every problem of the file, each naming the file and key.
    """
    return _read_model(path, EconomicsFile)


# ----------------------------------------------------------------------------- messages


def key_text(loc: Sequence[int | str]) -> str:
    """A pydantic location as a TOML key: ``("add_links", 0, "speed")`` -> ``add_links[0].speed``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


def _inner_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _nested_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every key of the tables under ``model``."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        sub = _inner_model(info.annotation)
        if sub is not None:
            out += _nested_keys(sub, f"{prefix}{name}.")
    return out if prefix == "" else [f"{prefix}{k}" for k in model.model_fields] + out


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model of the table that holds the last key of ``loc``."""
    cur: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if cur is None or part not in cur.model_fields:
            return None
        cur = _inner_model(cur.model_fields[part].annotation)
    return cur


def _message(model: type[BaseModel], err: Any) -> str:
    """One validation error as a sentence with the allowed range or the nearest valid key."""
    loc, kind, ctx = err["loc"], err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        where = _model_at(model, loc)
        keys = list(where.model_fields) if where is not None else []
        hint = did_you_mean(str(loc[-1]), keys)
        if not hint:  # a key of another table, e.g. carbon_price outside [parameters]
            nested = {path.rsplit(".", 1)[-1]: path for path in _nested_keys(model)}
            near = did_you_mean(str(loc[-1]), nested, cutoff=0.8)
            hint = near and f"; did you mean `{nested[near.split('`')[1]]}`?"
        return f"unknown key (not allowed here){hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        given = err.get("input")
        what = "unknown mode" if loc and loc[-1] == "[key]" else "unknown value"
        return (
            f"{what} {given!r} (expected {ctx.get('expected')}){did_you_mean(str(given), choices)}"
        )
    msg = str(err["msg"])
    if kind in RANGE_ERRORS:
        msg += f" (got {err.get('input')!r}){_range_of(model, loc)}"
    return msg


def _range_of(model: type[BaseModel], loc: Sequence[int | str]) -> str:
    """``"; allowed: >= 0, <= 1e+13"`` for a bounded field of ``model`` at ``loc``."""
    cur: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int) or part == "[key]":
            continue
        if cur is None or part not in cur.model_fields:
            break  # a key of a dict (a commodity id): the dict's value bounds apply
        info = cur.model_fields[part]
        cur = _inner_model(info.annotation)
    if info is None:
        return ""
    text = bounds_text(info) or _annotated_bounds(info.annotation)
    return f"; allowed: {text}" if text else ""


def _annotated_bounds(tp: Any) -> str:
    for arg in typing.get_args(tp):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, FieldInfo):
                return bounds_text(meta)
        found = _annotated_bounds(arg)
        if found:
            return found
    return ""


def _validation_problems(
    file: str, model: type[BaseModel], exc: ValidationError, prefix: str = ""
) -> list[Problem]:
    out = []
    for e in exc.errors():
        key = key_text(e["loc"]) or "(file)"
        if prefix:
            key = f"{prefix}.{key}" if e["loc"] else prefix
        out.append(Problem(file, None, key, _message(model, e)))
    return out


# ----------------------------------------------------------------------------- edit rows


def added_row(
    table: str, row: dict[str, Any], default_source: str, file: str, key: str
) -> tuple[Row | None, list[Problem]]:
    """Validate one ``[[add_<table>]]`` row against the table's row model, unknown keys refused.

    Parameters
    ----------
    table
        ``places``, ``links`` or ``terminals``.
    row
        The row as read from TOML (lists become tuples).
    default_source
        The project's ``source``, used when the row has none.
    file, key
        Where the row was written (project file, ``add_links[0]``), named in every problem.

    Returns
    -------
    row, problems
        The validated row (of the table's own model, so it equals a row read from CSV), or
        ``None`` and the problems found.
    """
    model = TABLE_BY_NAME[table].model
    data = {k: (tuple(v) if isinstance(v, list) else v) for k, v in row.items()}
    data.setdefault("source", default_source)
    problems: list[Problem] = []
    allowed = columns(model)
    for k in data:
        if k not in allowed:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{key}.{k}",
                    f"unknown column of {table}.csv{did_you_mean(k, allowed)}",
                )
            )
    try:
        strict_model(model).model_validate({k: v for k, v in data.items() if k in allowed})
    except ValidationError as exc:
        problems += _validation_problems(file, model, exc, key)
    if problems:
        return None, problems
    return model.model_validate(data), []


def set_problems(table: str, edit: ModifyEdit, file: str, key: str) -> list[Problem]:
    """Problems of a ``[[modify_<table>]]`` edit's ``set``: only that table's columns (never its
    id), each value with that column's type and bounds."""
    model = TABLE_BY_NAME[table].model
    allowed = [c for c in columns(model) if c != "id"]
    out: list[Problem] = []
    for col, val in edit.set.items():
        where = f"{key}.set.{col}"
        if col == "id":
            out.append(
                Problem(
                    file, None, where, "the id cannot be changed (remove the row, add a new one)"
                )
            )
            continue
        if col not in allowed:
            msg = f"unknown column of {table}.csv{did_you_mean(col, allowed)}"
            out.append(Problem(file, None, where, msg))
            continue
        try:
            column_adapter(model, col).validate_python(val)
        except ValidationError as exc:
            b = bounds_text(model.model_fields[field_name(model, col)])
            for e in exc.errors():
                msg = str(e["msg"])
                if e["type"] in RANGE_ERRORS:
                    msg += f" (got {val!r}); allowed: {b}" if b else f" (got {val!r})"
                out.append(Problem(file, None, where, msg))
    return out


def edit_problems(pf: ProjectFile, file: str) -> list[Problem]:
    """Every problem of a project's edits (added rows and ``set`` tables), each naming the
    project file and the key, e.g. ``add_links[0].speed``."""
    out: list[Problem] = []
    for table in EDIT_TABLES:
        for i, row in enumerate(getattr(pf, f"add_{table}")):
            out += added_row(table, row, pf.source, file, f"add_{table}[{i}]")[1]
        for i, m in enumerate(getattr(pf, f"modify_{table}")):
            out += set_problems(table, m, file, f"modify_{table}[{i}]")
    return out


# ----------------------------------------------------------------------------- reading


def _toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; every failure (missing, a folder, a FIFO, a symlink loop, unreadable,
    malformed, not UTF-8) is a :class:`ScenarioError` naming the path."""

    def fail(msg: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), None, "", msg)])

    try:
        if path.exists() and not path.is_file():
            kind = "a folder" if path.is_dir() else "not a regular file"
            raise fail(f"{kind}, not a TOML file")
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise fail("file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise fail("not valid UTF-8") from None
    except RuntimeError as exc:  # Path.resolve / exists on a symlink loop (Python < 3.13)
        raise fail(f"cannot read: {exc}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise fail("symlink loop") from None
        raise fail(f"cannot read: {exc.strerror or exc}") from None


_PROJECT_ONLY = frozenset(ProjectFile.model_fields) - frozenset(ScenarioFile.model_fields)


def is_project_file(path: Path) -> bool:
    """Whether a TOML file is a project file (it has project keys such as ``capex_cny`` and no
    ``data`` or ``extends``), so ``freight validate`` can check it as one.

    Raises
    ------
    ScenarioError
        If the file cannot be read or parsed.
    """
    raw = _toml(path)
    return bool(_PROJECT_ONLY & raw.keys()) and not {"data", "extends"} & raw.keys()


def read_scenario_file(path: Path) -> ScenarioFile:
    """Parse and validate one scenario TOML (no ``extends`` resolution).

    Raises
    ------
    ScenarioError
        Every problem of the file, each naming the file and key.
    """
    return _read_model(path, ScenarioFile)


def read_project_file(path: Path) -> ProjectFile:
    """Parse and validate one project TOML, its added rows and ``set`` tables included.

    Raises
    ------
    ScenarioError
        Every problem of the file, each naming the file and key.
    """
    pf = _read_model(path, ProjectFile)
    problems = edit_problems(pf, str(path))
    if problems:
        raise ScenarioError(problems)
    return pf


def read_portfolio_file(path: Path) -> PortfolioFile:
    """Parse and validate a portfolio budget TOML (``freight portfolio --budget-file``).

    Raises
    ------
    ScenarioError
        Every problem of the file, each naming the file and key.
    """
    return _read_model(path, PortfolioFile)


__all__ = [
    "EDIT_TABLES",
    "MODES",
    "DemandGrowth",
    "Disruption",
    "EconomicsFile",
    "ModifyEdit",
    "OptimismBias",
    "Parameters",
    "PortfolioFile",
    "ProjectFile",
    "ScenarioFile",
    "Sensitivity",
    "SolverOptions",
    "added_row",
    "edit_problems",
    "is_project_file",
    "key_text",
    "read_economics_file",
    "read_portfolio_file",
    "read_project_file",
    "read_scenario_file",
    "set_problems",
]
