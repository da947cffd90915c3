"""`freight import-tntp` on the published Braess example: UE flows 4, 2, 2, 2, 4 (ref README)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cli import main
from tests import paths

TNTP = paths.VALIDATION / "tntp"


def test_import_and_assign_braess(tmp_path: Path) -> None:
    """Links and trips are written; the UE link flows are the published 4, 2, 2, 2, 4."""
    d = TNTP / "Braess-Example"
    code = main(["import-tntp", str(d / "Braess_net.tntp"), str(d / "Braess_trips.tntp"),
                 "--out", str(tmp_path / "b"), "--assign", "ue", "--gap", "1e-9"])  # fmt: skip
    assert code == 0
    links = list(csv.DictReader((tmp_path / "b" / "links.csv").open()))
    assert len(links) == 5
    flows = [float(r["flow"]) for r in csv.DictReader((tmp_path / "b" / "link_flows.csv").open())]
    assert flows == pytest.approx([4, 2, 2, 2, 4], abs=1e-3)
    trips = list(csv.DictReader((tmp_path / "b" / "trips.csv").open()))
    assert sum(float(t["flow"]) for t in trips) == pytest.approx(6.0)


def test_import_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing net file exits 2 naming it."""
    assert main(["import-tntp", str(tmp_path / "nope.tntp"), str(tmp_path / "t.tntp"),
                 "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert "nope.tntp" in capsys.readouterr().err
