"""Scenarios and projects (DESIGN §4): TOML files resolved onto a base network.

A *scenario* names a base data folder (``data``) or ``extends`` another scenario, a year, demand
growth, prices, a list of projects and disruptions, and solver options. A *project*
(``scenarios/projects/ID.toml``) is a named set of edits to the network tables with its costs and
dates.

Resolution is explicit and deterministic: the base data, then each ``extends`` ancestor's settings
(oldest first; a child's value replaces its parent's), then this file's; then the projects in the
order listed, then background growth (``[background]``, capped at each link's capacity), then the
disruptions, then demand growth. Every applied edit is logged as
``table id.column: old -> new`` and kept with the results. Two projects that set the same column of
the same element to different values, that add the same id, or where one removes what another
edits, contradict each other: an error names both. A project whose ``requires`` is missing, or
whose ``excludes`` is present, is an error.

Disruptions act on annual capacity: closing an element for a share ``s`` of the year multiplies
the capacity left for modelled freight by ``1 - s`` (by ``1 - s × (1 - factor)`` for a derating to
``factor``); a closure for the whole year leaves it no capacity (it stays in the graph, so the
terminals at its ends stay valid; zero capacity is the same optimization as removing it). Waiting time added by a disruption (``extra_wait_h``) is added to the
link's time, weighted by the share of the year.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from freight.data.checks import Origin, row_origins
from freight.data.csvio import load_network
from freight.data.network import Network
from freight.data.schema import (
    MAX_TONNES,
    TABLE_BY_NAME,
    Commodity,
    Demand,
    Link,
    Place,
    Row,
    Terminal,
)
from freight.errors import Problem, ScenarioError, did_you_mean
from freight.model.capacity import capped_background, derated_capacity_1, keep_share
from freight.model.graph import CostParams
from freight.model.methods import DEFAULT_METHOD
from freight.scenario.files import (
    EDIT_TABLES,
    Disruption,
    ProjectFile,
    ScenarioFile,
    added_row,
    key_text,
    read_project_file,
    read_scenario_file,
    set_problems,
)

log = logging.getLogger(__name__)

PROJECTS_DIR = "projects"


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: the settings after ``extends`` and the files it came from."""

    id: str
    title: str
    path: Path
    data: Path
    year: int | None
    growth: float
    growth_by_commodity: dict[str, float]
    demand_factor: float
    params: CostParams
    discount_rate: float
    projects: tuple[str, ...]
    disruptions: tuple[Disruption, ...]
    method: str
    chain: tuple[Path, ...]
    key_files: dict[str, Path] = field(default_factory=dict, compare=False)
    """The file of the chain that set each commodity-keyed entry (``demand.by_commodity.grain``),
    and ``year``, to name it in errors found on the network."""
    background_growth: float = 0.0
    """Growth per year of every link's ``background_t`` (``[background] growth``)."""
    background_by_mode: dict[str, float] = field(default_factory=dict)
    """Growth per year of the background of a mode's links (``[background.by_mode]``)."""
    background_by_link: dict[str, float] = field(default_factory=dict)
    """Growth per year of named links' background (``[background.by_link]``)."""
    background_max_vc: dict[str, float] = field(default_factory=dict)
    """Ceiling of a mode's grown background, share of capacity (``[background] max_vc``)."""


@dataclass
class EditLog:
    """Every applied edit, ``table id.column: old -> new``."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)
        log.info(line)


def resolve(path: str | Path) -> Scenario:
    """Resolve a scenario file and its ``extends`` chain into one :class:`Scenario`.

    Raises
    ------
    ScenarioError
        On an unreadable or invalid file, a cycle in ``extends``, or a missing base.
    """
    path = _real(Path(path), str(path), "")
    chain: list[tuple[Path, ScenarioFile]] = []
    seen: list[Path] = []
    p: Path | None = path
    while p is not None:
        if p in seen:
            cycle = " -> ".join(x.name for x in [*seen, p])
            raise ScenarioError(
                [Problem(str(seen[-1]), None, "extends", f"cycle in extends: {cycle}")]
            )
        seen.append(p)
        sf = read_scenario_file(p)
        chain.append((p, sf))
        p = _extends_target(p, sf.extends) if sf.extends else None
    chain.reverse()  # oldest ancestor first

    base_path, base = chain[0]
    assert base.data is not None
    data = _real(base_path.parent / base.data, str(base_path), "data")
    if not data.is_dir():
        raise ScenarioError(
            [
                Problem(
                    str(base_path),
                    None,
                    "data",
                    f"not a folder: {data} (expected a network folder)",
                )
            ]
        )
    year: int | None = None
    growth = 0.0
    by_comm: dict[str, float] = {}
    factor = 1.0
    carbon, vot, rate = 0.0, 1.0, 0.08
    vot_factors: dict[str, float] = {}
    tariff: dict[str, float] = {}
    projects: list[str] = []
    disruptions: list[Disruption] = []
    method: str = DEFAULT_METHOD  # no [solver] method in the chain: the default of run/compare
    key_files: dict[str, Path] = {}
    bg_growth = 0.0
    bg_mode: dict[str, float] = {}
    bg_link: dict[str, float] = {}
    bg_max: dict[str, float] = {}
    for p, sf in chain:
        bgs = sf.background
        bg_growth = bgs.growth if bgs.growth is not None else bg_growth
        bg_mode = {**bg_mode, **{str(k): v for k, v in bgs.by_mode.items()}}
        bg_link = {**bg_link, **bgs.by_link}
        bg_max = {**bg_max, **{str(k): v for k, v in bgs.max_vc.items()}}
        key_files.update({f"background.by_link.{k}": p for k in bgs.by_link})
        year = sf.year if sf.year is not None else year
        d = sf.demand
        growth = d.growth if d.growth is not None else growth
        by_comm = {**by_comm, **d.by_commodity}
        key_files.update({f"demand.by_commodity.{k}": p for k in d.by_commodity})
        key_files.update({f"parameters.vot_factors.{k}": p for k in sf.parameters.vot_factors})
        if sf.year is not None:
            key_files["year"] = p
        factor = d.factor if d.factor is not None else factor
        pr = sf.parameters
        carbon = pr.carbon_price if pr.carbon_price is not None else carbon
        vot = pr.vot_factor if pr.vot_factor is not None else vot
        rate = pr.discount_rate if pr.discount_rate is not None else rate
        vot_factors = {**vot_factors, **pr.vot_factors}
        tariff = {**tariff, **{str(k): v for k, v in pr.tariff_factors.items()}}
        if sf.projects is not None:
            projects = list(sf.projects)
        for pid in sf.add_projects:
            if pid in projects:
                raise ScenarioError(
                    [
                        Problem(
                            str(p),
                            None,
                            "add_projects",
                            f"project {pid!r} is already in the scenario",
                        )
                    ]
                )
            projects.append(pid)
        for pid in sf.remove_projects:
            if pid not in projects:
                raise ScenarioError(
                    [
                        Problem(
                            str(p),
                            None,
                            "remove_projects",
                            f"project {pid!r} is not in the scenario",
                        )
                    ]
                )
            projects.remove(pid)
        if sf.disruptions is not None:
            disruptions = list(sf.disruptions)
        method = sf.solver.method or method
    dups = sorted({x for x in projects if projects.count(x) > 1})
    if dups:
        raise ScenarioError(
            [Problem(str(path), None, "projects", f"listed twice: {', '.join(dups)}")]
        )
    top = chain[-1][1]
    return Scenario(
        id=top.id,
        title=top.title,
        path=path,
        data=data,
        year=year,
        growth=growth,
        growth_by_commodity=by_comm,
        demand_factor=factor,
        params=CostParams(
            carbon_price=carbon, vot_factor=vot, vot_factors=vot_factors, tariff_factors=tariff
        ),
        discount_rate=rate,
        projects=tuple(projects),
        disruptions=tuple(disruptions),
        method=method,
        chain=tuple(p for p, _ in chain),
        key_files=key_files,
        background_growth=bg_growth,
        background_by_mode=bg_mode,
        background_by_link=bg_link,
        background_max_vc=bg_max,
    )


def _real(p: Path, file: str, key: str) -> Path:
    """``p`` made absolute with symlinks resolved; a symlink loop names the file and key."""
    try:
        return p.resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise ScenarioError([Problem(file, None, key, f"cannot resolve {p}: {exc}")]) from None


def _extends_target(child: Path, extends: str) -> Path:
    """The scenario file ``extends`` names, checked to be a file; a missing target, a folder or
    a symlink loop is an error naming the child file and its ``extends`` key."""
    target = _real(child.parent / extends, str(child), "extends")
    if target.is_file():
        return target
    what = "is a folder, not a scenario file" if target.is_dir() else "file not found"
    if target.exists() and not target.is_dir():
        what = "not a regular file"
    raise ScenarioError([Problem(str(child), None, "extends", f"{extends!r}: {what} ({target})")])


def projects_dir(sc: Scenario | Path) -> Path:
    """Where a scenario's project files live: the first ``projects/`` folder found beside a file
    of its ``extends`` chain (newest first), or one level above it."""
    files = [sc] if isinstance(sc, Path) else list(reversed(sc.chain))
    for f in files:
        for d in (f.parent / PROJECTS_DIR, f.parent.parent / PROJECTS_DIR):
            if d.is_dir():
                return d
    return files[0].parent / PROJECTS_DIR


def load_projects(ids: list[str] | tuple[str, ...], folder: Path, where: str) -> list[ProjectFile]:
    """Read the project files of ``ids`` from ``folder``.

    Raises
    ------
    ScenarioError
        Every problem of every file (not only the first file's), each naming the file and key;
        an unknown project is named against ``where`` (the scenario file), key ``projects``.
    """
    out: list[ProjectFile] = []
    problems: list[Problem] = []
    known = sorted(x.stem for x in folder.glob("*.toml")) if folder.is_dir() else []
    for pid in ids:
        f = folder / f"{pid}.toml"
        if not f.is_file():
            hint = did_you_mean(pid, known)
            problems.append(
                Problem(where, None, "projects", f"unknown project {pid!r} (no {f}){hint}")
            )
            continue
        try:
            pf = read_project_file(f)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if pf.id != pid:
            problems.append(
                Problem(str(f), None, "id", f"id {pf.id!r} differs from the file name {pid!r}")
            )
        out.append(pf)
    if problems:
        raise ScenarioError(problems)
    return out


def _rid(row: Row) -> str:
    return str(getattr(row, "id"))  # noqa: B009 - Row subclasses with an id column


def apply_projects(
    net: Network, projects: list[ProjectFile], folder: Path, elog: EditLog
) -> Network:
    """Apply projects' edits to a network, checking dependencies and contradictions."""
    ids = {p.id for p in projects}
    problems: list[Problem] = []
    for p in projects:
        src = str(folder / f"{p.id}.toml")
        for r in p.requires:
            if r not in ids:
                problems.append(
                    Problem(
                        src,
                        None,
                        "requires",
                        f"project {p.id!r} requires {r!r}, which is not in the scenario",
                    )
                )
        for x in p.excludes:
            if x in ids:
                problems.append(
                    Problem(
                        src, None, "excludes", f"project {p.id!r} cannot be combined with {x!r}"
                    )
                )
    # contradictions: the same (table, id, column) set to different values, the same id added
    # twice, or an element removed by one project and edited by another
    touched: dict[tuple[str, str, str], tuple[str, Any]] = {}
    added: dict[tuple[str, str], str] = {}
    removed: dict[tuple[str, str], str] = {}
    for p in projects:
        for table in EDIT_TABLES:
            for i, row in enumerate(getattr(p, f"add_{table}")):
                key = (table, str(row.get("id", "")))
                if key in added:
                    problems.append(
                        Problem(
                            str(folder / f"{p.id}.toml"),
                            None,
                            f"add_{table}[{i}].id",
                            f"{table} {key[1]!r} is also added by {added[key]!r}",
                        )
                    )
                added[key] = p.id
            for j, m in enumerate(getattr(p, f"modify_{table}", [])):
                for col, val in m.set.items():
                    k3 = (table, m.id, col)
                    if k3 in touched and touched[k3][1] != val:
                        problems.append(
                            Problem(
                                str(folder / f"{p.id}.toml"),
                                None,
                                f"modify_{table}[{j}].set.{col}",
                                f"{table} {m.id!r}.{col} = {val!r} contradicts {touched[k3][0]!r} ({touched[k3][1]!r})",
                            )
                        )
                    touched[k3] = (p.id, val)
            for rid in getattr(p, f"remove_{table}", []):
                removed[(table, rid)] = p.id
    for (table, rid), pid in removed.items():
        for (t2, i2, _), (p2, _) in touched.items():
            if (t2, i2) == (table, rid) and p2 != pid:
                problems.append(
                    Problem(
                        str(folder / f"{pid}.toml"),
                        None,
                        f"remove_{table}",
                        f"removes {table} {rid!r}, which {p2!r} modifies",
                    )
                )
    if problems:
        raise ScenarioError(problems)

    tables: dict[str, list[Row | None]] = {t: list(getattr(net, t)) for t in EDIT_TABLES}
    where: dict[str, list[Origin | None]] = {t: list(row_origins(net, t)) for t in EDIT_TABLES}
    for p in projects:
        src = str(folder / f"{p.id}.toml")
        for table in EDIT_TABLES:
            model = TABLE_BY_NAME[table].model
            rows = tables[table]
            index = {_rid(r): i for i, r in enumerate(rows) if r is not None}
            for k, rid in enumerate(getattr(p, f"remove_{table}", [])):
                if rid not in index:
                    problems.append(
                        Problem(
                            src,
                            None,
                            f"remove_{table}[{k}]",
                            f"unknown {table[:-1]} id {rid!r}{did_you_mean(rid, index)}",
                        )
                    )
                    continue
                rows[index[rid]] = None
                where[table][index[rid]] = None
                elog.add(f"{p.id}: remove {table} {rid}")
            for j, m in enumerate(getattr(p, f"modify_{table}", [])):
                ek = f"modify_{table}[{j}]"
                if m.id not in index or rows[index[m.id]] is None:
                    problems.append(
                        Problem(
                            src,
                            None,
                            f"{ek}.id",
                            f"unknown {table[:-1]} id {m.id!r}{did_you_mean(m.id, index)}",
                        )
                    )
                    continue
                bad = set_problems(table, m, src, ek)
                if bad:
                    problems += bad
                    continue
                old = rows[index[m.id]]
                assert old is not None
                data = old.model_dump(by_alias=True)
                data.update(old.model_extra or {})
                for col, val in m.set.items():
                    elog.add(f"{p.id}: {table} {m.id}.{col}: {data.get(col)!r} -> {val!r}")
                    data[col] = tuple(val) if isinstance(val, list) else val
                try:
                    rows[index[m.id]] = model.model_validate(data)
                    where[table][index[m.id]] = Origin(src, None, ek)
                except ValidationError as exc:
                    problems += [
                        Problem(src, None, f"{ek}.set.{key_text(e['loc'])}", str(e["msg"]))
                        for e in exc.errors()
                    ]
            for i, row in enumerate(getattr(p, f"add_{table}")):
                ek = f"add_{table}[{i}]"
                new, bad = added_row(table, row, p.source, src, ek)
                if new is None:
                    problems += bad
                    continue
                rows.append(new)
                where[table].append(Origin(src, None, ek))
                elog.add(f"{p.id}: add {table} {_rid(new)}")
    if problems:
        raise ScenarioError(problems)
    kept = {t: [r for r in tables[t] if r is not None] for t in EDIT_TABLES}
    origins = {
        **net.meta.get("origins", {}),
        **{t: [o for o in where[t] if o is not None] for t in EDIT_TABLES},
    }
    lines = {t: v for t, v in net.meta.get("lines", {}).items() if t not in EDIT_TABLES}
    return net.with_tables(
        places=tuple(kept["places"]),
        links=tuple(kept["links"]),
        terminals=tuple(kept["terminals"]),
        meta={**net.meta, "lines": lines, "origins": origins},
    )


def apply_disruptions(
    net: Network, disruptions: tuple[Disruption, ...], where: str, elog: EditLog
) -> Network:
    """Apply disruptions to link and terminal capacities (annual average; see module doc)."""
    links = {lk.id: i for i, lk in enumerate(net.links)}
    terms = {t.id: i for i, t in enumerate(net.terminals)}
    new_links: list[Link] = list(net.links)
    new_terms: list[Terminal] = list(net.terminals)
    problems: list[Problem] = []
    for i, d in enumerate(disruptions):
        keep = keep_share(d.share_of_year, d.factor if d.action == "derate" else 0.0)
        if d.element in links:
            lk = new_links[links[d.element]]
            upd: dict[str, Any] = {}
            new_cap = derated_capacity_1(lk.capacity_t, lk.background_t, keep)
            if new_cap != lk.capacity_t:
                upd["capacity_t"] = new_cap
            elif lk.capacity_t is None:
                log.warning("disruption of %s: unbounded capacity stays unbounded", d.element)
            if d.extra_wait_h:
                upd["wait_h"] = lk.wait_h + d.extra_wait_h * d.share_of_year
            for k, v in upd.items():
                elog.add(f"disruption: links {d.element}.{k}: {getattr(lk, k)!r} -> {v!r}")
            new_links[links[d.element]] = lk.model_copy(update=upd)
        elif d.element in terms:
            t = new_terms[terms[d.element]]
            if t.capacity_t is not None or keep <= 0:
                cap = derated_capacity_1(t.capacity_t, 0.0, keep)
                elog.add(
                    f"disruption: terminals {d.element}.capacity_t: {t.capacity_t!r} -> {cap!r}"
                )
                new_terms[terms[d.element]] = t.model_copy(update={"capacity_t": cap})
        else:
            problems.append(
                Problem(
                    where,
                    None,
                    f"disruptions[{i}].element",
                    f"unknown link or terminal {d.element!r}",
                )
            )
    if problems:
        raise ScenarioError(problems)
    return net.with_tables(links=tuple(new_links), terminals=tuple(new_terms))


def check_scenario_ids(net: Network, sc: Scenario) -> list[Problem]:
    """Commodity keys of the scenario (``[demand.by_commodity]``, ``vot_factors``) that are not
    commodities of its network, each named by the file of the chain that set it and its key."""
    known = sorted(net.commodity_by_id)
    out: list[Problem] = []
    for table, keys in (
        ("demand.by_commodity", sc.growth_by_commodity),
        ("parameters.vot_factors", sc.params.vot_factors),
    ):
        for k in sorted(set(keys) - set(known)):
            key = f"{table}.{k}"
            out.append(
                Problem(
                    str(sc.key_files.get(key, sc.path)),
                    None,
                    key,
                    f"unknown commodity {k!r} (not in commodities.csv of {sc.data.name})"
                    f"{did_you_mean(k, known)}",
                )
            )
    return out


def grow_demand(net: Network, sc: Scenario, elog: EditLog) -> Network:
    """Scale demand from each row's base year to the scenario year.

    Raises
    ------
    ScenarioError
        If a commodity key of the scenario is not in the network (file and key named), or if a
        grown row leaves the bounds of ``demand.csv`` tonnes (``0`` to ``MAX_TONNES`` t/yr): the
        scenario file and its ``year`` are named with the row, its growth and the bound.
    """
    unknown = check_scenario_ids(net, sc)
    if unknown:
        raise ScenarioError(unknown)
    if sc.year is None and sc.demand_factor == 1.0:
        return net
    rows: list[Demand] = []
    problems: list[Problem] = []
    for d, o in zip(net.demand, row_origins(net, "demand"), strict=True):
        g = sc.growth_by_commodity.get(d.commodity, sc.growth)
        years = (sc.year - d.base_year) if sc.year is not None else 0
        try:
            f = (1.0 + g) ** years * sc.demand_factor
            tonnes = d.tonnes * f
        except OverflowError:
            tonnes = math.inf
        if not (math.isfinite(tonnes) and 0.0 <= tonnes <= MAX_TONNES):
            problems.append(
                Problem(
                    str(sc.key_files.get("year", sc.path)),
                    None,
                    "year" if years else "demand.factor",
                    f"demand of {o.file} row {o.row} ({d.origin}->{d.destination} {d.commodity}, "
                    f"{d.tonnes:g} t in {d.base_year}) grows to {tonnes:.3g} t/yr in "
                    f"{sc.year or d.base_year} (growth {g:g}/yr, factor {sc.demand_factor:g}); "
                    f"allowed: 0 to {MAX_TONNES:g} t/yr per row",
                )
            )
            continue
        rows.append(d.model_copy(update={"tonnes": tonnes, "base_year": sc.year or d.base_year}))
    if problems:
        raise ScenarioError(problems)
    elog.add(
        f"demand: year {sc.year}, growth {sc.growth:g}/yr, by commodity {sc.growth_by_commodity}, "
        f"factor {sc.demand_factor:g}"
    )
    return net.with_tables(demand=tuple(rows))


def grow_background(
    net: Network, sc: Scenario, elog: EditLog, reference: Network | None = None
) -> Network:
    """Grow each link's ``background_t`` from the demand's base year to the scenario year.

    The rate of a link is ``[background.by_link]`` of its id, else ``[background.by_mode]`` of its
    mode, else ``[background] growth``. A grown background stops at ``[background] max_vc`` of
    its mode (1 where none is given) times the link's ``capacity_t`` in ``reference`` (the
    network before the projects; a link not there, added by a project, uses its own capacity):
    :func:`freight.model.capacity.capped_background`. So a project never changes the background
    demand of its future; the growth suppressed is logged per link.

    Raises
    ------
    ScenarioError
        If a ``[background.by_link]`` key is not a link of the network (its file and key named).
    """
    known = net.link_by_id
    problems = [
        Problem(
            str(sc.key_files.get(f"background.by_link.{k}", sc.path)),
            None,
            f"background.by_link.{k}",
            f"unknown link {k!r} (not in links.csv of {sc.data.name}){did_you_mean(k, known)}",
        )
        for k in sc.background_by_link
        if k not in known
    ]
    if problems:
        raise ScenarioError(problems)
    if sc.year is None or not net.demand:
        return net
    base_year = min(d.base_year for d in net.demand)
    years = sc.year - base_year
    if years == 0 or not (sc.background_growth or sc.background_by_mode or sc.background_by_link):
        return net
    ref = (reference if reference is not None else net).link_by_id
    rows = []
    capped: list[str] = []
    for lk in net.links:
        g = sc.background_by_link.get(
            lk.id, sc.background_by_mode.get(lk.mode, sc.background_growth)
        )
        cap = ref[lk.id].capacity_t if lk.id in ref else lk.capacity_t
        bg, cut = capped_background(
            lk.background_t * (1.0 + g) ** years,
            cap,
            sc.background_max_vc.get(lk.mode, 1.0),
            lk.background_t,
        )
        if cut > 0:
            capped.append(f"{lk.id} {cut / 1e6:.3f} Mt/yr")
        rows.append(lk if bg == lk.background_t else lk.model_copy(update={"background_t": bg}))
    elog.add(
        f"background: {base_year} -> {sc.year}, growth {sc.background_growth:g}/yr, by mode "
        f"{sc.background_by_mode}, by link {sc.background_by_link}, ceiling (share of capacity "
        f"before the projects) {sc.background_max_vc}"
        + (f"; growth suppressed at the ceiling: {', '.join(capped)}" if capped else "")
    )
    return net.with_tables(links=tuple(rows))


def build_scenario_network(
    sc: Scenario,
    *,
    projects: tuple[str, ...] | None = None,
    base: Network | None = None,
    check: bool = True,
) -> tuple[Network, EditLog]:
    """The network of a scenario: base data, projects, disruptions, demand growth.

    Parameters
    ----------
    projects
        Override the scenario's project list (used by the appraisal's with/without runs).
    base
        The already-loaded base network (saves re-reading it in sweeps).
    """
    from freight.model.checks import check_network

    elog = EditLog()
    net = base if base is not None else load_network(sc.data)
    before = net
    plist = sc.projects if projects is None else projects
    folder = projects_dir(sc)
    if plist:
        net = apply_projects(net, load_projects(list(plist), folder, str(sc.path)), folder, elog)
    net = grow_background(net, sc, elog, reference=before)
    if sc.disruptions:
        net = apply_disruptions(net, sc.disruptions, str(sc.path), elog)
    net = grow_demand(net, sc, elog)
    if check:
        found = check_network(net)
        if found:
            raise ScenarioError(found, context=f"{sc.path} (after applying projects {list(plist)})")
    return net, elog


@dataclass(frozen=True)
class ScenarioCheck:
    """What :func:`validate_scenario` found valid: the resolved scenario and its network's size."""

    scenario: Scenario
    n_places: int
    n_links: int
    n_terminals: int
    n_demand_rows: int
    base_demand_t: float
    demand_t: float
    n_edits: int


def validate_scenario(path: str | Path) -> ScenarioCheck:
    """Check a scenario file, its ``extends`` chain, its network and its projects without solving.

    Resolves the scenario, loads and checks its base data, reads every project file, applies the
    projects, disruptions and demand growth, and checks the resulting network (building no
    model). Problems of the later stages are collected together, so one run lists every problem
    of every project file.

    Raises
    ------
    ScenarioError, DataError
        Every problem found, each naming the file (scenario, project or CSV) and key or row.
    """
    from freight.model.checks import check_network

    sc = resolve(path)
    base = load_network(sc.data)
    elog = EditLog()
    problems: list[Problem] = []
    net = base
    folder = projects_dir(sc)
    if sc.projects:
        try:
            net = apply_projects(
                net, load_projects(sc.projects, folder, str(sc.path)), folder, elog
            )
        except ScenarioError as exc:
            problems += exc.problems
    if not problems:
        try:
            net = grow_background(net, sc, elog, reference=base)
        except ScenarioError as exc:
            problems += exc.problems
    # a disruption may name an element a project adds: check them on the edited network only
    if sc.disruptions and not problems:
        try:
            net = apply_disruptions(net, sc.disruptions, str(sc.path), elog)
        except ScenarioError as exc:
            problems += exc.problems
    try:
        net = grow_demand(net, sc, elog)
    except ScenarioError as exc:
        problems += exc.problems
    if not problems:
        problems += check_network(net)
    if problems:
        raise ScenarioError(problems, context=str(sc.path))
    return ScenarioCheck(
        scenario=sc,
        n_places=len(net.places),
        n_links=len(net.links),
        n_terminals=len(net.terminals),
        n_demand_rows=len(net.demand),
        base_demand_t=base.total_demand(),
        demand_t=net.total_demand(),
        n_edits=len(elog.lines),
    )


# re-exported for type checkers of callers
__all__ = [
    "Commodity",
    "Demand",
    "Disruption",
    "EditLog",
    "Link",
    "Place",
    "ProjectFile",
    "Scenario",
    "ScenarioCheck",
    "ScenarioFile",
    "Terminal",
    "apply_disruptions",
    "apply_projects",
    "build_scenario_network",
    "check_scenario_ids",
    "grow_background",
    "grow_demand",
    "read_project_file",
    "read_scenario_file",
    "resolve",
    "validate_scenario",
]
