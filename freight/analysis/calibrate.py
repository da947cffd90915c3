"""`freight calibrate`: fit the behavioural model's constants and scales to observed figures.

Method
------
The parameters are columns of ``commodities.csv`` (:data:`FIELDS`), each either common to every
commodity (``asc_rail``) or one commodity's (``asc_rail@chemicals``). The figures of
``observed.csv`` with role ``target`` are fitted; those with role ``validation`` are computed
and reported, never fitted (:func:`calibrate` does not read them before the fit ends). The
residual of a target is its log ratio over its band's half-width in logs::

    r_i = ln(M_i / O_i) / w_i,   w_i = ln(high_i / O_i) if M_i > O_i else ln(O_i / low_i)

(a bound with ``low`` = 0 uses the upper half-width both ways), so a figure at the edge of its
band has ``|r| = 1`` and a range wide because the figure is weak pulls less. Modelled values
are floored at :data:`FLOOR` × the observation (a mode nobody uses has a log ratio, not −∞).
``scipy.optimize.least_squares`` (trust-region reflective, bounds, forward differences at
:data:`DIFF_STEP` in the scaled parameters) minimizes ``Σ r_i²``. Every solve keeps the
choice set of the first one (constants and scales do not change which paths exist: they are
generated on costs only) and is warm-started from the previous solve; the sequence of solves is
fixed by the inputs, so the same inputs give the same parameters and the same bytes.

Outputs (the ``calibrate`` result folder)
-----------------------------------------
``validation.csv`` (:func:`freight.analysis.validation.validation_rows` at the fitted
parameters), ``parameters.csv`` (start, fitted, bounds), ``commodities.csv`` (the input table
with the fitted values: the calibrated parameter file, copied over the network's
``commodities.csv`` after review) and ``validation.png`` (modelled against observed, log-log,
with each figure's band).
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from freight.analysis.validation import (
    Summary,
    check_elements,
    modelled_value,
    summarize,
    validation_rows,
)
from freight.data.csvio import read_observed, table_text
from freight.data.network import Network
from freight.data.schema import TABLE_BY_NAME, Commodity, Observed
from freight.errors import DataError, Problem
from freight.model.behavioural import BehaviouralRun, solve_behavioural
from freight.model.graph import CostParams
from freight.results.folder import check_output_folder
from freight.results.tables import input_hashes, versions, write_result_folder
from freight.scenario.case import load_case

log = logging.getLogger(__name__)

FIELDS: dict[str, tuple[float, float, float]] = {
    "asc_rail": (-2000.0, 2000.0, 50.0),
    "asc_water": (-2000.0, 2000.0, 50.0),
    "asc_air": (-20000.0, 20000.0, 500.0),
    "chain_scale": (0.2, 100.0, 1.0),
    "route_scale": (0.2, 200.0, 1.0),
}
"""Fittable columns of ``commodities.csv``: (lower bound, upper bound, typical size).
assumption: ASC bounds well beyond any chain's cost difference on the regional network (road
costs a few hundred CNY/t, air several thousand), scale bounds spanning the elasticity range of
issue 11's benchmark; the typical size scales the parameter for the optimizer."""
DEFAULT_PARAMETERS = ("asc_rail", "asc_water", "asc_air")
"""Parameters fitted by default: the three main-mode constants common to all commodities. The
scales stay at issue 11's values (they set the elasticities, which the targets do not measure).
The water constant of chemicals (``asc_water@chemicals``, fitted by default until the ports had
their bulk areas and the demand its mean-haul targets) is left out: with Luzhou's and Yibin's bulk
terminals the three common constants meet the port targets, and with the mean hauls in the
targets it only ran into its bound (+2,000 CNY/t), absorbing a demand-side misfit."""
FLOOR = 1e-6
"""Smallest modelled value of a target in its residual, as a fraction of the observed value."""
DIFF_STEP = 1e-3
"""Forward-difference step of the Jacobian, in units of each parameter's typical size … over
the parameter's size (scipy's relative step); large against the solver's gap (1e-8 here)."""
CAL_GAP = 1e-8
"""Equilibrium gap of the calibration's solves (tighter than the run's 1e-4, so that finite
differences of the modelled figures are not solver noise)."""
MARK = "; calibrated by freight calibrate"
"""Start of the note appended to the source of each calibrated commodity row."""


@dataclass(frozen=True)
class Parameter:
    """One fitted parameter: a column of ``commodities.csv``, common or one commodity's."""

    field: str
    commodity: str | None
    lower: float
    upper: float
    size: float

    @property
    def name(self) -> str:
        """``field`` or ``field@commodity``."""
        return self.field if self.commodity is None else f"{self.field}@{self.commodity}"


def parse_parameters(spec: Sequence[str], net: Network) -> tuple[Parameter, ...]:
    """Parameters from names like ``asc_rail`` or ``chain_scale@chemicals``.

    Raises
    ------
    DataError
        For an unknown column or commodity, or a parameter named twice.
    """
    out: list[Parameter] = []
    problems: list[Problem] = []
    for s in spec:
        fld, _, comm = s.strip().partition("@")
        if fld not in FIELDS:
            problems.append(
                Problem("--parameters", None, s, f"not a fittable column ({', '.join(FIELDS)})")
            )
            continue
        if comm and comm not in net.commodity_by_id:
            problems.append(Problem("--parameters", None, s, f"unknown commodity {comm!r}"))
            continue
        lo, hi, size = FIELDS[fld]
        out.append(Parameter(fld, comm or None, lo, hi, size))
    names = [p.name for p in out]
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("--parameters", None, n, "named twice"))
    if problems:
        raise DataError(problems)
    return tuple(out)


def current_values(net: Network, params: Sequence[Parameter]) -> NDArray[np.float64]:
    """The parameters' values in the network (a common one: its first commodity's, by id)."""
    comms = sorted(net.commodities, key=lambda c: c.id)
    byid = {c.id: c for c in comms}
    x = [float(getattr(byid[p.commodity] if p.commodity else comms[0], p.field)) for p in params]
    lo = np.array([p.lower for p in params], dtype=float)
    hi = np.array([p.upper for p in params], dtype=float)
    out: NDArray[np.float64] = np.clip(np.array(x, dtype=float), lo, hi)
    return out


def apply(
    net: Network, params: Sequence[Parameter], x: Sequence[float] | NDArray[np.float64]
) -> Network:
    """The network with the parameters set to ``x`` (a common one on every commodity; a
    commodity's after the common ones, so it overrides them)."""
    upd: dict[str, dict[str, float]] = {c.id: {} for c in net.commodities}
    for p, v in sorted(zip(params, x, strict=True), key=lambda t: t[0].commodity is not None):
        for cid in [p.commodity] if p.commodity else list(upd):
            upd[cid][p.field] = float(v)
    comms = tuple(c.model_copy(update=upd[c.id]) for c in net.commodities)
    return net.with_tables(commodities=comms)


def residuals(
    run: BehaviouralRun, targets: Sequence[Observed]
) -> tuple[NDArray[np.float64], list[float | None]]:
    """Scaled log residuals of the targets (module docstring) and their modelled values."""
    res: list[float] = []
    vals: list[float | None] = []
    for o in targets:
        m = modelled_value(run, o)
        vals.append(m)
        mm = max(m if m is not None else 0.0, FLOOR * o.value)
        up = math.log(o.high / o.value) if o.high > o.value else 0.0
        dn = math.log(o.value / o.low) if 0 < o.low < o.value else up
        w = up if mm > o.value else dn
        w = w if w > 0 else 0.05  # a band of zero width: 5 % in logs (assumption)
        res.append(math.log(mm / o.value) / w)
    return np.array(res, dtype=float), vals


@dataclass
class CalibrationResult:
    """A finished calibration.

    Attributes
    ----------
    parameters, start, fitted
        The parameters and their start and fitted values.
    network
        The network at the fitted values.
    run
        The behavioural run at the fitted values (its final solve, at the run's gap).
    rows
        ``validation.csv`` rows at the fitted values.
    summary
        Counts of figures within tolerance.
    cost
        ``½ Σ r²`` of the targets at the fitted values.
    solves
        Behavioural solves made.
    status
        The optimizer's message.
    seconds
        Wall time, s.
    """

    parameters: tuple[Parameter, ...]
    start: NDArray[np.float64]
    fitted: NDArray[np.float64]
    network: Network
    run: BehaviouralRun
    rows: list[dict[str, Any]]
    summary: Summary
    cost: float
    solves: int
    status: str
    seconds: float
    history: list[float] = field(default_factory=list)


def calibrate(
    net: Network,
    cost_params: CostParams | None,
    observed: Sequence[Observed],
    parameters: Sequence[Parameter],
    *,
    start: Sequence[float] | None = None,
    max_solves: int = 200,
    fit: bool = True,
) -> CalibrationResult:
    """Fit the parameters to the targets of ``observed`` (module docstring).

    Parameters
    ----------
    net
        The network (demand included) to calibrate.
    cost_params
        Prices of the case (carbon price, factors).
    observed
        Every figure; only those with role ``target`` enter the fit.
    parameters
        What to fit (:func:`parse_parameters`).
    start
        Start values; default the network's own (:func:`current_values`).
    max_solves
        Behavioural solves at most (the optimizer's ``max_nfev``).
    fit
        ``False``: no fit, the figures at the start values only.

    Returns
    -------
    CalibrationResult
    """
    from scipy.optimize import least_squares

    t_start = time.perf_counter()
    targets = [o for o in observed if o.role == "target"]
    x0 = current_values(net, parameters) if start is None else np.asarray(start, dtype=float)
    lo = np.array([p.lower for p in parameters])
    hi = np.array([p.upper for p in parameters])
    size = np.array([p.size for p in parameters])
    base = solve_behavioural(apply(net, parameters, x0), cost_params, gap=CAL_GAP, max_iter=200)
    choice = base.choice
    state: dict[str, Any] = {"last": base, "solves": 1}
    history: list[float] = []

    def solve_at(x: NDArray[np.float64]) -> BehaviouralRun:
        run = solve_behavioural(
            apply(net, parameters, x),
            cost_params,
            gap=CAL_GAP,
            max_iter=200,
            choice=choice,
            warm_start=state["last"],
        )
        state["last"] = run
        state["solves"] += 1
        return run

    def fun(z: NDArray[np.float64]) -> NDArray[np.float64]:
        r, _ = residuals(solve_at(z * size), targets)
        history.append(float(0.5 * r @ r))
        return r

    status = "not fitted"
    x = x0.copy()
    if fit and targets and len(parameters) > 0:
        sol = least_squares(
            fun,
            x0 / size,
            bounds=(lo / size, hi / size),
            method="trf",
            diff_step=DIFF_STEP,
            x_scale=1.0,
            max_nfev=max_solves,
            xtol=1e-10,
            ftol=1e-10,
            gtol=1e-10,
        )
        x = np.asarray(sol.x, dtype=float) * size
        status = str(sol.message)
    fitted_net = apply(net, parameters, x)
    final = solve_behavioural(fitted_net, cost_params, choice=choice, warm_start=state["last"])
    state["solves"] += 1
    r, _ = residuals(final, targets)
    rows = validation_rows(final, observed)
    seconds = time.perf_counter() - t_start
    log.info(
        "calibrate: %d solves in %.1f s, cost %.4g (%s)",
        state["solves"],
        seconds,
        0.5 * float(r @ r),
        status,
    )
    return CalibrationResult(
        parameters=tuple(parameters),
        start=x0,
        fitted=x,
        network=fitted_net,
        run=final,
        rows=rows,
        summary=summarize(rows, observed),
        cost=0.5 * float(r @ r),
        solves=int(state["solves"]),
        status=status,
        seconds=seconds,
        history=history,
    )


def parameter_rows(result: CalibrationResult) -> list[dict[str, Any]]:
    """The rows of ``parameters.csv``: name, column, commodity, start, fitted, bounds, unit."""
    return [
        {
            "parameter": p.name,
            "column": p.field,
            "commodity": p.commodity or "",
            "start": float(s),
            "fitted": float(v),
            "lower": p.lower,
            "upper": p.upper,
            "unit": "CNY/t" if p.field.startswith("asc") else "",
            "at_bound": bool(np.isclose(v, p.lower) or np.isclose(v, p.upper)),
        }
        for p, s, v in zip(result.parameters, result.start, result.fitted, strict=True)
    ]


def calibrated_commodities(result: CalibrationResult, observed_name: str) -> str:
    """``commodities.csv`` with the fitted values, each row's source noting the calibration."""
    names = ", ".join(p.name for p in result.parameters)
    note = (
        f"{MARK} ({names} fitted to the targets of {observed_name}; DESIGN 'Calibration'; "
        f"{result.summary.targets_met} of {result.summary.targets} targets within tolerance)"
    )
    rows: list[Commodity] = []
    for c in result.network.commodities:
        src = re.sub(re.escape(MARK) + r".*$", "", c.source)
        src = src.replace("; constants 0 until calibration (next issue)", "")
        rows.append(c.model_copy(update={"source": src + note}))
    return table_text(TABLE_BY_NAME["commodities"], rows)


def scatter_png(rows: Sequence[dict[str, Any]]) -> bytes:
    """PNG scatter of modelled against observed (log-log, every unit on the same axes), with
    the y = x line and each figure's tolerance band as a vertical bar at its observed value;
    targets and validation figures in two colours, o within the band, x outside (a modelled 0
    is drawn at the bottom edge). Bytes are reproducible (no software or date metadata)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    obs = [float(r["observed"]) for r in rows]
    lo_ax = min(v for v in obs if v > 0) / 30.0
    hi_ax = max(obs) * 30.0
    fig, ax = plt.subplots(figsize=(9, 8), dpi=100)
    ax.plot([lo_ax, hi_ax], [lo_ax, hi_ax], color="grey", linewidth=0.8)
    for r, x in zip(rows, obs, strict=True):
        colour = "tab:blue" if r["role"] == "target" else "tab:orange"
        band_lo = max(float(r["low"]), lo_ax)
        ax.plot([x, x], [band_lo, float(r["high"])], color=colour, alpha=0.35, linewidth=5)
        m = r["modelled"]
        y = lo_ax if m is None or float(m) <= lo_ax else float(m)
        ax.plot([x], [y], marker="o" if r["within"] else "x", color=colour, linestyle="none")
        ax.annotate(str(r["figure"]), (x, y), fontsize=6, xytext=(4, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo_ax, hi_ax)
    ax.set_ylim(lo_ax, hi_ax)
    ax.set_xlabel("observed (each figure in its own unit: share, h, t/yr, TEU/yr)")
    ax.set_ylabel("modelled (same unit)")
    ax.set_title(
        "Base-year validation: blue = calibration targets, orange = validation only\n"
        "bars = tolerance band; o within, x outside; grey = modelled equals observed",
        fontsize=9,
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def calibrate_to_folder(
    scenario: str | Path,
    observed_file: str | Path,
    out: str | Path,
    *,
    parameters: Sequence[str] = DEFAULT_PARAMETERS,
    fit: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[CalibrationResult, Path]:
    """Load a case and its observed figures, calibrate, write the result folder atomically.

    Parameters
    ----------
    scenario
        A network folder or scenario file (its method is ignored: calibration is of the
        behavioural model).
    observed_file
        The observed figures (``observed.csv``).
    out
        The result folder.
    parameters
        Names of the fitted parameters (:func:`parse_parameters`).
    fit
        ``False``: validate the case as it is (no fit).
    progress
        Called with a short stage description before each stage.
    """
    say = progress or (lambda _: None)
    check_output_folder(out, inputs=(scenario, observed_file))
    say("loading the case and the observed figures")
    case = load_case(scenario)
    observed = read_observed(observed_file)
    inputs = (*case.inputs, Path(observed_file))
    check_output_folder(out, inputs=inputs)
    params = parse_parameters(parameters, case.net)
    say("calibrating the behavioural model" if fit else "solving the behavioural model")
    check_elements(case.net, observed, Path(observed_file).name)
    result = calibrate(case.net, case.params, observed, params, fit=fit)
    say("writing results")
    manifest = {
        "command": "calibrate",
        "scenario": case.scenario,
        "network": case.net.name,
        "method": "logit",
        "fitted": fit,
        "parameters": {p.name: float(v) for p, v in zip(params, result.fitted, strict=True)},
        "optimizer": result.status,
        "cost": result.cost,
        "solves": result.solves,
        "summary": result.summary.__dict__,
        "inputs": input_hashes(inputs),
        "versions": versions(),
        "timings_s": {"total": result.seconds},
    }
    tables = {
        "validation.csv": result.rows,
        "parameters.csv": parameter_rows(result),
    }
    extra: dict[str, str | bytes] = {
        "commodities.csv": calibrated_commodities(result, Path(observed_file).name),
        "validation.png": scatter_png(result.rows),
    }
    written = write_result_folder(out, tables, manifest, inputs=inputs, extra_files=extra)
    return result, written
