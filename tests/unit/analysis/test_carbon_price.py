"""An explicit carbon price of 0 is a stated price, not 'unset' (issue: `or` turned 0 into 100)."""

from __future__ import annotations

import shutil
from pathlib import Path

from freight.analysis.appraise import explicit_carbon_price
from freight.scenario.resolve import resolve
from tests import paths


def _scenarios(tmp_path: Path, parent_price: str | None, child_price: str | None) -> Path:
    root = tmp_path / "sc"
    shutil.copytree(paths.DATA / "scenarios", root / "scenarios")
    shutil.copytree(paths.DATA / "tiny", root / "tiny")
    base = root / "scenarios" / "base.toml"
    text = base.read_text(encoding="utf-8")
    if parent_price is not None:
        text += f"\n[parameters]\ncarbon_price = {parent_price}\n"
    base.write_text(text, encoding="utf-8")
    plan = root / "scenarios" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    if child_price is not None:
        text += f"\n[parameters]\ncarbon_price = {child_price}\n"
    plan.write_text(text, encoding="utf-8")
    return plan


def test_explicit_zero_is_kept(tmp_path: Path) -> None:
    """carbon_price = 0 in the scenario gives 0 (the default 100 applies only when unset)."""
    assert explicit_carbon_price(resolve(_scenarios(tmp_path, None, "0"))) == 0.0


def test_unset_is_none_and_the_child_overrides_its_parent(tmp_path: Path) -> None:
    """No price anywhere: None; a parent's 250 is inherited; a child's 0 replaces it."""
    assert explicit_carbon_price(resolve(_scenarios(tmp_path / "a", None, None))) is None
    assert explicit_carbon_price(resolve(_scenarios(tmp_path / "b", "250", None))) == 250.0
    assert explicit_carbon_price(resolve(_scenarios(tmp_path / "c", "250", "0"))) == 0.0
