"""Background growth up to a ceiling (``[background] max_vc``): the rule by hand, the same
background in every network of one future (with and without a project), the suppressed growth
logged, and the key inherited along ``extends``."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from freight.model.capacity import capped_background
from freight.scenario.resolve import build_scenario_network, resolve
from tests.paths import SCENARIOS


def test_capped_background_by_hand() -> None:
    """min(grown, max_vc × capacity); a background already above the ceiling keeps its base;
    an unbounded link has no ceiling."""
    assert capped_background(50.0, 100.0, 0.9) == (50.0, 0.0)
    assert capped_background(120.0, 100.0, 0.9) == pytest.approx((90.0, 30.0))
    assert capped_background(120.0, 100.0) == pytest.approx((100.0, 20.0))
    # the base is above the ceiling: growth stops, nothing is taken away; a fall passes
    assert capped_background(99.0, 100.0, 0.9, base=95.0) == pytest.approx((95.0, 4.0))
    assert capped_background(80.0, 100.0, 0.5, base=95.0) == (80.0, 0.0)
    assert capped_background(1e9, None, 0.5) == (1e9, 0.0)
    assert capped_background(1e9, math.inf, 0.5) == (1e9, 0.0)


def test_future_and_plan_share_the_background() -> None:
    """2045 high: the old Chengyu expressway's background (50.16 Mt × 1.0477^22 = 139.8 Mt
    grown) stops at 0.90 × 83.6 Mt both without the plan and with P_CHENGYU_CQ's 152.1 Mt; a
    link under its ceiling grows freely; the suppressed growth is in the edit log."""
    fut, flog = build_scenario_network(resolve(SCENARIOS / "future_2045_high.toml"))
    plan, _ = build_scenario_network(resolve(SCENARIOS / "plan_2045_high.toml"))
    grown = 50_160_000 * 1.0477**22
    assert grown > 83_600_000
    for lid in ("E_LC_RC", "E_RC_YC", "E_YC_CQ"):
        assert fut.link_by_id[lid].background_t == pytest.approx(0.9 * 83_600_000, rel=1e-12)
        assert plan.link_by_id[lid].background_t == fut.link_by_id[lid].background_t
        assert plan.link_by_id[lid].capacity_t == 152_100_000
    light = fut.link_by_id["E_YB_XY"]  # 20 % in 2023: 0.2 × 2.79 = 0.56 of capacity
    assert light.background_t == pytest.approx(16_720_000 * 1.0477**22, rel=1e-12)
    assert plan.link_by_id["E_YB_XY"].background_t == light.background_t
    line = next(e for e in flog.lines if e.startswith("background:"))
    assert "E_LC_RC" in line and f"{(grown - 0.9 * 83_600_000) / 1e6:.3f} Mt/yr" in line
    assert "E_YB_XY" not in line
    # every link both networks have carries the same background
    shared = set(fut.link_by_id) & set(plan.link_by_id)
    differ = {
        lid
        for lid in shared
        if fut.link_by_id[lid].background_t != plan.link_by_id[lid].background_t
    }
    # only links whose background a project sets itself (P_YUGUI's rail lines)
    assert differ == {"R_CQ_GY_YUGUI", "R_CQ_LH", "R_LH_QJ", "R_QJ_GY"}


def test_max_vc_inherited_and_overridden(tmp_path: Path) -> None:
    """A child scenario inherits max_vc along extends and may replace one mode's value; without
    any key a grown background stops at the capacity (the ceiling 1)."""
    child = tmp_path / "child.toml"
    child.write_text(
        f'id = "child"\nextends = "{(SCENARIOS / "future_2045_high.toml").as_posix()}"\n'
        "[background]\nmax_vc = { road = 0.5 }\n",
        encoding="utf-8",
    )
    sc = resolve(child)
    assert sc.background_max_vc == {"road": 0.5}
    net, _ = build_scenario_network(sc)
    assert net.link_by_id["E_LC_RC"].background_t == pytest.approx(50_160_000, rel=1e-12)
    assert net.link_by_id["E_YB_XY"].background_t == pytest.approx(0.5 * 83_600_000, rel=1e-12)
    bare = tmp_path / "bare.toml"
    bare.write_text(
        f'id = "bare"\nextends = "{(SCENARIOS / "base_2023.toml").as_posix()}"\nyear = 2045\n'
        "[background.by_mode]\nroad = 0.0477\n",
        encoding="utf-8",
    )
    net2, _ = build_scenario_network(resolve(bare))
    assert net2.link_by_id["E_LC_RC"].background_t == 83_600_000
