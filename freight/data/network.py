"""The physical network: a plain, immutable container of validated table rows.

Behaviour lives in module functions (:mod:`freight.data.csvio` reads and writes, :mod:`freight.data.checks`
checks consistency, :mod:`freight.model.graph` expands the network into the virtual multimodal graph).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from freight.data.schema import MODES, Commodity, Demand, Link, ModeRow, Place, Terminal


@dataclass(frozen=True)
class Network:
    """Places, modes, links, terminals, commodities and demand of one data folder.

    All quantities keep the units of :mod:`freight.data.schema` (tonnes per year, CNY 2023, hours, km).
    """

    places: tuple[Place, ...]
    modes: tuple[ModeRow, ...]
    links: tuple[Link, ...]
    terminals: tuple[Terminal, ...]
    commodities: tuple[Commodity, ...]
    demand: tuple[Demand, ...]
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        """Places keyed by id."""
        return {p.id: p for p in self.places}

    @cached_property
    def mode_by_name(self) -> dict[str, ModeRow]:
        """Mode defaults keyed by mode name."""
        return {m.mode: m for m in self.modes}

    @cached_property
    def link_by_id(self) -> dict[str, Link]:
        """Links keyed by id."""
        return {lk.id: lk for lk in self.links}

    @cached_property
    def terminal_by_id(self) -> dict[str, Terminal]:
        """Terminals keyed by id."""
        return {t.id: t for t in self.terminals}

    @cached_property
    def commodity_by_id(self) -> dict[str, Commodity]:
        """Commodities keyed by id."""
        return {c.id: c for c in self.commodities}

    def canonical(self) -> Network:
        """The same network with every table in canonical order.

        Places, links, terminals and commodities by id, modes in the order of
        :data:`freight.data.schema.MODES`, demand by (origin, destination, commodity). The model
        builds and solves the canonical network, so the order of the rows in the input files never
        changes an answer (ties between equal-cost routes are broken by ids) and the result tables
        list their rows in this order. Row numbers of the files (``meta["lines"]``) do not survive
        the reordering and are dropped.
        """
        if self.meta.get("canonical"):
            return self
        rank = {m: i for i, m in enumerate(MODES)}
        meta = {k: v for k, v in self.meta.items() if k != "lines"}
        meta["canonical"] = True
        return replace(
            self,
            places=tuple(sorted(self.places, key=lambda r: r.id)),
            modes=tuple(sorted(self.modes, key=lambda r: (rank.get(r.mode, len(rank)), r.mode))),
            links=tuple(sorted(self.links, key=lambda r: r.id)),
            terminals=tuple(sorted(self.terminals, key=lambda r: r.id)),
            commodities=tuple(sorted(self.commodities, key=lambda r: r.id)),
            demand=tuple(sorted(self.demand, key=lambda r: (r.origin, r.destination, r.commodity))),
            meta=meta,
        )

    def with_tables(self, **tables: Any) -> Network:
        """A copy with some tables replaced (e.g. ``links=new_links``); no longer canonical."""
        meta = tables.pop("meta", self.meta)
        meta = {k: v for k, v in meta.items() if k != "canonical"}
        return replace(self, meta=meta, **tables)

    def total_demand(self) -> float:
        """Total demand, tonnes per year."""
        return float(sum(d.tonnes for d in self.demand))
