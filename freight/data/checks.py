"""Consistency checks of a network: every cross-reference, duplicate and impossible demand.

``check_tables`` returns every problem found (never stops at the first); each names the file, the
row (file line; header = row 1) and the column, and says what was expected. A row that a project
added or modified (``net.meta["origins"]``, set by :func:`freight.scenario.resolve.apply_projects`)
is named by the project file and its key instead, e.g. ``P_X.toml, 'add_links[0].from'``: the
user edited that file, not links.csv.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple, overload

from freight.data.csvio import bulk
from freight.data.network import Network
from freight.data.schema import KIND_MODES, TABLE_BY_NAME
from freight.errors import Problem


class Origin(NamedTuple):
    """Where a row was written: a CSV file and line, or a project file and key.

    Attributes
    ----------
    file
        ``links.csv`` (relative to the data folder) or the project file's path.
    row
        File line (header = row 1) for CSV rows; ``None`` for TOML rows.
    key
        ``""`` for CSV rows; the TOML key of the row, e.g. ``add_links[0]``.
    """

    file: str
    row: int | None
    key: str

    def problem(self, column: str, message: str) -> Problem:
        """A problem of ``column`` of this row."""
        return Problem(self.file, self.row, f"{self.key}.{column}" if self.key else column, message)

    def text(self) -> str:
        """``row 5`` (same CSV file) or ``P_X.toml add_links[0]``."""
        return f"row {self.row}" if not self.key else f"{self.file} {self.key}"


class RowOrigins(Sequence[Origin]):
    """The origins of a table's rows, built on access (a check names a row only when it finds a
    problem, so a large table costs no object per row)."""

    def __init__(self, file: str, lines: Sequence[int], origins: Sequence[Any] | None) -> None:
        self.file = file
        self.lines = lines
        self.origins = origins

    def __len__(self) -> int:
        return len(self.origins) if self.origins is not None else len(self.lines)

    @overload
    def __getitem__(self, i: int) -> Origin: ...
    @overload
    def __getitem__(self, i: slice) -> list[Origin]: ...
    def __getitem__(self, i: int | slice) -> Origin | list[Origin]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self.origins is not None:
            return Origin(*self.origins[i])
        return Origin(self.file, self.lines[i], "")


def row_origins(net: Network, table: str) -> RowOrigins:
    """The origin of every row of ``table``: ``meta["origins"]`` when it covers the table, else
    the CSV line numbers of ``meta["lines"]``, else lines 2, 3, ... of the table's file."""
    n = len(getattr(net, table))
    origins = net.meta.get("origins", {}).get(table)
    file = TABLE_BY_NAME[table].file
    if origins is not None and len(origins) == n:
        return RowOrigins(file, (), origins)
    lines = net.meta.get("lines", {}).get(table)
    if lines is None or len(lines) != n:
        lines = range(2, n + 2)
    return RowOrigins(file, lines, None)


def _dups(net: Network, table: str, keys: Sequence[tuple[str, ...]], column: str) -> list[Problem]:
    where = row_origins(net, table)
    first: dict[tuple[str, ...], int] = {}
    out: list[Problem] = []
    for i, k in enumerate(keys):
        j = first.setdefault(k, i)
        if j != i:
            shown = "/".join(k)
            f, here = where[j], where[i]
            at = f.text() if f.file == here.file or f.key else f"{f.file} row {f.row}"
            out.append(here.problem(column, f"duplicate {shown!r} (first at {at})"))
    return out


def check_tables(net: Network) -> list[Problem]:
    """Check every cross-reference of a network.

    Checks: duplicate ids; links between unknown places, from a place to itself, of a mode not
    in modes.csv or that a place of that kind cannot serve (e.g. water at an inland city);
    background traffic above capacity; unknown commodities in ``excluded_commodities``; terminals
    at unknown places, between equal modes (except at a hub: a place with links of that mode
    both ending and starting there, freight.model.graph), or for a mode the place has no links of; zone access
    at a place that is not a zone; demand between unknown or non-zone places, from a place to
    itself, for an unknown commodity, or duplicated. Whether the demand can be carried at all
    needs the virtual graph: :func:`freight.model.checks.check_network` runs these checks and
    then that one. The cycle collector is paused meanwhile (:func:`freight.data.csvio.bulk`).
    """
    with bulk():
        return _check_tables(net)


def _check_tables(net: Network) -> list[Problem]:
    """The checks of :func:`check_tables`."""
    problems: list[Problem] = []
    places = net.place_by_id
    commodities = net.commodity_by_id
    defined_modes = {m.mode for m in net.modes}

    problems += _dups(net, "places", [(p.id,) for p in net.places], "id")
    problems += _dups(net, "modes", [(m.mode,) for m in net.modes], "mode")
    problems += _dups(net, "links", [(lk.id,) for lk in net.links], "id")
    problems += _dups(net, "terminals", [(t.id,) for t in net.terminals], "id")
    problems += _dups(net, "commodities", [(c.id,) for c in net.commodities], "id")
    problems += _dups(
        net,
        "demand",
        [(d.origin, d.destination, d.commodity) for d in net.demand],
        "origin",
    )

    # a row's origin is built only when the row has a problem (RowOrigins): ``at[i]``
    present: dict[str, set[str]] = defaultdict(set)
    at = row_origins(net, "links")
    for i, lk in enumerate(net.links):
        for col, pid in (("from", lk.from_), ("to", lk.to)):
            if pid not in places:
                problems.append(at[i].problem(col, f"unknown place {pid!r} (not in places.csv)"))
            else:
                kind = places[pid].kind
                if lk.mode not in KIND_MODES[kind]:
                    can = ", ".join(sorted(KIND_MODES[kind]))
                    problems.append(
                        at[i].problem(
                            col,
                            f"place {pid!r} is a {kind} and cannot serve {lk.mode} links "
                            f"(a {kind} serves {can})",
                        )
                    )
                present[pid].add(lk.mode)
        if lk.from_ == lk.to:
            problems.append(at[i].problem("to", f"link joins place {lk.to!r} to itself"))
        if lk.mode not in defined_modes:
            problems.append(at[i].problem("mode", f"mode {lk.mode!r} is not in modes.csv"))
        if lk.capacity_t is not None and lk.background_t > lk.capacity_t:
            problems.append(
                at[i].problem(
                    "background_t",
                    f"background traffic {lk.background_t:g} t exceeds capacity_t "
                    f"{lk.capacity_t:g} t",
                )
            )
        for cid in lk.excluded_commodities:
            if cid not in commodities:
                problems.append(at[i].problem("excluded_commodities", f"unknown commodity {cid!r}"))

    ends = {(lk.to, lk.mode) for lk in net.links}
    hubs = ends & {(lk.from_, lk.mode) for lk in net.links}  # a same-mode row may join the two
    at = row_origins(net, "terminals")
    for i, t in enumerate(net.terminals):
        if t.place not in places:
            problems.append(at[i].problem("place", f"unknown place {t.place!r}"))
            continue
        if t.from_mode == t.to_mode and (t.place, t.to_mode) not in hubs:
            problems.append(
                at[i].problem(
                    "to_mode",
                    f"a transfer needs two different modes, got {t.to_mode!r} twice",
                )
            )
        if t.from_mode == "zone":
            if not places[t.place].zone:
                problems.append(
                    at[i].problem(
                        "from_mode",
                        f"zone access at {t.place!r}, which is not a zone (zone=false in places.csv)",
                    )
                )
        elif t.from_mode not in present[t.place]:
            problems.append(
                at[i].problem(
                    "from_mode",
                    f"place {t.place!r} has no {t.from_mode} links to transfer from",
                )
            )
        if t.to_mode not in present[t.place]:
            problems.append(
                at[i].problem(
                    "to_mode", f"place {t.place!r} has no {t.to_mode} links to transfer to"
                )
            )

    for c, o in zip(net.commodities, row_origins(net, "commodities"), strict=True):
        for m in c.allowed_modes:
            if m not in defined_modes:
                problems.append(o.problem("allowed_modes", f"mode {m!r} is not in modes.csv"))

    at = row_origins(net, "demand")
    zones = {pid for pid, p in places.items() if p.zone}
    for i, d in enumerate(net.demand):
        if d.origin in zones and d.destination in zones and d.origin != d.destination:
            if d.commodity not in commodities:
                problems.append(at[i].problem("commodity", f"unknown commodity {d.commodity!r}"))
            continue  # the usual row: nothing else to check
        for col, pid in (("origin", d.origin), ("destination", d.destination)):
            if pid not in places:
                problems.append(at[i].problem(col, f"unknown place {pid!r} (not in places.csv)"))
            elif not places[pid].zone:
                problems.append(
                    at[i].problem(col, f"place {pid!r} is not a zone (set zone=true in places.csv)")
                )
        if d.origin == d.destination:
            problems.append(
                at[i].problem("destination", "origin and destination are the same place")
            )
        if d.commodity not in commodities:
            problems.append(at[i].problem("commodity", f"unknown commodity {d.commodity!r}"))

    return problems
