"""The default method (issue 11 item 6): `run`, `compare` and `appraise` solve with the
behavioural model unless told otherwise; the precedence is --method > the scenario's
`[solver] method` > DEFAULT_METHOD; `criticality` and `sweep` keep mcf and accept logit."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from cli import main
from freight.model.methods import DEFAULT_METHOD
from tests import paths

TINY = paths.DATA / "tiny"
SC = paths.DATA / "scenarios"


def _method(folder: Path) -> str:
    return str(json.loads((folder / "manifest.json").read_text("utf-8"))["method"])


def _mcf_scenario(tmp_path: Path) -> Path:
    """The tiny plan with `[solver] method = "mcf"` (extends the plan of tests/data)."""
    f = tmp_path / "plan_mcf.toml"
    f.write_text(
        f'id = "plan_mcf"\nextends = "{(SC / "plan.toml").as_posix()}"\n[solver]\nmethod = "mcf"\n',
        encoding="utf-8",
    )
    return f


def test_the_default_is_the_behavioural_model() -> None:
    assert DEFAULT_METHOD == "logit"


def test_run_precedence(tmp_path: Path) -> None:
    """No method anywhere: logit; the scenario's [solver] method wins over the default; an
    explicit --method wins over both."""
    assert main(["run", str(TINY), "--out", str(tmp_path / "a")]) == 0
    assert _method(tmp_path / "a") == "logit"
    assert main(["run", str(SC / "base.toml"), "--out", str(tmp_path / "b")]) == 0
    assert _method(tmp_path / "b") == "logit"
    sc = _mcf_scenario(tmp_path)
    assert main(["run", str(sc), "--out", str(tmp_path / "c")]) == 0
    assert _method(tmp_path / "c") == "mcf"
    assert main(["run", str(sc), "--out", str(tmp_path / "d"), "--method", "lp"]) == 0
    assert _method(tmp_path / "d") == "lp"


def test_compare_precedence(tmp_path: Path) -> None:
    """compare solves each side with --method, else its scenario's [solver] method, else logit,
    and records each side's method; the linear sides give the hand-computed +50 t on W_PQ."""
    sc = _mcf_scenario(tmp_path)
    out = tmp_path / "cmp"
    assert main(["compare", str(SC / "base.toml"), str(sc), "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (m["base"]["method"], m["scenario"]["method"], m["method"]) == ("logit", "mcf", "mcf")
    out2 = tmp_path / "cmp2"
    argv = ["compare", str(SC / "base.toml"), str(sc), "--out", str(out2), "--method", "mcf"]
    assert main(argv) == 0
    m2 = json.loads((out2 / "manifest.json").read_text("utf-8"))
    assert (m2["base"]["method"], m2["scenario"]["method"]) == ("mcf", "mcf")
    rows = list(csv.DictReader((out2 / "link_changes.csv").open(encoding="utf-8")))
    w = sum(float(r["flow_t_delta"]) for r in rows if r["link"] == "W_PQ")
    assert w == pytest.approx(50.0)


def test_compare_of_result_folders_keeps_their_methods(tmp_path: Path) -> None:
    """A result folder is read, not solved: its own method is recorded, whatever --method says."""
    assert (
        main(["run", str(SC / "base.toml"), "--out", str(tmp_path / "b"), "--method", "mcf"]) == 0
    )
    assert main(["run", str(SC / "plan.toml"), "--out", str(tmp_path / "p")]) == 0
    out = tmp_path / "cmp"
    argv = [
        "compare",
        str(tmp_path / "b"),
        str(tmp_path / "p"),
        "--out",
        str(out),
        "--method",
        "lp",
    ]
    assert main(argv) == 0
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (m["base"]["method"], m["scenario"]["method"], m["method"]) == ("mcf", "logit", "logit")


@pytest.mark.parametrize("command", ["appraise", "run", "compare"])
def test_help_names_the_default(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--help of run, compare and appraise says the default is logit; criticality and sweep
    keep mcf."""
    assert main([command, "--help"]) == 0
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", capsys.readouterr().out).split())
    assert "logit" in text and ("default: logit" in text or "else logit" in text)


def test_criticality_and_sweep_accept_logit(tmp_path: Path) -> None:
    """criticality and sweep run the behavioural model when asked (their default stays mcf)."""
    out = tmp_path / "crit"
    argv = ["criticality", str(TINY), "--out", str(out), "--method", "logit", "--only", "water"]
    assert main(argv) == 0
    assert _method(out) == "logit"
    rows = list(csv.DictReader((out / "criticality.csv").open(encoding="utf-8")))
    assert [r["element"] for r in rows] == ["W_PQ"]
    sw = tmp_path / "sweep"
    files = [str(SC / "base.toml"), str(SC / "plan.toml")]
    assert main(["sweep", *files, "--out", str(sw), "--method", "logit"]) == 0
    done = list(csv.DictReader((sw / "sweep.csv").open(encoding="utf-8")))
    assert len(done) == 2 and {r["method"] for r in done} == {"logit"}
    assert all(r["status"] == "converged" for r in done)
    assert main(["criticality", str(TINY), "--out", str(tmp_path / "c2"), "--only", "water"]) == 0
    assert _method(tmp_path / "c2") == "mcf"
