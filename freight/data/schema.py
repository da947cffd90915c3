"""The data tables of a network folder, declared once.

Each table is a frozen pydantic model. A field's type, default, unit and description are declared
here and nowhere else: the CSV reader coerces and fills defaults from them, the writer mirrors the
reader, the consistency checks take bounds from them, and ``SCHEMA`` renders them for the docs
(``freight schema``). Extra columns in a CSV file are allowed and kept (analysts add their own);
the declared columns keep the names below.

Units: tonnes per year (flows, demand, capacities), CNY in 2023 prices, hours, km, g or kg CO2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from pydantic.fields import FieldInfo

# --- bounds of every number (docs/scenarios.md, "Bounds", gives the reasoning) -----------------
# Each bound is one to three orders of magnitude beyond the most extreme real value, and small
# enough that no product the model forms (tonnes x CNY per tonne over a route) overflows or loses
# the precision of float64 or of the int64-scaled min-cost-flow solver.
MAX_TONNES: float = 1e9
"""Largest demand of one OD row and commodity, t/yr (all of China moves about 5e10 t/yr)."""
MAX_CAPACITY_T: float = 1e10
"""Largest capacity or background traffic of a link or terminal, t/yr."""
MAX_LENGTH_KM: float = 2e4
"""Longest link, km (half the Earth's circumference)."""
MIN_SPEED_KMH: float = 1.0
"""Slowest speed, km/h (an upstream barge makes about 5 km/h)."""
MAX_SPEED_KMH: float = 1000.0
"""Fastest speed, km/h (a freighter aircraft cruises at about 850 km/h)."""
MAX_COST_PER_T_KM: float = 100.0
"""Largest money rate, CNY per tonne-km (air freight costs about 2 CNY/t-km)."""
MAX_COST_PER_T: float = 1e5
"""Largest fixed charge or handling cost, CNY per tonne."""
MAX_HOURS: float = 8760.0
"""Longest wait or handling time of one traversal, hours (a year)."""
MAX_CO2_G_PER_T_KM: float = 1e4
"""Largest emission factor, g CO2 per tonne-km (air freight emits about 800)."""
MAX_VOT: float = 1e4
"""Largest value of freight time, CNY per tonne-hour."""
MAX_PENALTY: float = 1e7
"""Largest price of an unserved tonne, CNY per tonne."""
MAX_FACTOR: float = 100.0
"""Largest multiplier of a cost (commodity cost factor, tariff and value-of-time factors)."""
MIN_YEAR: int = 1990
"""Earliest year of demand, scenarios and prices."""
MAX_YEAR: int = 2100
"""Latest year of demand, scenarios, projects and prices."""

MODES: tuple[str, ...] = ("road", "rail", "water", "air")
"""The physical modes, in the order mode nodes are numbered."""

Mode = Literal["road", "rail", "water", "air"]
PlaceKind = Literal[
    "city",
    "district",
    "zone",
    "gateway_city",
    "rail_terminal",
    "river_port",
    "seaport",
    "airport",
    "rail_junction",
    "county_port",
    "border_crossing",
    "waypoint",
]

KIND_MODES: dict[str, frozenset[str]] = {
    "city": frozenset({"road", "rail"}),
    "district": frozenset({"road", "rail"}),
    "zone": frozenset({"road", "rail"}),
    "gateway_city": frozenset(MODES),
    "rail_terminal": frozenset({"road", "rail"}),
    "river_port": frozenset({"road", "rail", "water"}),
    "seaport": frozenset({"road", "rail", "water"}),
    "airport": frozenset({"road", "air"}),
    "rail_junction": frozenset({"road", "rail"}),
    "county_port": frozenset({"road", "rail", "water"}),
    "border_crossing": frozenset({"road", "rail"}),
    "waypoint": frozenset(MODES),
}
"""Which modes a place of each kind can serve (a water link at an inland city is an error)."""


def _col(
    description: str, unit: str = "", default: Any = ..., **kw: Any
) -> Any:  # pragma: no cover - trivial
    return Field(default, description=description, json_schema_extra={"unit": unit}, **kw)


class Row(BaseModel):
    """Base of every table row: frozen, strict about declared columns, keeps extra ones."""

    model_config = ConfigDict(
        frozen=True, extra="allow", allow_inf_nan=False, str_strip_whitespace=True
    )

    @field_validator("source", check_fields=False)
    @classmethod
    def _source_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("every row needs a source: a citation or 'assumption: reasoning'")
        return v


class Place(Row):
    """A place: city, district, terminal, port, airport, junction or gateway."""

    id: str = _col("unique id, e.g. LZ", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = _col("English name", min_length=1)
    name_zh: str = _col("Chinese name", default="")
    kind: PlaceKind = _col("kind of place; decides which modes it can serve")
    province: str = _col("province or municipality", default="")
    lon: float = _col("longitude, WGS84", "degree", ge=-180, le=180)
    lat: float = _col("latitude, WGS84", "degree", ge=-90, le=90)
    zone: bool = _col("true when the place sends or receives freight", default=False)
    source: str = _col("citation or 'assumption: reasoning'")


class ModeRow(Row):
    """Default rates, speeds and emission factors of one mode."""

    mode: Mode = _col("road, rail, water or air")
    cost_per_t_km: float = _col("money cost per tonne-km", "CNY/t-km", ge=0, le=MAX_COST_PER_T_KM)
    fixed_cost_per_t: float = _col(
        "charged each time freight enters the mode (loading, base tariff)",
        "CNY/t",
        ge=0,
        le=MAX_COST_PER_T,
    )
    speed_kmh: float = _col(
        "effective speed incl. stops (downstream for water)",
        "km/h",
        ge=MIN_SPEED_KMH,
        le=MAX_SPEED_KMH,
    )
    reverse_speed_kmh: float | None = _col(
        "speed against the link direction (upstream for water); blank = speed_kmh",
        "km/h",
        default=None,
        ge=MIN_SPEED_KMH,
        le=MAX_SPEED_KMH,
    )
    co2_g_per_t_km: float = _col("well-to-wheel CO2", "g/t-km", ge=0, le=MAX_CO2_G_PER_T_KM)
    reverse_co2_g_per_t_km: float | None = _col(
        "CO2 against the link direction; blank = co2_g_per_t_km",
        "g/t-km",
        default=None,
        ge=0,
        le=MAX_CO2_G_PER_T_KM,
    )
    payload_t: float = _col(
        "tonnes per vehicle (truck, train, barge, plane)", "t", ge=0.001, le=1e6
    )
    pcu: float = _col("passenger-car units per vehicle", "pcu", default=1.0, ge=0.01, le=100)
    bpr_alpha: float = _col("volume-delay alpha (BPR)", "", default=0.15, ge=0, le=100)
    bpr_beta: float = _col("volume-delay beta (BPR)", "", default=4.0, ge=0, le=10)
    load_factor: float = _col(
        "loaded share of payload on loaded trips (behavioural model: tonnes -> vehicles)",
        "",
        default=1.0,
        ge=0.01,
        le=1.0,
    )
    empty_share: float = _col(
        "empty vehicle-km per loaded vehicle-km (behavioural model: empty running)",
        "",
        default=0.0,
        ge=0.0,
        le=2.0,
    )
    vehicle_cost_per_h: float = _col(
        "vehicle time cost (crew, capital) per vehicle-hour; part of cost_per_t_km at speed_kmh",
        "CNY/veh-h",
        default=0.0,
        ge=0.0,
        le=1e6,
    )
    toll_per_t_km: float = _col(
        "tolls, taxes and fees within cost_per_t_km (transfers, not resource costs)",
        "CNY/t-km",
        default=0.0,
        ge=0.0,
        le=MAX_COST_PER_T_KM,
    )
    source: str = _col("citation or 'assumption: reasoning'")


class Link(Row):
    """A physical link of one mode; one arc per direction in the model."""

    id: str = _col("unique id", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    from_: str = Field(
        ..., alias="from", description="place id (upstream end for water)", min_length=1
    )
    to: str = _col("place id (downstream end for water)", min_length=1)
    mode: Mode = _col("road, rail, water or air")
    line: str = _col("line or road name", default="")
    length_km: float = _col("length along the line", "km", gt=0, le=MAX_LENGTH_KM)
    capacity_t: float | None = _col(
        "capacity per direction; blank = unbounded",
        "t/yr",
        default=None,
        ge=0,
        le=MAX_CAPACITY_T,
    )
    background_t: float = _col(
        "traffic not modelled that uses the same capacity",
        "t/yr",
        default=0.0,
        ge=0,
        le=MAX_CAPACITY_T,
    )
    speed_kmh: float | None = _col(
        "blank = mode default", "km/h", default=None, ge=MIN_SPEED_KMH, le=MAX_SPEED_KMH
    )
    reverse_speed_kmh: float | None = _col(
        "speed against the link direction; blank = mode default",
        "km/h",
        default=None,
        ge=MIN_SPEED_KMH,
        le=MAX_SPEED_KMH,
    )
    cost_per_t_km: float | None = _col(
        "blank = mode default", "CNY/t-km", default=None, ge=0, le=MAX_COST_PER_T_KM
    )
    fixed_cost_per_t: float = _col(
        "extra charge per traversal", "CNY/t", default=0.0, ge=0, le=MAX_COST_PER_T
    )
    wait_h: float = _col(
        "extra time per traversal (e.g. lock queue)", "h", default=0.0, ge=0, le=MAX_HOURS
    )
    queue_capacity_t: float | None = _col(
        "behavioural model: capacity of the queue curve replacing wait_h, per direction; "
        "blank = wait_h is a constant",
        "t/yr",
        default=None,
        gt=0,
        le=MAX_CAPACITY_T,
    )
    queue_base_h: float = _col(
        "behavioural model: service time of the queue curve (e.g. lockage)",
        "h",
        default=0.0,
        ge=0,
        le=MAX_HOURS,
    )
    queue_alpha: float = _col(
        "behavioural model: wait = queue_base_h x queue_alpha x (volume / queue_capacity_t) ^ "
        "queue_beta, volume incl. background_t",
        "",
        default=0.0,
        ge=0,
        le=1e4,
    )
    queue_beta: float = _col(
        "behavioural model: exponent of the queue curve", "", default=0.0, ge=0, le=10
    )
    co2_g_per_t_km: float | None = _col(
        "blank = mode default", "g/t-km", default=None, ge=0, le=MAX_CO2_G_PER_T_KM
    )
    excluded_commodities: tuple[str, ...] = _col(
        "commodity ids that may not use this link", default=()
    )
    opened: int | None = _col(
        "year the link opened (informative)", "year", default=None, ge=1800, le=MAX_YEAR
    )
    source: str = _col("citation or 'assumption: reasoning'")

    model_config = ConfigDict(
        frozen=True, extra="allow", allow_inf_nan=False, populate_by_name=True
    )


class Terminal(Row):
    """A transfer facility between two modes at a place (or a zone's access to a mode)."""

    id: str = _col("unique id", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    place: str = _col("place id", min_length=1)
    from_mode: Literal["zone", "road", "rail", "water", "air"] = _col(
        "one side: a mode, or 'zone' for loading/unloading at the place's zone"
    )
    to_mode: Mode = _col("the other side")
    cost_per_t: float = _col("handling cost per tonne moved", "CNY/t", ge=0, le=MAX_COST_PER_T)
    time_h: float = _col("handling and dwell time", "h", ge=0, le=MAX_HOURS)
    capacity_t: float | None = _col(
        "throughput shared by both directions; blank = unbounded",
        "t/yr",
        default=None,
        ge=0,
        le=MAX_CAPACITY_T,
    )
    dg_yard: bool = _col("dangerous goods may change mode here", default=False)
    source: str = _col("citation or 'assumption: reasoning'")

    @property
    def through_passage(self) -> bool:
        """A hub's same-mode row with no handling charge: vessels that sail on (not handling,
        not counted in a port's throughput)."""
        return self.from_mode == self.to_mode and self.cost_per_t == 0


class Commodity(Row):
    """A commodity group: value, value of time, modes allowed."""

    id: str = _col("unique id", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = _col("name", min_length=1)
    value_cny_per_t: float = _col("cargo value", "CNY/t", ge=0, le=1e9)
    value_of_time_cny_per_t_h: float = _col("value of freight time", "CNY/t-h", ge=0, le=MAX_VOT)
    allowed_modes: tuple[Mode, ...] = _col("modes the commodity may use", min_length=1)
    t_per_teu: float | None = _col(
        "tonnes per TEU; blank for bulk", "t/TEU", default=None, gt=0, le=100
    )
    container_share: float = _col(
        "share of the tonnes carried in containers (TEU = t x share / t_per_teu; 0 without "
        "t_per_teu)",
        "",
        default=0.0,
        ge=0,
        le=1,
    )
    dangerous: bool = _col("dangerous goods: change mode only at a dg_yard", default=False)
    cost_factor: float = _col(
        "multiplies link money cost (hazmat surcharge)", "", default=1.0, ge=0.01, le=MAX_FACTOR
    )
    chain_scale: float = _col(
        "behavioural model: upper (mode-chain) logit scale x the OD's reference cost",
        "",
        default=4.0,
        gt=0,
        le=1e3,
    )
    route_scale: float = _col(
        "behavioural model: lower (route) logit scale x the OD's reference cost (>= chain_scale)",
        "",
        default=8.0,
        gt=0,
        le=1e3,
    )
    asc_rail: float = _col(
        "behavioural model: constant added to chains using rail", "CNY/t", default=0.0,
        ge=-MAX_COST_PER_T, le=MAX_COST_PER_T,
    )  # fmt: skip
    asc_water: float = _col(
        "behavioural model: constant added to chains using water", "CNY/t", default=0.0,
        ge=-MAX_COST_PER_T, le=MAX_COST_PER_T,
    )  # fmt: skip
    asc_air: float = _col(
        "behavioural model: constant added to chains using air", "CNY/t", default=0.0,
        ge=-MAX_COST_PER_T, le=MAX_COST_PER_T,
    )  # fmt: skip
    unserved_penalty_cny_per_t: float = _col(
        "price of a tonne that cannot be carried", "CNY/t", gt=0, le=MAX_PENALTY
    )
    source: str = _col("citation or 'assumption: reasoning'")


class Demand(Row):
    """Freight demand between two zones."""

    origin: str = _col("zone place id", min_length=1)
    destination: str = _col("zone place id", min_length=1)
    commodity: str = _col("commodity id", min_length=1)
    tonnes: float = _col("tonnes per year", "t/yr", ge=0, le=MAX_TONNES)
    base_year: int = _col("year the tonnes refer to", "year", ge=MIN_YEAR, le=MAX_YEAR)
    source: str = _col("citation or method")


Quantity = Literal[
    "tonnes_share",
    "port_tonnes",
    "port_teu",
    "transfer_teu",
    "transhipment_share",
    "passages_t",
    "wait_h",
    "link_teu",
    "airport_tonnes",
    "mean_haul_km",
]
"""What an observed figure measures (:mod:`freight.analysis.validation` computes each)."""

Role = Literal["target", "validation"]
"""``target``: fitted by ``freight calibrate``; ``validation``: compared only, never fitted."""


class Observed(Row):
    """One observed figure the model is compared with (``observed.csv``).

    ``element`` names what is measured: a mode (``tonnes_share``), a place (``port_tonnes``,
    ``port_teu``, ``airport_tonnes``; several joined by ``;`` are summed), ``PLACE:from-to``
    (``transfer_teu``, e.g. ``GYP:rail-water``), ``PLACE>HUB`` (``transhipment_share``: the share
    of PLACE's boxes transhipped water-water at HUB), or a link id (``passages_t`` and ``link_teu``
    both directions, ``passages_t`` including background; ``wait_h`` passage-weighted).
    The figure is met when ``low ≤ modelled ≤ high``.
    """

    id: str = _col("unique id", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    element: str = _col("what is measured (see the table's description)", min_length=1)
    quantity: Quantity = _col("the measure")
    commodity: str | None = _col(
        "commodity id the figure is restricted to; blank = all", default=None
    )
    value: float = _col("the observed (or estimated central) value", "unit column", ge=0, le=1e12)
    unit: str = _col("unit of value, low and high (t/yr, TEU/yr, share, h)", min_length=1)
    year: int = _col("year the figure refers to", "year", ge=MIN_YEAR, le=MAX_YEAR)
    low: float = _col("lower end of the tolerance band", "unit column", ge=0, le=1e12)
    high: float = _col("upper end of the tolerance band", "unit column", gt=0, le=1e12)
    role: Role = _col("target (fitted) or validation (compared only)")
    source: str = _col("citation with its S-number (SOURCES.md §5); tolerance reasoning")

    @field_validator("high")
    @classmethod
    def _band(cls, v: float, info: Any) -> float:
        low, value = info.data.get("low"), info.data.get("value")
        if low is not None and value is not None and not (low <= value <= v):
            raise ValueError(
                f"the band must hold the value: low {low} <= value {value} <= high {v}"
            )
        return v


@dataclass(frozen=True)
class Table:
    """One CSV table of a network folder."""

    name: str
    file: str
    model: type[Row]
    key: tuple[str, ...]


TABLES: tuple[Table, ...] = (
    Table("places", "places.csv", Place, ("id",)),
    Table("modes", "modes.csv", ModeRow, ("mode",)),
    Table("links", "links.csv", Link, ("id",)),
    Table("terminals", "terminals.csv", Terminal, ("id",)),
    Table("commodities", "commodities.csv", Commodity, ("id",)),
    Table("demand", "demand.csv", Demand, ("origin", "destination", "commodity")),
)
TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
OBSERVED = Table("observed", "observed.csv", Observed, ("id",))
"""The observed figures of a network folder (optional; read by ``freight calibrate``)."""

LIST_SEP = ";"


def columns(model: type[Row]) -> list[str]:
    """CSV column names of a table, in declared order."""
    return [f.alias or name for name, f in model.model_fields.items()]


def required_columns(model: type[Row]) -> list[str]:
    """Columns that must be present in the CSV header."""
    return [f.alias or name for name, f in model.model_fields.items() if f.is_required()]


def field_name(model: type[Row], column: str) -> str:
    """Python attribute name of a CSV column (``from`` -> ``from_``)."""
    for name, f in model.model_fields.items():
        if (f.alias or name) == column:
            return name
    return column


def bounds_text(info: FieldInfo) -> str:
    """The numeric bounds of a field as text, e.g. ``">= 0, <= 1e+10"`` (``""`` when unbounded)."""
    parts: list[str] = []
    for m in info.metadata:
        for cls, op, attr in ((Gt, ">", "gt"), (Ge, ">=", "ge"), (Lt, "<", "lt"), (Le, "<=", "le")):
            if isinstance(m, cls):
                parts.append(f"{op} {getattr(m, attr):g}")
    return ", ".join(parts)


RANGE_ERRORS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}
)
"""Pydantic error types of a number outside its range (or not finite)."""


def allowed_hint(model: type[Row], column: str, error_type: str) -> str:
    """``"; allowed: >= 0, <= 1e+09"`` after a range error of ``column``, else ``""``."""
    name = field_name(model, column)
    if error_type not in RANGE_ERRORS or name not in model.model_fields:
        return ""
    text = bounds_text(model.model_fields[name])
    return f"; allowed: {text}" if text else ""


def type_text(annotation: Any) -> str:
    """A field's type for documentation (``float | None``, ``tuple[str, ...]``)."""
    return str(annotation).replace("typing.", "").replace("<class '", "").replace("'>", "")


def column_docs() -> list[dict[str, str]]:
    """The schema as rows (table, column, type, unit, bounds, default, description) for docs."""
    out: list[dict[str, str]] = []
    for t in TABLES:
        for name, f in t.model.model_fields.items():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            default = "" if f.is_required() else repr(f.default)
            out.append(
                {
                    "table": t.file,
                    "column": f.alias or name,
                    "type": type_text(f.annotation),
                    "unit": str(extra.get("unit", "")),
                    "bounds": bounds_text(f),
                    "default": "(required)" if f.is_required() else default,
                    "description": f.description or "",
                }
            )
    return out


@cache
def strict_model(model: type[Row]) -> type[Row]:
    """``model`` with unknown columns forbidden (for rows written in TOML, where an unknown key is
    a typo, not an analyst's extra column)."""
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    return type(f"Strict{model.__name__}", (model,), {"model_config": config})


@cache
def column_adapter(model: type[Row], column: str) -> TypeAdapter[Any]:
    """A validator of one column's value alone: its type and bounds, infinities and NaN refused.

    Raises
    ------
    KeyError
        If ``column`` is not a column of ``model``.
    """
    info = model.model_fields[field_name(model, column)]
    tp: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(tp, config=ConfigDict(allow_inf_nan=False, str_strip_whitespace=True))


def format_value(value: Any) -> str:
    """Format a value for CSV so that reading it back gives the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, tuple | list):
        return LIST_SEP.join(format_value(v) for v in value)
    return str(value)
