"""Broken scenario and project files through ``freight validate`` (cli.main): exit 2, naming the
file and key of every bad number, unknown key and bad path, with the allowed range or the nearest
valid key (issue #17 item 2, issue #14 item 7).

Each case writes a scenario ``s.toml`` (on tests/data/tiny) and project files into a fresh folder
and expects one problem line naming ``FILE, 'KEY'`` and a piece of text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import cli
from tests.paths import DATA

TINY = DATA / "tiny"

PROJECT = """id = "P_X"
name = "x"
plan_section = "test"
source = "assumption: test project"
capex_cny = 1000.0
construction_start = 2024
opening_year = 2025
"""
LINK = """[[add_links]]
id = "R_NEW"
from = "A"
to = "B"
mode = "road"
length_km = 30.0
"""


@dataclass(frozen=True)
class Case:
    """One broken input: the scenario body, project files, symlinks; the expected message."""

    name: str
    scenario: str
    file: str
    key: str
    text: str
    projects: dict[str, str] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    folders: tuple[str, ...] = ()


def _sc(body: str) -> str:
    return 'id = "s"\ndata = "TINY"\n' + body


def _pj(body: str) -> dict[str, str]:
    return {"P_X": PROJECT + body}


WITH_P = 'projects = ["P_X"]\n'

CASES: list[Case] = [
    # --- scenario numbers
    Case("carbon_1e308", _sc("[parameters]\ncarbon_price = 1e308\n"), "s.toml",
         "parameters.carbon_price", "allowed: >= 0, <= 10000"),
    Case("carbon_inf", _sc("[parameters]\ncarbon_price = inf\n"), "s.toml",
         "parameters.carbon_price", "finite number"),
    Case("carbon_nan", _sc("[parameters]\ncarbon_price = nan\n"), "s.toml",
         "parameters.carbon_price", "finite number"),
    Case("demand_factor_1e300", _sc("[demand]\nfactor = 1e300\n"), "s.toml", "demand.factor",
         "allowed: > 0, <= 100"),
    Case("growth_by_commodity_negative", _sc("[demand.by_commodity]\nbulk = -1.0\n"), "s.toml",
         "demand.by_commodity.bulk", "allowed: >= -0.5, <= 1"),
    Case("growth_inf", _sc("[demand]\ngrowth = inf\n"), "s.toml", "demand.growth",
         "finite number"),
    Case("year_1e9", _sc("year = 1000000000\n"), "s.toml", "year", "allowed: >= 1990, <= 2100"),
    Case("discount_rate_2", _sc("[parameters]\ndiscount_rate = 2.0\n"), "s.toml",
         "parameters.discount_rate", "allowed: > 0, <= 0.5"),
    Case("tariff_negative", _sc("[parameters]\ntariff_factors = { rail = -1 }\n"), "s.toml",
         "parameters.tariff_factors.rail", "allowed: >= 0, <= 100"),
    Case("vot_factors_negative", _sc("[parameters]\nvot_factors = { dg = -50 }\n"), "s.toml",
         "parameters.vot_factors.dg", "allowed: >= 0, <= 100"),
    Case("extra_wait_1e308",
         _sc('[[disruptions]]\nelement = "W_PQ"\nextra_wait_h = 1e308\n'), "s.toml",
         "disruptions[0].extra_wait_h", "allowed: >= 0, <= 8760"),
    Case("grown_demand_overflow", _sc("year = 2100\n[demand]\ngrowth = 1.0\n"), "s.toml",
         "year", "allowed: 0 to 1e+09 t/yr per row"),
    # --- unknown keys and ids
    Case("unknown_top_key", _sc("carbon_pryce = 3\n"), "s.toml", "carbon_pryce",
         "did you mean `parameters.carbon_price`?"),
    Case("unknown_parameter_key", _sc("[parameters]\ncarbon_prise = 3\n"), "s.toml",
         "parameters.carbon_prise", "did you mean `carbon_price`?"),
    Case("tariff_unknown_mode", _sc("[parameters]\ntariff_factors = { raill = 0.5 }\n"),
         "s.toml", "parameters.tariff_factors.raill", "did you mean `rail`?"),
    Case("vot_unknown_commodity", _sc("[parameters]\nvot_factors = { dgg = 2 }\n"), "s.toml",
         "parameters.vot_factors.dgg", "unknown commodity 'dgg' (not in commodities.csv of tiny); "
         "did you mean `dg`?"),
    Case("growth_unknown_commodity", _sc("[demand.by_commodity]\nbulkk = 0.1\n"), "s.toml",
         "demand.by_commodity.bulkk", "did you mean `bulk`?"),
    Case("disruption_unknown_action",
         _sc('[[disruptions]]\nelement = "W_PQ"\naction = "clsoe"\n'), "s.toml",
         "disruptions[0].action", "did you mean `close`?"),
    Case("disruption_unknown_element", _sc('[[disruptions]]\nelement = "W_PQQ"\n'), "s.toml",
         "disruptions[0].element", "unknown link or terminal 'W_PQQ'"),
    Case("unknown_project", _sc('projects = ["P_WCAPP"]\n'), "s.toml", "projects",
         "unknown project 'P_WCAPP'"),
    # --- paths
    Case("extends_missing", 'id = "s"\nextends = "nowhere.toml"\n', "s.toml", "extends",
         "'nowhere.toml': file not found"),
    Case("extends_folder", 'id = "s"\nextends = "sub"\n', "s.toml", "extends",
         "is a folder, not a scenario file", folders=("sub",)),
    Case("extends_symlink_loop", 'id = "s"\nextends = "loop_a.toml"\n', "s.toml", "extends",
         "cannot resolve", symlinks={"loop_a.toml": "loop_b.toml", "loop_b.toml": "loop_a.toml"}),
    Case("data_missing", 'id = "s"\ndata = "no_such_folder"\n', "s.toml", "data",
         "not a folder"),
    # --- project numbers, dates
    Case("capex_inf", _sc(WITH_P), "P_X.toml", "capex_cny", "finite number",
         projects={"P_X": PROJECT.replace("capex_cny = 1000.0", "capex_cny = inf")}),
    Case("construction_start_ancient", _sc(WITH_P), "P_X.toml", "construction_start",
         "allowed: >= 1990, <= 2100",
         projects={"P_X": PROJECT.replace("= 2024", "= -50000")}),
    Case("opening_year_1e9", _sc(WITH_P), "P_X.toml", "opening_year", "allowed: >= 1990, <= 2100",
         projects={"P_X": PROJECT.replace("= 2025", "= 1000000000")}),
    # --- added rows
    Case("add_link_speed", _sc(WITH_P), "P_X.toml", "add_links[0].speed",
         "unknown column of links.csv; did you mean `speed_kmh`?",
         projects=_pj(LINK + "speed = 45\n")),
    Case("add_link_capacity", _sc(WITH_P), "P_X.toml", "add_links[0].capacity",
         "did you mean `capacity_t`?", projects=_pj(LINK + "capacity = 1000\n")),
    Case("add_link_length_1e308", _sc(WITH_P), "P_X.toml", "add_links[0].length_km",
         "allowed: > 0, <= 20000", projects=_pj(LINK.replace("30.0", "1e308"))),
    Case("add_link_unknown_place", _sc(WITH_P), "P_X.toml", "add_links[0].to",
         "unknown place 'Z'", projects=_pj(LINK.replace('to = "B"', 'to = "Z"'))),
    Case("add_link_duplicate_id", _sc(WITH_P), "P_X.toml", "add_links[0].id",
         "duplicate 'R_AB' (first at links.csv row 5)",
         projects=_pj(LINK.replace('"R_NEW"', '"R_AB"'))),
    Case("add_link_unknown_excluded_commodity", _sc(WITH_P), "P_X.toml",
         "add_links[0].excluded_commodities", "unknown commodity 'gold'",
         projects=_pj(LINK + 'excluded_commodities = ["gold"]\n')),
    Case("add_terminal_unknown_key", _sc(WITH_P), "P_X.toml", "add_terminals[0].cost",
         "did you mean `cost_per_t`?",
         projects=_pj('[[add_terminals]]\nid = "T_N"\nplace = "A"\nfrom_mode = "zone"\n'
                      'to_mode = "road"\ncost = 5\ntime_h = 1\n')),
    Case("add_place_unknown_key", _sc(WITH_P), "P_X.toml", "add_places[0].lng",
         "did you mean `lon`?",
         projects=_pj('[[add_places]]\nid = "N"\nname = "New"\nkind = "city"\nlng = 104.5\n'
                      "lat = 29.0\n")),
    # --- modify edits
    Case("modify_unknown_column", _sc(WITH_P), "P_X.toml", "modify_links[0].set.capacity",
         "did you mean `capacity_t`?",
         projects=_pj('[[modify_links]]\nid = "W_PQ"\nset = { capacity = 5 }\n')),
    Case("modify_wait_1e308", _sc(WITH_P), "P_X.toml", "modify_links[0].set.wait_h",
         "allowed: >= 0, <= 8760",
         projects=_pj('[[modify_links]]\nid = "W_PQ"\nset = { wait_h = 1e308 }\n')),
    Case("modify_capacity_inf", _sc(WITH_P), "P_X.toml", "modify_links[0].set.capacity_t",
         "finite number",
         projects=_pj('[[modify_links]]\nid = "W_PQ"\nset = { capacity_t = inf }\n')),
    Case("modify_id", _sc(WITH_P), "P_X.toml", "modify_links[0].set.id", "cannot be changed",
         projects=_pj('[[modify_links]]\nid = "W_PQ"\nset = { id = "W2" }\n')),
    Case("modify_unknown_row", _sc(WITH_P), "P_X.toml", "modify_links[0].id",
         "unknown link id 'W_PQQ'; did you mean `W_PQ`?",
         projects=_pj('[[modify_links]]\nid = "W_PQQ"\nset = { wait_h = 1 }\n')),
    Case("modify_background_above_capacity", _sc(WITH_P), "P_X.toml",
         "modify_links[0].background_t", "exceeds capacity_t",
         projects=_pj('[[modify_links]]\nid = "W_PQ"\nset = { background_t = 500 }\n')),
]  # fmt: skip


def _write(case: Case, folder: Path) -> Path:
    (folder / "projects").mkdir()
    for sub in case.folders:
        (folder / sub).mkdir()
    for name, target in case.symlinks.items():
        os.symlink(target, folder / name)
    for pid, text in case.projects.items():
        (folder / "projects" / f"{pid}.toml").write_text(text, encoding="utf-8")
    path = folder / "s.toml"
    path.write_text(case.scenario.replace("TINY", TINY.as_posix()), encoding="utf-8")
    return path


def _problems(err: str) -> list[str]:
    return [ln.strip()[2:] for ln in err.splitlines() if ln.strip().startswith("- ")]


def test_cases_are_distinct() -> None:
    """The table has at least 35 cases with distinct names."""
    assert len(CASES) >= 35
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_names_file_and_key(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`freight validate s.toml` exits 2, and one problem names the file, the key and the text."""
    path = _write(case, tmp_path)
    code = cli.main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    lines = [ln for ln in _problems(err) if f"{case.file}, '{case.key}': " in ln]
    assert lines, err
    assert any(case.text in ln for ln in lines), lines


def test_added_link_error_names_project_not_links_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project's link to an unknown place is reported against the project file and key only,
    never against a links.csv row the user did not write."""
    case = next(c for c in CASES if c.name == "add_link_unknown_place")
    assert cli.main(["validate", str(_write(case, tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "links.csv" not in err
    assert re.search(r"P_X\.toml, 'add_links\[0\]\.to': unknown place 'Z'", err), err


def test_run_exits_2_on_speed_typo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight run` on a scenario whose project says `speed = 45` exits 2, suggests
    `speed_kmh` and writes no result folder."""
    case = next(c for c in CASES if c.name == "add_link_speed")
    path = _write(case, tmp_path)
    code = cli.main(["run", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "did you mean `speed_kmh`?" in err
    assert not (tmp_path / "out").exists()


def test_every_problem_of_every_project_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two bad project files and a bad commodity key: all three problems in one run."""
    case = Case(
        "several",
        _sc('projects = ["P_X", "P_Y"]\n[parameters]\nvot_factors = { dgg = 2 }\n'),
        "",
        "",
        "",
        projects={
            "P_X": PROJECT + LINK + "speed = 45\n",
            "P_Y": PROJECT.replace("P_X", "P_Y").replace("1000.0", "inf"),
        },
    )
    assert cli.main(["validate", str(_write(case, tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "3 problems found" in err, err
    got = sorted(ln.split(": ")[0].rsplit("/", 1)[-1] for ln in _problems(err))
    assert got == [
        "P_X.toml, 'add_links[0].speed'",
        "P_Y.toml, 'capex_cny'",
        "s.toml, 'parameters.vot_factors.dgg'",
    ]


def test_extends_chain_names_the_parent_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown commodity set in a parent scenario is named against the parent file."""
    (tmp_path / "parent.toml").write_text(
        f'id = "p"\ndata = "{TINY.as_posix()}"\n[demand.by_commodity]\ngrian = 0.1\n',
        encoding="utf-8",
    )
    (tmp_path / "child.toml").write_text('id = "c"\nextends = "parent.toml"\n', encoding="utf-8")
    assert cli.main(["validate", str(tmp_path / "child.toml")]) == 2
    (line,) = _problems(capsys.readouterr().err)
    assert line.startswith(f"{tmp_path / 'parent.toml'}, 'demand.by_commodity.grian': ")


def test_scenario_path_is_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO given as the scenario is refused at once (exit 2), not read forever."""
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    assert cli.main(["validate", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_valid_scenario_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid scenario with a project: exit 0 and a summary of what was checked (1 project,
    1 edit, the 4 places and 110 t of tiny)."""
    (tmp_path / "projects").mkdir()
    (tmp_path / "projects" / "P_X.toml").write_text(
        PROJECT + '[[modify_links]]\nid = "W_PQ"\nset = { capacity_t = 150 }\n', encoding="utf-8"
    )
    (tmp_path / "s.toml").write_text(_sc(WITH_P).replace("TINY", TINY.as_posix()), "utf-8")
    assert cli.main(["validate", str(tmp_path / "s.toml")]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert "s: valid" in flat
    assert "1 project (P_X)" in flat and "1 edit applied" in flat
    assert "4 places, 4 links, 2 terminals, 2 OD rows; demand 110 -> 110 t/yr" in flat


def test_project_file_validated_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight validate P_X.toml` checks a project file by itself: `speed = 45` exits 2 with
    the `speed_kmh` hint; a correct file exits 0 and counts its edits."""
    bad = tmp_path / "P_X.toml"
    bad.write_text(PROJECT + LINK + "speed = 45\n", encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert (
        "P_X.toml, 'add_links[0].speed': unknown column of links.csv; did you mean `speed_kmh`?"
        in err
    )
    bad.write_text(PROJECT + LINK + "speed_kmh = 45\n", encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert "P_X: valid project file" in flat and "1 added, 0 modified, 0 removed rows" in flat


def test_nested_key_hint_only_when_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A top-level key unlike any nested key gets no far-fetched hint."""
    path = tmp_path / "s.toml"
    path.write_text(_sc("plan_section = 'x'\n").replace("TINY", TINY.as_posix()), "utf-8")
    assert cli.main(["validate", str(path)]) == 2
    (line,) = _problems(capsys.readouterr().err)
    assert line.endswith("'plan_section': unknown key (not allowed here)"), line


def test_disruption_of_an_added_link_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A disruption may close a link that a project of the scenario adds (checked on the edited
    network): exit 0, 1 project and 1 disruption in the summary."""
    body = WITH_P + '[[disruptions]]\nelement = "R_NEW"\nshare_of_year = 0.5\n'
    case = Case("ok", _sc(body), "", "", "", projects=_pj(LINK + "capacity_t = 100\n"))
    assert cli.main(["validate", str(_write(case, tmp_path))]) == 0, capsys.readouterr().err
    flat = " ".join(capsys.readouterr().out.split())
    assert "1 project (P_X); 1 disruption; 2 edits applied" in flat
