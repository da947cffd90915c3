"""freight: a multimodal freight network optimizer for the Chuannan–Yuxi region.

Units throughout: tonnes per year (flows, demand, capacity), CNY (price year 2023), hours, km.

The Python API (``docs/api.md``)::

    import freight
    case = freight.load("network_data/chuannan_yuxi")   # tables as pandas DataFrames
    result = case.solve(method="mcf")                   # checked, then solved
    result.link_flows                                   # output tables as DataFrames
    result.write("results/base")                        # the result folder of `freight run`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Case", "DataError", "Result", "__version__", "load", "open_result"]

if TYPE_CHECKING:
    from freight.api import Case, Result, load, open_result
    from freight.errors import DataError


def __getattr__(name: str) -> Any:
    """Import the API on first use (``import freight`` stays light for the command line)."""
    if name in ("Case", "Result", "load", "open_result"):
        from freight import api

        return getattr(api, name)
    if name == "DataError":
        from freight.errors import DataError

        return DataError
    raise AttributeError(f"module 'freight' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
