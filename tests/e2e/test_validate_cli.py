"""`freight validate`: exit codes, messages and summaries, driven through cli.main and a subprocess.

The corpus tests/data/broken/<case>/ holds copies of tests/data/tiny with one defect each; its
EXPECT file is one line ``FILE|ROW|COLUMN|SUBSTRING`` (ROW or COLUMN empty when the problem has
none; see tools/make_broken_corpus.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import cli
from tests import paths

ROOT = paths.ROOT
BROKEN = ROOT / "tests" / "data" / "broken"
TINY = ROOT / "tests" / "data" / "tiny"
CHUANNAN = ROOT / "network_data" / "chuannan_yuxi"
MODES = ("road", "rail", "water", "air")

BUGS: dict[str, str] = {}  # case -> reason, for known bugs (strict xfail)


@dataclass(frozen=True)
class Expect:
    """What the error for one broken folder must say."""

    file: str
    row: int | None
    column: str
    text: str


def _expect(folder: Path) -> Expect:
    file, row, column, text = (folder / "EXPECT").read_text(encoding="utf-8").strip().split("|")
    return Expect(file, int(row) if row else None, column, text)


CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "EXPECT").is_file())


def _case_params() -> list[object]:
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=BUGS[c])) if c in BUGS else c
        for c in CASES
    ]


def _problem_lines(err: str) -> list[str]:
    return [ln.strip()[2:] for ln in err.splitlines() if ln.strip().startswith("- ")]


def _assert_names(err: str, exp: Expect) -> None:
    """The error output lists exactly one problem, naming exp's file, row, column and text."""
    assert "1 problem found" in err, err
    (line,) = _problem_lines(err)
    where, _, message = line.partition(": ")
    assert where.split(",")[0] == exp.file, line
    if exp.row is None:
        assert "row" not in where, line
    else:
        assert re.search(rf"\brow {exp.row}\b", where), line
    if exp.column:
        assert f"'{exp.column}'" in where, line
    assert exp.text in message, line


def _cells(out: str) -> list[list[str]]:
    """Rows of the rich tables in ``out`` (unicode or ASCII box characters) as lists of cells."""
    rows = []
    for ln in out.splitlines():
        parts = re.split(r"[│┃|]", ln)
        if len(parts) >= 3:
            rows.append([c.strip() for c in parts[1:-1]])
    return rows


@dataclass(frozen=True)
class Summary:
    """Counts read back from the validate summary printed on the terminal."""

    places: int
    zones: int
    links: dict[str, tuple[int, float]]
    commodities: int
    od_rows: int
    flat: str


def _summary(out: str) -> Summary:
    """Parse the validate summary (places total, links by mode, commodities, OD rows)."""
    cells = _cells(out)
    flat = " ".join(out.split())
    total = next(r for r in cells if r and r[0] == "total" and "zones" in r[1])
    m = re.fullmatch(r"(\d+) \((\d+) zones\)", total[1])
    assert m, total
    links = {r[0]: (int(r[1]), float(r[2].replace(",", ""))) for r in cells if r[0] in MODES}
    c = re.search(r"\((\d+) commodities, (\d+) OD rows\)", flat)
    assert c, flat
    return Summary(int(m[1]), int(m[2]), links, int(c[1]), int(c[2]), flat)


def test_corpus_is_large_enough() -> None:
    """The broken corpus has at least 18 cases, each with a well-formed EXPECT line."""
    assert len(CASES) >= 18
    for c in CASES:
        exp = _expect(BROKEN / c)
        assert exp.file.endswith(".csv") and exp.text, c


@pytest.mark.parametrize("case", _case_params())
def test_broken_folder_exit_2(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each broken folder: exit 2, one problem naming file, row and column, no traceback."""
    folder = BROKEN / case
    code = cli.main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert "valid" not in out
    assert err.startswith("error: ")
    _assert_names(err, _expect(folder))


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FREIGHT_DEBUG"}
    env["COLUMNS"] = "120"
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120
    )


def _console_script() -> list[str]:
    script = Path(sys.executable).parent / "freight"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


@pytest.mark.parametrize(
    ("case", "how"),
    [
        ("missing_file", "module"),
        ("non_utf8", "script"),
        ("unreachable_zone", "module"),
        ("water_at_inland_city", "script"),
    ],
)
def test_broken_folder_subprocess(case: str, how: str) -> None:
    """A real process (python -m cli / console script) exits 2 with the message, no traceback."""
    prefix = [sys.executable, "-m", "cli"] if how == "module" else _console_script()
    res = _run([*prefix, "validate", str(BROKEN / case)])
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    _assert_names(res.stderr, _expect(BROKEN / case))


def test_missing_folder_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder that does not exist: exit 2 and the message names the path."""
    missing = tmp_path / "nope"
    assert cli.main(["validate", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "not a folder" in err
    assert "Traceback" not in err


def test_several_problems_all_listed(
    copy_tiny: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Defects in three files are listed together in one run (3 problems, exit 2)."""
    folder = copy_tiny()
    for name, old, new in (
        ("links.csv", "R_QB,Q,B,road,,20", "R_QB,Q,B,road,,twenty"),
        ("terminals.csv", ",true,", ",maybe,"),
        ("modes.csv", "road,0.5", "road,-0.5"),
    ):
        p = folder / name
        p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "3 problems found" in err
    lines = _problem_lines(err)
    assert [ln.split(":")[0] for ln in lines] == [
        "modes.csv, row 2, column 'cost_per_t_km'",
        "links.csv, row 4, column 'length_km'",
        "terminals.csv, row 3, column 'dg_yard'",
    ]


def test_valid_tiny_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Valid tiny: exit 0 and the summary shows its counts (4 places, 2 zones, 3+1 links, 110 t)."""
    assert cli.main(["validate", str(TINY)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    s = _summary(out)
    assert "tiny: valid" in out
    assert (s.places, s.zones, s.commodities, s.od_rows) == (4, 2, 2, 2)
    assert s.links == {"road": (3, 180.0), "water": (1, 100.0)}
    rows = {r[0]: r[1:] for r in _cells(out)}
    assert rows["city"] == ["2"] and rows["river_port"] == ["2"]
    assert rows["bulk"] == ["100"] and rows["dg"] == ["10"] and rows["total"][-1] == "110"
    assert "Terminals: 2 (2 mode transfers, 0 zone access)" in s.flat


def test_valid_tiny_subprocess() -> None:
    """Valid tiny through the console script: exit 0, summary on stdout, nothing on stderr."""
    res = _run([*_console_script(), "validate", str(TINY)])
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    s = _summary(res.stdout)
    assert (s.places, s.zones, s.commodities) == (4, 2, 2)


def test_chuannan_yuxi(capsys: pytest.CaptureFixture[str]) -> None:
    """The regional network validates: >= 40 places, all four modes, >= 8 commodities."""
    if not (CHUANNAN / "places.csv").is_file():
        pytest.skip("network_data/chuannan_yuxi/places.csv not written yet (data being built)")
    code = cli.main(["validate", str(CHUANNAN)])
    out, err = capsys.readouterr()
    assert code == 0, err
    s = _summary(out)
    assert s.places >= 40
    assert set(s.links) == set(MODES)
    assert s.commodities >= 8


def test_scenario_subprocess() -> None:
    """`freight validate SCENARIO.toml` in a real process: exit 0 with the summary for a good
    scenario, exit 2 with file, key and hint for one whose project says `speed = 45`."""
    scen = ROOT / "tests" / "data" / "scenarios"
    ok = _run([*_console_script(), "validate", str(scen / "plan.toml")])
    assert ok.returncode == 0, ok.stderr
    assert "tiny_plan: valid" in ok.stdout and ok.stderr == ""
    bad = _run([*_console_script(), "validate", str(scen / "broken" / "project_speed_typo.toml")])
    assert bad.returncode == 2, (bad.stdout, bad.stderr)
    assert "Traceback" not in bad.stdout + bad.stderr
    flat = " ".join(bad.stderr.split())
    assert (
        "P_SPEED.toml, 'add_links[0].speed': unknown column of links.csv; did you mean `speed_kmh`?"
        in flat
    )
