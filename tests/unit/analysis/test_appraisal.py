"""Acceptance checks of the appraisal (issue 13) on the regional plan, central future modelled in
2025 and 2035: components add up, the do-minimum carries no cost, capex is at the price base,
and take-one-out separates a project from the projects that require it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from freight.analysis.appraise import appraise
from freight.analysis.economics import load_economics, ramp
from freight.scenario.resolve import load_projects, projects_dir, resolve
from tests import paths

ROOT = paths.ROOT
PLANS = [
    ROOT / "scenarios" / "plan_2025_central.toml",
    ROOT / "scenarios" / "plan_2035_central.toml",
]
ECO = load_economics(ROOT / "scenarios" / "economics" / "economics.toml")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables() -> dict[str, list[dict[str, Any]]]:
    """The whole-plan appraisal, both modelled years (solved once)."""
    out, _ = appraise([str(p) for p in PLANS], jobs=2)
    return out


@pytest.fixture(scope="module")
def projects() -> dict[str, Any]:
    """The plan's project files."""
    sc = resolve(PLANS[0])
    return {p.id: p for p in load_projects(sc.projects, projects_dir(sc), str(PLANS[0]))}


def test_components_sum_to_annual_benefit(
    tables: dict[str, list[dict[str, Any]]], projects: dict[str, Any]
) -> None:
    """For every plan project and test the components of benefits.csv add up to the annual
    benefit (ramp-up applied) and to the PV of benefits, to 1e-9 relative."""
    by_year: dict[tuple[str, str, int], float] = defaultdict(float)
    pv: dict[tuple[str, str], float] = defaultdict(float)
    classes: dict[str, set[str]] = defaultdict(set)
    for r in tables["benefits.csv"]:
        if r["kind"] == "benefit":
            by_year[(r["project"], r["test"], r["year"])] += r["value_cny"]
            pv[(r["project"], r["test"])] += r["discounted_cny"]
            classes[r["project"]].add(r["user_class"])
    rows = tables["appraisal.csv"]
    assert {r["project"] for r in rows} == set(projects)
    for r in rows:
        p = projects[r["project"]]
        share = ramp(p, ECO, r["benefit_year"])
        got = by_year[(r["project"], r["test"], r["benefit_year"])]
        assert got == pytest.approx(share * r["benefit_cny_per_yr"], rel=1e-9, abs=1e-6)
        assert pv[(r["project"], r["test"])] == pytest.approx(
            r["pv_benefit_cny"], rel=1e-9, abs=1e-6
        )
    for pid in projects:
        assert classes[pid] == {"freight", "background", "government", "society"}


def test_do_minimum_carries_no_cost(
    tables: dict[str, list[dict[str, Any]]], projects: dict[str, Any]
) -> None:
    """P_XUBI and every project open before the price base are the do-minimum: no cost in NPV,
    their capex shown as sunk."""
    early = {pid for pid, p in projects.items() if p.opening_year < ECO.base_year}
    assert {"P_XUBI", "P_NEIDA", "P_SPUR_YB", "P_LZ_PORT"} == early
    for r in tables["appraisal.csv"]:
        if r["project"] in early:
            assert r["do_minimum"] and r["pv_cost_cny"] == 0.0 and r["rank"] is None
            assert r["sunk_capex_cny"] == pytest.approx(r["capex_base_cny"])
    assert not [
        r for r in tables["benefits.csv"] if r["project"] in early and r["kind"] != "benefit"
    ]


def test_capex_at_price_base(
    tables: dict[str, list[dict[str, Any]]], projects: dict[str, Any]
) -> None:
    """Every capex is re-indexed to the 2025 price base (deflator, conversion factor 0.92,
    freight share) and benefits.csv states the price base on every row."""
    assert {r["price_base_year"] for r in tables["benefits.csv"]} == {2025}
    for r in tables["appraisal.csv"]:
        p = projects[r["project"]]
        want = (
            p.capex_cny
            * ECO.deflator[2025]
            / ECO.deflator[p.price_year]
            * 0.92
            * p.freight_capex_share
        )
        assert r["capex_base_cny"] == pytest.approx(want, rel=1e-12)
        assert r["price_base_year"] == 2025
    xubi = next(r for r in tables["appraisal.csv"] if r["project"] == "P_XUBI")
    # 137.6亿 at 2015 prices × 115.96/100 × 0.92
    assert xubi["capex_base_cny"] == pytest.approx(1.376e10 * 1.1596 * 0.92, rel=1e-12)
    costs = [r for r in tables["benefits.csv"] if r["kind"] == "cost"]
    assert costs and all(r["year"] >= 2025 for r in costs)


def test_take_one_out_separates_dependents(tables: dict[str, list[dict[str, Any]]]) -> None:
    """P_SPUR_YB's take-one-out benefit differs from P_DG_YARDS' (which requires it); its group
    row (spur and yards together) is reported apart."""
    row = {(r["project"], r["test"]): r for r in tables["appraisal.csv"]}
    spur = row[("P_SPUR_YB", "take_one_out")]["pv_benefit_cny"]
    yards = row[("P_DG_YARDS", "take_one_out")]["pv_benefit_cny"]
    group = row[("P_SPUR_YB", "take_one_out_group")]["pv_benefit_cny"]
    assert abs(spur - yards) > 1e6
    assert row[("P_SPUR_YB", "take_one_out")]["dependents"] == "P_DG_YARDS"
    assert group != pytest.approx(spur)


def test_tee_balances(tables: dict[str, list[dict[str, Any]]]) -> None:
    """tee.csv: the user classes add up to each component's total, transfers net to 0 and the
    totals to the PV of benefits."""
    rows = [
        r for r in tables["tee.csv"] if r["project"] == "P_CHENGYU_SC" and r["test"] == "put_one_in"
    ]
    for r in rows:
        parts = r["freight_cny"] + r["background_cny"] + r["government_cny"] + r["society_cny"]
        assert parts == pytest.approx(r["total_cny"], rel=1e-12, abs=1e-6)
        if r["component"].startswith("transfers"):
            assert r["total_cny"] == pytest.approx(0.0, abs=1e-3)
    pv = next(r["pv_benefit_cny"] for r in tables["appraisal.csv"]
              if r["project"] == "P_CHENGYU_SC" and r["test"] == "put_one_in")  # fmt: skip
    assert sum(r["total_cny"] for r in rows) == pytest.approx(pv, rel=1e-9)
