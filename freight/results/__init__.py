"""Results: the output tables of every command, declared once, and the result folder that holds
them.

Modules
-------
:mod:`freight.results.declared`
    :class:`Column`, :class:`OutputTable` and :class:`ResultKind` (the tables one command writes)
    for every CSV freight writes, with type, unit, description, blank meaning and rounding;
    ``docs/outputs.md`` is generated from them (``python -m tools.gen_docs``).
:mod:`freight.results.folder`
    :class:`ResultFolder` (write, open, verify, list and read), :func:`write_file` for single
    files, and :class:`OutputError`; the rules that keep ``--out`` from destroying anything.
:mod:`freight.results.tables`
    The tables of a model run (``link_flows``, ``od_flows``, ``mode_summary``,
    ``terminal_flows``, ``od_paths``, ``kpis``, ``run_tables``, ``kpi_dict``), ``input_hashes``
    and ``versions`` for manifests, and the earlier writing functions (``write_result_folder``,
    ``write_file_atomic``, ``csv_text``, ``fmt``), kept with their signatures; they call the
    declared writer and :class:`ResultFolder`.

Writing a result folder
-----------------------
Every command writes through :meth:`ResultFolder.write` (or ``write_result_folder``, which calls
it)::

    from freight.results import ResultFolder

    folder = ResultFolder.write(
        out,                                   # the --out path
        {"link_flows.csv": rows, ...},         # file name -> list of row dicts
        {"command": "run", "inputs": input_hashes(case.inputs), ...},
        inputs=case.inputs,                    # every path the command read (files or folders)
    )

- ``manifest["command"]`` selects the declared :class:`ResultKind`; a table or column that is not
  declared for it raises :class:`UndeclaredError` (a bug: exit 1) before anything is written.
  New tables and columns are added to :mod:`freight.results.declared`, then
  ``python -m tools.gen_docs`` is run to refresh ``docs/outputs.md``.
- Cells are formatted by their column's precision (default 4 decimals, trailing zeros stripped,
  inf/NaN blank: the bytes of before). Row order and column order are the caller's (the first
  row's keys; ``columns=`` to give them).
- The output rule, the atomic swap and the writer lock are described in
  :mod:`freight.results.folder`. A refused or failed write raises :class:`OutputError` (a
  :class:`~freight.errors.FreightError`: exit 2 with the path and the reason) and changes nothing.
  Pass every input explicitly as ``inputs=``; the paths the manifest names (``inputs`` keys,
  ``path``, ``file``, ``data``, ``source``, ``result``, ``result_folder``, ``scenarios``) are
  protected too.
- Check ``--out`` before the expensive work, so a refused path fails in a second instead of after
  the solve: ``check_output_folder(out, inputs=...)`` (or ``check_output_file``) raises the same
  :class:`OutputError` the writer would, and changes nothing.
- Single files (maps, GeoJSON, ``sweep.csv``, case files) go through
  :func:`write_file` / ``write_file_atomic(path, data, inputs=...)``: never a folder, an input,
  or a file a result folder's manifest lists; replaced atomically.

Reading a result folder
-----------------------
Readers (``compare``, ``plot``, ``route``, ``report``) open folders with :meth:`ResultFolder.open`
instead of reading ``manifest.json`` and CSVs themselves::

    folder = ResultFolder.open(path, verify=True)  # DataError naming a missing/damaged file
    folder.command                                  # "run", "compare", ...
    folder.tables                                   # ("link_flows.csv", ...), declared order
    folder.read("link_flows.csv")                   # rows of text cells (csv.DictReader)
    folder.rows("link_flows.csv")                   # rows parsed by declared type
    folder.table("link_flows.csv").column("capacity_t").unit   # "t/yr"
    folder.inputs, folder.manifest, folder.files    # input paths, manifest, name -> SHA-256

``verify=True`` recomputes every listed file's SHA-256 and raises
:class:`~freight.errors.DataError` (exit 2) naming each missing or damaged file; parsed rows give
``None`` for a blank number, or ``inf`` where the declaration says blank means unbounded.
"""

from __future__ import annotations

from freight.results.declared import (
    KPIS,
    RESULT_KINDS,
    SINGLE_FILES,
    Column,
    OutputTable,
    ResultKind,
    UndeclaredError,
    declared_table,
    format_cell,
    result_kind,
)
from freight.results.folder import (
    OutputError,
    ResultFolder,
    check_output_file,
    check_output_folder,
    manifest_inputs,
    write_file,
)

__all__ = [
    "KPIS",
    "RESULT_KINDS",
    "SINGLE_FILES",
    "Column",
    "OutputError",
    "OutputTable",
    "ResultFolder",
    "ResultKind",
    "UndeclaredError",
    "check_output_file",
    "check_output_folder",
    "declared_table",
    "format_cell",
    "manifest_inputs",
    "result_kind",
    "write_file",
]
