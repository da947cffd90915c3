"""Fault injection through the command line: bad option values, damaged result folders, outputs
that would destroy inputs, Ctrl-C, killed processes and dead Dask clusters. Every fault exits 2
(or 130 for Ctrl-C) with the key or path named, no traceback, and no file of the user changed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli import main
from tests import paths

TINY = paths.DATA / "tiny"
PLAN = paths.DATA / "scenarios" / "plan.toml"


def _digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below a folder (relative path -> hash)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


# --------------------------------------------------------------------------- option values

OPTION_CASES = {
    "time limit negative": (["route", "R", "--terminal", "T", "--time-limit", "-1"], "--time-limit"),
    "time limit nan": (["route", "R", "--terminal", "T", "--time-limit", "nan"], "--time-limit"),
    "gap negative": (["import-tntp", "a", "b", "--out", "o", "--gap", "-1"], "--gap"),
    "max iter 0": (["import-tntp", "a", "b", "--out", "o", "--max-iter", "0"], "--max-iter"),
    "algorithm xyz": (["import-tntp", "a", "b", "--out", "o", "--algorithm", "xyz"], "'xyz'"),
    "method foo": (["run", str(TINY), "--out", "o", "--method", "foo"], "'foo'"),
    "appraise method foo": (["appraise", str(PLAN), "--out", "o", "--method", "foo"], "'foo'"),
    "criticality method ue": (["criticality", str(TINY), "--out", "o", "--method", "ue"], "'ue'"),
    "grid not a number": (["sweep", str(PLAN), "--out", "o", "--grid", "carbon_price=abc"], "--grid"),
    "lhs negative": (["sweep", str(PLAN), "--out", "o", "--lhs", "-3"], "--lhs"),
    "scheduler garbage": (["criticality", str(TINY), "--out", "o", "--scheduler", "garbage"], "--scheduler"),
    "jobs 0": (["criticality", str(TINY), "--out", "o", "--jobs", "0"], "--jobs"),
    "carbon price negative": (["appraise", str(PLAN), "--out", "o", "--carbon-price", "-500"], "--carbon-price"),
    "carbon price inf": (["appraise", str(PLAN), "--out", "o", "--carbon-price", "inf"], "--carbon-price"),
    "only unknown": (["criticality", str(TINY), "--out", "o", "--only", "ships"], "'ships'"),
    "scenario in capitals": (["run", "NOPE.TOML", "--out", "o"], "NOPE.TOML"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_bad_option_value_exits_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad option value exits 2 naming the option or value; nothing is written."""
    monkeypatch.chdir(tmp_path)
    args, named = OPTION_CASES[case]
    code, text = _cli(args, capsys)
    assert code == 2, text
    assert named in text and "Traceback" not in text
    assert list(tmp_path.iterdir()) == []


def test_unreachable_scheduler_exits_2_within_the_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduler nobody listens on is reported (exit 2) within the connect timeout."""
    monkeypatch.setenv("FREIGHT_DASK_CONNECT_TIMEOUT_S", "2")
    t0 = time.monotonic()
    code, text = _cli(
        [
            "criticality",
            str(TINY),
            "--out",
            str(tmp_path / "c"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capsys,
    )
    assert code == 2 and "cannot reach the Dask scheduler" in text
    assert time.monotonic() - t0 < 30


def test_dask_cluster_without_workers_fails_instead_of_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cluster with no worker and tasks pending is an error after the no-worker timeout."""
    from dask.distributed import Client, LocalCluster

    from freight.analysis.parallel import map_tasks
    from freight.errors import FreightError

    monkeypatch.setenv("FREIGHT_DASK_NO_WORKER_TIMEOUT_S", "1.5")
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            t0 = time.monotonic()
            with pytest.raises(FreightError, match=r"has had no worker for 1\.5 s"):
                map_tasks(abs, [-1, -2], scheduler=client)
            assert time.monotonic() - t0 < 20


# --------------------------------------------------------------------------- damaged results


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    assert main(["--quiet", "run", str(TINY), "--out", str(out)]) == 0
    return out


def test_compare_refuses_a_truncated_result(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A truncated link_flows.csv is a damaged folder (exit 2), not a collapse of flows."""
    f = run_dir / "link_flows.csv"
    f.write_bytes(f.read_bytes()[:-40])
    code, text = _cli(["compare", str(run_dir), str(TINY), "--out", str(tmp_path / "c")], capsys)
    assert code == 2 and "link_flows.csv" in text
    assert not (tmp_path / "c").exists()


def test_route_refuses_a_damaged_result(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """route verifies the run's manifest hashes before reading its paths."""
    f = run_dir / "od_paths.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("R_AP", "R_XX"), encoding="utf-8")
    code, text = _cli(
        ["route", str(run_dir), "--terminal", "T_P", "--out", str(run_dir.parent / "r")], capsys
    )
    assert code == 2 and "od_paths.csv" in text


# --------------------------------------------------------------------------- outputs


def test_out_that_names_an_input_or_its_parent_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out equal to the data, to its parent, or to the scenarios folder: exit 2, inputs intact."""
    root = tmp_path / "proj"
    shutil.copytree(paths.DATA / "scenarios", root / "scenarios")
    shutil.copytree(TINY, root / "tiny")
    before = _digest(root)
    for args in (
        ["run", str(root / "tiny"), "--out", str(root / "tiny")],
        ["run", str(root / "tiny"), "--out", str(root)],
        ["run", str(root / "scenarios" / "plan.toml"), "--out", str(root / "scenarios")],
        ["criticality", str(root / "tiny"), "--out", str(root)],
        ["appraise", str(root / "scenarios" / "plan.toml"), "--out", str(root / "tiny")],
        [
            "compare",
            str(root / "tiny"),
            str(root / "scenarios" / "plan.toml"),
            "--out",
            str(root / "tiny"),
        ],
    ):
        code, text = _cli(args, capsys)
        assert code == 2, (args, text)
        assert "Traceback" not in text
    assert _digest(root) == before


# --------------------------------------------------------------------------- processes


def _freight(*args: str) -> subprocess.Popen[bytes]:
    """``freight ARGS`` as a child process in its own process group (like a shell job)."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *args],
        cwd=paths.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(paths.ROOT)},
    )


def _children(pid: int) -> list[int]:
    """Pids of the direct children of a process (Linux /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for_workers(proc: subprocess.Popen[bytes], n: int, timeout: float = 120) -> list[int]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        kids = [k for k in _children(proc.pid) if _alive(k)]
        if len(kids) >= n:
            return kids
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.1)
    raise AssertionError("workers did not start")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_exits_130_and_leaves_no_worker(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the job's process group) prints 'interrupted', exits 130, kills workers."""
    proc = _freight("criticality", str(paths.REGION), "--out", str(tmp_path / "c"), "--jobs", "2")
    workers = _wait_for_workers(proc, 2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"interrupted" in err and b"Traceback" not in err
    time.sleep(1.0)
    assert [w for w in workers if _alive(w)] == []
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """kill -9 of the main process of `criticality --jobs 2`: its workers die with it."""
    proc = _freight("criticality", str(paths.REGION), "--out", str(tmp_path / "c"), "--jobs", "2")
    workers = _wait_for_workers(proc, 2)
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert [w for w in workers if _alive(w)] == []


def _complete(folder: Path) -> bool:
    """A result folder whose manifest lists every file with its right hash."""
    from freight.results.folder import ResultFolder

    ResultFolder.open(folder, verify=True)
    return True


@pytest.mark.slow
def test_kill_run_at_random_moments_keeps_a_complete_result(tmp_path: Path) -> None:
    """kill -9 of `run` at random moments: the path holds the old or the new complete result,
    and the next run leaves no stray temporary folder."""
    out = tmp_path / "res"
    src = paths.SCENARIOS / "future_2025_central.toml"
    assert main(["--quiet", "run", str(src), "--out", str(out)]) == 0
    reference = _digest(out)
    rng = random.Random(42)
    for _ in range(4):
        proc = _freight("run", str(src), "--out", str(out))
        time.sleep(rng.uniform(0.5, 8.0))
        proc.kill()
        proc.wait(timeout=30)
        assert _complete(out)
        assert _digest(out).keys() == reference.keys()
    assert main(["--quiet", "run", str(src), "--out", str(out)]) == 0
    assert _complete(out)
    strays = [
        p.name for p in tmp_path.iterdir() if p.name != "res" and not p.name.endswith(".lock")
    ]
    assert strays == []
    tables = [n for n in reference if n.endswith(".csv")]
    assert {n: _digest(out)[n] for n in tables} == {n: reference[n] for n in tables}


@pytest.mark.slow
def test_kill_sweep_at_random_moments_then_resume_gives_the_same_table(tmp_path: Path) -> None:
    """kill -9 of a sweep at random moments, then a resume: sweep.csv equals an uninterrupted run."""
    grid = ["--grid", "carbon_price=0,200,400", "--grid", "tariff_rail=0.9,1.1"]
    ref = tmp_path / "ref"
    assert main(["--quiet", "sweep", str(PLAN), "--out", str(ref), *grid]) == 0
    out = tmp_path / "s"
    rng = random.Random(7)
    for _ in range(3):
        proc = _freight("sweep", str(PLAN), "--out", str(out), *grid)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.kill()
        proc.wait(timeout=30)
        if (out / "sweep.csv").exists():
            rows = (out / "sweep.csv").read_text(encoding="utf-8").splitlines()
            assert rows[0].startswith("case,")  # never half-written
    assert main(["--quiet", "sweep", str(PLAN), "--out", str(out), *grid]) == 0
    a = json.dumps(sorted((out / "sweep.csv").read_text(encoding="utf-8").splitlines()))
    b = json.dumps(sorted((ref / "sweep.csv").read_text(encoding="utf-8").splitlines()))
    assert a.replace(str(out), "X") == b.replace(str(ref), "X")


@pytest.mark.parametrize("capacity", ["0", "-1"])
def test_tntp_capacity_zero_or_negative_exits_2(
    capacity: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A TNTP link with capacity 0 or -1 (and BPR b > 0) exits 2 naming the file and link."""
    src = paths.VALIDATION / "tntp" / "Braess-Example"
    lines = (src / "Braess_net.tntp").read_text(encoding="utf-8").split("\n")
    edited = [
        line.replace("\t1\t4\t1\t", f"\t1\t4\t{capacity}\t", 1)
        if line.startswith("\t1\t4\t1\t")
        else line
        for line in lines
    ]
    assert edited != lines
    net = tmp_path / "net.tntp"
    net.write_text("\n".join(edited), encoding="utf-8")
    code, text = _cli(
        ["import-tntp", str(net), str(src / "Braess_trips.tntp"), "--out", str(tmp_path / "o"),
         "--assign", "ue"], capsys,
    )  # fmt: skip
    assert code == 2, text
    assert "net.tntp" in text and "link 2 (1->4).capacity" in text
    assert not (tmp_path / "o").exists()


def test_output_paths_that_are_the_wrong_kind_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """sweep --out FILE, plot --geojson DIR, vrp --out DIR and run --out under a file: exit 2,
    the path named, nothing changed."""
    monkeypatch.chdir(tmp_path)
    afile = tmp_path / "a.txt"
    afile.write_text("keep", encoding="utf-8")
    folder = tmp_path / "dir"
    folder.mkdir()
    run = tmp_path / "run"
    assert main(["--quiet", "run", str(TINY), "--out", str(run)]) == 0
    vrp = paths.VALIDATION / "vrp" / "P-n16-k8.vrp"
    for args in (
        ["sweep", str(PLAN), "--out", str(afile)],
        ["plot", str(run), "--out", str(tmp_path / "m.png"), "--geojson", str(folder)],
        ["vrp", str(vrp), "--time-limit", "1", "--out", str(folder)],
        ["run", str(TINY), "--out", str(afile / "sub")],
    ):
        code, text = _cli(args, capsys)
        assert code == 2, (args, text)
        assert "Traceback" not in text
    assert afile.read_text(encoding="utf-8") == "keep"
    assert list(folder.iterdir()) == []


def test_scenario_file_with_an_upper_case_suffix_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """S.TOML is a scenario file like s.toml (it used to be 'not found')."""
    scen = tmp_path / "sc"
    shutil.copytree(paths.DATA / "scenarios", scen)
    shutil.copytree(TINY, tmp_path / "tiny")
    (scen / "base.toml").rename(scen / "BASE.TOML")
    code, text = _cli(
        ["--quiet", "run", str(scen / "BASE.TOML"), "--out", str(tmp_path / "r")], capsys
    )
    assert code == 0, text
    assert (tmp_path / "r" / "kpis.csv").is_file()


def test_compare_out_naming_one_of_its_result_folders_is_refused(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """compare R S --out R: R is an input (a result folder freight wrote): exit 2, R unchanged."""
    before = _digest(run_dir)
    code, text = _cli(["compare", str(run_dir), str(TINY), "--out", str(run_dir)], capsys)
    assert code == 2 and str(run_dir) in text.replace("\n", "")
    assert _digest(run_dir) == before
