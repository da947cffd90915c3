"""The `freight` command line: parse arguments, call the library, print tables, set exit codes.

No modelling logic lives here. One error boundary (:func:`main`) turns invalid input into a short
message and exit code 2, and any other failure into exit code 1 — never a traceback for bad input.
"""

from __future__ import annotations

import logging
import math
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.exceptions import TyperException

from freight.errors import FreightError
from freight.model.linear import ModelRun
from freight.model.methods import DEFAULT_METHOD, CapacityMethod, Method
from solvers.formats import InstanceFormatError

app = typer.Typer(
    name="freight",
    help="Multimodal freight network optimizer for the Chuannan–Yuxi region.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped or redirected output (make run, logs, CI) gets a wide page instead of rich's 80 columns,
# so the ranking and validation tables stay readable; a terminal keeps its own width.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class InputError(FreightError):
    """A command-line argument that cannot be used (missing file, bad option value)."""


def _bounded(
    name: str, low: float | None = None, high: float | None = None, *, open_low: bool = False
) -> Any:
    """A typer callback: the option's number is finite and within [low, high] (or (low, high])."""

    def check(value: float | None) -> float | None:
        if value is None:
            return None
        ok = math.isfinite(value)
        if ok and low is not None:
            ok = value > low if open_low else value >= low
        if ok and high is not None:
            ok = value <= high
        if not ok:
            lo = "" if low is None else (f"> {low:g}" if open_low else f">= {low:g}")
            hi = "" if high is None else f"<= {high:g}"
            rng = " and ".join(x for x in (lo, hi) if x) or "finite"
            raise typer.BadParameter(
                f"must be a finite number {rng}, got {value!r}", param_hint=name
            )
        return value

    return check


SCHEDULER = re.compile(r"^(tcp|tls|inproc|ws|wss)://[^\s/:]+(:\d{1,5})?$|^[A-Za-z0-9_.-]+:\d{1,5}$")


def _scheduler(value: str | None) -> str | None:
    """A typer callback: a Dask scheduler address such as tcp://HOST:PORT."""
    if value is not None and not SCHEDULER.match(value):
        raise typer.BadParameter(
            f"expected a Dask scheduler address like tcp://HOST:PORT, got {value!r}",
            param_hint="--scheduler",
        )
    return value


Jobs = Annotated[int, typer.Option(min=1, max=256, help="local worker processes")]
Scheduler = Annotated[
    str | None, typer.Option(callback=_scheduler, help="Dask scheduler address tcp://HOST:PORT")
]


def _fmt_t(x: float) -> str:
    """Compact number: 1,234 / 12.3k / 278.6M / 4.2G."""
    a = abs(x)
    for threshold, div, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if a >= threshold:
            return f"{x / div:,.1f}{suffix}"
    return f"{x:,.0f}"


def _cell(value: Any, unit: str, ctype: str) -> str:
    """A cell for the terminal, formatted by its declared unit (the CSV keeps full precision)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) or ctype == "str":
        return str(value)
    if isinstance(value, bool) or ctype == "bool":
        return "yes" if value else "no"
    x = float(value)
    if not math.isfinite(x):
        return "unbounded" if x > 0 else ""
    if ctype == "int":
        return str(int(x)) if unit == "year" else f"{int(x):,}"
    if unit in ("fraction", "share", "1/yr"):
        return f"{100 * x:.1f}%"
    if unit.endswith("/t") or unit in ("h", "km", "CNY/t", "ratio", ""):
        return f"{x:,.2f}" if abs(x) < 1e4 else _fmt_t(x)
    return _fmt_t(x)


def _show(
    command: str,
    file: str,
    rows: list[dict[str, Any]],
    columns: list[str],
    *,
    title: str,
    limit: int | None = None,
    numbered: bool = False,
) -> None:
    """Print rows of a declared output table: headers and units from the declarations."""
    from freight.results.declared import declared_table

    decl = declared_table(command, file)
    cols = [decl.column(c) for c in columns]
    t = Table(title=title)
    if numbered:
        t.add_column("#", justify="right")
    for name, c in zip(columns, cols, strict=True):
        label = name.replace("_", " ")
        head = label if not c.unit or c.unit in ("fraction",) else f"{label} [{c.unit}]"
        t.add_column(head, justify="left" if c.type == "str" else "right", overflow="fold")
    for i, r in enumerate(rows[:limit] if limit is not None else rows, 1):
        cells = [_cell(r.get(n), c.unit, c.type) for n, c in zip(columns, cols, strict=True)]
        t.add_row(*([str(i)] if numbered else []), *cells)
    console.print(t)


@app.command()
def validate(
    path: Annotated[
        Path,
        typer.Argument(
            help="network data folder (e.g. network_data/chuannan_yuxi), or a scenario .toml "
            "(checked with its extends chain and projects on its network, not solved)"
        ),
    ],
    max_problems: Annotated[
        int,
        typer.Option("--max-problems", min=1, help="problems listed; the rest are counted"),
    ] = 50,
) -> None:
    """Check a network data folder or a scenario file; print a summary, or the problems (exit 2)."""
    from freight.data.summary import network_summary
    from freight.errors import DataError
    from freight.scenario.case import load_network_case

    try:
        if not path.is_dir() and (path.suffix.lower() == ".toml" or path.exists()):
            _validate_scenario(path)
            return
        net = load_network_case(path).net
    except DataError as exc:  # the same error, its problem list capped at --max-problems
        raise type(exc)(exc.problems, exc.context, max_shown=max_problems) from None
    s = network_summary(net)
    console.print(f"[bold]{s['name']}[/bold]: valid")
    t = Table(title="Places", show_header=True)
    t.add_column("kind")
    t.add_column("count", justify="right")
    for kind, n in s["places_by_kind"].items():
        t.add_row(kind, str(n))
    t.add_row("[bold]total[/bold]", f"[bold]{s['places']}[/bold] ({s['zones']} zones)")
    console.print(t)
    t = Table(title="Links by mode")
    t.add_column("mode")
    t.add_column("links", justify="right")
    t.add_column("km", justify="right")
    for mode, (n, km) in s["links_by_mode"].items():
        t.add_row(mode, str(n), f"{km:,.1f}")
    console.print(t)
    console.print(
        f"Terminals: {s['terminals']} ({s['transfers']} mode transfers, "
        f"{s['zone_access']} zone access)"
    )
    t = Table(
        title=f"Demand by commodity ({len(s['commodities'])} commodities, {s['demand_rows']} OD rows)"
    )
    t.add_column("commodity")
    t.add_column("tonnes/yr", justify="right")
    for c, tonnes in s["demand_by_commodity"].items():
        t.add_row(c, _fmt_t(tonnes))
    t.add_row("[bold]total[/bold]", f"[bold]{_fmt_t(s['demand_total'])}[/bold]")
    console.print(t)


def _validate_scenario(path: Path) -> None:
    """``freight validate SCENARIO.toml``: resolve and check, print a short summary (a project
    file is checked alone: its keys, bounds and edit rows)."""
    from freight.scenario.files import is_project_file, read_project_file
    from freight.scenario.resolve import validate_scenario

    if is_project_file(path):
        pf = read_project_file(path)
        edits = {
            verb: sum(len(getattr(pf, f"{verb}_{t}", [])) for t in ("places", "links", "terminals"))
            for verb in ("add", "modify", "remove")
        }
        console.print(f"[bold]{pf.id}[/bold]: valid project file — {pf.name}")
        console.print(
            f"{edits['add']} added, {edits['modify']} modified, {edits['remove']} removed rows; "
            f"capex {_fmt_t(pf.capex_cny)} CNY; opens {pf.opening_year}. Validate a scenario "
            "that lists it to check it on a network."
        )
        return
    c = validate_scenario(path)
    sc = c.scenario
    console.print(f"[bold]{sc.id}[/bold]: valid" + (f" — {sc.title}" if sc.title else ""))
    console.print(f"extends chain: {' -> '.join(p.name for p in sc.chain)}; data: {sc.data.name}")
    console.print(
        f"year {sc.year if sc.year is not None else 'of the data'}; "
        f"{len(sc.projects)} project{'s' if len(sc.projects) != 1 else ''}"
        + (f" ({', '.join(sc.projects)})" if sc.projects else "")
        + f"; {len(sc.disruptions)} disruption{'s' if len(sc.disruptions) != 1 else ''}; "
        f"{c.n_edits} edit{'s' if c.n_edits != 1 else ''} applied; method {sc.method}"
    )
    console.print(
        f"network: {c.n_places} places, {c.n_links} links, {c.n_terminals} terminals, "
        f"{c.n_demand_rows} OD rows; demand {_fmt_t(c.base_demand_t)} -> "
        f"{_fmt_t(c.demand_t)} t/yr"
    )


def _print_run_summary(run: ModelRun, out: Path) -> None:
    from freight.results.tables import kpi_dict, link_flows, mode_summary

    _show(
        "run", "mode_summary.csv", mode_summary(run),
        ["mode", "tonnes_lifted", "tonnes_share", "tonne_km", "money_cost_cny", "tonne_hours", "co2_t"],
        title="By mode",
    )  # fmt: skip
    links = [
        r
        for r in link_flows(run)
        if r["utilization"] is not None and r["utilization"] == r["utilization"]
    ]
    links.sort(key=lambda r: (-r["utilization"], -(r["shadow_price_cny_per_t"] or 0.0), r["link"]))
    _show(
        "run", "link_flows.csv", links,
        ["link", "mode", "from", "to", "flow_t", "background_t", "capacity_t", "utilization",
         "shadow_price_cny_per_t"],
        title="Most utilized links (utilization counts background traffic)", limit=10,
    )  # fmt: skip
    k = kpi_dict(run)
    console.print(
        f"demand {_fmt_t(k['demand'])} t/yr; served {_fmt_t(k['served'])}; "
        f"[bold]unserved {_fmt_t(k['unserved'])}[/bold]; generalized cost "
        f"{_fmt_t(k['generalized_cost'])} CNY/yr; CO2 {_fmt_t(k['co2'])} t/yr"
    )
    console.print(f"results written to {out}/")


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="network folder or scenario .toml")],
    out: Annotated[Path, typer.Option("--out", "-o", help="result folder (written atomically)")],
    method: Annotated[
        Method | None,
        typer.Option(
            help="logit: the behavioural model, nested-logit mode-chain and route choice with "
            "congestion over background traffic (calibrated); mcf: the planner's system optimum "
            "by fast exact multi-commodity flow, with capacity shadow prices; lp: the same "
            "optimum from the monolithic LP; ue/so: user equilibrium / system optimum with "
            f"congestion (default: the scenario's solver.method, else {DEFAULT_METHOD})",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Solve the capacity-aware freight model and write link, OD, mode, terminal and KPI CSVs."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from freight.analysis.run import run_to_folder

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("starting", total=None)
        result, written = run_to_folder(
            path, out, method=method, progress=lambda msg: bar.update(task, description=msg)
        )
    console.print(f"[bold]{path}[/bold]: {result.status} ({result.method})")
    _print_run_summary(result, written)


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="network folder or scenario .toml (the base)")],
    observed: Annotated[
        Path, typer.Option("--observed", help="observed figures (observed.csv of the network)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="result folder (written atomically)")],
    parameters: Annotated[
        str,
        typer.Option(
            help="fitted columns of commodities.csv, comma-separated; column@commodity for one "
            "commodity's (asc_rail, asc_water, asc_air, chain_scale, route_scale)"
        ),
    ] = "asc_rail,asc_water,asc_air",
    fit: Annotated[
        bool, typer.Option("--fit/--no-fit", help="--no-fit: validate the case as it is")
    ] = True,
) -> None:
    """Fit the behavioural model's constants and scales to the calibration targets; write
    validation.csv, parameters.csv, the calibrated commodities.csv and validation.png."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from freight.analysis.calibrate import calibrate_to_folder

    names = [p for p in (x.strip() for x in parameters.split(",")) if p]
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("starting", total=None)
        result, written = calibrate_to_folder(
            scenario,
            observed,
            out,
            parameters=names,
            fit=fit,
            progress=lambda msg: bar.update(task, description=msg),
        )
    table = Table(title=f"{scenario}: {'calibrated' if fit else 'validated'} ({result.status})")
    for col in ("figure", "role", "observed", "modelled", "ratio", "within"):
        table.add_column(col, justify="left" if col in ("figure", "role") else "right")
    for r in result.rows:
        m, ratio = r["modelled"], r["ratio"]
        table.add_row(
            str(r["figure"]),
            str(r["role"]),
            f"{r['observed']:,.4g} {r['unit']}",
            "" if m is None else f"{m:,.4g}",
            "" if ratio is None else f"{ratio:.3f}",
            "yes" if r["within"] else "no",
        )
    console.print(table)
    if fit:
        for p, v in zip(result.parameters, result.fitted, strict=True):
            console.print(f"{p.name} = {v:.4f}")
    console.print(f"[bold]{result.summary.text()}[/bold] ({result.seconds:.1f} s)")
    console.print(f"written: {written}")


def _progress_bar() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    )  # fmt: skip


@app.command()
def compare(
    base: Annotated[
        Path, typer.Argument(help="base: result folder, network folder or scenario .toml")
    ],
    scenario: Annotated[
        Path, typer.Argument(help="scenario: result folder, network folder or .toml")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="comparison folder (written atomically)")
    ],
    method: Annotated[
        Method | None,
        typer.Option(
            help="method of a side that must be solved (logit: the behavioural model; mcf/lp: "
            "the planner's system optimum with shadow prices; ue/so); a result folder keeps its "
            f"own (default: the scenario's solver.method, else {DEFAULT_METHOD})",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare two runs: KPI deltas, mode shares, and changes per link, terminal and OD."""
    from freight.analysis.compare import compare_to_folder

    with _progress_bar() as bar:
        task = bar.add_task("comparing", total=None)
        tables = compare_to_folder(
            base, scenario, out, method=method, progress=lambda m: bar.update(task, description=m)
        )
    _show(
        "compare", "kpi_comparison.csv", tables["kpi_comparison.csv"],
        ["metric", "unit", "base", "scenario", "delta", "delta_pct"], title=f"{scenario} vs {base}",
    )  # fmt: skip
    _show(
        "compare", "link_changes.csv", tables["link_changes.csv"],
        ["link", "direction", "mode", "from", "to", "flow_t_base", "flow_t_scenario",
         "flow_t_delta", "shadow_price_cny_per_t_scenario"],
        title="Largest link flow changes", limit=10,
    )  # fmt: skip
    console.print(f"comparison written to {out}/")


@app.command()
def appraise(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            help="plan scenario(s): one per modelled year and future (ids differing only in "
            "the year, e.g. plan_2025_central plan_2035_central, are one future)"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="appraisal folder (written atomically)")],
    jobs: Jobs = 1,
    scheduler: Scheduler = None,
    carbon_price: Annotated[
        float | None,
        typer.Option(
            help="CNY per t CO2 at the price base (default: the scenario's, else the economics "
            "file's)",
            callback=_bounded("--carbon-price", 0.0, 1e5),
        ),
    ] = None,
    method: Annotated[
        Method,
        typer.Option(
            help="model method of every solve (logit: the behavioural model, benefits by logsum; "
            "mcf/lp: the planner's system optimum); a scenario's solver.method is not consulted"
        ),
    ] = DEFAULT_METHOD,
    economics: Annotated[
        Path | None,
        typer.Option(
            help="economics TOML (default: economics/economics.toml beside the plan's projects/)"
        ),
    ] = None,
) -> None:
    """Appraise every project of a plan: benefit profile over the modelled years, NPV, BCR, IRR,
    switching values, ranking."""
    from freight.analysis.appraise import appraise_to_folder

    with _progress_bar() as bar:
        task = bar.add_task("solving with/without networks", total=None)
        tables = appraise_to_folder(
            out, [str(s) for s in scenarios], jobs=jobs, scheduler=scheduler, method=method,
            carbon_price=carbon_price, economics=str(economics) if economics else None,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    rows = tables["appraisal.csv"]
    cols = ["rank", "project", "npv_cny", "bcr", "bcr_full_capex", "irr", "capex_switch_cny",
            "benefit_switch_share", "largest_components"]  # fmt: skip
    for fut in dict.fromkeys(r["future"] for r in rows):
        for test, title in (("put_one_in", "put-one-in"), ("take_one_out", "take-one-out")):
            ranked = [r for r in rows if r["future"] == fut and r["test"] == test]
            ranked.sort(key=lambda r: (r["rank"] if r["rank"] is not None else 1e9, r["project"]))
            first = ranked[0] if ranked else {}
            _show(
                "appraise", "appraisal.csv", ranked, cols,
                title=f"Projects ranked by NPV ({title}) — {fut}, modelled {first.get('years')}, "
                f"CNY at {first.get('price_base_year')} prices, benefits by "
                f"{first.get('benefit_method')}; unranked: do-minimum",
            )  # fmt: skip
    for r in tables["interactions.csv"]:
        console.print(
            f"{r['future']} {r['year']}: whole plan {_fmt_t(r['plan_benefit_cny_per_yr'])} CNY/yr "
            f"against the do-minimum; sum of single projects "
            f"{_fmt_t(r['sum_of_singles_cny_per_yr'])}; interaction "
            f"{_fmt_t(r['interaction_cny_per_yr'])}"
        )
    console.print(f"appraisal written to {out}/ (benefits.csv, tee.csv, sensitivity.csv)")


@app.command()
def portfolio(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            help="plan scenario(s) of one future, one per modelled year (e.g. plan_2025_central "
            "plan_2035_central)"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="portfolio folder (written atomically)")],
    budget: Annotated[
        float | None,
        typer.Option(
            help="capital budget, 亿 CNY per year at the price base (replaces the file's)",
            callback=_bounded("--budget", 0.0, 1e6),
        ),
    ] = None,
    total_budget: Annotated[
        float | None,
        typer.Option(
            help="capital budget over all years, 亿 CNY at the price base",
            callback=_bounded("--total-budget", 0.0, 1e6),
        ),
    ] = None,
    budget_file: Annotated[
        Path | None,
        typer.Option(
            help="budget TOML (scenarios/portfolio/*.toml): annual, by-year or total budget, "
            "last start year, earliest starts, committed projects"
        ),
    ] = None,
    last_start: Annotated[
        int | None,
        typer.Option(
            min=1900,
            max=2200,
            help="latest construction start year (default: the file's, "
            "else the last modelled year or the plan's latest start)",
        ),
    ] = None,  # fmt: skip
    jobs: Jobs = 1,
    scheduler: Scheduler = None,
    method: Annotated[
        Method,
        typer.Option(
            help="model method of every network solve, as freight appraise "
            "(logit: the behavioural model; mcf/lp: the planner's)"
        ),
    ] = DEFAULT_METHOD,  # fmt: skip
    tolerance: Annotated[
        float,
        typer.Option(
            help="agreement of predicted and verified NPV, relative to the programme's PV of costs",
            callback=_bounded("--tolerance", 0.0, 0.1),
        ),
    ] = 1e-6,  # fmt: skip
    max_iterations: Annotated[
        int, typer.Option(min=1, max=1000, help="master solves per budget before stopping")
    ] = 30,
    economics: Annotated[
        Path | None,
        typer.Option(
            help="economics TOML (default: economics/economics.toml beside the plan's projects/)"
        ),
    ] = None,
) -> None:
    """Choose which of the plan's projects to build and when, under a capital budget: CP-SAT
    master over project values and interactions, verified by network solves until they agree."""
    from freight.analysis.portfolio import portfolio_to_folder, read_budget

    plan = read_budget(budget_file, annual=budget, total=total_budget, last_start=last_start)
    with _progress_bar() as bar:
        task = bar.add_task("solving open-project sets", total=None)
        tables, res = portfolio_to_folder(
            out, [str(s) for s in scenarios], budget=plan, jobs=jobs, scheduler=scheduler,
            method=method, economics=str(economics) if economics else None,
            rel_tolerance=tolerance, max_iterations=max_iterations,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    chosen = [r for r in tables["programme.csv"] if r["chosen"] or r["greedy_chosen"]]
    _show(
        "portfolio", "programme.csv", chosen,
        ["project", "chosen", "start_year", "opening_year", "delay_years", "capex_cny",
         "single_bcr", "greedy_chosen", "greedy_start_year"],
        title=f"Programme under {plan.describe()} (optimized and greedy)",
    )  # fmt: skip
    _show(
        "portfolio", "summary.csv", tables["summary.csv"],
        ["programme", "projects", "verified_npv_cny", "predicted_npv_cny", "bcr", "spend_cny",
         "marginal_npv_per_100m_cny", "converged"],
        title="Programmes: verified NPV from the network solves (CNY at the price base)",
    )  # fmt: skip
    console.print(res.optimized.message)
    console.print(
        f"portfolio written to {out}/ (spend.csv, iterations.csv, solves.csv, programme.png)"
    )


@app.command()
def criticality(
    source: Annotated[Path, typer.Argument(help="network folder or scenario .toml")],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for criticality.csv")],
    only: Annotated[
        Literal["rail", "road", "water", "air", "terminals"] | None,
        typer.Option(help="one mode's links or the terminals (default: all)"),
    ] = None,
    derate: Annotated[
        float, typer.Option(help="capacity kept (0 = close, 0.5 = half)", min=0.0, max=1.0)
    ] = 0.0,
    jobs: Jobs = 1,
    scheduler: Scheduler = None,
    method: Annotated[
        CapacityMethod,
        typer.Option(help="mcf/lp: the planner's model; logit: the behavioural model"),
    ] = "mcf",
) -> None:
    """Close (or derate) every link, terminal and lock in turn; rank by extra cost."""
    from freight.analysis.criticality import criticality_to_folder

    with _progress_bar() as bar:
        task = bar.add_task("re-solving without each element", total=None)
        rows = criticality_to_folder(
            out, source, only=only, factor=derate, jobs=jobs, scheduler=scheduler, method=method,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    _show(
        "criticality", "criticality.csv", rows,
        ["rank", "element", "kind", "mode", "from", "to", "extra_cost_cny", "extra_unserved_t",
         "ods_cut"],
        title="Most critical elements", limit=15,
    )  # fmt: skip
    skipped = sum(1 for r in rows if r["skipped"])
    console.print(
        f"{len(rows)} elements, {len(rows) - skipped} re-solved, {skipped} carry no flow "
        f"(closing them cannot change the optimum); written to {out}/"
    )


def _parse_kv(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        if "=" not in it:
            raise InputError(f"{what}: expected NAME=VALUES, got {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@app.command()
def sweep(
    scenarios: Annotated[
        list[Path], typer.Argument(help="scenario file(s); with --grid/--lhs: the parent")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="sweep folder (resumable)")],
    grid: Annotated[
        list[str] | None, typer.Option(help="NAME=v1,v2,... (repeatable): a grid over parameters")
    ] = None,
    lhs: Annotated[
        int, typer.Option(min=0, max=100_000, help="number of Latin hypercube samples over --range")
    ] = 0,
    range_: Annotated[
        list[str] | None, typer.Option("--range", help="NAME=LOW:HIGH (repeatable), with --lhs")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the Latin hypercube")] = 0,
    jobs: Jobs = 1,
    scheduler: Scheduler = None,
    appraise_: Annotated[
        bool, typer.Option("--appraise", help="appraise the plan in every future: robust ranking")
    ] = False,
    top: Annotated[int, typer.Option(min=1, help="k of P(top k) in the robust ranking")] = 3,
    method: Annotated[
        CapacityMethod,
        typer.Option(help="mcf/lp: the planner's model; logit: the behavioural model"),
    ] = "mcf",
) -> None:
    """Solve many scenarios (files, a grid or Latin hypercube samples) into one tidy CSV."""
    from freight.analysis import sweep as sw

    if (grid or lhs) and len(scenarios) != 1:
        raise InputError("--grid and --lhs take exactly one parent scenario")
    if grid:
        values: dict[str, list[float]] = {}
        for k, v in _parse_kv(grid, "--grid").items():
            try:
                values[k] = [float(x) for x in v.split(",") if x.strip()]
            except ValueError:
                raise InputError(
                    f"--grid {k}: expected comma-separated numbers, got {v!r}"
                ) from None
            if not values[k] or not all(math.isfinite(x) for x in values[k]):
                raise InputError(f"--grid {k}: expected finite numbers, got {v!r}")
        cases = sw.grid_cases(scenarios[0], values, method)
    elif lhs:
        ranges: dict[str, tuple[float, float]] = {}
        for k, v in _parse_kv(range_ or [], "--range").items():
            lo, _, hi = v.partition(":")
            try:
                ranges[k] = (float(lo), float(hi))
            except ValueError:
                raise InputError(f"--range {k}: expected LOW:HIGH numbers, got {v!r}") from None
            if not (math.isfinite(ranges[k][0]) and math.isfinite(ranges[k][1])):
                raise InputError(f"--range {k}: expected finite numbers, got {v!r}")
            if ranges[k][0] > ranges[k][1]:
                raise InputError(f"--range {k}: LOW is above HIGH in {v!r}")
        if not ranges:
            raise InputError("--lhs needs at least one --range NAME=LOW:HIGH")
        cases = sw.lhs_cases(scenarios[0], ranges, lhs, seed, method)
    else:
        cases = sw.file_cases(scenarios, method)
    with _progress_bar() as bar:
        task = bar.add_task("solving cases", total=len(cases))
        prog = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
        if appraise_:
            from freight.analysis.robust import robust_to_folder

            summary, _ = robust_to_folder(cases, out, top_k=top, jobs=jobs, scheduler=scheduler,
                                          method=method, progress=prog)  # fmt: skip
        else:
            rows = sw.run_sweep(cases, out, jobs=jobs, scheduler=scheduler, progress=prog)
    if appraise_:
        t = Table(title=f"Robust project ranking over {len(cases)} futures")
        for col in ("#", "project", "mean NPV 亿", "min NPV 亿", f"P(top {top})", "max regret 亿"):
            t.add_column(col, justify="left" if col == "project" else "right")
        for r in summary:
            t.add_row(str(r["robust_rank"]), r["project"], f"{r['npv_mean_cny'] / 1e8:,.1f}",
                      f"{r['npv_min_cny'] / 1e8:,.1f}", f"{r[f'p_top_{top}']:.2f}",
                      f"{r['regret_max_cny'] / 1e8:,.1f}")  # fmt: skip
        console.print(t)
    else:
        errors = sum(1 for r in rows if r.get("status") == "error")
        console.print(
            f"{len(rows)} of {len(cases)} cases done ({errors} with errors); {out}/sweep.csv"
        )


@app.command()
def plot(
    result_dir: Annotated[
        Path,
        typer.Argument(help="folder written by 'freight run', 'compare' or 'criticality'"),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="map to write: .png, .svg or .pdf (default: RESULT_DIR/map.png)"
        ),
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option(help="also write the links as GeoJSON (WGS84), e.g. for QGIS")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="network folder or scenario .toml with the places (default: from manifest.json)"
        ),
    ] = None,
    full_extent: Annotated[
        bool,
        typer.Option("--full-extent", help="show every place (default: the Chuannan–Yuxi region)"),
    ] = False,
) -> None:
    """Map a run (link flows by mode), a comparison (flow changes) or a criticality run (extra
    cost per closed element) on a basemap; optionally write GeoJSON."""
    from freight.maps.geo import folder_kind
    from freight.maps.plot import DEFAULT_EXTENT, plot_folder

    kind = folder_kind(result_dir)
    written = plot_folder(
        result_dir, out, geojson=geojson, data=data,
        extent=None if full_extent else DEFAULT_EXTENT,
    )  # fmt: skip
    what = {"compare": "comparison", "criticality": "criticality"}.get(kind, "run")
    console.print(f"[bold]{result_dir}[/bold]: {what}")
    for p in written:
        console.print(f"written {p}")


@app.command()
def export(
    result_dir: Annotated[Path, typer.Argument(help="a result folder written by freight")],
    xlsx: Annotated[
        Path | None,
        typer.Option(help="Excel workbook to write: a sheet per table, units under the header"),
    ] = None,
    gpkg: Annotated[
        Path | None,
        typer.Option(
            help="GeoPackage to write (run or comparison): layers links, places, terminals, "
            "with QGIS styles (.qml) next to it"
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="network folder or scenario .toml (default: from manifest.json)"),
    ] = None,
) -> None:
    """Export a result folder to Excel (--xlsx) and/or a GeoPackage for QGIS (--gpkg)."""
    from freight.errors import DataError, Problem

    if xlsx is None and gpkg is None:
        raise DataError([Problem(str(result_dir), None, "", "give --xlsx FILE and/or --gpkg FILE")])
    written: list[Path] = []
    if xlsx is not None:
        from freight.export.xlsx import write_xlsx

        written.append(write_xlsx(result_dir, xlsx))
    if gpkg is not None:
        from freight.export.gpkg import write_gpkg

        written += write_gpkg(result_dir, gpkg, data=data)
    for p in written:
        console.print(f"written {p}")


@app.command()
def report(
    result_dirs: Annotated[
        list[Path],
        typer.Argument(help="result folders: runs, comparisons, appraisals, criticality runs"),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="the HTML file to write")],
    title: Annotated[str | None, typer.Option(help="title of the report")] = None,
) -> None:
    """One self-contained HTML report (inline CSS, embedded map images) of result folders."""
    from freight.report import write_report

    path = write_report(result_dirs, out, title=title)
    console.print(f"written {path}")


@app.command()
def vrp(
    file: Annotated[Path, typer.Argument(help="CVRPLIB/TSPLIB .vrp or Solomon-style .vrptw file")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="search time limit, s")] = 30.0,
    vehicles: Annotated[
        int | None,
        typer.Option(
            "--vehicles", help="fleet size (default: the file's VEHICLES, else -kN of the name)"
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="auto (per problem class), pyvrp or ortools")
    ] = "auto",
    seed: Annotated[int, typer.Option("--seed", help="random seed (PyVRP)")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="routes CSV (default: ./NAME.routes.csv)"),
    ] = None,
) -> None:
    """Solve a published vehicle-routing instance; print cost and vehicles, write routes CSV."""
    from solvers.formats.vrplib import read_vrplib, write_routes_csv
    from solvers.routing import ENGINES, RoutingInputError, solve

    if not file.is_file():
        raise InputError(f"{file}: file not found")
    if vehicles is not None and vehicles < 1:
        raise InputError(f"--vehicles: must be >= 1, got {vehicles}")
    if engine not in ENGINES:
        raise InputError(f"--engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    if not time_limit > 0:
        raise InputError(f"--time-limit: must be > 0, got {time_limit}")
    if out is None and Path.cwd().resolve() == file.resolve().parent:
        raise InputError(
            f"{file}: the default ./{file.stem}.routes.csv would be written next to the input; "
            "give --out (or run from another folder)"
        )
    inst = read_vrplib(file, n_vehicles=vehicles)  # VrplibError: exit 2 via main()
    target = inst.known_optimum
    try:
        res = solve(
            inst.problem, engine=engine, time_limit_s=time_limit, seed=seed, target_objective=target
        )
    except RoutingInputError as exc:
        raise InputError(str(exc)) from None
    routes_csv = out if out is not None else Path.cwd() / f"{file.stem}.routes.csv"
    if res.routes:
        write_routes_csv(routes_csv, inst.problem, res, node_ids=inst.node_ids)
    t = Table(title=f"{inst.name} ({inst.kind})")
    for col in ("status", "engine", "cost", "distance", "vehicles", "known optimum", "runtime s"):
        t.add_column(col, justify="right")
    t.add_row(
        res.status, res.engine, f"{res.objective:,.3f}", f"{res.distance:,.3f}",
        f"{res.vehicles_used} of {inst.problem.n_vehicles}",
        "" if target is None else f"{target:,.2f}", f"{res.runtime_s:.1f}",
    )  # fmt: skip
    console.print(t)
    console.print(f"fleet: {inst.problem.n_vehicles} vehicles ({inst.fleet_source})")
    if res.first_solution:
        console.print(f"first solution: {res.first_solution}")
    if res.routes:
        console.print(f"routes written to {routes_csv}")
    else:
        err_console.print(f"no solution: {res.solver_status}")
        for attempt in res.attempts:
            err_console.print(f"  tried {attempt}")
        raise typer.Exit(1)


@app.command()
def route(
    result_dir: Annotated[Path, typer.Argument(help="folder written by 'freight run'")],
    terminal: Annotated[str, typer.Option(help="terminal id (terminals.csv), e.g. T_LZP_RW")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="folder (default RESULT_DIR/route_TERMINAL)")
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="per routing problem, s",
            callback=_bounded("--time-limit", 0.0, 3600.0, open_low=True),
        ),
    ] = 5.0,
) -> None:
    """Daily first/last-mile truck tours at a terminal: tours, shuttles and drayage cost."""
    from freight.analysis.drayage import route_to_folder, unreached_line

    folder = out or result_dir / f"route_{terminal}"
    tables, note = route_to_folder(folder, result_dir, terminal, time_limit_s=time_limit)
    if note:
        console.print(f"{note}; empty tables written to {folder}/")
        return
    _show(
        "route", "summary.csv", tables["summary.csv"],
        ["kind", "customers", "tonnes_per_day", "vehicles_per_day", "vehicle_km_per_day",
         "vehicle_hours_per_day", "cost_cny_per_day", "co2_kg_per_day", "drayage_cny_per_t"],
        title=f"Drayage at {terminal} (per operating day)",
    )  # fmt: skip
    if line := unreached_line(tables["summary.csv"]):
        console.print(line)
    console.print(f"tours, shuttles and summary written to {folder}/")


@app.command("import-tntp")
def import_tntp_cmd(
    net: Annotated[Path, typer.Argument(help="TNTP *_net.tntp file")],
    trips: Annotated[Path, typer.Argument(help="TNTP *_trips.tntp file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the tidy CSVs")],
    assign: Annotated[Literal["ue", "so"] | None, typer.Option(help="also assign")] = None,
    gap: Annotated[
        float,
        typer.Option(
            help="relative gap target", callback=_bounded("--gap", 0.0, 1.0, open_low=True)
        ),
    ] = 1e-4,
    max_iter: Annotated[int, typer.Option(min=1, max=1_000_000, help="iteration limit")] = 1000,
    algorithm: Annotated[
        Literal["fw", "cfw", "bfw"] | None, typer.Option(help="default: the fastest")
    ] = None,
) -> None:
    """Read a TNTP network and trip table into CSVs; optionally solve the equilibrium."""
    from freight.analysis.tntp_import import import_tntp

    _, m = import_tntp(
        net, trips, out, assign=assign, gap=gap, max_iter=max_iter, algorithm=algorithm
    )
    console.print(
        f"{m['zones']} zones, {m['nodes']} nodes, {m['links']} links, total flow {m['total_flow']:,.0f}"
    )
    if assign:
        a = m["assignment"]
        console.print(
            f"{a['objective']} by {a['algorithm']}: {a['status']}, relative gap {a['relative_gap']:.2e} "
            f"after {a['iterations']} iterations; objective {a['objective_value']:,.6f}"
        )
    console.print(f"written to {out}/")


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler so that no library turns it into another exit."""


def _on_sigint(signum: int, frame: object) -> None:
    raise Interrupted


def _error(message: str) -> None:
    err_console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``freight`` console script: the one error boundary.

    Exit codes: 0 success; 2 a failure caused by input, options or the environment (invalid data
    or scenario, a bad option value, an unreadable or unwritable path, a full disk, an unreachable
    scheduler), with a message naming the file, key or path; 130 interrupted (Ctrl-C); 1 a bug in
    freight (a one-line message; ``FREIGHT_DEBUG=1`` shows the traceback).
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    previous = signal.getsignal(signal.SIGINT)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        result = app(args=argv, prog_name="freight", standalone_mode=False)
    except typer.Exit as exc:  # typer.Exit / --help
        return int(exc.exit_code)
    except (Interrupted, typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted")
        return 130
    except TyperException as exc:  # usage errors: bad option values, missing arguments
        exc.show(file=sys.stderr)  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", EXIT_INPUT)) or EXIT_INPUT
    except (FreightError, InstanceFormatError) as exc:
        _error(str(exc))
        return EXIT_INPUT
    except OSError as exc:  # the environment: unreadable, unwritable or full, looping paths
        where = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or type(exc).__name__
        _error(f"{where}: {reason}" if where else reason)
        return EXIT_INPUT
    except Exception as exc:  # the boundary: report, no traceback for users
        if os.environ.get("FREIGHT_DEBUG"):
            raise
        err_console.print(
            Text("internal error: ", style="bold red")
            + Text(f"{type(exc).__name__}: {exc}\n")
            + Text("This is a bug in freight; rerun with FREIGHT_DEBUG=1 for the traceback."),
            soft_wrap=True,
        )
        return EXIT_INTERNAL
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
    return result if isinstance(result, int) else EXIT_OK


def _version(value: bool) -> None:
    if value:
        from freight import __version__

        console.print(f"freight {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="errors only")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="log each step (and the edits applied)")
    ] = False,
) -> None:
    """Multimodal freight network optimizer for the Chuannan–Yuxi region."""
    level = logging.ERROR if quiet else (logging.INFO if verbose else logging.WARNING)
    logging.getLogger().setLevel(level)
    console.quiet = quiet


if __name__ == "__main__":
    sys.exit(main())
