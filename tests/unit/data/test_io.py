"""Reading and writing network folders (freight/io.py): round trips and where errors point."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from freight.data.csvio import load_network, read_table, read_tables, table_text, write_network
from freight.data.network import Network
from freight.data.schema import (
    MODES,
    TABLE_BY_NAME,
    TABLES,
    Commodity,
    Demand,
    Link,
    ModeRow,
    Place,
    Row,
    Terminal,
    columns,
    format_value,
    required_columns,
)
from freight.errors import DataError, Problem
from tests import paths

TINY = paths.DATA / "tiny"
SRC = "assumption: test"


def _same_tables(a: Network, b: Network) -> None:
    for t in TABLES:
        assert getattr(a, t.name) == getattr(b, t.name), t.name


def _edit_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file (line = file line, header = 1); an optional column the file
    lacks is added, blank in every other row."""
    p = folder / file
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))
    if column not in rows[0]:
        rows = [[*r, column if i == 0 else ""] for i, r in enumerate(rows)]
    rows[line - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _where(exc: DataError) -> list[tuple[str, int | None, str]]:
    return [(p.file, p.row, p.column) for p in exc.problems]


# --- round trips of tiny ------------------------------------------------------------------------


def test_round_trip_tiny(tmp_path: Path) -> None:
    """tiny -> write -> load gives equal tables; writing again gives byte-identical files."""
    net = load_network(TINY)
    write_network(net, tmp_path / "one")
    again = load_network(tmp_path / "one")
    _same_tables(net, again)
    write_network(again, tmp_path / "two")
    write_network(net, tmp_path / "three")
    for t in TABLES:
        one = (tmp_path / "one" / t.file).read_bytes()
        assert one == (tmp_path / "two" / t.file).read_bytes(), t.file
        assert one == (tmp_path / "three" / t.file).read_bytes(), t.file


def test_written_text_known(tmp_path: Path) -> None:
    """The writer's exact text: declared columns in order, defaults written out, LF endings."""
    write_network(load_network(TINY), tmp_path)
    links = (tmp_path / "links.csv").read_bytes().decode("utf-8")
    assert links.splitlines()[0] == ",".join(columns(Link))
    assert links.splitlines()[2] == (
        "W_PQ,P,Q,water,river,100,80,20,,,,2,3,,0,0,0,,,,assumption: hand-drawn test network"
    )
    assert "\r" not in links and links.endswith("network\n")
    comm = (tmp_path / "commodities.csv").read_text(encoding="utf-8").splitlines()
    assert (
        comm[1]
        == "bulk,Bulk,500,0.1,road;water,,0,false,1,4,8,0,0,0,1000,assumption: hand-drawn test network"
    )


def test_extra_columns_preserved(copy_tiny: Callable[..., Path], tmp_path: Path) -> None:
    """Analysts' own columns are kept through load and write, after the declared ones."""
    folder = copy_tiny()
    p = folder / "places.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    extra = ['note,"owner, org"', 'big city,"Luzhou, ""LZ"" Co."', ",", "港口,", "port Q,x"]
    p.write_text(
        "\n".join(f"{a},{b}" for a, b in zip(lines, extra, strict=True)) + "\n", encoding="utf-8"
    )
    net = load_network(folder)
    assert net.places[0].model_extra == {"note": "big city", "owner, org": 'Luzhou, "LZ" Co.'}
    assert net.places[1].model_extra == {"note": "", "owner, org": ""}
    assert net.places[2].model_extra == {"note": "港口", "owner, org": ""}
    write_network(net, tmp_path / "out")
    text = (tmp_path / "out" / "places.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(columns(Place)) + ',note,"owner, org"'
    assert text.splitlines()[1].endswith(',big city,"Luzhou, ""LZ"" Co."')
    _same_tables(net, load_network(tmp_path / "out"))


def test_quoted_unicode_values(copy_tiny: Callable[..., Path], tmp_path: Path) -> None:
    """Names with commas, quotes, newlines and Chinese survive a round trip, quoted as CSV."""
    net = load_network(copy_tiny())
    a = net.places[0].model_copy(
        update={"name": 'Luzhou, "Port" of\nSichuan', "name_zh": "泸州港，川南"}
    )
    net2 = net.with_tables(places=(a, *net.places[1:]))
    write_network(net2, tmp_path / "out")
    raw = (tmp_path / "out" / "places.csv").read_text(encoding="utf-8")
    assert '"Luzhou, ""Port"" of\nSichuan",泸州港，川南,' in raw
    _same_tables(net2, load_network(tmp_path / "out"))


def test_crlf_and_padding_read_like_tiny(copy_tiny: Callable[..., Path]) -> None:
    """CRLF line ends (Excel on Windows) and spaces around cells read as the plain file."""
    folder = copy_tiny()
    for t in TABLES:
        p = folder / t.file
        text = p.read_text(encoding="utf-8").replace(",", " , ").replace("\n", "\r\n")
        p.write_bytes(text.encode("utf-8"))
    _same_tables(load_network(TINY), load_network(folder))


def test_header_only_table_is_empty(copy_tiny: Callable[..., Path]) -> None:
    """A demand.csv with only its header is valid: no demand rows."""
    folder = copy_tiny()
    p = folder / "demand.csv"
    p.write_text(p.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    net = load_network(folder)
    assert net.demand == () and net.total_demand() == 0.0


def test_meta_lines_are_file_lines(copy_tiny: Callable[..., Path]) -> None:
    """Blank lines are skipped but counted: rows keep their file line numbers in meta."""
    folder = copy_tiny()
    p = folder / "links.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\n".join(lines[:2] + ["", "  ", *lines[2:]]) + "\n\n", encoding="utf-8")
    net = load_network(folder)
    assert net.meta["lines"]["links"] == [2, 5, 6, 7]
    assert [lk.id for lk in net.links] == ["R_AP", "W_PQ", "R_QB", "R_AB"]


def test_format_value_known() -> None:
    """format_value: blanks for None/inf, true/false, integers without '.0', repr otherwise."""
    assert format_value(None) == "" and format_value(float("inf")) == ""
    assert (format_value(True), format_value(False)) == ("true", "false")
    assert (format_value(2.0), format_value(-3.0), format_value(0.1)) == ("2", "-3", "0.1")
    assert format_value(1e16) == "1e+16" and format_value(0.1 + 0.2) == "0.30000000000000004"
    assert format_value(("road", "water")) == "road;water" and format_value(()) == ""
    assert format_value(2023) == "2023" and format_value("泸州") == "泸州"


# --- hypothesis: random valid tables ------------------------------------------------------------

_ID = st.from_regex(r"[A-Za-z0-9_\-]{1,8}", fullmatch=True)
_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc")),
    st.sampled_from([",", '"', ";", "'", "\n", " ", "川", "南", "渝", "西", "港"]),
)
_TEXT = st.text(_CHARS, min_size=1, max_size=12).filter(lambda s: s == s.strip() and s != "")
_OPT_TEXT = st.one_of(st.just(""), _TEXT)
_FIN = {"allow_nan": False, "allow_infinity": False}
# within every column's bounds (freight.data.schema: speeds >= 1 km/h, bpr_beta <= 10, ...)
_GE0 = st.floats(min_value=0, max_value=10, **_FIN)  # type: ignore[arg-type]
_GT0 = st.floats(min_value=1, max_value=10, **_FIN)  # type: ignore[arg-type]
_OPT_GE0 = st.one_of(st.none(), _GE0)
_OPT_GT0 = st.one_of(st.none(), _GT0)
_BOOL = st.booleans()
_MODE = st.sampled_from(MODES)
_KINDS = typing.get_args(Place.model_fields["kind"].annotation)


def _rows(model: type[Row], fields: dict[str, Any], extra: list[str]) -> Any:
    """Strategy of a tuple of 0..4 rows of ``model``, all with the same extra columns."""
    row = st.fixed_dictionaries({**fields, **{x: _OPT_TEXT for x in extra}, "source": _TEXT}).map(
        model.model_validate
    )
    return st.lists(row, max_size=4).map(tuple)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """Random valid tables (cross-references not checked), with random extra columns."""

    def extras() -> list[str]:
        return draw(st.lists(st.sampled_from(["x_note", "x 备注", "x,owner"]), unique=True))

    places = draw(
        _rows(
            Place,
            {
                "id": _ID,
                "name": _TEXT,
                "name_zh": _OPT_TEXT,
                "kind": st.sampled_from(_KINDS),
                "province": _OPT_TEXT,
                "lon": st.floats(-180, 180),
                "lat": st.floats(-90, 90),
                "zone": _BOOL,
            },
            extras(),
        )
    )
    modes = draw(
        _rows(
            ModeRow,
            {
                "mode": _MODE,
                "cost_per_t_km": _GE0,
                "fixed_cost_per_t": _GE0,
                "speed_kmh": _GT0,
                "reverse_speed_kmh": _OPT_GT0,
                "co2_g_per_t_km": _GE0,
                "reverse_co2_g_per_t_km": _OPT_GE0,
                "payload_t": _GT0,
                "pcu": _GT0,
                "bpr_alpha": _GE0,
                "bpr_beta": _GE0,
            },
            extras(),
        )
    )
    links = draw(
        _rows(
            Link,
            {
                "id": _ID,
                "from": _ID,
                "to": _ID,
                "mode": _MODE,
                "line": _OPT_TEXT,
                "length_km": _GT0,
                "capacity_t": _OPT_GE0,
                "background_t": _GE0,
                "speed_kmh": _OPT_GT0,
                "reverse_speed_kmh": _OPT_GT0,
                "cost_per_t_km": _OPT_GE0,
                "fixed_cost_per_t": _GE0,
                "wait_h": _GE0,
                "co2_g_per_t_km": _OPT_GE0,
                "excluded_commodities": st.lists(_ID, max_size=3).map(tuple),
                "opened": st.one_of(st.none(), st.integers(1800, 2100)),
            },
            extras(),
        )
    )
    terminals = draw(
        _rows(
            Terminal,
            {
                "id": _ID,
                "place": _ID,
                "from_mode": st.sampled_from(("zone", *MODES)),
                "to_mode": _MODE,
                "cost_per_t": _GE0,
                "time_h": _GE0,
                "capacity_t": _OPT_GE0,
                "dg_yard": _BOOL,
            },
            extras(),
        )
    )
    commodities = draw(
        _rows(
            Commodity,
            {
                "id": _ID,
                "name": _TEXT,
                "value_cny_per_t": _GE0,
                "value_of_time_cny_per_t_h": _GE0,
                "allowed_modes": st.lists(_MODE, min_size=1, max_size=4).map(tuple),
                "t_per_teu": _OPT_GT0,
                "dangerous": _BOOL,
                "cost_factor": _GT0,
                "unserved_penalty_cny_per_t": _GT0,
            },
            extras(),
        )
    )
    demand = draw(
        _rows(
            Demand,
            {
                "origin": _ID,
                "destination": _ID,
                "commodity": _ID,
                "tonnes": _GE0,
                "base_year": st.integers(1990, 2100),
            },
            extras(),
        )
    )
    return Network(places, modes, links, terminals, commodities, demand, name="random")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_round_trip_random_tables(net: Network) -> None:
    """Random valid tables: write -> read gives equal rows; a second write is byte-identical."""
    with tempfile.TemporaryDirectory() as d:
        write_network(net, Path(d) / "a")
        back = load_network(Path(d) / "a", check=False)
        _same_tables(net, back)
        for t in TABLES:
            assert table_text(t, getattr(back, t.name)) == (Path(d) / "a" / t.file).read_text(
                encoding="utf-8"
            )


# --- where messages point -----------------------------------------------------------------------


def _bad_value(model: type[Row], name: str) -> str | None:
    """A value of the wrong type or out of bounds for a declared column, or None if none exists."""
    f = model.model_fields[name]
    ann = f.annotation
    args = typing.get_args(ann)
    base = next((a for a in args if a is not type(None)), ann) if args else ann
    if typing.get_origin(ann) is typing.Literal:
        return "bogus"
    if ann == tuple[str, ...]:
        return None
    if typing.get_origin(ann) is tuple:
        return "road;boat"
    if base is bool:
        return "maybe"
    if base is int:
        return "1.5"
    if base is float:
        for m in f.metadata:  # just outside the lower bound, else not a number
            if hasattr(m, "gt"):
                return format_value(float(m.gt))
            if hasattr(m, "ge"):
                return format_value(float(m.ge) - 1.0)
        return "abc"
    if any(getattr(m, "pattern", None) for m in f.metadata):
        return "a b"
    return None


_BAD = [
    (t.name, model_col, name, bad)
    for t in TABLES
    for name, f in t.model.model_fields.items()
    for model_col in [f.alias or name]
    if (bad := _bad_value(t.model, name)) is not None
]
_REQUIRED = [(t.name, c) for t in TABLES for c in required_columns(t.model)]


def test_bad_value_list_covers_schema() -> None:
    """Every table has a bad value to try on some column; at least 45 typed columns in all."""
    assert {name for name, *_ in _BAD} == set(TABLE_BY_NAME)
    assert len(_BAD) >= 45


@pytest.mark.parametrize(("table", "column", "name", "bad"), _BAD)
def test_bad_value_names_file_row_column(
    copy_tiny: Callable[..., Path], table: str, column: str, name: str, bad: str
) -> None:
    """A wrong value in row 2 of any typed column: one problem naming file, row 2 and column."""
    file = TABLE_BY_NAME[table].file
    folder = copy_tiny()
    _edit_cell(folder, file, 2, column, bad)
    with pytest.raises(DataError, match=rf"{file}, row 2, column '{column}': .*\(got {bad!r}\)"):
        load_network(folder)


@pytest.mark.parametrize(("table", "column"), _REQUIRED)
def test_blank_required_names_file_row_column(
    copy_tiny: Callable[..., Path], table: str, column: str
) -> None:
    """A blank required cell in the last row: one problem naming file, that row and column."""
    file = TABLE_BY_NAME[table].file
    folder = copy_tiny()
    last = len((folder / file).read_text(encoding="utf-8").splitlines())
    _edit_cell(folder, file, last, column, "")
    with pytest.raises(DataError) as info:
        load_network(folder)
    assert info.value.problems == (Problem(file, last, column, "required value is blank"),)
    assert f"{file}, row {last}, column '{column}': required value is blank" in str(info.value)


def test_missing_required_column_each_table(copy_tiny: Callable[..., Path]) -> None:
    """Dropping the first required column of every table: six problems, all on row 1."""
    folder = copy_tiny()
    for t in TABLES:
        p = folder / t.file
        text = p.read_text(encoding="utf-8")
        first = required_columns(t.model)[0]
        p.write_text(text.replace(first, f"x_{first}", 1), encoding="utf-8")
    with pytest.raises(DataError, match="6 problems found") as info:
        load_network(folder)
    assert _where(info.value) == [(t.file, 1, required_columns(t.model)[0]) for t in TABLES]


def test_problems_in_several_files_collected(copy_tiny: Callable[..., Path]) -> None:
    """Problems in three files (and two in one row) are all reported in one DataError."""
    folder = copy_tiny()
    _edit_cell(folder, "places.csv", 3, "lat", "north")
    _edit_cell(folder, "places.csv", 3, "kind", "town")
    _edit_cell(folder, "links.csv", 4, "capacity_t", "-5")
    (folder / "modes.csv").unlink()
    with pytest.raises(DataError, match="4 problems found") as info:
        load_network(folder)
    assert _where(info.value) == [
        ("places.csv", 3, "kind"),
        ("places.csv", 3, "lat"),
        ("modes.csv", None, ""),
        ("links.csv", 4, "capacity_t"),
    ]


@pytest.mark.parametrize(
    ("content", "where", "text"),
    [
        (None, ("terminals.csv", None, ""), "terminals.csv: file not found"),
        (b"", ("terminals.csv", None, ""), "terminals.csv: file is empty; expected header: id,"),
        (b"\n \n", ("terminals.csv", None, ""), "file is empty"),
        (
            b"id;place;from_mode;to_mode\nT;P;road;water\n",
            ("terminals.csv", 1, ""),
            "terminals.csv, row 1: the file is semicolon-separated (';')",
        ),
        (
            b"id\nx\n\xff\n",
            ("terminals.csv", 3, ""),
            "row 3: not valid UTF-8 (byte 0xff at offset 5)",
        ),
        (
            b"id,place,from_mode,to_mode,cost_per_t,time_h,capacity_t,dg_yard,source,place\n",
            ("terminals.csv", 1, "place"),
            "row 1, column 'place': column appears twice",
        ),
    ],
)
def test_file_level_problems(
    copy_tiny: Callable[..., Path],
    content: bytes | None,
    where: tuple[str, int | None, str],
    text: str,
) -> None:
    """Missing, empty, wrongly delimited, non-UTF-8 and duplicate-header files: named, with a row
    if any (one message for a wrong delimiter, not one per missing column)."""
    folder = copy_tiny()
    p = folder / "terminals.csv"
    if content is None:
        p.unlink()
    else:
        p.write_bytes(content)
    with pytest.raises(DataError, match=r"1 problem found") as info:
        load_network(folder)
    assert _where(info.value) == [where]
    assert text in str(info.value)


def test_bom_is_accepted(copy_tiny: Callable[..., Path]) -> None:
    """A table saved by Excel as "CSV UTF-8" (with a byte-order mark) reads like plain UTF-8."""
    folder = copy_tiny()
    plain = load_network(folder)
    for name in ("links.csv", "places.csv"):
        p = folder / name
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert load_network(folder).links == plain.links
    assert load_network(folder).places == plain.places


def test_a_fifo_is_refused_without_blocking(copy_tiny: Callable[..., Path]) -> None:
    """A table that is a named pipe is reported as not a regular file (reading it would hang)."""
    import os

    folder = copy_tiny()
    (folder / "modes.csv").unlink()
    os.mkfifo(folder / "modes.csv")
    with pytest.raises(DataError, match=r"modes\.csv: not a regular file") as info:
        load_network(folder)
    assert _where(info.value) == [("modes.csv", None, "")]


def test_table_file_is_a_folder(copy_tiny: Callable[..., Path]) -> None:
    """A table path that is a folder is reported as unreadable, not a crash."""
    folder = copy_tiny()
    (folder / "modes.csv").unlink()
    (folder / "modes.csv").mkdir()
    with pytest.raises(DataError, match=r"modes\.csv: cannot read file") as info:
        load_network(folder)
    assert _where(info.value) == [("modes.csv", None, "")]


def test_not_a_folder(tmp_path: Path) -> None:
    """A path that is not a folder: one problem naming the path."""
    with pytest.raises(DataError, match=r"nope: not a folder") as info:
        read_tables(tmp_path / "nope")
    assert info.value.problems[0].row is None


def test_ragged_rows_each_named(copy_tiny: Callable[..., Path]) -> None:
    """Rows with too few and too many fields are each named by their line."""
    folder = copy_tiny()
    p = folder / "demand.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[1] += ",x"
    lines[2] = lines[2].rsplit(",", 1)[0]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, lines_ok, problems = read_table(folder, TABLE_BY_NAME["demand"])
    assert rows == [] and lines_ok == []
    assert problems == [
        Problem("demand.csv", 2, "", "expected 6 fields (as in the header), found 7"),
        Problem("demand.csv", 3, "", "expected 6 fields (as in the header), found 5"),
    ]


def test_every_message_names_file_and_row_in_corpus() -> None:
    """Every problem of every broken corpus folder names a file, and a row unless file-level."""
    from freight.scenario.case import load_network_case

    broken = paths.DATA / "broken"
    seen = 0
    for folder in sorted(p for p in broken.iterdir() if (p / "EXPECT").is_file()):
        with pytest.raises(DataError) as info:
            load_network_case(folder)
        for prob in info.value.problems:
            seen += 1
            assert prob.file.endswith(".csv"), prob
            file_level = prob.message.startswith(("file not found", "file is empty"))
            assert (prob.row is None) == file_level, prob
            assert str(prob).startswith(prob.file + ("" if file_level else f", row {prob.row}"))
    assert seen >= 18


# --- regressions of bugs found in review -------------------------------------------------------


def test_problems_sortable() -> None:
    """Problems of one file, with and without a row, sort (file-level first)."""
    a, b = Problem("x.csv", 3, "", "late"), Problem("x.csv", None, "", "file-level")
    assert sorted([a, b]) == [b, a]


def test_multiline_record_named_by_first_line(copy_tiny: Callable[..., Path]) -> None:
    """A bad value in a record spanning lines 2-3 is reported at row 2, where it starts."""
    folder = copy_tiny()
    _edit_cell(folder, "places.csv", 2, "name", "Alpha\ncity")
    _edit_cell(folder, "places.csv", 2, "lon", "east")
    with pytest.raises(DataError) as info:
        load_network(folder)
    assert _where(info.value) == [("places.csv", 2, "lon")]


def test_carriage_return_round_trip(tmp_path: Path) -> None:
    """A name holding a carriage return is written so that it reads back unchanged."""
    net = load_network(TINY)
    a = net.places[0].model_copy(update={"name": "Alpha\rcity"})
    net2 = net.with_tables(places=(a, *net.places[1:]))
    write_network(net2, tmp_path)
    _same_tables(net2, load_network(tmp_path, check=False))


@pytest.mark.parametrize("name", [" padded ", ""])
def test_strings_that_do_not_survive(tmp_path: Path, name: str) -> None:
    """A Place.name the model accepts (padded or empty) must survive a round trip or be refused."""
    net = load_network(TINY)
    try:
        a = Place.model_validate({**net.places[0].model_dump(by_alias=True), "name": name})
    except ValueError:
        return  # refused up front: fine
    net2 = net.with_tables(places=(a, *net.places[1:]))
    write_network(net2, tmp_path)
    _same_tables(net2, load_network(tmp_path, check=False))


def test_copy_tiny_is_fresh(copy_tiny: Callable[..., Path], tiny_path: Path) -> None:
    """copy_tiny gives an independent copy: edits do not touch tests/data/tiny."""
    folder = copy_tiny("x")
    (folder / "places.csv").write_text("broken", encoding="utf-8")
    assert load_network(tiny_path).places[0].id == "A"
    shutil.rmtree(folder)


def test_regional_links_with_bom_or_semicolons(tmp_path: Path) -> None:
    """The regional links.csv saved with a BOM validates (exit 0); a ';' copy exits 2 once."""
    from cli import main

    src = paths.ROOT / "network_data" / "chuannan_yuxi"
    bom = Path(shutil.copytree(src, tmp_path / "bom"))
    (bom / "links.csv").write_bytes(b"\xef\xbb\xbf" + (src / "links.csv").read_bytes())
    assert main(["validate", str(bom)]) == 0
    semi = Path(shutil.copytree(src, tmp_path / "semi"))
    text = (src / "links.csv").read_text(encoding="utf-8")
    (semi / "links.csv").write_text(text.replace(",", ";"), encoding="utf-8")
    with pytest.raises(DataError, match=r": 1 problem found") as info:
        load_network(semi)
    assert "semicolon-separated" in str(info.value)
    assert main(["validate", str(semi)]) == 2


def test_bulk_pauses_and_restores_the_cycle_collector() -> None:
    """csvio.bulk disables the cycle collector inside and restores its state after, also when
    the body raises and when it was already off."""
    import gc

    from freight.data.csvio import bulk

    assert gc.isenabled()
    with bulk():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with bulk():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_row_origins_are_lazy_and_complete() -> None:
    """row_origins gives every row's file line (header = row 1), by index, slice and iteration."""
    from freight.data.checks import Origin, row_origins

    net = load_network(paths.DATA / "tiny")
    where = row_origins(net, "demand")
    assert len(where) == len(net.demand)
    assert where[0] == Origin("demand.csv", 2, "") and list(where)[-1] == where[-1]
    assert where[0:2] == [where[0], where[1]]


def test_record_dict_keeps_extra_blanks_and_splits_lists() -> None:
    """One CSV record as the model reads it: cells stripped, a blank declared cell left to its
    default, a blank extra column kept as "", a list cell split at the separator without empty
    items, and the same dict whether the column spec is given or looked up."""
    from freight.data.csvio import _row_dict
    from freight.data.schema import Link

    header = ["id", "from", "to", "mode", "length_km", "capacity_t", "excluded_commodities",
              "note", "source"]  # fmt: skip
    values = [" L1 ", "A", "B", "road", " 12.5", "  ", " grain ; coal ;; ", "", " S1 "]
    got = _row_dict(Link, header, values)
    assert got == {"id": "L1", "from": "A", "to": "B", "mode": "road", "length_km": "12.5",
                   "excluded_commodities": ("grain", "coal"), "note": "", "source": "S1"}  # fmt: skip
    names = [c if c != "from" else "from_" for c in header]
    assert _row_dict(Link, header, values, names) == got
    blank_list = _row_dict(Link, header, ["L2", "A", "B", "road", "1", "", "  ", "", "S"])
    assert "excluded_commodities" not in blank_list and "capacity_t" not in blank_list
