"""The scenario and project files: their TOML keys, declared once as strict pydantic models.

Every table is ``extra="forbid"`` and frozen: an unknown key is an error naming the file and key.
:func:`read_scenario_file` and :func:`read_project_file` parse one file (no ``extends``
resolution; that is :mod:`freight.scenario.resolve`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from freight.errors import Problem, ScenarioError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemandGrowth(_Strict):
    """Demand growth from the data's base year to the scenario year."""

    growth: float | None = Field(None, ge=-0.5, le=1.0, description="overall growth per year")
    by_commodity: dict[str, float] = Field(
        default_factory=dict, description="growth per year for named commodities (replaces growth)"
    )
    factor: float | None = Field(None, gt=0, description="a final multiplier on every demand row")


class Parameters(_Strict):
    """Prices of the generalized cost."""

    carbon_price: float | None = Field(None, ge=0, description="CNY per tonne CO2")
    vot_factor: float | None = Field(None, gt=0, description="multiplies every value of time")
    vot_factors: dict[str, float] = Field(default_factory=dict)
    tariff_factors: dict[str, float] = Field(default_factory=dict)
    discount_rate: float | None = Field(None, gt=0, lt=1, description="social discount rate")


class Disruption(_Strict):
    """Close or derate a link or terminal for a share of the year."""

    element: str = Field(description="link or terminal id")
    action: Literal["close", "derate"] = "close"
    factor: float = Field(0.0, ge=0, le=1, description="capacity kept while derated")
    share_of_year: float = Field(1.0, gt=0, le=1)
    extra_wait_h: float = Field(0.0, ge=0, description="extra time per traversal while disrupted")
    note: str = ""


class SolverOptions(_Strict):
    """Solver settings of a scenario."""

    method: Literal["mcf", "lp"] | None = None


class ScenarioFile(_Strict):
    """The TOML of a scenario."""

    id: str
    title: str = ""
    description: str = ""
    data: str | None = None
    extends: str | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    demand: DemandGrowth = Field(default_factory=DemandGrowth)
    parameters: Parameters = Field(default_factory=Parameters)
    projects: list[str] | None = None
    add_projects: list[str] = Field(default_factory=list)
    remove_projects: list[str] = Field(default_factory=list)
    disruptions: list[Disruption] | None = None
    solver: SolverOptions = Field(default_factory=SolverOptions)

    @model_validator(mode="after")
    def _base(self) -> ScenarioFile:
        if self.data is None and self.extends is None:
            raise ValueError("a scenario needs 'data' (a network folder) or 'extends' (a scenario)")
        if self.data is not None and self.extends is not None:
            raise ValueError("give either 'data' or 'extends', not both")
        return self


class ModifyEdit(_Strict):
    """Set columns of an existing row."""

    id: str
    set: dict[str, Any]


class ProjectFile(_Strict):
    """The TOML of a project: edits plus costs and dates."""

    id: str
    name: str
    name_zh: str = ""
    mode: str = ""
    plan_section: str = Field(description="where the plan names it, e.g. '(十一)'")
    description: str = ""
    source: str
    capex_cny: float = Field(ge=0, description="investment, CNY (price year in price_year)")
    price_year: int = 2023
    opex_cny_per_year: float = Field(0.0, ge=0)
    construction_start: int
    opening_year: int
    lifetime_years: int = Field(30, gt=0)
    requires: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    add_places: list[dict[str, Any]] = Field(default_factory=list)
    add_links: list[dict[str, Any]] = Field(default_factory=list)
    add_terminals: list[dict[str, Any]] = Field(default_factory=list)
    modify_places: list[ModifyEdit] = Field(default_factory=list)
    modify_links: list[ModifyEdit] = Field(default_factory=list)
    modify_terminals: list[ModifyEdit] = Field(default_factory=list)
    remove_links: list[str] = Field(default_factory=list)
    remove_terminals: list[str] = Field(default_factory=list)
    expected_effect: str = ""

    @model_validator(mode="after")
    def _years(self) -> ProjectFile:
        if self.opening_year < self.construction_start:
            raise ValueError("opening_year is before construction_start")
        return self


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(str(path), None, "", f"malformed TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "", "not valid UTF-8")]) from None


def _validation_problems(path: Path, exc: ValidationError) -> list[Problem]:
    out = []
    for e in exc.errors():
        key = ".".join(str(x) for x in e["loc"]) or "(file)"
        msg = "unknown key (not allowed here)" if e["type"] == "extra_forbidden" else e["msg"]
        if e["type"] == "missing":
            msg = "required key is missing"
        out.append(Problem(str(path), None, key, msg))
    return out


def read_scenario_file(path: Path) -> ScenarioFile:
    """Parse and validate one scenario TOML (no ``extends`` resolution)."""
    raw = _toml(path)
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(path, exc)) from None


def read_project_file(path: Path) -> ProjectFile:
    """Parse and validate one project TOML."""
    raw = _toml(path)
    try:
        return ProjectFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(path, exc)) from None
