"""Scenarios and projects on the hand-drawn network: resolution, edits, errors, comparison.

Hand-computed values (see tests/test_model.py for the base optimum of 8,903.6 CNY/yr):
- P_WCAP raises the water link to 200 t (180 t for the model): all 100 t of bulk go by water at
  64.36 CNY/t, saving 40 × 20.94 = 837.6 CNY/yr.
- P_YARD lets dangerous goods change mode at P: dg by water costs 105.6 CNY/t instead of 163;
  with 60 t of water capacity dg (saving 57.4/t) displaces 10 t of bulk (saving 20.94/t):
  10 × (57.4 − 20.94) = 364.6 CNY/yr.
- Both: 100 × 64.36 + 10 × 105.6 = 7,492; benefit 1,411.6; interaction 1,411.6 − 1,202.2 = 209.4.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli import main
from freight.analysis.appraise import appraise
from freight.analysis.economics import Economics, indicators
from freight.errors import ScenarioError
from freight.model.linear import solve_network
from freight.results.tables import kpi_dict
from freight.scenario.resolve import build_scenario_network, resolve
from tests import paths

SC = paths.DATA / "scenarios"
BROKEN = sorted((SC / "broken").glob("*.toml"))


def _expect(path: Path) -> tuple[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    key, msg = first.removeprefix("# EXPECT: ").split("|")
    return key, msg


def test_corpus_size() -> None:
    """At least ten broken scenario files are exercised."""
    assert len(BROKEN) >= 10


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_scenario_exit_2(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each broken scenario exits 2, names its file and key, prints no traceback."""
    key, msg = _expect(path)
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    flat = re.sub(r"\s+", " ", err)
    assert code == 2, err
    assert "Traceback" not in err
    assert ".toml" in flat
    assert key in flat and msg in flat, flat
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_scenario_raises(path: Path) -> None:
    """The library raises ScenarioError (or its DataError base) with the expected message."""
    key, msg = _expect(path)
    from freight.errors import DataError

    with pytest.raises(DataError, match=re.escape(msg)):
        sc = resolve(path)
        build_scenario_network(sc)


def test_extends_and_edit_log() -> None:
    """plan.toml inherits base.toml's data; every edit is logged old -> new."""
    sc = resolve(SC / "plan.toml")
    assert sc.id == "tiny_plan" and sc.data == (SC.parent / "tiny").resolve()
    assert sc.projects == ("P_WCAP", "P_YARD")
    net, elog = build_scenario_network(sc)
    assert "P_WCAP: links W_PQ.capacity_t: 80.0 -> 200.0" in elog.lines
    assert "P_YARD: terminals T_P.dg_yard: False -> True" in elog.lines
    assert net.link_by_id["W_PQ"].capacity_t == 200.0


def test_plan_optimum_by_hand() -> None:
    """With both projects the optimum is 7,492 CNY/yr."""
    sc = resolve(SC / "plan.toml")
    net, _ = build_scenario_network(sc)
    assert solve_network(net).objective == pytest.approx(7492.0, rel=1e-9)


def test_demand_growth(tmp_path: Path) -> None:
    """Growth 10 %/yr over 2 years multiplies tonnes by 1.21; per-commodity growth overrides."""
    f = tmp_path / "g.toml"
    f.write_text(
        f'id = "g"\ndata = "{(SC.parent / "tiny").as_posix()}"\nyear = 2025\n'
        "[demand]\ngrowth = 0.1\nby_commodity = { dg = 0.0 }\n",
        encoding="utf-8",
    )
    net, _ = build_scenario_network(resolve(f))
    assert [d.tonnes for d in net.demand] == pytest.approx([121.0, 10.0])


def test_disruption_share_of_year(tmp_path: Path) -> None:
    """Closing the water link for half the year halves its model capacity (60 -> 30 t)."""
    f = tmp_path / "d.toml"
    f.write_text(
        f'id = "d"\ndata = "{(SC.parent / "tiny").as_posix()}"\n'
        '[[disruptions]]\nelement = "W_PQ"\naction = "close"\nshare_of_year = 0.5\n',
        encoding="utf-8",
    )
    net, _ = build_scenario_network(resolve(f))
    lk = net.link_by_id["W_PQ"]
    assert lk.capacity_t is not None
    assert lk.capacity_t - lk.background_t == pytest.approx(30.0)
    # 30 t fewer by water: objective rises by 30 × 20.94
    assert solve_network(net).objective == pytest.approx(8903.6 + 30 * 20.94, rel=1e-9)


def test_appraisal_by_hand() -> None:
    """Put-one-in, take-one-out and the interaction match the hand computation: the objective
    changes (money + time) plus the W_PQ fee (2 CNY/t), a transfer to the operator that the
    economic benefit no longer counts as a cost."""
    tables, _ = appraise([SC / "plan.toml"], carbon_price=0.0)
    got = {(r["project"], r["test"]): r["benefit_cny_per_yr"] for r in tables["appraisal.csv"]}
    # 40 t move to water with P_WCAP (fee 2 CNY/t); the yard moves no fee-paying tonnes alone
    assert got[("P_WCAP", "put_one_in")] == pytest.approx(837.6 + 40 * 2.0)
    assert got[("P_YARD", "put_one_in")] == pytest.approx(364.6)
    # with the yard in place 50 t move with P_WCAP; with P_WCAP in place 10 t of dg with P_YARD
    assert got[("P_WCAP", "take_one_out")] == pytest.approx(8539.0 - 7492.0 + 50 * 2.0)
    assert got[("P_YARD", "take_one_out")] == pytest.approx(8066.0 - 7492.0 + 10 * 2.0)
    inter = tables["interactions.csv"][0]
    assert inter["plan_benefit_cny_per_yr"] == pytest.approx(1411.6 + 50 * 2.0)
    assert inter["interaction_cny_per_yr"] == pytest.approx(1511.6 - (917.6 + 364.6))


def test_indicators_by_hand() -> None:
    """NPV, BCR and FYRR of a 2-year toy project at 10 %, with the 50 %/75 % ramp-up."""
    from freight.analysis.economics import benefit_stream, cost_profile, yearly_total
    from freight.scenario.resolve import ProjectFile

    p = ProjectFile(
        id="T", name="t", plan_section="t", source="t", capex_cny=1000.0,
        construction_start=2024, opening_year=2025, lifetime_years=2, price_year=2024,
    )  # fmt: skip
    eco = Economics(
        discount_rate=0.1, base_year=2024, model_price_year=2024, period=2, deflator={2024: 1.0}
    )
    stream = yearly_total(benefit_stream(p, {("freight", "handling"): {2024: 1000.0}}, eco))
    assert stream == pytest.approx({2025: 500.0, 2026: 750.0})
    ind = indicators(stream, cost_profile(p, eco), eco, 2025)
    npv = -1000.0 + 500.0 / 1.1 + 750.0 / 1.1**2  # capex in the base year, undiscounted
    assert ind.npv == pytest.approx(npv)
    assert ind.bcr == pytest.approx((500 / 1.1 + 750 / 1.21) / 1000.0)
    assert ind.fyrr == pytest.approx(0.5)
    # IRR: -1000 + 500/(1+r) + 750/(1+r)^2 = 0 -> (1+r) = (500 + sqrt(500^2 + 4·1000·750)) / 2000
    assert ind.irr == pytest.approx((500 + (500**2 + 4 * 1000 * 750) ** 0.5) / 2000 - 1)


def test_compare_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight compare` writes KPI deltas: generalized cost falls by 1,411.6 CNY/yr (the linear
    model's hand-computed answer, so --method mcf; the default is the behavioural logit)."""
    c = str(tmp_path / "c")
    assert main(["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", c,
                 "--method", "mcf"]) == 0  # fmt: skip
    text = (tmp_path / "c" / "kpi_comparison.csv").read_text()
    row = [r for r in text.splitlines() if r.startswith("generalized_cost,")][0]
    # kpis.csv rounds CNY to 1 CNY (issue 14): 7492 − 8904 (8903.6 before rounding)
    assert row.split(",")[4] == "-1412"
    assert (tmp_path / "c" / "link_changes.csv").is_file()
    assert (tmp_path / "c" / "od_changes.csv").is_file()


def test_compare_result_folders(tmp_path: Path) -> None:
    """Comparing two result folders gives the same CSVs as solving both sides again."""
    assert main(["run", str(SC / "base.toml"), "--out", str(tmp_path / "b")]) == 0
    assert main(["run", str(SC / "plan.toml"), "--out", str(tmp_path / "p")]) == 0
    assert (
        main(["compare", str(tmp_path / "b"), str(tmp_path / "p"), "--out", str(tmp_path / "c1")])
        == 0
    )
    assert (
        main(
            ["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(tmp_path / "c2")]
        )
        == 0
    )
    for name in (
        "kpi_comparison.csv",
        "link_changes.csv",
        "od_changes.csv",
        "terminal_changes.csv",
    ):
        assert (tmp_path / "c1" / name).read_bytes() == (tmp_path / "c2" / name).read_bytes()


def test_appraise_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight appraise` writes a row per project and test with finite NPV and BCR."""
    assert (
        main(
            ["appraise", str(SC / "plan.toml"), "--out", str(tmp_path / "a"), "--carbon-price", "0"]
        )
        == 0
    )
    lines = (tmp_path / "a" / "appraisal.csv").read_text().splitlines()
    assert len(lines) == 1 + 2 * 2
    assert "P_WCAP" in capsys.readouterr().out


def test_kpis_of_scenario_run() -> None:
    """KPIs of the plan scenario: nothing unserved, all bulk by water."""
    net, _ = build_scenario_network(resolve(SC / "plan.toml"))
    k = kpi_dict(solve_network(net))
    assert k["unserved"] == 0.0
    assert k["tonnes_water"] == pytest.approx(110.0)


def test_unknown_scenario_error_type() -> None:
    """A cycle raises ScenarioError naming 'extends'."""
    with pytest.raises(ScenarioError, match="cycle in extends"):
        resolve(SC / "broken" / "cycle_a.toml")


def test_project_error_names_project_not_links_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`freight run` on a project whose new link ends at an unknown place names the project
    file and key (add_links[0].to), not a links.csv row the user never wrote."""
    path = SC / "broken" / "project_unknown_place.toml"
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = re.sub(r"\s+", " ", capsys.readouterr().err)
    assert "P_BADPLACE.toml, 'add_links[0].to': unknown place 'Z'" in err, err
    assert "links.csv" not in err


def test_validate_scenario_without_solving(capsys: pytest.CaptureFixture[str]) -> None:
    """`freight validate plan.toml` checks both projects and prints the summary (exit 0)."""
    assert main(["validate", str(SC / "plan.toml")]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert "tiny_plan: valid" in flat
    assert "2 projects (P_WCAP, P_YARD)" in flat and "2 edits applied" in flat
