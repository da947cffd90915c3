"""Exports of result folders for the tools analysts use: an Excel workbook and a GeoPackage.

Modules
-------
:mod:`freight.export.xlsx`
    :func:`write_xlsx`: one workbook per result folder, a sheet per declared table, the units in
    a row under the header, numbers as numbers (openpyxl).
:mod:`freight.export.gpkg`
    :func:`write_gpkg`: a GeoPackage with the layers ``links``, ``places`` and ``terminals``
    (flows, utilization and names as attributes; geopandas/pyogrio), a QGIS style for each layer
    stored as the layer's default style and written as ``.qml`` files next to it.

Both read the folder with :meth:`freight.results.folder.ResultFolder.open` (``verify=True``),
so a damaged folder is an error naming the file (exit 2), and write their file atomically
(:func:`freight.results.folder.write_file`). This package is the top layer: it may import every
package below it (``maps`` and down).
"""

from __future__ import annotations

from freight.export.gpkg import write_gpkg
from freight.export.xlsx import write_xlsx

__all__ = ["write_gpkg", "write_xlsx"]
