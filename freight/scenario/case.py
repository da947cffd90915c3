"""The one case loader: turn what a user names on the command line into what a command needs.

A *case* is a network to solve with its prices, and where it came from. Every command that takes
a network folder, a scenario file or a result folder goes through :func:`load_case`:

* a **network folder** (``network_data/chuannan_yuxi``): its tables, default prices;
* a **scenario file** (``scenarios/future_2025_central.toml``, any case of the ``.toml``
  suffix): resolved along its ``extends`` chain, projects, disruptions and demand growth applied
  (:mod:`freight.scenario.resolve`), with the scenario's prices and ``[solver] method``;
* a **result folder** written by ``freight run`` or ``freight compare``: the network it was
  computed on (read from its manifest, or given with ``data=``), the method it was solved with,
  and the folder's manifest, its files' hashes verified. The folder's tables are read with
  :class:`freight.results.folder.ResultFolder`; nothing is solved again.

The loader never solves and never writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from freight.data.csvio import load_network
from freight.data.network import Network
from freight.errors import DataError, Problem
from freight.model.checks import check_reachability
from freight.model.graph import CostParams
from freight.model.methods import Method, as_method
from freight.results.folder import ResultFolder
from freight.scenario.resolve import Scenario, build_scenario_network, projects_dir, resolve

CaseKind = Literal["network", "scenario", "result"]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Case:
    """A network ready to solve, with its prices and a description of where it came from.

    Attributes
    ----------
    kind
        ``network``, ``scenario`` or ``result``.
    path
        The path as the user gave it.
    net
        The network (for a scenario: with projects, disruptions and growth applied).
    params
        Prices of the generalized cost (the scenario's, else the defaults).
    inputs
        The files and folders the network was built from (hashed into result manifests).
    scenario
        The description written into result manifests (id, file or data folder, year, projects,
        disruptions, applied edits).
    method
        The scenario's ``[solver] method``, or the method a result folder was solved with;
        ``None`` when the case does not say (the command's default applies).
    resolved
        The resolved scenario (scenario cases only).
    manifest
        The result folder's manifest (result cases only).
    """

    kind: CaseKind
    path: Path
    net: Network
    params: CostParams
    inputs: tuple[Path, ...]
    scenario: dict[str, Any]
    method: Method | None = None
    resolved: Scenario | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    def method_or(self, default: Method) -> Method:
        """The case's own method, else ``default``."""
        return self.method if self.method is not None else default


def _not_found(path: Path, what: str) -> DataError:
    return DataError([Problem(str(path), None, "", f"not found: expected {what}")])


def is_scenario_file(path: Path) -> bool:
    """Whether ``path`` names a scenario file (a ``.toml`` suffix in any letter case)."""
    return path.suffix.lower() == ".toml"


def is_result_folder(path: Path) -> bool:
    """Whether ``path`` is a folder with a ``manifest.json`` (a result folder of freight)."""
    return path.is_dir() and (path / MANIFEST).is_file()


def load_network_case(path: Path, *, check: bool = True) -> Case:
    """The case of a network folder (``check``: the table checks and whether every demand row
    can be carried, :func:`freight.model.checks.check_network`)."""
    net = load_network(path, check=check)
    if check:
        found = check_reachability(net)
        if found:
            raise DataError(found, context=str(path))
    return Case(
        "network", path, net, CostParams(), (path,), {"id": "base", "data": path.as_posix()}
    )


def load_scenario_case(path: Path, *, check: bool = True) -> Case:
    """The case of a scenario file: resolved, projects, disruptions and growth applied."""
    if not path.is_file():
        raise _not_found(path, "a scenario .toml file")
    sc = resolve(path)
    net, elog = build_scenario_network(sc, check=check)
    folder = projects_dir(sc)
    inputs = (sc.data, *sc.chain, *(folder / f"{p}.toml" for p in sc.projects))
    description = {
        "id": sc.id,
        "title": sc.title,
        "file": sc.path.as_posix(),
        "year": sc.year,
        "projects": list(sc.projects),
        "disruptions": [d.model_dump() for d in sc.disruptions],
        "applied_edits": elog.lines,
    }
    method = as_method(sc.method, f"{sc.path}: solver.method") if sc.method else None
    return Case("scenario", path, net, sc.params, inputs, description, method, resolved=sc)


def _source_of_entry(entry: Any, where: str) -> Path:
    """The network folder or scenario file a manifest ``scenario`` entry names."""
    if isinstance(entry, Mapping):
        target = entry.get("file") or entry.get("data")
        if isinstance(target, str) and target:
            p = Path(target)
            if not p.exists():
                raise DataError(
                    [
                        Problem(
                            where,
                            None,
                            "scenario",
                            f"the network or scenario {target!r} it was computed on is not found "
                            "(relative paths are read from the current folder); "
                            "pass the network folder with --data",
                        )
                    ]
                )
            return p
    raise DataError(
        [
            Problem(
                where,
                None,
                "scenario",
                "does not say which network it was computed on; pass the network folder with "
                "--data",
            )
        ]
    )


def load_source(path: str | os.PathLike[str], *, check: bool = True) -> Case:
    """The case of a network folder or a scenario file (not a result folder)."""
    p = Path(path)
    if is_scenario_file(p):
        return load_scenario_case(p, check=check)
    if p.is_dir():
        return load_network_case(p, check=check)
    raise _not_found(p, "a network folder or a scenario .toml file")


def merge_networks(a: Network, b: Network) -> Network:
    """``a`` with the places and links of ``b`` that ``a`` lacks (by id) added.

    Used for comparisons: the scenario side may add links and places (projects) or remove links
    (disruptions), so a map needs the union of both sides.
    """
    places = list(a.places) + [p for p in b.places if p.id not in a.place_by_id]
    links = list(a.links) + [lk for lk in b.links if lk.id not in a.link_by_id]
    return a.with_tables(places=tuple(places), links=tuple(links))


def load_result_case(
    path: str | os.PathLike[str],
    *,
    data: str | os.PathLike[str] | None = None,
    check: bool = False,
    verify: bool = True,
) -> Case:
    """The case of a result folder of ``freight run`` or ``freight compare``.

    Parameters
    ----------
    path
        The result folder.
    data
        A network folder or scenario file to use instead of the one the manifest names.
    check
        Run the data checks on the network (off by default: a result's network only supplies
        coordinates, names and attributes).
    verify
        Recompute the SHA-256 of every file the manifest lists (a damaged folder is an error).

    Raises
    ------
    DataError
        If the folder has no manifest, or its network cannot be found or read.
    """
    p = Path(path)
    if not is_result_folder(p):
        raise _not_found(p, "a result folder of freight (with a manifest.json)")
    meta = dict(ResultFolder.open(p, verify=verify).manifest)
    where = str(p / MANIFEST)
    method_value = meta.get("method")
    method = as_method(method_value, f"{where}: method") if isinstance(method_value, str) else None
    if data is not None:
        src = load_source(data, check=check)
        return Case(
            "result", p, src.net, src.params, src.inputs, src.scenario, method, src.resolved, meta
        )
    if meta.get("command") == "compare":
        sides = [
            load_source(
                _source_of_entry(s.get("scenario") if isinstance(s, Mapping) else None, where),
                check=check,
            )
            for s in (meta.get("scenario"), meta.get("base"))
        ]
        net = merge_networks(sides[0].net, sides[1].net)
        return Case(
            "result",
            p,
            net,
            sides[0].params,
            (*sides[0].inputs, *sides[1].inputs),
            sides[0].scenario,
            method,
            sides[0].resolved,
            meta,
        )
    src = load_source(_source_of_entry(meta.get("scenario"), where), check=check)
    return Case(
        "result", p, src.net, src.params, src.inputs, src.scenario, method, src.resolved, meta
    )


def load_case(path: str | os.PathLike[str], *, check: bool = True, results: bool = False) -> Case:
    """The case of a network folder, a scenario file, or (with ``results=True``) a result folder.

    Raises
    ------
    DataError
        If the path is none of these, or its data or scenario is invalid.
    """
    p = Path(path)
    if results and is_result_folder(p):
        return load_result_case(p)
    if is_scenario_file(p) or p.is_dir():
        return load_source(p, check=check)
    what = (
        "a network folder, a scenario .toml file or a result folder"
        if results
        else ("a network folder or a scenario .toml file")
    )
    raise _not_found(p, what)
