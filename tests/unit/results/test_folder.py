"""The result folder: manifest and hash verification, the output rule (never destroy a user's
files), atomic replacement under kill -9, and one writer at a time."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli import main
from freight.errors import DataError
from freight.results import folder as rf
from freight.results.declared import UndeclaredError
from freight.results.folder import OutputError, ResultFolder
from freight.results.tables import write_file_atomic, write_result_folder
from tests.paths import DATA, ROOT

TINY = DATA / "tiny"
KPIS = [
    {"metric": "demand", "value": 100.0, "unit": "t/yr"},
    {"metric": "binding_capacities", "value": 2, "unit": "arcs"},
]


def _kpis(value: float) -> list[dict[str, object]]:
    return [{"metric": "demand", "value": value, "unit": "t/yr"}]


def snapshot(path: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under ``path``, by relative name."""
    out: dict[str, bytes | None] = {}
    for p in sorted(path.rglob("*")):
        out[p.relative_to(path).as_posix()] = None if p.is_dir() else p.read_bytes()
    return out


def debris(folder: Path) -> list[str]:
    """Hidden temporaries and lock files of writers left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".freight-"))


def write_run(out: Path, value: float = 100.0, **kw: object) -> ResultFolder:
    """A minimal 'run' result folder holding one KPI table."""
    return ResultFolder.write(out, {"kpis.csv": _kpis(value)}, {"command": "run"}, **kw)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- manifest and reading


def test_write_then_open_lists_tables_and_hashes(tmp_path: Path) -> None:
    """The manifest lists every file with its SHA-256 and says freight wrote it."""
    res = ResultFolder.write(
        tmp_path / "r", {"kpis.csv": KPIS, "mode_summary.csv": []}, {"command": "run"}
    )
    text = (tmp_path / "r" / "kpis.csv").read_bytes()
    assert text == b"metric,value,unit\ndemand,100,t/yr\nbinding_capacities,2,arcs\n"
    opened = ResultFolder.open(tmp_path / "r", verify=True)
    assert opened.manifest["written_by"] == "freight"
    assert opened.files["kpis.csv"] == hashlib.sha256(text).hexdigest()
    assert opened.tables == ("mode_summary.csv", "kpis.csv")  # declared order
    assert opened.rows("kpis.csv")[1] == {"metric": "binding_capacities", "value": 2.0,
                                          "unit": "arcs"}  # fmt: skip
    assert res.path == (tmp_path / "r").absolute()
    assert debris(tmp_path) == []


def test_verify_detects_a_truncated_file(tmp_path: Path) -> None:
    """A truncated table fails verification with a DataError naming the file."""
    write_run(tmp_path / "r")
    f = tmp_path / "r" / "kpis.csv"
    f.write_bytes(f.read_bytes()[:-5])
    ResultFolder.open(tmp_path / "r")  # without verify, it opens
    with pytest.raises(DataError, match=r"kpis\.csv: damaged: its SHA-256 differs"):
        ResultFolder.open(tmp_path / "r", verify=True)


def test_verify_detects_a_missing_file(tmp_path: Path) -> None:
    """A listed file that is gone fails verification naming it."""
    write_run(tmp_path / "r")
    (tmp_path / "r" / "kpis.csv").unlink()
    with pytest.raises(DataError, match=r"kpis\.csv: missing: manifest.json lists it"):
        ResultFolder.open(tmp_path / "r", verify=True)


def test_open_refuses_a_folder_without_manifest(tmp_path: Path) -> None:
    """A plain folder is not a result folder."""
    with pytest.raises(DataError, match="no manifest.json"):
        ResultFolder.open(tmp_path)


def test_undeclared_table_is_not_written(tmp_path: Path) -> None:
    """An undeclared table raises before anything is written."""
    with pytest.raises(UndeclaredError, match="'extra.csv' is not declared"):
        ResultFolder.write(tmp_path / "r", {"extra.csv": KPIS}, {"command": "run"})
    assert not (tmp_path / "r").exists()


def test_manifest_inputs_are_collected_at_any_depth() -> None:
    """Inputs named by a comparison's nested manifest are found."""
    manifest = {
        "command": "compare",
        "base": {"path": "a/run", "result_folder": "a/run", "scenario": {"file": "s.toml"}},
        "scenario": {"path": "b.toml", "inputs": {"data/links.csv": "0" * 64}},
        "scenarios": ["p.toml"],
        "files": {"x.csv": "0" * 64},
    }
    assert rf.manifest_inputs(manifest) == ["a/run", "s.toml", "b.toml", "data/links.csv", "p.toml"]


# -------------------------------------------------------------------------------- the rule


def test_out_equal_to_an_input_folder_is_refused(copy_tiny: Callable[..., Path]) -> None:
    """freight run D --out D exits 2 and leaves D as it was."""
    data = copy_tiny()
    before = snapshot(data)
    assert main(["run", str(data), "--out", str(data)]) == 2
    assert snapshot(data) == before


def test_out_equal_to_the_parent_of_an_input_is_refused(
    copy_tiny: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """freight run D --out (parent of D) exits 2 naming the path, and touches nothing."""
    data = copy_tiny()
    before = snapshot(data.parent)
    assert main(["run", str(data), "--out", str(data.parent)]) == 2
    assert "holds an input of this run" in capsys.readouterr().err
    assert snapshot(data.parent) == before


def test_result_folder_that_is_an_input_is_refused(tmp_path: Path) -> None:
    """A previous result passed as an input may not be replaced by the output."""
    write_run(tmp_path / "r")
    before = snapshot(tmp_path / "r")
    with pytest.raises(OutputError, match="refusing to write over an input of this run"):
        write_run(tmp_path / "r", inputs=[tmp_path / "r"])
    assert snapshot(tmp_path / "r") == before


def test_manifest_inputs_protect_their_folders(tmp_path: Path) -> None:
    """The paths in the manifest's inputs (files of a data folder) protect that folder."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "links.csv").write_text("id\n")
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="holds an input"):
        ResultFolder.write(
            tmp_path / "d", {"kpis.csv": KPIS},
            {"command": "run", "inputs": {str(tmp_path / "d" / "links.csv"): "0" * 64}},
        )  # fmt: skip
    assert snapshot(tmp_path) == before


def test_folder_of_user_files_is_refused(tmp_path: Path) -> None:
    """A folder of unrelated files (no freight manifest) is never replaced."""
    user = tmp_path / "mine"
    (user / "sub").mkdir(parents=True)
    (user / "thesis.docx").write_bytes(b"\x00chapter one")
    (user / "sub" / "notes.txt").write_text("keep me")
    before = snapshot(user)
    with pytest.raises(OutputError, match="refusing to replace a folder freight did not write"):
        write_run(user)
    assert snapshot(user) == before
    assert debris(tmp_path) == []


def test_result_folder_with_user_files_added_is_refused(tmp_path: Path) -> None:
    """A result folder holding a file its manifest does not list is not replaced."""
    write_run(tmp_path / "r")
    (tmp_path / "r" / "notes.txt").write_text("my notes")
    before = snapshot(tmp_path / "r")
    with pytest.raises(OutputError, match=r"holds files its manifest does not list \(notes.txt\)"):
        write_run(tmp_path / "r", 5.0)
    assert snapshot(tmp_path / "r") == before


def test_result_folder_with_a_map_is_replaced(tmp_path: Path) -> None:
    """Maps written by freight plot into a result folder do not block a rerun."""
    write_run(tmp_path / "r")
    (tmp_path / "r" / "map.png").write_bytes(b"\x89PNG")
    write_run(tmp_path / "r", 7.0)
    assert (tmp_path / "r" / "kpis.csv").read_text().splitlines()[1] == "demand,7,t/yr"
    assert not (tmp_path / "r" / "map.png").exists()


def test_existing_regular_file_is_refused(tmp_path: Path) -> None:
    """An existing file where a folder is wanted is left as it was."""
    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF-1.7 precious")
    with pytest.raises(OutputError, match="is an existing file; a result folder is wanted"):
        write_run(f)
    assert f.read_bytes() == b"%PDF-1.7 precious"


def test_root_empty_and_current_folder_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'/', '' and '.' (when not a freight result) are refused."""
    with pytest.raises(OutputError, match="filesystem root"):
        write_run(Path("/"))
    with pytest.raises(OutputError, match="output path is empty"):
        write_result_folder("", {"kpis.csv": KPIS}, {"command": "run"})
    work = tmp_path / "work"
    work.mkdir()
    (work / "data.csv").write_text("a\n1\n")
    monkeypatch.chdir(work)
    with pytest.raises(OutputError, match="is the current folder and not a freight result"):
        write_run(Path("."))
    assert (work / "data.csv").read_text() == "a\n1\n"
    (work / "data.csv").unlink()
    with pytest.raises(OutputError, match="is the current folder and not a freight result"):
        write_run(Path("."))


def test_current_folder_that_is_a_result_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'.' holding a freight result is replaced, and the process sits in the new folder."""
    write_run(tmp_path / "r", 1.0)
    monkeypatch.chdir(tmp_path / "r")
    write_run(Path("."), 2.0)
    assert Path("kpis.csv").read_text().splitlines()[1] == "demand,2,t/yr"
    assert debris(tmp_path) == []


def test_path_under_a_file_is_refused(tmp_path: Path) -> None:
    """A result folder under an existing file is refused naming the file."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"cannot write under .*f: it is a file, not a folder"):
        write_run(tmp_path / "f" / "sub" / "r")


def test_name_too_long_is_refused(tmp_path: Path) -> None:
    """A 300-character name is refused with the filesystem's limit."""
    with pytest.raises(OutputError, match="is 300 bytes long; the filesystem allows 255"):
        write_run(tmp_path / ("x" * 300))


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_disk_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    """A write that fails (disk full, read-only) is an OutputError; the old result stays."""
    write_run(tmp_path / "r")
    before = snapshot(tmp_path / "r")

    def fail(path: Path, data: bytes, mode: int = 0o666) -> None:
        raise OSError(err, os.strerror(err), str(path))

    monkeypatch.setattr(rf, "_write_bytes", fail)
    with pytest.raises(OutputError, match=os.strerror(err)):
        write_run(tmp_path / "r", 3.0)
    assert snapshot(tmp_path / "r") == before
    assert debris(tmp_path) == []


def test_read_only_folder_is_an_output_error(tmp_path: Path) -> None:
    """A folder the process cannot write into gives an OutputError, not a traceback."""
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            write_run(ro / "r")
    finally:
        ro.chmod(0o755)


def test_legacy_result_is_replaced(tmp_path: Path) -> None:
    """A result written before the written_by field (command and file hashes) is replaced."""
    old = tmp_path / "r"
    old.mkdir()
    (old / "kpis.csv").write_text("metric,value,unit\n")
    digest = hashlib.sha256(b"metric,value,unit\n").hexdigest()
    (old / "manifest.json").write_text(
        json.dumps({"command": "run", "files": {"kpis.csv": digest}})
    )
    write_run(old, 9.0)
    assert ResultFolder.open(old, verify=True).rows("kpis.csv")[0]["value"] == 9.0


# ---------------------------------------------------------------------------- replacement


def test_replace_keeps_no_debris(tmp_path: Path) -> None:
    """Replacing a result gives the new one and leaves no hidden folder or lock behind."""
    write_run(tmp_path / "r", 1.0)
    write_run(tmp_path / "r", 2.0)
    assert ResultFolder.open(tmp_path / "r", verify=True).rows("kpis.csv")[0]["value"] == 2.0
    assert debris(tmp_path) == []


def test_fallback_without_renameat2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where renameat2 is not available the two-rename fallback gives the same result."""
    monkeypatch.setattr(rf, "renameat2", lambda src, dst, flags: False)
    write_run(tmp_path / "r", 1.0)
    write_run(tmp_path / "r", 2.0)
    assert ResultFolder.open(tmp_path / "r", verify=True).rows("kpis.csv")[0]["value"] == 2.0
    assert debris(tmp_path) == []


def test_interrupted_fallback_is_restored(tmp_path: Path) -> None:
    """An old result left under a dead writer's hidden name is moved back to the path."""
    write_run(tmp_path / "r", 4.0)
    dead = _dead_pid()
    hidden = tmp_path / f".freight-old-{dead}-{rf._tag(tmp_path / 'r')}-abcd1234"
    os.rename(tmp_path / "r", hidden)
    restored = rf.cleanup_stale(tmp_path, tmp_path / "r")
    assert restored == [tmp_path / "r"]
    assert ResultFolder.open(tmp_path / "r", verify=True).rows("kpis.csv")[0]["value"] == 4.0


def _dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


WRITER = """
import sys, time
from pathlib import Path
import freight.results.folder as f
stage, target, marker, go, value = sys.argv[1:6]
if sys.argv[6:] == ["fallback"]:
    f.renameat2 = lambda src, dst, flags: False
def hook(name, t):
    if name == stage:
        Path(marker).write_text(name)
        while not Path(go).exists():
            time.sleep(0.02)
f.STAGE_HOOK = hook
f.ResultFolder.write(target, {"kpis.csv": [{"metric": "demand", "value": float(value),
                     "unit": "t/yr"}]}, {"command": "run"})
"""


def _start_writer(
    tmp_path: Path, stage: str, target: Path, value: float, *extra: str
) -> subprocess.Popen[bytes]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    marker, go = tmp_path / f"at-{stage}", tmp_path / f"go-{stage}"
    proc = subprocess.Popen(
        [sys.executable, str(script), stage, str(target), str(marker), str(go), str(value), *extra],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the writer did not reach {stage} (exit {proc.poll()})")
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize(("stage", "expected"), [("written", 1.0), ("swapped", 2.0)])
def test_kill_9_leaves_a_complete_result(tmp_path: Path, stage: str, expected: float) -> None:
    """kill -9 before the swap leaves the old result, after it the new one; the next write
    cleans the dead writer's hidden folders."""
    out = tmp_path / "out"
    write_run(out / "r", 1.0)
    proc = _start_writer(tmp_path, stage, out / "r", 2.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    got = ResultFolder.open(out / "r", verify=True).rows("kpis.csv")[0]["value"]
    assert got == expected
    assert any(n.startswith(".freight-tmp-") for n in debris(out))  # the dead writer's leftovers
    write_run(out / "r", 3.0)
    assert ResultFolder.open(out / "r", verify=True).rows("kpis.csv")[0]["value"] == 3.0
    assert debris(out) == []


def test_kill_9_between_the_fallback_renames_is_recovered(tmp_path: Path) -> None:
    """Without renameat2, a writer killed between its two renames leaves the old result under a
    hidden name; the next writer of the path moves it back first, then replaces it."""
    out = tmp_path / "out"
    write_run(out / "r", 1.0)
    proc = _start_writer(tmp_path, "moved-old", out / "r", 2.0, "fallback")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "r").exists()  # the documented window of the fallback
    assert rf.cleanup_stale(out, out / "r")[0] == out / "r"
    assert ResultFolder.open(out / "r", verify=True).rows("kpis.csv")[0]["value"] == 1.0
    write_run(out / "r", 3.0)
    assert ResultFolder.open(out / "r", verify=True).rows("kpis.csv")[0]["value"] == 3.0
    assert debris(out) == []


def test_two_concurrent_writers_one_wins(tmp_path: Path) -> None:
    """While one writer holds the path, a second gets an OutputError; the first completes."""
    out = tmp_path / "out"
    write_run(out / "r", 1.0)
    proc = _start_writer(tmp_path, "locked", out / "r", 2.0)
    try:
        with pytest.raises(OutputError, match=r"another freight process is writing .*r"):
            write_run(out / "r", 5.0)
    finally:
        (tmp_path / "go-locked").write_text("go")
        assert proc.wait(timeout=60) == 0
    assert ResultFolder.open(out / "r", verify=True).rows("kpis.csv")[0]["value"] == 2.0
    assert debris(out) == []


# ---------------------------------------------------------------------------- single files


def test_single_file_is_replaced_atomically(tmp_path: Path) -> None:
    """A file is written, then replaced, with no temporary left."""
    f = tmp_path / "maps" / "m.png"
    write_file_atomic(f, b"one")
    write_file_atomic(f, b"two")
    assert f.read_bytes() == b"two"
    assert debris(f.parent) == []


def test_single_file_refuses_folder_input_and_result_files(tmp_path: Path) -> None:
    """A folder, an input of the command and a file of a result folder are never replaced."""
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="is a folder; a file name is wanted"):
        write_file_atomic(tmp_path / "d", b"x")
    src = tmp_path / "in.geojson"
    src.write_bytes(b"{}")
    with pytest.raises(OutputError, match="over an input of this run"):
        write_file_atomic(src, b"[]", inputs=[src])
    assert src.read_bytes() == b"{}"
    write_run(tmp_path / "r")
    before = snapshot(tmp_path / "r")
    with pytest.raises(OutputError, match="refusing to replace a file of the result folder"):
        write_file_atomic(tmp_path / "r" / "kpis.csv", b"oops")
    assert snapshot(tmp_path / "r") == before


def test_sweep_csv_columns_are_checked(tmp_path: Path) -> None:
    """sweep.csv is a declared table: an undeclared column is refused."""
    write_file_atomic(tmp_path / "sweep.csv", "case,scenario,parent,growth,status,error,co2\n")
    with pytest.raises(UndeclaredError, match="sweep.csv: undeclared column.*'mood'"):
        write_file_atomic(tmp_path / "sweep.csv", "case,mood\n")


# ------------------------------------------------------------- real full and read-only disks

DISK_SCRIPT = """
import os, sys
from pathlib import Path
from freight.results.folder import OutputError, ResultFolder
mnt = Path(sys.argv[1])
def write(out, n):
    rows = [{"metric": f"tonnes_road", "value": float(i), "unit": "t/yr"} for i in range(n)]
    return ResultFolder.write(out, {"kpis.csv": rows}, {"command": "run"})
write(mnt / "small", 3)
try:
    write(mnt / "big", 20000)
except OutputError as exc:
    print("FULL", exc)
print("LEFT", sorted(p.name for p in mnt.iterdir()))
os.system(f"mount -o remount,ro {mnt}")
try:
    write(mnt / "small", 4)
except OutputError as exc:
    print("RO", exc)
print("VALUE", ResultFolder.open(mnt / "small", verify=True).rows("kpis.csv")[-1]["value"])
"""


def test_full_and_read_only_disks(tmp_path: Path) -> None:
    """On a real full tmpfs and after remounting it read-only, writes fail with OutputError
    naming the reason, leave no debris, and the old result stays complete."""
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k none {tmp_path}"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs unshare and mount rights)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "disk.py"
    script.write_text(DISK_SCRIPT)
    cmd = f"mount -t tmpfs -o size=64k none {mnt} && {sys.executable} {script} {mnt}"
    res = subprocess.run(
        ["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert any(ln.startswith("FULL") and "No space left on device" in ln for ln in lines), lines
    assert "LEFT ['small']" in lines
    assert any(ln.startswith("RO") and "Read-only file system" in ln for ln in lines), lines
    assert "VALUE 2.0" in lines


def test_dead_writers_of_single_files_are_cleaned(tmp_path: Path) -> None:
    """A temporary file of a dead writer is removed by the next write in that folder; a live
    writer's is kept."""
    dead = _dead_pid()
    stale = tmp_path / f".freight-tmp-{dead}-{'0' * 16}-deadbeef"
    live = tmp_path / f".freight-tmp-{os.getppid()}-{'0' * 16}-cafe0000"
    stale.write_bytes(b"half a png")
    live.write_bytes(b"being written")
    write_file_atomic(tmp_path / "map.png", b"png")
    assert not stale.exists()
    assert live.exists()


def test_leftovers_of_the_earlier_writer_are_cleaned(tmp_path: Path) -> None:
    """The earlier writer's .NAME.old-PID of a dead PID is restored when the result is missing,
    and its old .NAME.tmp-* folders are removed."""
    write_run(tmp_path / "r", 6.0)
    old = tmp_path / f".r.old-{_dead_pid()}"
    os.rename(tmp_path / "r", old)
    tmp = tmp_path / ".r.tmp-k2j3h4g5"
    tmp.mkdir()
    os.utime(tmp, (time.time() - 2 * rf.LEGACY_AGE_S,) * 2)
    done = rf.cleanup_stale(tmp_path, tmp_path / "r")
    assert set(done) == {tmp_path / "r", tmp}
    assert ResultFolder.open(tmp_path / "r", verify=True).rows("kpis.csv")[0]["value"] == 6.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_compare_out_equal_to_a_side_is_refused(tmp_path: Path) -> None:
    """freight compare R S --out R exits 2 and leaves R as it was."""
    sc = DATA / "scenarios"
    assert main(["run", str(sc / "base.toml"), "--out", str(tmp_path / "b")]) == 0
    assert main(["run", str(sc / "plan.toml"), "--out", str(tmp_path / "p")]) == 0
    before = snapshot(tmp_path / "b")
    assert (
        main(["compare", str(tmp_path / "b"), str(tmp_path / "p"), "--out", str(tmp_path / "b")])
        == 2
    )
    assert snapshot(tmp_path / "b") == before
    assert debris(tmp_path) == []
