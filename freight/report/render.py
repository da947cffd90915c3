"""Build the report's sections from result folders and render the template (see the package doc)."""

from __future__ import annotations

import base64
import csv
import html
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from freight import __version__
from freight.errors import DataError, Problem
from freight.results.declared import Column, OutputTable, UndeclaredError, unit_precision
from freight.results.folder import ResultFolder, write_file

log = logging.getLogger(__name__)

TOP = 10
"""Rows of the 'largest changes' and 'most critical' tables."""

KPI_SHOWN = (
    "demand", "served", "unserved", "generalized_cost", "money_cost", "time_cost", "co2",
    "tonne_hours", "binding_capacities",
)  # fmt: skip
"""KPIs of a run's headline table, in order (the mode KPIs are in the mode table)."""


@dataclass
class HtmlTable:
    """A table ready for the template: header cells (name, unit) and rows of text cells."""

    caption: str
    header: list[tuple[str, str]]
    rows: list[list[str]]
    numeric: list[bool]
    css_id: str = ""


@dataclass
class Section:
    """One result folder's part of the report."""

    title: str
    kind: str
    path: str
    tables: list[HtmlTable] = field(default_factory=list)
    image: str = ""
    image_alt: str = ""
    notes: list[str] = field(default_factory=list)


def table_rows(folder: ResultFolder, file: str) -> list[dict[str, Any]]:
    """The parsed rows of a table; a column this version of freight does not declare (a folder
    written by another version) is a :class:`DataError` naming the file, not a crash.

    Raises
    ------
    DataError
        If the table is missing, damaged, or has a column that is not declared.
    """
    try:
        return folder.rows(file)
    except UndeclaredError as exc:
        raise DataError(
            [
                Problem(
                    str(folder.path / file),
                    None,
                    "",
                    f"{exc}; written by another version of freight? run the command again",
                )
            ]  # fmt: skip
        ) from None


def fmt_value(x: Any, column: Column | None = None, unit: str = "") -> str:
    """A cell as text: numbers at the column's precision with thousands separators; a share
    (``fraction``) as a percentage; blank for None, NaN and -inf; ``unbounded`` for +inf."""
    if x is None or x == "":
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}" if (column is None or column.unit not in ("year",)) else str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "unbounded" if x > 0 else ""
        u = column.unit if column is not None else unit
        if u == "fraction":
            return f"{100 * x:.1f} %"
        p = column.precision if column is not None and column.precision is not None else 2
        if column is None:
            p = 0 if abs(x) >= 1000 else 2
        return f"{x:,.{p}f}"
    return str(x)


def fmt_unit(x: Any, unit: str) -> str:
    """A value of a table whose unit is per row (``kpis.csv``, ``kpi_comparison.csv``): at the
    unit's precision (:func:`freight.results.declared.unit_precision`); counts as integers."""
    if isinstance(x, float) and math.isfinite(x):
        if unit == "arcs":
            return f"{round(x):,}"
        if unit == "fraction":
            return f"{100 * x:.2f} %"
        return f"{x:,.{unit_precision(unit)}f}"
    return fmt_value(x)


def declared_table(
    folder: ResultFolder,
    file: str,
    columns: Sequence[str],
    *,
    caption: str,
    limit: int | None = None,
    where: Any = None,
    css_id: str = "",
) -> HtmlTable:
    """An :class:`HtmlTable` of some columns of a declared table (units from the declarations)."""
    decl: OutputTable = folder.table(file)
    rows = table_rows(folder, file)
    if where is not None:
        rows = [r for r in rows if where(r)]
    declared = set()
    for c in columns:
        try:
            decl.column(c)
            declared.add(c)
        except UndeclaredError:  # a column of another version of the table
            continue
    cols = [c for c in columns if c in declared and (c in rows[0] if rows else True)]
    decls = [decl.column(c) for c in cols]
    body = [
        [fmt_value(r.get(c), d) for c, d in zip(cols, decls, strict=True)]
        for r in (rows[:limit] if limit is not None else rows)
    ]
    return HtmlTable(
        caption,
        [(c, d.unit) for c, d in zip(cols, decls, strict=True)],
        body,
        [d.type in ("float", "int") for d in decls],
        css_id,
    )


def _image(kind: str, folder: Path, tmp: Path) -> str:
    """The folder's map as a PNG data URI ('' when the map cannot be drawn)."""
    from freight.maps.plot import plot_folder

    out = tmp / f"{abs(hash(folder))}.png"
    try:
        plot_folder(folder, out)
    except DataError as exc:  # e.g. a criticality folder whose manifest names no network
        log.warning("%s: no map: %s", folder, exc)
        return ""
    return "data:image/png;base64," + base64.b64encode(out.read_bytes()).decode("ascii")


def _scenario(meta: dict[str, Any]) -> str:
    sc = meta.get("scenario")
    if isinstance(sc, dict):
        sid = str(sc.get("id") or "")
        title = str(sc.get("title") or "")
        return f"{sid} — {title}" if title else sid
    return str(meta.get("path") or "")


def _validation(folder: ResultFolder) -> HtmlTable | None:
    f = folder.path / "validation.csv"
    if not f.is_file():
        return None
    if "validation.csv" in folder.files:
        try:
            decl = folder.table("validation.csv")
        except Exception:  # not declared for this command: shown as text
            decl = None
        if decl is not None:
            rows = table_rows(folder, "validation.csv")
            cols = list(rows[0]) if rows else list(decl.fixed_columns)
            ds = [decl.column(c) for c in cols]
            return HtmlTable(
                "Validation against observed data",
                [(c, d.unit) for c, d in zip(cols, ds, strict=True)],
                [[fmt_value(r.get(c), d) for c, d in zip(cols, ds, strict=True)] for r in rows],
                [d.type in ("float", "int") for d in ds],
                "validation",
            )
    with f.open(encoding="utf-8", newline="") as fh:
        text_rows = list(csv.DictReader(fh))
    cols = list(text_rows[0]) if text_rows else []

    def num(v: str) -> str:
        try:
            return fmt_value(float(v))
        except ValueError:
            return v

    return HtmlTable(
        "Validation against observed data",
        [(c, "") for c in cols],
        [[num(r.get(c) or "") for c in cols] for r in text_rows],
        [False] * len(cols),
        "validation",
    )


def run_section(folder: ResultFolder, tmp: Path) -> Section:
    """KPIs, mode shares and the flow map of a run."""
    meta = dict(folder.manifest)
    sec = Section(f"Run: {_scenario(meta) or folder.path.name}", "run", str(folder.path))
    kpi_rows = {r["metric"]: r for r in table_rows(folder, "kpis.csv")}
    body = []
    for m in KPI_SHOWN:
        r = kpi_rows.get(m)
        if r is not None:
            unit = str(r["unit"])
            body.append([m, fmt_unit(r["value"], unit), unit])
    sec.tables.append(
        HtmlTable(
            "Key indicators",
            [("indicator", ""), ("value", ""), ("unit", "")],
            body,
            [False, True, False],
            "kpis",
        )  # fmt: skip
    )
    sec.tables.append(
        declared_table(
            folder,
            "mode_summary.csv",
            (
                "mode",
                "tonnes_lifted",
                "tonnes_share",
                "tonne_km",
                "tonne_km_share",
                "money_cost_cny",
                "co2_t",
            ),
            caption="Mode shares",
            css_id="modes",
        )  # fmt: skip
    )
    sec.image = _image("run", folder.path, tmp)
    sec.image_alt = "map of the link flows by mode"
    v = _validation(folder)
    if v is not None:
        sec.tables.append(v)
    return sec


def compare_section(folder: ResultFolder, tmp: Path) -> Section:
    """KPI changes, the largest link changes and the change map of a comparison."""
    meta = dict(folder.manifest)
    b = meta.get("base") if isinstance(meta.get("base"), dict) else {}
    s = meta.get("scenario") if isinstance(meta.get("scenario"), dict) else {}
    sb, ss = _scenario(b or {}), _scenario(s or {})
    sec = Section(f"Comparison: {ss or 'scenario'} vs {sb or 'base'}", "compare", str(folder.path))
    sec.tables.append(
        declared_table(
            folder,
            "kpi_comparison.csv",
            ("metric", "unit", "base", "scenario", "delta", "delta_pct"),
            caption="Key indicators, scenario minus base",
            css_id="kpis",
        )  # fmt: skip
    )
    sec.tables.append(
        declared_table(
            folder,
            "link_changes.csv",
            (
                "link",
                "name",
                "mode",
                "direction",
                "status",
                "flow_t_base",
                "flow_t_scenario",
                "flow_t_delta",
            ),
            caption=f"Top {TOP} link changes (largest |flow change| first)",
            limit=TOP,
            css_id="changes",
        )  # fmt: skip
    )
    sec.image = _image("compare", folder.path, tmp)
    sec.image_alt = "map of the change in link flows"
    return sec


def appraise_section(folder: ResultFolder, tmp: Path) -> Section:
    """The ranking of the projects (put one in, then take one out) with NPV, BCR, IRR, the
    switching values and the largest benefit components, money at the appraisal's price base."""
    sec = Section("Appraisal: projects ranked by NPV", "appraise", str(folder.path))
    rows = table_rows(folder, "appraisal.csv")
    futures = sorted({str(r["future"]) for r in rows})
    bases = sorted({str(r["price_base_year"]) for r in rows if r.get("price_base_year")})
    base = ", ".join(bases) or "the appraisal's price base"
    columns = (
        "rank",
        "project",
        "name",
        "do_minimum",
        "pv_benefit_cny",
        "pv_cost_cny",
        "npv_cny",
        "bcr",
        "irr",
        "capex_base_cny",
        "capex_switch_cny",
        "benefit_switch_share",
        "largest_components",
    )
    tests = [("put_one_in", "put one in"), ("take_one_out", "take one out")]
    for fut in futures:
        for test, label in tests:
            if not any(r["future"] == fut and r["test"] == test for r in rows):
                continue
            sec.tables.append(
                declared_table(
                    folder,
                    "appraisal.csv",
                    columns,
                    caption=f"Ranking, {label} — future {fut} (CNY at {base} prices)",
                    where=lambda r, fut=fut, test=test: r["future"] == fut and r["test"] == test,
                    css_id="ranking" if test == "put_one_in" else "",
                )
            )
    sec.notes.append(
        f"Money at {base} prices: capex re-indexed to the price base (capex_base_cny), benefits "
        "discounted to it over the appraisal period. pv_benefit_cny is the sum of the benefit "
        "components by user class (tee.csv; the long table benefits.csv); unserved tonnes are "
        "valued as consumer surplus, never at their penalty. A do-minimum project (open before "
        "the base year) carries no cost: its row shows what it is worth, not an investment "
        "decision. capex_switch_cny and benefit_switch_share are the capex and the share of "
        "benefits at which BCR = 1."
    )
    return sec


def criticality_section(folder: ResultFolder, tmp: Path) -> Section:
    """The most critical elements and the criticality map."""
    sec = Section("Criticality: the cost of losing each element", "criticality", str(folder.path))
    sec.tables.append(
        declared_table(
            folder,
            "criticality.csv",
            (
                "rank",
                "element",
                "name",
                "kind",
                "mode",
                "extra_cost_cny",
                "extra_unserved_t",
                "ods_cut",
            ),
            caption=f"Top {TOP} elements by extra cost when closed",
            limit=TOP,
            css_id="critical",
        )  # fmt: skip
    )
    sec.image = _image("criticality", folder.path, tmp)
    sec.image_alt = "map of the extra cost of closing each link"
    if not sec.image:
        sec.notes.append("No map: the folder's manifest does not name its network.")
    return sec


SECTIONS = {
    "run": run_section,
    "compare": compare_section,
    "appraise": appraise_section,
    "criticality": criticality_section,
}
"""Section builder of each result folder command."""


def render_report(
    result_dirs: Sequence[str | os.PathLike[str]], *, title: str | None = None
) -> str:
    """The HTML text of the report of result folders (each verified first).

    Raises
    ------
    DataError
        If a folder is missing, damaged, or of a command the report does not show.
    """
    if not result_dirs:
        raise DataError([Problem("RESULT_DIR", None, "", "give at least one result folder")])
    folders = [ResultFolder.open(d, verify=True) for d in result_dirs]
    bad = [f for f in folders if f.command not in SECTIONS]
    if bad:
        raise DataError(
            [
                Problem(
                    str(f.path / "manifest.json"),
                    None,
                    "command",
                    f"'freight {f.command}' results are not reported; expected one of "
                    + ", ".join(SECTIONS),
                )  # fmt: skip
                for f in bad
            ]
        )
    env = Environment(
        loader=PackageLoader("freight.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    with tempfile.TemporaryDirectory(prefix="freight-report-") as tmp:
        sections = [SECTIONS[f.command](f, Path(tmp)) for f in folders]
    heading = title or (sections[0].title if len(sections) == 1 else "Freight network results")
    return env.get_template("report.html.j2").render(
        title=heading, sections=sections, version=__version__, escape=html.escape
    )


def write_report(
    result_dirs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Write the report of result folders to one HTML file (atomically).

    Parameters
    ----------
    result_dirs
        Folders written by ``freight run``, ``compare``, ``appraise`` or ``criticality``.
    out
        The ``.html`` file to (re)write.
    title
        The report's title; default the only section's title, or "Freight network results".

    Returns
    -------
    Path
        ``out``.
    """
    text = render_report(result_dirs, title=title)
    return write_file(out, text.encode("utf-8"), inputs=[Path(d) for d in result_dirs])
