"""Generate the corpus of broken data folders from tests/data/tiny (run once; output is committed).

Each case folder is a copy of ``tests/data/tiny`` with ONE defect and a one-line ``EXPECT`` file::

    FILE|ROW|COLUMN|SUBSTRING

FILE is the file name the error must name, ROW the file line (header = 1; empty for a file-level
problem such as a missing or empty file), COLUMN the column the error must name (empty when the
problem concerns no single column) and SUBSTRING a distinctive piece of the message. Every case is
built so that ``freight validate`` reports exactly one problem.

Usage: ``python tools/make_broken_corpus.py`` (deterministic: same bytes on every run; the
case folders are deleted and rewritten).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "data" / "broken"
TINY = ROOT / "tests" / "data" / "tiny"
SRC = "assumption: hand-drawn test network"

Files = dict[str, bytes]


def _rows(files: Files, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[name].decode("utf-8"), newline="")))


def _write(files: Files, name: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    files[name] = buf.getvalue().encode("utf-8")


def set_cell(name: str, line: int, column: str, value: str) -> Callable[[Files], None]:
    """Set one cell (line = file line, header = 1)."""

    def edit(files: Files) -> None:
        rows = _rows(files, name)
        rows[line - 1][rows[0].index(column)] = value
        _write(files, name, rows)

    return edit


def add_line(name: str, line: str) -> Callable[[Files], None]:
    """Append one raw CSV line."""

    def edit(files: Files) -> None:
        files[name] = files[name] + line.encode("utf-8") + b"\n"

    return edit


def drop_column(name: str, column: str) -> Callable[[Files], None]:
    """Remove a column from the header and every row."""

    def edit(files: Files) -> None:
        rows = _rows(files, name)
        i = rows[0].index(column)
        _write(files, name, [r[:i] + r[i + 1 :] for r in rows])

    return edit


def replace_bytes(name: str, old: bytes, new: bytes) -> Callable[[Files], None]:
    """Replace the first occurrence of raw bytes in a file."""

    def edit(files: Files) -> None:
        assert files[name].count(old) >= 1, (name, old)
        files[name] = files[name].replace(old, new, 1)

    return edit


def replace_all_bytes(name: str, old: bytes, new: bytes) -> Callable[[Files], None]:
    """Replace every occurrence of raw bytes in a file (e.g. another delimiter)."""

    def edit(files: Files) -> None:
        assert files[name].count(old) >= 1, (name, old)
        files[name] = files[name].replace(old, new)

    return edit


def set_bytes(name: str, data: bytes | None) -> Callable[[Files], None]:
    """Replace a whole file (``None`` deletes it)."""

    def edit(files: Files) -> None:
        if data is None:
            del files[name]
        else:
            files[name] = data

    return edit


def both(*edits: Callable[[Files], None]) -> Callable[[Files], None]:
    """Apply several edits in turn (one defect that needs two lines, e.g. a place and its demand)."""

    def edit(files: Files) -> None:
        for e in edits:
            e(files)

    return edit


CASES: dict[str, tuple[Callable[[Files], None], str]] = {
    # --- reading: files, encoding, CSV shape -------------------------------------------------
    "missing_file": (set_bytes("modes.csv", None), "modes.csv|||file not found"),
    "empty_file": (set_bytes("terminals.csv", b""), "terminals.csv|||file is empty"),
    "semicolon_delimiter": (
        replace_all_bytes("commodities.csv", b",", b";"),
        "commodities.csv|1||semicolon-separated",
    ),
    "non_utf8": (
        replace_bytes("places.csv", b"Port P,", b"Port P\xe9,"),
        "places.csv|4||not valid UTF-8",
    ),
    "missing_column": (
        drop_column("links.csv", "length_km"),
        "links.csv|1|length_km|missing required column",
    ),
    "duplicate_header_column": (
        replace_bytes("places.csv", b"kind,province,", b"kind,name,"),
        "places.csv|1|name|column appears twice",
    ),
    "ragged_row": (
        replace_bytes("terminals.csv", b"true,assumption", b"true,extra,assumption"),
        "terminals.csv|3||expected 9 fields",
    ),
    "unbalanced_quote": (
        replace_bytes("links.csv", b",river,", b',"river,'),
        "links.csv|3||quote",
    ),
    # --- reading: cell values (pydantic) ------------------------------------------------------
    "wrong_type": (
        set_cell("links.csv", 5, "length_km", "far"),
        "links.csv|5|length_km|valid number",
    ),
    "bad_integer": (
        set_cell("demand.csv", 3, "base_year", "2023.5"),
        "demand.csv|3|base_year|valid integer",
    ),
    "nan_number": (
        set_cell("modes.csv", 3, "speed_kmh", "nan"),
        "modes.csv|3|speed_kmh|finite number",
    ),
    "infinite_number": (
        set_cell("links.csv", 3, "capacity_t", "inf"),
        "links.csv|3|capacity_t|finite number",
    ),
    "negative_capacity": (
        set_cell("links.csv", 3, "capacity_t", "-80"),
        "links.csv|3|capacity_t|greater than or equal to 0",
    ),
    "negative_demand": (
        set_cell("demand.csv", 3, "tonnes", "-10"),
        "demand.csv|3|tonnes|greater than or equal to 0",
    ),
    "lat_out_of_range": (
        set_cell("places.csv", 3, "lat", "95"),
        "places.csv|3|lat|less than or equal to 90",
    ),
    "unknown_mode": (set_cell("links.csv", 4, "mode", "truck"), "links.csv|4|mode|'truck'"),
    "unknown_place_kind": (
        set_cell("places.csv", 2, "kind", "metropolis"),
        "places.csv|2|kind|'metropolis'",
    ),
    "bad_boolean": (
        set_cell("terminals.csv", 2, "dg_yard", "maybe"),
        "terminals.csv|2|dg_yard|valid boolean",
    ),
    "bad_id_chars": (set_cell("links.csv", 2, "id", "R AP"), "links.csv|2|id|pattern"),
    "blank_source": (
        set_cell("places.csv", 5, "source", ""),
        "places.csv|5|source|required value is blank",
    ),
    "blank_required_value": (
        set_cell("demand.csv", 2, "tonnes", ""),
        "demand.csv|2|tonnes|required value is blank",
    ),
    # --- consistency checks --------------------------------------------------------------------
    "duplicate_id": (
        add_line("places.csv", f"A,Alpha again,,city,,104.5,29.5,true,{SRC}"),
        "places.csv|6|id|duplicate 'A'",
    ),
    "duplicate_demand": (
        add_line("demand.csv", f"A,B,bulk,50,2023,{SRC}"),
        "demand.csv|4|origin|duplicate 'A/B/bulk'",
    ),
    "unknown_place_link": (
        set_cell("links.csv", 5, "to", "Z"),
        "links.csv|5|to|unknown place 'Z'",
    ),
    "link_to_itself": (set_cell("links.csv", 5, "to", "A"), "links.csv|5|to|to itself"),
    "water_at_inland_city": (
        add_line("links.csv", f"W_AQ,A,Q,water,,50,,,,,,,,,,,{SRC}"),
        "links.csv|6|from|cannot serve water",
    ),
    "mode_not_in_modes": (
        add_line("links.csv", f"L_AB,A,B,rail,,160,,,,,,,,,,,{SRC}"),
        "links.csv|6|mode|'rail' is not in modes.csv",
    ),
    "background_above_capacity": (
        set_cell("links.csv", 3, "background_t", "90"),
        "links.csv|3|background_t|exceeds capacity_t",
    ),
    "unknown_excluded_commodity": (
        set_cell("links.csv", 5, "excluded_commodities", "coal"),
        "links.csv|5|excluded_commodities|unknown commodity 'coal'",
    ),
    "terminal_mode_absent": (
        set_cell("terminals.csv", 3, "from_mode", "rail"),
        "terminals.csv|3|from_mode|no rail links",
    ),
    "same_mode_transfer": (
        set_cell("terminals.csv", 2, "from_mode", "water"),
        "terminals.csv|2|to_mode|two different modes",
    ),
    "zone_access_not_zone": (
        add_line("terminals.csv", f"Z_P,P,zone,road,5,1,,false,{SRC}"),
        "terminals.csv|4|from_mode|not a zone",
    ),
    "allowed_mode_undefined": (
        set_cell("commodities.csv", 2, "allowed_modes", "road;water;air"),
        "commodities.csv|2|allowed_modes|'air' is not in modes.csv",
    ),
    "unknown_commodity_demand": (
        set_cell("demand.csv", 3, "commodity", "coal"),
        "demand.csv|3|commodity|unknown commodity 'coal'",
    ),
    "demand_origin_not_zone": (
        set_cell("demand.csv", 2, "origin", "P"),
        "demand.csv|2|origin|'P' is not a zone",
    ),
    "demand_same_place": (
        set_cell("demand.csv", 2, "destination", "A"),
        "demand.csv|2|destination|same place",
    ),
    # --- connectivity ---------------------------------------------------------------------------
    "unreachable_zone": (
        both(
            add_line("places.csv", f"C,Gamma,,city,,106.0,29.0,true,{SRC}"),
            add_line("demand.csv", f"A,C,bulk,5,2023,{SRC}"),
        ),
        "demand.csv|4|destination|no path from 'A' to 'C'",
    ),
    "unreachable_modes": (
        set_cell("commodities.csv", 2, "allowed_modes", "water"),
        "demand.csv|2|destination|no path from 'A' to 'B' for 'bulk' using water",
    ),
    "dg_no_yard": (
        replace_bytes("links.csv", f"R_AB,A,B,road,,150,,,,,,,,,,,{SRC}\n".encode(), b""),
        "demand.csv|3|destination|no path from 'A' to 'B' for 'dg'",
    ),
}
"""case name -> (edit of tiny's files, EXPECT line)."""


def main() -> None:
    """Rewrite every case folder (and its EXPECT file) from tests/data/tiny."""
    tiny = {p.name: p.read_bytes() for p in sorted(TINY.glob("*.csv"))}
    for old in sorted(HERE.iterdir()):
        if old.is_dir() and (old / "EXPECT").exists():
            shutil.rmtree(old)
    for case, (edit, expect) in CASES.items():
        files = dict(tiny)
        edit(files)
        folder = HERE / case
        folder.mkdir()
        for name, data in sorted(files.items()):
            (folder / name).write_bytes(data)
        (folder / "EXPECT").write_text(expect + "\n", encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
