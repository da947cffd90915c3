"""`freight portfolio` end to end on the tiny hand-drawn network, and its bad inputs (exit 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli import main
from freight.results.folder import ResultFolder
from tests import paths

SC = paths.DATA / "scenarios"
PLAN = SC / "plan.toml"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out + out.err


def _run(tmp_path: Path, name: str, *extra: str) -> ResultFolder:
    out = tmp_path / name
    # the linear model: the hand-drawn network's projects are worth their cost under it
    assert main(["portfolio", str(PLAN), "--out", str(out), "--method", "mcf", *extra]) == 0
    return ResultFolder.open(out, verify=True)


def test_tiny_plan_end_to_end(tmp_path: Path) -> None:
    """1000 CNY/yr (1e-5 亿) funds P_WCAP (capex 1000) or P_YARD (500), not both in one year;
    the folder holds every declared table and the chart, spend never exceeds the budget, the
    optimized programme is worth at least the greedy one, and the same inputs give the same
    bytes."""
    rf = _run(tmp_path, "a", "--budget", "0.00001")
    assert set(rf.tables) == {"programme.csv", "summary.csv", "spend.csv", "iterations.csv",
                              "solves.csv"}  # fmt: skip
    assert (rf.path / "programme.png").read_bytes()[:4] == b"\x89PNG"
    summary = {r["programme"]: r for r in rf.rows("summary.csv")}
    assert summary["optimized"]["verified_npv_cny"] >= summary["greedy"]["verified_npv_cny"]
    assert summary["optimized"]["converged"] is True
    assert summary["optimized"]["verified_npv_cny"] == pytest.approx(
        summary["optimized"]["predicted_npv_cny"], rel=1e-6
    )
    for r in rf.rows("spend.csv"):
        assert r["spend_cny"] <= r["budget_cny"] + 1e-6
        assert r["greedy_spend_cny"] <= r["budget_cny"] + 1e-6
    plus = summary["optimized_budget_plus_1"]["verified_npv_cny"]
    assert summary["optimized"]["marginal_npv_per_100m_cny"] == pytest.approx(
        plus - summary["optimized"]["verified_npv_cny"]
    )
    # every solve is cached once per (open set, modelled year, method)
    keys = [(r["projects"], r["year"], r["method"]) for r in rf.rows("solves.csv")]
    assert len(keys) == len(set(keys))
    again = _run(tmp_path, "b", "--budget", "0.00001")
    for name in (*rf.tables, "programme.png"):
        assert (rf.path / name).read_bytes() == (again.path / name).read_bytes(), name


def test_everything_or_nothing(tmp_path: Path) -> None:
    """A budget that allows everything builds both projects (each is worth its cost on the tiny
    network); a zero budget builds nothing, NPV 0."""
    rich = _run(tmp_path, "rich", "--budget", "1")
    prog = {r["project"]: r for r in rich.rows("programme.csv")}
    assert all(r["chosen"] for r in prog.values()) and set(prog) == {"P_WCAP", "P_YARD"}
    zero = _run(tmp_path, "zero", "--budget", "0")
    assert not any(r["chosen"] for r in zero.rows("programme.csv"))
    opt = next(r for r in zero.rows("summary.csv") if r["programme"] == "optimized")
    assert opt["verified_npv_cny"] == 0.0 and opt["projects"] == 0


def _plan(tmp_path: Path, edits: dict[str, str]) -> Path:
    """A copy of the tiny plan whose project files get extra TOML lines."""
    d = tmp_path / "scen"
    (d / "projects").mkdir(parents=True)
    (d / "base.toml").write_text(
        f'id = "tiny_base"\ntitle = "t"\ndata = "{(paths.DATA / "tiny").as_posix()}"\n',
        encoding="utf-8",
    )
    (d / "plan.toml").write_text(
        'id = "tiny_plan"\ntitle = "t"\nextends = "base.toml"\nprojects = ["P_WCAP", "P_YARD"]\n',
        encoding="utf-8",
    )
    for p in ("P_WCAP", "P_YARD", "P_ROAD2"):
        text = (SC / "projects" / f"{p}.toml").read_text(encoding="utf-8")
        if p in edits:
            head, sep, rest = text.partition("\n[[")
            text = head + "\n" + edits[p] + "\n" + sep + rest
        (d / "projects" / f"{p}.toml").write_text(text, encoding="utf-8")
    return d / "plan.toml"


@pytest.mark.parametrize(
    ("edits", "extra", "needle"),
    [
        ({}, ["--budget", "-1"], "--budget"),
        ({}, [], "give --budget"),
        ({}, ["--budget", "1", "--last-start", "2023"], "impossible: the earliest start 2024"),
        ({"P_WCAP": 'excludes = ["P_NOPE"]'}, ["--budget", "1"], "unknown project 'P_NOPE'"),
        ({"P_WCAP": 'requires = ["P_YARD"]', "P_YARD": 'requires = ["P_WCAP"]'}, ["--budget", "1"],
         "a cycle"),
        ({"P_WCAP": 'requires = ["P_ROAD2"]'}, ["--budget", "1"], "not in the plan"),
        ({"P_WCAP": 'requires = ["P_YARD"]\nexcludes = ["P_YARD"]'}, ["--budget", "1"],
         "excludes"),
    ],
)  # fmt: skip
def test_bad_inputs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edits: dict[str, str], extra: list[str],
    needle: str,
) -> None:  # fmt: skip
    plan = _plan(tmp_path, edits)
    rc, text = _cli(["portfolio", str(plan), "--out", str(tmp_path / "o"), *extra], capsys)
    assert rc == 2, text
    assert needle in text
    assert "Traceback" not in text
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('annual_budget_cny_100m = 1\nearliest_start = { P_YARD = 2030 }\nlast_start_year = 2025',
         "impossible"),
        ("annual_budget_cny_100m = 1\nearliest_start = { P_NOPE = 2025 }", "unknown project"),
        ("annual_budget_cny_100m = 1\nearliest_start = { P_YARD = 2020 }", "before the price base"),
        ("annual_budget_cny_100m = 0\ncommitted = [\"P_WCAP\"]", "committed projects need"),
        ("annual_budget_cny_100m = -3", "annual_budget_cny_100m"),
        ("", "give annual_budget_cny_100m"),
        ("annual_budget_cny_100m = 1\nbudget_by_year_cny_100m = { 2025 = 1 }", "not both"),
    ],
)  # fmt: skip
def test_bad_budget_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, needle: str
) -> None:
    f = tmp_path / "budget.toml"
    f.write_text(f'id = "b"\nsource = "assumption: test"\n{body}\n', encoding="utf-8")
    rc, text = _cli(
        ["portfolio", str(PLAN), "--budget-file", str(f), "--out", str(tmp_path / "o")], capsys
    )
    assert rc == 2, text
    assert needle in text and "budget.toml" in text
    assert "Traceback" not in text


def test_budget_file_by_year(tmp_path: Path) -> None:
    """A by-year profile: 2023 nothing, 2024 on 1e-5 亿: nothing starts in 2023 (P_YARD's
    earliest start is 2024 anyway) and spend follows the profile."""
    f = tmp_path / "budget.toml"
    f.write_text('id = "b"\nsource = "assumption: test"\n'
                 'budget_by_year_cny_100m = { 2023 = 0, 2024 = 0.00001 }\n', encoding="utf-8")  # fmt: skip
    out = tmp_path / "o"
    assert main(["portfolio", str(PLAN), "--budget-file", str(f), "--out", str(out)]) == 0
    spend = {r["year"]: r for r in ResultFolder.open(out).rows("spend.csv")}
    assert spend[2023]["budget_cny"] == 0.0 and spend[2023]["spend_cny"] == 0.0
    assert spend[2024]["budget_cny"] == pytest.approx(1000.0)
    shutil.rmtree(out)


@pytest.mark.slow
def test_regional_budget_central(tmp_path: Path) -> None:
    """The regional plan under scenarios/portfolio/budget_central.toml (linear model): spend
    within the budget every year, the committed projects built at their start years, the loop
    converged, and the optimized programme worth at least the greedy one (relations that stay
    true while the regional data move)."""
    budget = paths.SCENARIOS / "portfolio" / "budget_central.toml"
    out = tmp_path / "pf"
    args = ["portfolio", str(paths.SCENARIOS / "plan_2025_central.toml"),
            str(paths.SCENARIOS / "plan_2035_central.toml"), "--budget-file", str(budget),
            "--out", str(out), "--jobs", "2", "--method", "mcf"]  # fmt: skip
    assert main(args) == 0
    rf = ResultFolder.open(out, verify=True)
    summary = {r["programme"]: r for r in rf.rows("summary.csv")}
    assert summary["optimized"]["converged"] is True
    assert summary["optimized"]["verified_npv_cny"] >= summary["greedy"]["verified_npv_cny"] - 1.0
    assert summary["optimized_budget_plus_1"]["verified_npv_cny"] >= (
        summary["optimized"]["verified_npv_cny"] - 1.0
    )
    for r in rf.rows("spend.csv"):
        assert r["spend_cny"] <= 250e8 * (1 + 1e-9)
    for r in rf.rows("programme.csv"):
        if r["committed"]:
            assert r["chosen"] and r["start_year"] == r["plan_construction_start"]


def test_total_budget(tmp_path: Path) -> None:
    """A total of 1500 CNY pays both projects (1000 + 500 CNY), 1400 CNY only one; no annual
    cap, so spend.csv has blank budgets and the marginal step is one 亿 on the total."""
    both = _run(tmp_path, "both", "--total-budget", "0.000015")
    assert all(r["chosen"] for r in both.rows("programme.csv"))
    one = _run(tmp_path, "one", "--total-budget", "0.000014")
    assert sum(r["chosen"] for r in one.rows("programme.csv")) == 1
    assert all(r["budget_cny"] is None for r in one.rows("spend.csv"))
    plus = next(r for r in one.rows("summary.csv") if r["programme"] == "optimized_budget_plus_1")
    assert "+1 亿 CNY on the total" in plus["budget"] and plus["projects"] == 2
