"""`freight vrp` on published instances and `freight route` on the hand-drawn network.

tiny: 60 t/yr of bulk reach port P by road from A (10 km) and leave by water, so A is the only
collection customer of terminal T_P: 60 / 300 days = 0.2 t/day, one tour A and back: 20 km.
Road: 0.5 CNY/t-km × 25 t payload = 12.5 CNY per vehicle-km → 250 CNY/day, 1,250 CNY/t;
CO2: 0.2 t × 10 km loaded × 80 g/t-km = 160 g/day.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from cli import main
from freight.analysis import drayage
from freight.analysis.drayage import _tours, unreachable
from tests import paths

ROOT = paths.ROOT
TINY = ROOT / "tests" / "data" / "tiny"
VRP = paths.VALIDATION / "vrp"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linear model's run (--method mcf): the tours below are computed by hand from its flows."""
    out = tmp_path_factory.mktemp("run") / "base"
    assert main(["run", str(TINY), "--out", str(out), "--method", "mcf"]) == 0
    return out


def test_route_tiny_by_hand(tiny_run: Path, tmp_path: Path) -> None:
    """One collection tour A–P: 20 km, 250 CNY/day, 1,250 CNY/t, 160 g CO2/day."""
    assert main(["route", str(tiny_run), "--terminal", "T_P", "--out", str(tmp_path / "r")]) == 0
    rows = {r["kind"]: r for r in csv.DictReader((tmp_path / "r" / "summary.csv").open())}
    col = rows["collection"]
    assert float(col["tonnes_per_day"]) == pytest.approx(0.2)
    assert float(col["vehicles_per_day"]) == 1
    assert float(col["vehicle_km_per_day"]) == pytest.approx(20.0)
    assert float(col["cost_cny_per_day"]) == pytest.approx(250.0)
    assert float(col["drayage_cny_per_t"]) == pytest.approx(1250.0)
    assert float(col["co2_kg_per_day"]) == pytest.approx(0.16)
    assert rows["delivery"]["customers"] == "0"
    tours = list(csv.DictReader((tmp_path / "r" / "tours.csv").open()))
    assert [t["place"] for t in tours] == ["P", "A", "P"]


def test_route_unknown_terminal_exit_2(
    tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown terminal is an input error naming --terminal."""
    assert main(["route", str(tiny_run), "--terminal", "T_NOPE", "--out", str(tmp_path / "r")]) == 2
    assert "--terminal" in capsys.readouterr().err


def test_vrp_cli_p16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`freight vrp P-n16-k8.vrp` reaches the optimum 450 with the fleet of 8 from its name."""
    out = tmp_path / "routes.csv"
    assert main(["vrp", str(VRP / "P-n16-k8.vrp"), "--time-limit", "20", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "450.000" in text and "8 of 8" in text and "fleet: 8 vehicles (name)" in text
    rows = list(csv.DictReader(out.open()))
    served = {r["node"] for r in rows} - {"1"}
    assert len(served) == 15  # every customer of the instance


def test_vrp_cli_writes_to_the_current_folder_not_beside_the_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --out the routes go to ./NAME.routes.csv; nothing is written next to the input."""
    inbox, work = tmp_path / "in", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    instance = inbox / "P-n16-k8.vrp"
    instance.write_bytes((VRP / "P-n16-k8.vrp").read_bytes())
    monkeypatch.chdir(work)
    assert main(["vrp", str(instance), "--time-limit", "10"]) == 0
    assert (work / "P-n16-k8.routes.csv").is_file()
    assert sorted(p.name for p in inbox.iterdir()) == ["P-n16-k8.vrp"]


def test_vrp_cli_vehicles_overrides_the_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--vehicles 7 on P-n16-k8 (whose 8 are needed: demand 246 > 7 x 35) finds no tour, exit 1."""
    out = tmp_path / "r.csv"
    code = main(["vrp", str(VRP / "P-n16-k8.vrp"), "--vehicles", "7", "--time-limit", "1",
                 "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1 and "fleet: 7 vehicles (argument)" in captured.out
    assert "no solution" in captured.err and not out.exists()


def test_vrp_cli_ortools_engine_reports_its_first_solution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--engine ortools on P-n22-k8 (8 vehicles) says which first-solution strategy worked."""
    out = tmp_path / "r.csv"
    args = ["vrp", str(VRP / "P-n22-k8.vrp"), "--engine", "ortools", "--time-limit", "20"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "603.000" in text and "first solution: path_cheapest_arc" in text


def test_vrp_cli_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown engine or a fleet below one is an input error (exit 2) naming the option."""
    assert main(["vrp", str(VRP / "P-n16-k8.vrp"), "--engine", "hgs"]) == 2
    assert "--engine" in capsys.readouterr().err
    assert main(["vrp", str(VRP / "P-n16-k8.vrp"), "--vehicles", "0"]) == 2
    assert "--vehicles" in capsys.readouterr().err


def test_vrp_cli_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed instance exits 2 naming the file and line."""
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : CVRP\nDIMENSION : x\nEOF\n", encoding="utf-8")
    assert main(["vrp", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.vrp" in err and "Traceback" not in err


# A hand-made tour problem: depot D, near customers A and B (1 h, 10 km from D; 0.5 h, 5 km
# apart) and a far customer F, 12 h from D: past the 10 h shift window, so no tour can reach it.
_PLACES = ["D", "A", "B", "F"]
_H = np.array(
    [[0.0, 1.0, 1.0, 12.0], [1.0, 0.0, 0.5, 12.5], [1.0, 0.5, 0.0, 12.5], [12.0, 12.5, 12.5, 0.0]]
)
_KM = _H * 10.0
_INDEX = {p: i for i, p in enumerate(_PLACES)}


def test_unreachable_by_hand() -> None:
    """Out of reach: past the window's close (12 h > 10 h), or a round trip past it (5 + 1 + 5 h
    = 11 h > 10 h); 4.5 + 1 + 4.5 h = 10 h is just inside and kept."""
    assert unreachable([("A", 2.0), ("F", 1.0)], "D", _H, _INDEX) == [("F", 1.0)]
    h = np.array([[0.0, 5.0, 4.5], [5.0, 0.0, 1.0], [4.5, 1.0, 0.0]])
    assert unreachable([("X", 1.0), ("Y", 1.0)], "D", h, {"D": 0, "X": 1, "Y": 2}) == [("X", 1.0)]


def test_unreachable_customer_is_dropped_and_the_rest_keep_their_tours() -> None:
    """With F the tours of A and B are those without F (one tour D–A–B–D or D–B–A–D, 25 km), F's
    1 t is reported dropped; without the drop the solver finds no tour at all."""
    from solvers.routing import make_problem, solve

    near = [("A", 2.0), ("B", 3.0)]
    args = ("D", _KM, _H, _INDEX, 25.0, 2.0)
    rows0, st0, dropped0 = _tours("collection", near, *args)
    rows1, st1, dropped1 = _tours("collection", [*near, ("F", 1.0)], *args)
    assert dropped0 == [] and dropped1 == [("F", 1.0)]
    assert rows1 == rows0 and st1 == st0
    assert st0["vehicles"] == 1 and st0["km"] == pytest.approx(25.0)
    assert {r["place"] for r in rows0} == {"D", "A", "B"}
    # the problem with F kept is infeasible: that is what the drop avoids
    tw = np.tile([0.0, 10.0], (4, 1))
    prob = make_problem(_KM, np.array([0.0, 2.0, 3.0, 1.0]), 25.0, n_vehicles=3, depot=0, time=_H,
                        time_window=tw, service_time=np.array([0.0, 1.0, 1.0, 1.0]), scale=1000,
                        load_scale=1000, fixed_cost=1000.0)  # fmt: skip
    assert not solve(prob, time_limit_s=1.0).routes


def test_route_reports_an_unreachable_customer(
    tiny_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A, T_P's only customer, put 11 h from P (past the 10 h shift): exit 0, one line with the
    count and A's 0.2 t/day, summary.csv unreached_customers 1 and 0.2 t/day, no tours."""
    real = drayage.road_matrices

    def far(g: object, places: list[str]) -> tuple[np.ndarray, np.ndarray]:
        km, hours = real(g, places)  # type: ignore[arg-type]
        i, j = places.index("P"), places.index("A")
        hours[i, j] = hours[j, i] = 11.0
        return km, hours

    monkeypatch.setattr(drayage, "road_matrices", far)
    out = tmp_path / "r"
    assert main(["route", str(tiny_run), "--terminal", "T_P", "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "1 customer (collection 1; 0.20 t/day) cannot be reached" in text
    rows = {r["kind"]: r for r in csv.DictReader((out / "summary.csv").open())}
    col = rows["collection"]
    assert col["unreached_customers"] == "1" and float(col["unreached_t_per_day"]) == 0.2
    assert float(col["tonnes_per_day"]) == pytest.approx(0.2)
    assert float(col["vehicles_per_day"]) == 0 and col["drayage_cny_per_t"] == ""
    assert rows["delivery"]["unreached_customers"] == "0"
    assert list(csv.DictReader((out / "tours.csv").open())) == []
    assert "1 customer" in json.loads((out / "manifest.json").read_text())["unreached"]
