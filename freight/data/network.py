"""The physical network: a plain, immutable container of validated table rows.

Behaviour lives in module functions (:mod:`freight.data.csvio` reads and writes, :mod:`freight.data.checks`
checks consistency, :mod:`freight.model.graph` expands the network into the virtual multimodal graph).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from freight.data.schema import Commodity, Demand, Link, ModeRow, Place, Terminal


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

    def with_tables(self, **tables: Any) -> Network:
        """A copy with some tables replaced (e.g. ``links=new_links``)."""
        return replace(self, **tables)

    def total_demand(self) -> float:
        """Total demand, tonnes per year."""
        return float(sum(d.tonnes for d in self.demand))
