"""docs/scenarios.md is generated from the models and kept current (issue #14 item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from freight.data.schema import Link
from freight.scenario.files import Parameters, ProjectFile, ScenarioFile
from tools import gen_scenarios_doc

DOC = gen_scenarios_doc.DOC


def test_doc_is_current() -> None:
    """The committed docs/scenarios.md equals what `python -m tools.gen_scenarios_doc` writes;
    if this fails, run that command and commit the result."""
    assert DOC.read_text(encoding="utf-8") == gen_scenarios_doc.render()


def test_doc_lists_every_key() -> None:
    """Every key of a scenario file, its [parameters] table, a project file and an added link
    has a row (`| `key` |`) in the document."""
    text = DOC.read_text(encoding="utf-8")
    for model in (ScenarioFile, Parameters, ProjectFile, Link):
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in text, (model.__name__, name)


def test_doc_row_has_type_unit_bounds_default() -> None:
    """A row carries type, unit, bounds and default, e.g. carbon_price and an added link's
    length_km."""
    text = DOC.read_text(encoding="utf-8")
    assert "| `carbon_price` | number (optional) | CNY/t CO2 | >= 0, <= 10000 | — | " in text
    assert "| `length_km` | number | km | > 0, <= 20000 | required | " in text
    assert "## Bounds" in text


def test_check_mode_detects_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--check` returns 1 for a stale file and 0 after the file is rewritten."""
    stale = tmp_path / "scenarios.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(gen_scenarios_doc, "DOC", stale)
    assert gen_scenarios_doc.main(["--check"]) == 1
    assert gen_scenarios_doc.main([]) == 0
    assert gen_scenarios_doc.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == gen_scenarios_doc.render()
