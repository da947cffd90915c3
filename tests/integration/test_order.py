"""Row order never changes an answer: shuffled input tables give byte-identical results."""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

import pytest

from cli import main
from tests import paths

TABLES = ("places", "modes", "links", "terminals", "commodities", "demand")
RESULTS = (
    "link_flows.csv",
    "od_flows.csv",
    "od_paths.csv",
    "mode_summary.csv",
    "terminals.csv",
    "kpis.csv",
)


def _shuffled_copy(src: Path, dst: Path, seed: int) -> Path:
    """A copy of a network folder with the data rows of every table in a random order."""
    shutil.copytree(src, dst)
    rng = random.Random(seed)
    for t in TABLES:
        f = dst / f"{t}.csv"
        rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"), newline="")))
        head, body = rows[0], rows[1:]
        rng.shuffle(body)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([head, *body])
        f.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return dst


def _run(data: Path, out: Path, method: str = "mcf") -> dict[str, bytes]:
    assert main(["--quiet", "run", str(data), "--out", str(out), "--method", method]) == 0
    return {name: (out / name).read_bytes() for name in RESULTS}


@pytest.mark.parametrize("method", ["mcf", "lp", "ue"])
def test_shuffled_tiny_network_gives_the_same_bytes(tmp_path: Path, method: str) -> None:
    """Three shuffles of the hand-drawn network's tables give the original's bytes (each method)."""
    ref = _run(paths.DATA / "tiny", tmp_path / "ref", method)
    for seed in (1, 2, 3):
        data = _shuffled_copy(paths.DATA / "tiny", tmp_path / f"data{seed}", seed)
        assert any(
            (data / f"{t}.csv").read_bytes() != (paths.DATA / "tiny" / f"{t}.csv").read_bytes()
            for t in TABLES
        ), "the shuffle moved no row"
        assert _run(data, tmp_path / f"out{seed}", method) == ref


@pytest.mark.slow
def test_shuffled_regional_network_gives_the_same_bytes(tmp_path: Path) -> None:
    """Shuffling every table of the regional data gives byte-identical result CSVs."""
    ref = _run(paths.REGION, tmp_path / "ref")
    for seed in (7, 8):
        data = _shuffled_copy(paths.REGION, tmp_path / f"data{seed}", seed)
        assert _run(data, tmp_path / f"out{seed}") == ref
