"""`freight vrp` never writes next to its input file, even when run from the input's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main
from tests.paths import VALIDATION

VRP = VALIDATION / "vrp"


def test_vrp_default_out_in_the_inputs_folder_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From the input's own folder the default ./NAME.routes.csv would land beside the input:
    exit 2 with a message naming the file and --out, and the folder is left as it was."""
    instance = tmp_path / "P-n16-k8.vrp"
    instance.write_bytes((VRP / "P-n16-k8.vrp").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["vrp", instance.name, "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "next to the input" in err and "--out" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P-n16-k8.vrp"]


def test_vrp_explicit_out_from_the_inputs_folder_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit --out elsewhere works from the input's folder (the refusal is the default's)."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    instance = inbox / "P-n16-k8.vrp"
    instance.write_bytes((VRP / "P-n16-k8.vrp").read_bytes())
    monkeypatch.chdir(inbox)
    out = tmp_path / "routes.csv"
    assert main(["vrp", instance.name, "--time-limit", "2", "--out", str(out)]) == 0
    assert out.is_file()
    assert sorted(p.name for p in inbox.iterdir()) == ["P-n16-k8.vrp"]
