"""freight calibrate on the hand-drawn network: known parameters recovered, validation figures
never fitted, residuals scaled by the band."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from freight.analysis.calibrate import (
    apply,
    calibrate,
    calibrated_commodities,
    current_values,
    parse_parameters,
    residuals,
)
from freight.analysis.validation import (
    check_elements,
    geh,
    modelled_value,
    summarize,
    validation_rows,
)
from freight.data.csvio import load_network, read_observed
from freight.data.network import Network
from freight.data.schema import Observed
from freight.errors import DataError
from freight.model.behavioural import solve_behavioural
from tests.paths import DATA

TRUE = (20.0, -30.0)
"""Water constants (CNY/t) of bulk and dg that generate the synthetic observations."""


def _net() -> Network:
    return load_network(DATA / "tiny")


def _obs(oid: str, mode: str, comm: str | None, value: float, role: str) -> Observed:
    return Observed(
        id=oid,
        element=mode,
        quantity="tonnes_share",
        commodity=comm,
        value=value,
        unit="share",
        year=2023,
        low=value * 0.9,
        high=min(value * 1.1, 1.0),
        role=role,
        source="assumption: synthetic",
    )


def _synthetic(net: Network) -> list[Observed]:
    """Water shares of bulk and dg at the true constants (the targets)."""
    params = parse_parameters(["asc_water@bulk", "asc_water@dg"], net)
    run = solve_behavioural(apply(net, params, TRUE), gap=1e-10, max_iter=200)
    out = []
    for comm in ("bulk", "dg"):
        probe = _obs("p", "water", comm, 0.5, "target")
        out.append(
            _obs(f"water_{comm}", "water", comm, modelled_value(run, probe) or 0.0, "target")
        )
    return out


def test_recovers_known_constants_from_a_perturbed_start() -> None:
    """Observations generated at known constants give them back within 2 % from a start 0."""
    net = _net()
    params = parse_parameters(["asc_water@bulk", "asc_water@dg"], net)
    res = calibrate(net, None, _synthetic(net), params, start=[0.0, 0.0])
    assert res.fitted == pytest.approx(np.array(TRUE), rel=0.02)
    assert res.summary.targets_met == 2


def test_recovers_from_a_start_on_the_other_side() -> None:
    """A start 50 % beyond the true constants (other sign of the error) also recovers them."""
    net = _net()
    params = parse_parameters(["asc_water@bulk", "asc_water@dg"], net)
    res = calibrate(net, None, _synthetic(net), params, start=[30.0, -45.0])
    assert res.fitted == pytest.approx(np.array(TRUE), rel=0.02)


def test_a_validation_figure_never_changes_the_fit() -> None:
    """Moving a validation-only figure (road share 0.2 → 0.9) leaves the fitted values equal."""
    net = _net()
    params = parse_parameters(["asc_water@bulk", "asc_water@dg"], net)
    targets = _synthetic(net)
    a = calibrate(net, None, [*targets, _obs("road", "road", None, 0.2, "validation")], params)
    b = calibrate(net, None, [*targets, _obs("road", "road", None, 0.9, "validation")], params)
    assert np.array_equal(a.fitted, b.fitted)
    assert a.rows[-1]["modelled"] == b.rows[-1]["modelled"]
    assert (a.rows[-1]["observed"], b.rows[-1]["observed"]) == (0.2, 0.9)


def test_residual_is_one_at_the_edge_of_the_band() -> None:
    """A modelled value at the band's upper edge has residual +1, at the lower edge −1."""
    net = _net()
    run = solve_behavioural(net)
    m = modelled_value(run, _obs("p", "water", "bulk", 0.5, "target")) or 0.0
    up = Observed(**{**_obs("u", "water", "bulk", m / 1.2, "target").model_dump(), "high": m})
    dn = Observed(
        **{**_obs("d", "water", "bulk", m * 1.3, "target").model_dump(), "low": m, "high": 1.0}
    )
    r, vals = residuals(run, [up, dn])
    assert r == pytest.approx([1.0, -1.0], abs=1e-12)
    assert vals == [m, m]


def test_common_parameter_sets_every_commodity_and_one_overrides() -> None:
    """asc_rail on all commodities, asc_rail@dg after it on dg only; current_values reads back."""
    net = _net()
    params = parse_parameters(["asc_rail", "asc_rail@dg"], net)
    out = apply(net, params, [5.0, -7.0])
    by = out.commodity_by_id
    assert (by["bulk"].asc_rail, by["dg"].asc_rail) == (5.0, -7.0)
    assert list(current_values(out, params)) == [5.0, -7.0]


def test_unknown_parameter_names_are_refused() -> None:
    """A column that is not fittable, an unknown commodity and a repeat each give a problem."""
    with pytest.raises(DataError) as err:
        parse_parameters(["cost_factor", "asc_rail@nope", "asc_air", "asc_air"], _net())
    assert len(err.value.problems) == 3


def test_validation_rows_counts_and_geh() -> None:
    """Rows carry ratio and within; GEH(100, 50) = 8.165 by hand; the summary counts roles."""
    net = _net()
    run = solve_behavioural(net)
    obs = [_obs("w", "water", "bulk", 0.3035, "target"), _obs("r", "road", None, 0.2, "validation")]
    rows = validation_rows(run, obs)
    assert rows[0]["within"] and not rows[1]["within"]
    assert rows[0]["ratio"] == pytest.approx(1.0, abs=1e-3)
    s = summarize(rows, obs)
    assert (s.targets, s.targets_met, s.validation, s.validation_met) == (1, 1, 1, 0)
    assert geh(100.0, 50.0) == pytest.approx(math.sqrt(2 * 50**2 / 150), rel=1e-12)


def test_calibrated_table_notes_the_fit_once() -> None:
    """Writing the calibrated commodities twice keeps one calibration note per row."""
    net = _net()
    params = parse_parameters(["asc_water@bulk", "asc_water@dg"], net)
    res = calibrate(net, None, _synthetic(net), params, fit=False)
    once = calibrated_commodities(res, "observed.csv")
    res.network = res.network.with_tables(
        commodities=tuple(
            c.model_copy(update={"source": c.source + "; calibrated by freight calibrate (old)"})
            for c in res.network.commodities
        )
    )
    assert calibrated_commodities(res, "observed.csv") == once
    assert once.count("calibrated by freight calibrate") == 2


def test_observed_table_refuses_a_band_without_its_value_and_a_repeated_id(tmp_path: Path) -> None:
    """A band that does not hold its value and a duplicate id are two problems, with rows."""
    f = tmp_path / "observed.csv"
    f.write_text(
        "id,element,quantity,commodity,value,unit,year,low,high,role,source\n"
        "a,water,tonnes_share,,0.5,share,2023,0.6,0.9,target,assumption: test\n"
        "b,water,tonnes_share,,0.5,share,2023,0.4,0.6,validation,assumption: test\n"
        "b,road,tonnes_share,,0.5,share,2023,0.4,0.6,validation,assumption: test\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        read_observed(f)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "high"), (4, "id")]


def test_unknown_elements_are_named_with_their_rows() -> None:
    """A place the network lacks and an unknown commodity are reported on their file rows."""
    net = _net()
    obs = [
        _obs("ok", "water", None, 0.5, "target"),
        Observed(
            **{
                **_obs("x", "water", None, 0.5, "target").model_dump(),
                "element": "ZZ",
                "quantity": "port_tonnes",
                "unit": "t/yr",
            }
        ),  # fmt: skip
        _obs("y", "water", "nope", 0.5, "target"),
    ]
    with pytest.raises(DataError) as err:
        check_elements(net, obs, "observed.csv")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "element"), (4, "commodity")]


def test_mean_haul_is_the_tonne_weighted_path_length() -> None:
    """Bulk A→B goes by road (150 km) or road–water–road (10 + 100 + 20 = 130 km): the mean haul
    is 150 − 20 w, w = the share of bulk tonnes on the water link (read from the link flows)."""
    net = _net()
    run = solve_behavioural(net)
    k = run.graph.commodity_index["bulk"]
    water = [a for a, e in enumerate(run.graph.element) if e == "W_PQ"]
    w = float(run.flow[k, water].sum()) / 100.0
    assert 0.0 < w < 1.0
    probe = Observed(
        id="h",
        element="A;B",
        quantity="mean_haul_km",
        commodity="bulk",
        value=140.0,
        unit="km",
        year=2023,
        low=100.0,
        high=200.0,
        role="target",
        source="assumption: synthetic",
    )
    assert modelled_value(run, probe) == pytest.approx(150.0 - 20.0 * w, rel=1e-9)
    check_elements(net, [probe], "observed.csv")
    with pytest.raises(DataError):
        check_elements(net, [Observed(**{**probe.model_dump(), "element": "A;P"})], "o.csv")


def test_scoped_share_counts_only_the_rows_touching_the_zones() -> None:
    """``water@A;B`` and ``water@A`` (every row of the tiny network starts at A) equal the share
    from the link flows, computed along the paths instead; a scope naming a non-zone is refused."""
    net = _net()
    run = solve_behavioural(net)
    base = _obs("w", "water", "bulk", 0.5, "target")
    whole = modelled_value(run, base)
    scoped = modelled_value(run, Observed(**{**base.model_dump(), "element": "water@A;B"}))
    none = modelled_value(run, Observed(**{**base.model_dump(), "element": "water@A"}))
    assert whole is not None and 0.0 < whole < 1.0
    assert scoped == pytest.approx(whole, rel=1e-9)
    assert none == pytest.approx(whole, rel=1e-9)
    with pytest.raises(DataError):
        check_elements(net, [Observed(**{**base.model_dump(), "element": "water@P"})], "o.csv")
