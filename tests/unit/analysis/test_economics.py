"""The appraisal's economics: a hand-computed worked example on a two-link network, the
do-minimum, a project that changes nothing, and the benefit profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from freight.analysis.appraisal_measures import annual_benefits
from freight.analysis.appraise import APPRAISAL_GAP, appraise
from freight.analysis.economics import (
    Economics,
    component_year_value,
    cost_profile,
    profile_value,
)
from freight.scenario.files import ProjectFile, read_economics_file

ROOT = Path(__file__).resolve().parents[3]

MODES = (
    "mode,cost_per_t_km,fixed_cost_per_t,speed_kmh,reverse_speed_kmh,co2_g_per_t_km,"
    "reverse_co2_g_per_t_km,payload_t,pcu,bpr_alpha,bpr_beta,load_factor,empty_share,"
    "vehicle_cost_per_h,toll_per_t_km,source\n"
    "road,0.5,10,50,,80,,25,2.5,0.15,4,1,0,0,0.1,assumption: test\n"
)
PLACES = (
    "id,name,name_zh,kind,province,lon,lat,zone,source\n"
    "A,Alpha,,city,,104.0,29.0,true,assumption: test\n"
    "B,Beta,,city,,105.0,29.0,true,assumption: test\n"
)
LINKS = (
    "id,from,to,mode,line,length_km,capacity_t,background_t,speed_kmh,reverse_speed_kmh,"
    "cost_per_t_km,fixed_cost_per_t,wait_h,co2_g_per_t_km,excluded_commodities,opened,source\n"
    "R_AB,A,B,road,,100,,,,,,,,,,,assumption: test\n"
)
COMMODITIES = (
    "id,name,value_cny_per_t,value_of_time_cny_per_t_h,allowed_modes,t_per_teu,dangerous,"
    "cost_factor,unserved_penalty_cny_per_t,source\n"
    "bulk,Bulk,500,0.1,road,,false,,1000,assumption: test\n"
)
DEMAND = (
    "origin,destination,commodity,tonnes,base_year,source\nA,B,bulk,100,2023,assumption: test\n"
)
TERMINALS = "id,place,from_mode,to_mode,cost_per_t,time_h,capacity_t,dg_yard,source\n"

P_X = """id = "P_X"
name = "Second, shorter road A-B"
plan_section = "test"
source = "assumption: test project"
mode = "rail"
capex_cny = 1000.0
price_year = 2021
opex_cny_per_year = 10.0
construction_start = 2023
opening_year = 2027
construction_profile = [0.1, 0.2, 0.3, 0.4]
ramp_up = [0.5]
lifetime_years = 40

[[add_links]]
id = "R_AB2"
from = "A"
to = "B"
mode = "road"
length_km = 80.0
"""
P_NULL = """id = "P_NULL"
name = "Sets the road's length to what it is"
plan_section = "test"
source = "assumption: test project"
mode = "rail"
capex_cny = 500.0
price_year = 2023
construction_start = 2025
opening_year = 2026
lifetime_years = 10

[[modify_links]]
id = "R_AB"
set = { length_km = 100.0 }
"""
P_OLD = """id = "P_OLD"
name = "Open before the base year"
plan_section = "test"
source = "assumption: test project"
mode = "rail"
capex_cny = 800.0
price_year = 2023
construction_start = 2021
opening_year = 2024
"""

ECO = Economics(
    discount_rate=0.08,
    base_year=2025,
    model_price_year=2023,
    period=10,
    cap_year=2040,
    ramp_up=(0.5, 0.75),
    carbon_price=100.0,
    vot_elasticity=1.0,
    gdp_per_head_growth=((2023, 0.02),),
    deflator={2021: 90.0, 2023: 100.0, 2025: 110.0},
    capex_cf=0.9,
    opex_cf=0.9,
    vat_transport=0.1,
    optimism_bias={"civil": (0.5, 0.06)},
    optimism_bias_by_mode={"rail": "civil"},
    local_air={"road": 0.01},
    accidents={"road": 0.005},
)


def _case(tmp: Path) -> list[Path]:
    net = tmp / "net"
    net.mkdir()
    for name, text in (("modes", MODES), ("places", PLACES), ("links", LINKS),
                       ("commodities", COMMODITIES), ("demand", DEMAND),
                       ("terminals", TERMINALS)):  # fmt: skip
        (net / f"{name}.csv").write_text(text, encoding="utf-8")
    (tmp / "projects").mkdir()
    for pid, text in (("P_X", P_X), ("P_NULL", P_NULL), ("P_OLD", P_OLD)):
        (tmp / "projects" / f"{pid}.toml").write_text(text, encoding="utf-8")
    files = []
    for year, factor in ((2025, 1.0), (2035, 2.0)):
        f = tmp / f"two_{year}.toml"
        f.write_text(
            f'id = "two_{year}"\ndata = "net"\nyear = {year}\n'
            'projects = ["P_OLD", "P_X", "P_NULL"]\n'
            f"[demand]\ngrowth = 0.0\nfactor = {factor}\n"
            "[parameters]\ncarbon_price = 100.0\n",
            encoding="utf-8",
        )
        files.append(f)
    return files


def _hand() -> tuple[float, float, float]:
    """PV of benefits, PV of costs and PV of the residual of P_X, written out."""
    r, y0 = 0.08, 2025

    def d(y: int) -> float:
        return 1.08 ** -(y - y0)

    pv_b = 0.0
    for y in range(2027, 2037):
        t = 100.0 + 10.0 * (y - 2025)  # 100 t in 2025, 200 t in 2035, the trend after
        vot = 1.02 ** (y - 2025)
        # per tonne: 8 CNY of vehicle distance (0.4 CNY/t-km net of the 0.1 toll, 20 km saved),
        # its VAT and the 2 CNY toll are transfers (net 0); cargo time 0.1 CNY/t-h × 0.4 h × VOT
        # growth; both × 110/100 to the price base; CO2 1.6 kg × 100 CNY/t; local air and
        # accidents 20 t-km × (0.01 + 0.005) at the price base
        per_t = 1.1 * (8.0 / 1.1 + 0.04 * vot) + 0.0016 * 100.0 + 20 * 0.015
        ramp = 0.5 if y == 2027 else 1.0
        pv_b += t * per_t * ramp * d(y)
    capex = 1000.0 * 110.0 / 90.0 * 0.9  # 1,100 at the price base, economic prices
    pv_c = capex * (0.3 * 1.06 * d(2025) + 0.4 * 1.06 * d(2026))  # 2023–24 are sunk
    pv_c += sum(10.0 * 110.0 / 90.0 * 0.9 * d(y) for y in range(2027, 2037))
    del r
    return pv_b, pv_c, 0.7 * capex * 30.0 / 40.0 * d(2036)  # residual of the counted 70 %


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The appraisal of the two-link case (solved once)."""
    files = _case(tmp_path_factory.mktemp("two"))
    out, _ = appraise([str(f) for f in files], economics=ECO)
    return out


def _row(tables: dict[str, list[dict[str, Any]]], pid: str, test: str) -> dict[str, Any]:
    return next(r for r in tables["appraisal.csv"] if r["project"] == pid and r["test"] == test)


def test_worked_example_npv_bcr(tables: dict[str, list[dict[str, Any]]]) -> None:
    """P_X: NPV and BCR equal the written-out computation (and the stated figures) to 1e-6."""
    pv_b, pv_c, pv_rv = _hand()
    row = _row(tables, "P_X", "put_one_in")
    assert row["npv_cny"] == pytest.approx(pv_b + pv_rv - pv_c, abs=1e-6)
    assert row["bcr"] == pytest.approx((pv_b + pv_rv) / pv_c, abs=1e-6)
    assert row["npv_cny"] == pytest.approx(NPV_X, abs=1e-6)
    assert row["bcr"] == pytest.approx(BCR_X, abs=1e-6)
    assert row["sunk_capex_cny"] == pytest.approx(0.3 * 1100.0)
    assert row["pv_optimism_bias_cny"] == pytest.approx(1100 * 0.06 * (0.3 + 0.4 / 1.08))


def test_worked_example_irr(tables: dict[str, list[dict[str, Any]]]) -> None:
    """P_X: the IRR makes the written-out net flows' NPV zero, and equals the stated rate."""
    row = _row(tables, "P_X", "put_one_in")
    rate = row["irr"]
    assert isinstance(rate, float)
    capex = 1100.0
    flows = {2025: -capex * 0.3 * 1.06, 2026: -capex * 0.4 * 1.06}
    for y in range(2027, 2037):
        t = 100.0 + 10.0 * (y - 2025)
        per_t = 8.0 + 0.044 * 1.02 ** (y - 2025) + 0.16 + 0.3
        flows[y] = t * per_t * (0.5 if y == 2027 else 1.0) - 11.0
    flows[2036] += 0.7 * capex * 0.75
    assert sum(v * (1 + rate) ** -(y - 2025) for y, v in flows.items()) == pytest.approx(
        0.0, abs=1e-6
    )
    assert rate == pytest.approx(IRR_X, abs=1e-6)


def test_components_add_up(tables: dict[str, list[dict[str, Any]]]) -> None:
    """The components of benefits.csv add up to the discounted benefits, transfers net to 0."""
    rows = [
        r for r in tables["benefits.csv"] if r["project"] == "P_X" and r["test"] == "put_one_in"
    ]
    pv = sum(float(r["discounted_cny"]) for r in rows if r["kind"] == "benefit")
    assert pv == pytest.approx(_row(tables, "P_X", "put_one_in")["pv_benefit_cny"], rel=1e-9)
    tolls = [
        float(r["value_cny"])
        for r in rows
        if r["component"] == "transfers_tolls" and r["year"] == 2030
    ]
    # 2 CNY/t of tolls × 150 t × 1.1 to the price base, user gain and government loss
    assert sorted(tolls) == pytest.approx([-330.0, 330.0])
    assert all(r["price_base_year"] == 2025 for r in rows)


def test_null_project(tables: dict[str, list[dict[str, Any]]]) -> None:
    """A project that changes nothing has zero benefit and NPV = −PV of its costs."""
    row = _row(tables, "P_NULL", "put_one_in")
    assert row["pv_benefit_cny"] == 0.0
    # 500 × 110/100 × 0.9 in 2025 with the planned uplift 50 %, no opex, no residual (lifetime
    # 10 = period)
    assert row["npv_cny"] == pytest.approx(-500 * 1.1 * 0.9 * 1.5, abs=1e-9)
    assert row["npv_cny"] == pytest.approx(-row["pv_cost_cny"], abs=1e-9)


def test_do_minimum(tables: dict[str, list[dict[str, Any]]]) -> None:
    """A project open before the base year is in the do-minimum: no cost, no rank."""
    row = _row(tables, "P_OLD", "put_one_in")
    assert row["do_minimum"] is True and row["rank"] is None
    assert row["pv_cost_cny"] == 0.0 and row["bcr"] is None


def test_profile_interpolation() -> None:
    """Interpolation, extrapolation to the cap year and holding match hand values."""
    m = {2025: 100.0, 2035: 200.0}
    assert profile_value(m, 2030, 2045) == pytest.approx(150.0)
    assert profile_value(m, 2041, 2045) == pytest.approx(260.0)
    assert profile_value(m, 2050, 2045) == pytest.approx(300.0)  # held at the 2045 value
    assert profile_value(m, 2020, 2045) == pytest.approx(100.0)  # held before the first year
    assert profile_value({2025: 7.0}, 2040, 2045) == 7.0
    m3 = {2025: 100.0, 2035: 200.0, 2045: 150.0}
    assert profile_value(m3, 2040, 2050) == pytest.approx(175.0)
    assert profile_value(m3, 2048, 2050) == pytest.approx(135.0)
    # the cap year at the last modelled year (economics.toml): 2025 → 2035 → 2045, held after
    assert profile_value(m3, 2030, 2045) == pytest.approx(150.0)
    assert profile_value(m3, 2060, 2045) == pytest.approx(150.0)


def test_vot_index_and_prices() -> None:
    """VOT index = GDP per head ratio ** elasticity; price index = deflator ratio."""
    eco = Economics(
        base_year=2025, vot_elasticity=0.5, gdp_per_head_growth=((2023, 0.04), (2030, 0.0)),
        deflator={2021: 90.0, 2025: 110.0},
    )  # fmt: skip
    assert eco.vot_index(2030) == pytest.approx(1.04 ** (5 * 0.5))
    assert eco.vot_index(2040) == pytest.approx(1.04 ** (5 * 0.5))
    assert eco.vot_index(2023) == pytest.approx(1.04 ** (-2 * 0.5))
    assert eco.price_index(2021) == pytest.approx(110.0 / 90.0)


def test_vehicle_time_grows_by_its_crew_share() -> None:
    """Cargo time grows with the VOT index I; vehicle time by s I + 1 - s (only the crew's
    wages grow); money components not at all; the economics file's crew share is 0.44."""
    eco = Economics(
        base_year=2025, vot_elasticity=1.0, gdp_per_head_growth=((2023, 0.05),),
        deflator={2023: 100.0, 2025: 100.0}, crew_share=0.25,
    )  # fmt: skip
    index = 1.05**10
    assert eco.vot_index(2035) == pytest.approx(index)
    assert eco.time_growth("cargo_time", 2035) == pytest.approx(index)
    assert eco.time_growth("vehicle_time", 2035) == pytest.approx(0.25 * index + 0.75)
    assert eco.time_growth("vehicle_distance", 2035) == 1.0
    flat = {2025: 100.0}
    assert component_year_value("vehicle_time", flat, 2035, eco) == pytest.approx(
        100.0 * (0.25 * index + 0.75)
    )
    assert component_year_value("cargo_time", flat, 2035, eco) == pytest.approx(100.0 * index)
    assert component_year_value("handling", flat, 2035, eco) == pytest.approx(100.0)
    # a VOT sensitivity scales the crew part of vehicle time, not the vehicle's capital
    low = Economics(
        base_year=2025, gdp_per_head_growth=((2023, 0.0),), deflator={2025: 1.0},
        crew_share=0.25, vot_factor=0.5,
    )  # fmt: skip
    assert low.time_growth("vehicle_time", 2025) == pytest.approx(0.25 * 0.5 + 0.75)
    f = read_economics_file(ROOT / "scenarios" / "economics" / "economics.toml")
    assert f.vehicle_time_crew_share == pytest.approx(0.44)


def test_background_benefit_split_like_freight() -> None:
    """The background's time saved is valued in two components, vehicle time at the mode's
    vehicle-time value and cargo time at the background cargo VOT (by hand)."""
    base = {"rows": {}, "co2_t": 0.0, "tkm": {}, "kpis": {"unserved_penalty": 0.0}}
    without = {**base, "background": {"R|0": [1000.0, 2.0, 5.0], "S|1": [10.0, 1.0, 5.0]}}
    with_ = {**base, "background": {"R|0": [1200.0, 1.5, 5.0], "N|0": [99.0, 0.1, 5.0]}}
    c, _ = annual_benefits(
        without, with_, vat=0.0, background_cargo_vot=0.2, local_air={}, accidents={}
    )
    hours = 1000.0 * (2.0 - 1.5)  # the smaller background of the two; a new link earns nothing
    assert c[("background", "vehicle_time")] == pytest.approx(hours * 5.0)
    assert c[("background", "cargo_time")] == pytest.approx(hours * 0.2)
    assert ("background", "background_time") not in c


def test_background_load_valued_at_the_modelled_freight_mix_of_its_link() -> None:
    """Where modelled freight runs on a link direction, the background's load is valued at that
    freight's tonne-weighted VOT (the mean of without and with); elsewhere at the economics
    file's figure (by hand)."""
    base = {"rows": {}, "co2_t": 0.0, "tkm": {}, "kpis": {"unserved_penalty": 0.0}}
    nan = float("nan")
    without = {**base, "background": {"L|0": [100.0, 10.0, 1.0, 0.01], "R|0": [50.0, 4.0, 2.0, nan]}}
    with_ = {**base, "background": {"L|0": [100.0, 4.0, 1.0, 0.03], "R|0": [50.0, 3.0, 2.0, nan]}}
    c, _ = annual_benefits(
        without, with_, vat=0.0, background_cargo_vot=0.2, local_air={}, accidents={}
    )
    lock = 100.0 * (10.0 - 4.0) * (0.01 + 0.03) / 2  # bulk-like mix at the locks: 12 CNY
    road = 50.0 * (4.0 - 3.0) * 0.2  # no modelled freight there: the file's 0.2
    assert c[("background", "cargo_time")] == pytest.approx(lock + road)
    assert c[("background", "vehicle_time")] == pytest.approx(600.0 * 1.0 + 50.0 * 2.0)


def test_cost_profile_freight_share() -> None:
    """A mixed-purpose project charges its freight share; full capex charges everything."""
    p = ProjectFile(
        id="M", name="m", plan_section="t", source="t", mode="rail", capex_cny=1000.0,
        price_year=2025, construction_start=2026, opening_year=2028, freight_capex_share=0.25,
    )  # fmt: skip
    eco = Economics(base_year=2025, deflator={2025: 1.0}, optimism_bias={"c": (0.5, 0.1)},
                    optimism_bias_by_mode={"rail": "c"})  # fmt: skip
    assert sum(cost_profile(p, eco).capex.values()) == pytest.approx(250.0)
    full = cost_profile(p, eco, full_capex=True)
    assert sum(full.capex.values()) == pytest.approx(1000.0)
    assert sum(full.optimism_bias.values()) == pytest.approx(500.0)


def test_economics_file_sourced() -> None:
    """scenarios/economics/economics.toml reads, and every parameter has a source."""
    f = read_economics_file(ROOT / "scenarios" / "economics" / "economics.toml")
    assert f.base_year == 2025 and f.discount_rate == 0.08
    assert all(f.sources[k] for k in type(f).model_fields if k != "sources")


NPV_X = 7351.778611
"""P_X's NPV, CNY at the price base (the written-out computation of :func:`_hand`)."""
BCR_X = 9.649199
"""P_X's BCR."""
IRR_X = 0.805069
"""P_X's IRR (the net flows are small against the two counted years of capex: 80.5 %/yr)."""


@pytest.fixture(scope="module")
def logit_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The appraisal of the two-link case with the behavioural model (pairs of solves)."""
    files = _case(tmp_path_factory.mktemp("two_logit"))
    return appraise([str(f) for f in files], economics=ECO, method="logit")


@pytest.fixture(scope="module")
def logit_tables(
    logit_run: tuple[dict[str, list[dict[str, Any]]], dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """The tables of :func:`logit_run`."""
    return logit_run[0]


def test_logit_manifest_reports_equilibrium_convergence(
    logit_run: tuple[dict[str, list[dict[str, Any]]], dict[str, Any]],
) -> None:
    """The manifest states, per scenario, how many behavioural solves there were, how many did
    not converge and the largest gaps (within the appraisal's gap): every solve of a
    comparison pair is counted once."""
    _, manifest = logit_run
    eq = manifest["equilibrium"]
    assert (
        sum(s["solves"] for s in eq.values()) == manifest["solves"] == 2 * manifest["comparisons"]
    )
    for s in eq.values():
        assert s["not_converged"] == 0
        assert 0 <= s["max_iterations"] <= 100
        assert 0.0 <= s["max_gap"] <= APPRAISAL_GAP
        assert 0.0 <= s["max_capacity_gap"] <= APPRAISAL_GAP


def test_logit_null_project_and_new_road(logit_tables: dict[str, list[dict[str, Any]]]) -> None:
    """With the behavioural model a project that changes nothing earns nothing (NPV = −PV of its
    costs); the new road's benefit is the surplus of a new alternative, its users' toll and VAT
    changes sit beside the government's revenue change, and the components of benefits.csv add
    up to the PV of benefits."""
    null = _row(logit_tables, "P_NULL", "put_one_in")
    assert abs(null["pv_benefit_cny"]) <= 1e-6 * null["pv_cost_cny"]
    assert null["npv_cny"] == pytest.approx(-null["pv_cost_cny"], rel=1e-6)
    x = _row(logit_tables, "P_X", "put_one_in")
    assert x["benefit_method"] == "logsum_per_alternative" and x["pv_benefit_cny"] > 0
    pv: dict[tuple[str, str], float] = {}
    for r in logit_tables["benefits.csv"]:
        if r["project"] == "P_X" and r["test"] == "put_one_in" and r["kind"] == "benefit":
            k = (r["user_class"], r["component"])
            pv[k] = pv.get(k, 0.0) + r["discounted_cny"]
    assert sum(pv.values()) == pytest.approx(x["pv_benefit_cny"], rel=1e-9)
    assert pv[("freight", "new_alternatives")] > 0
    # the shorter road takes 20 km of tolls off the users who move: the government loses them
    assert pv[("government", "transfers_tolls")] < 0
