"""Result folders: written atomically with a manifest, opened with hash verification, and never
written over a user's files.

:meth:`ResultFolder.write` renders every table through its declaration
(:mod:`freight.results.declared`), writes the files and ``manifest.json`` (every file with its
SHA-256, and ``"written_by": "freight"``) into a hidden sibling folder, and puts it in place:

- **The output rule.** The target must be absent, an empty folder, or a folder a previous freight
  command wrote (its manifest says so) that holds nothing but what that manifest lists (plus maps,
  ``*.png`` / ``*.geojson``, and result folders nested in it); it must not be one of this command's
  inputs nor an ancestor of one (the inputs passed explicitly and the paths the manifest names:
  the keys of every ``inputs`` table, ``path``, ``file``, ``data``, ``source``, ``result``,
  ``result_folder`` and ``scenarios`` entries). Anything else — an existing regular file, ``/``,
  the current folder when it is not a result, a path under a file, a name too long for the
  filesystem, a read-only or full disk — raises :class:`OutputError` naming the path and why, and
  leaves every file as it was.
- **Atomic replacement.** At every instant the target holds the complete old result or the
  complete new one: on Linux the new folder and the old one are swapped in one
  ``renameat2(RENAME_EXCHANGE)`` call, then the old one (now under the hidden name) is deleted.
  Fallback where the call is unavailable (other systems, filesystems without the flag): rename
  the old folder to a hidden ``.freight-old-*`` name, rename the new one into place, delete the
  old; a writer killed between the two renames leaves the old result under the hidden name, and
  the next writer of the same path moves it back before doing anything else.
- **One writer at a time.** An exclusive ``fcntl.flock`` on a sibling ``.freight-lock-*`` file is
  held from the checks to the swap; a second writer of the same path gets :class:`OutputError`
  ("another freight process is writing PATH"). The lock file is removed when the writer is done.
- **No debris.** Hidden temporary names carry the writer's PID (``.freight-tmp-PID-TAG-RANDOM``,
  TAG a hash of the target's name); every writer first deletes those of dead writers in the same
  folder (a PID that no longer runs, or a zombie).

:func:`write_file` applies the same rules to single files (PNG maps, GeoJSON, ``sweep.csv``):
never an input of the command, never a folder, never a file a result folder's manifest lists,
and an atomic replace (``os.replace`` of a hidden temporary file).

POSIX only (``fcntl``); ``renameat2`` is used on Linux and the two-rename fallback elsewhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from freight.errors import DataError, FreightError, Problem
from freight.results.declared import (
    SINGLE_FILE_BY_NAME,
    OutputTable,
    ResultKind,
    UndeclaredError,
    result_kind,
)

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
"""File name of the manifest inside a result folder."""

WRITTEN_BY = "freight"
"""Value of the manifest's ``written_by`` field."""

INPUT_PATH_KEYS = frozenset({"path", "file", "data", "source", "result", "result_folder"})
"""Manifest keys (at any depth) whose string value names an input of the command."""

INPUT_LIST_KEYS = frozenset({"scenarios"})
"""Manifest keys (at any depth) whose list of strings names inputs of the command."""

MAP_SUFFIXES = frozenset({".png", ".geojson"})
"""Files freight writes into result folders after the fact (``freight plot``); a result folder
holding them besides its listed files may still be replaced."""

_TEMP_RE = re.compile(r"^\.freight-(tmp|old)-([0-9]+)-([0-9a-f]{16})-[0-9a-z]+$")
_LOCK_RE = re.compile(r"^\.freight-lock-([0-9a-f]{16})$")

LEGACY_AGE_S = 3600.0
"""Age after which a temporary folder of the writer freight used before (``.NAME.tmp-XXXXXXXX``,
no PID in its name) is taken as abandoned and removed."""

STAGE_HOOK: Callable[[str, Path], None] | None = None
"""Called with a stage name and the target between the stages of a write (``locked``, ``written``:
the new folder is complete under its hidden name, ``swapped``: the new result is in place and the
old one not yet deleted, ``moved-old``: fallback only, between the two renames). ``None`` in normal
use; tests set it to stop or kill a writer at a placed moment."""


class OutputError(FreightError):
    """An output path that cannot be written without destroying something, or cannot be written
    at all (exit code 2): the message names the path and the reason."""


def _stage(name: str, target: Path) -> None:
    if STAGE_HOOK is not None:
        STAGE_HOOK(name, target)


def _tag(target: Path) -> str:
    """16 hex digits identifying a target within its folder (temp and lock names)."""
    return hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16]


def _json_default(x: Any) -> Any:
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, Path):
        return x.as_posix()
    return str(x)


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of bytes, as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as 64 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------- processes


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID runs (a zombie does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    state = stat.rpartition(")")[2].split()
    return not (state and state[0] in ("Z", "X"))


# ------------------------------------------------------------------------------- renaming

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None
_renameat2_missing = False


def _libc_renameat2() -> Any:
    global _renameat2, _renameat2_missing
    if _renameat2 is None and not _renameat2_missing:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            fn = libc.renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
            fn.argtypes += [ctypes.c_uint]
            fn.restype = ctypes.c_int
            _renameat2 = fn
        except (OSError, AttributeError):
            _renameat2_missing = True
    return _renameat2


def renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(2)`` through ctypes.

    Returns
    -------
    bool
        True when done; False when the call or the flag is not available here (not Linux, an old
        C library or kernel, or a filesystem without the flag), so the caller falls back.

    Raises
    ------
    OSError
        For any other failure (target exists with ``RENAME_NOREPLACE``, permission …).
    """
    if not sys.platform.startswith("linux"):
        return False
    fn = _libc_renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _header(data: bytes) -> list[str]:
    """The column names of CSV bytes (the first line)."""
    import csv
    import io

    first = data.decode("utf-8").partition("\n")[0]
    return next(csv.reader(io.StringIO(first)), [])


def _write_bytes(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Write a new file and flush it to disk (``mode`` before the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# ------------------------------------------------------------------------------ manifests


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a folder as a dict, or ``None`` when there is none or it is not a JSON
    object."""
    f = Path(folder) / MANIFEST
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def written_by_freight(manifest: Mapping[str, Any] | None) -> bool:
    """Whether a manifest says freight wrote its folder (``written_by``, or — for folders written
    before that field existed — a ``command`` and a ``files`` table of SHA-256 digests)."""
    if not manifest:
        return False
    if manifest.get("written_by") == WRITTEN_BY:
        return True
    files = manifest.get("files")
    return (
        isinstance(manifest.get("command"), str)
        and isinstance(files, dict)
        and all(isinstance(v, str) and len(v) == 64 for v in files.values())
    )


def manifest_inputs(manifest: Mapping[str, Any]) -> list[str]:
    """The input paths a manifest names (see the module docstring), in order of appearance."""
    out: list[str] = []

    def walk(x: Any, key: str) -> None:
        if isinstance(x, Mapping):
            for k, v in x.items():
                if k == "files":
                    continue
                if k == "inputs" and isinstance(v, Mapping):
                    out.extend(str(p) for p in v)
                    continue
                walk(v, str(k))
        elif isinstance(x, str):
            if key in INPUT_PATH_KEYS and x:
                out.append(x)
        elif isinstance(x, list | tuple):
            for v in x:
                if isinstance(v, str):
                    if key in INPUT_LIST_KEYS and v:
                        out.append(v)
                else:
                    walk(v, key)

    walk(manifest, "")
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------- output rule


def _raw(path: str | os.PathLike[str]) -> str:
    raw = os.fspath(path)
    return raw.decode() if isinstance(raw, bytes) else raw


def _absolute(path: str | os.PathLike[str]) -> Path:
    raw = _raw(path)
    if raw.strip() == "":
        raise OutputError("output path is empty: give a folder or file name")
    return Path(os.path.abspath(raw))


def _is_cwd(path: Path) -> bool:
    try:
        return Path(os.getcwd()) == path
    except OSError:
        return False


def _check_names(target: Path) -> None:
    """Raise if a component of ``target`` is longer than its filesystem allows (before any stat:
    a too-long name makes every call on the path fail)."""
    p = Path(target.anchor)
    limit = _name_max(p)
    for part in target.parts[1:]:
        n = len(os.fsencode(part))
        if n > limit:
            raise OutputError(
                f"{target}: the name {part[:40]!r}… is {n} bytes long; the filesystem allows {limit}"
            )
        p = p / part
        if p.is_dir():
            limit = _name_max(p)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def _check_parents(target: Path) -> Path:
    """The nearest existing ancestor of ``target``; raise if it is a file."""
    p = target
    while True:
        if p.exists() or p.is_symlink():
            break
        if p.parent == p:
            break
        p = p.parent
    existing = p
    if not existing.is_dir():
        raise OutputError(f"{target}: cannot write under {existing}: it is a file, not a folder")
    return existing


def _check_inputs(target: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    real = Path(os.path.realpath(target))
    for i in inputs:
        p = Path(os.path.realpath(_raw(i)))
        if p == real:
            raise OutputError(f"{target}: refusing to write over an input of this run ({i})")
        if p.is_relative_to(real):
            raise OutputError(
                f"{target}: refusing to write here: it holds an input of this run ({i})"
            )


def _unexpected_entries(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """Entries of a result folder that its manifest does not account for."""
    listed = set(manifest.get("files") or {}) | {MANIFEST}
    out: list[str] = []
    for e in sorted(folder.iterdir()):
        if e.name in listed:
            continue
        if e.is_file() and not e.is_symlink() and e.suffix.lower() in MAP_SUFFIXES:
            continue
        if e.is_dir() and not e.is_symlink():
            sub = read_manifest(e)
            if written_by_freight(sub) and not _unexpected_entries(e, sub or {}):
                continue
        out.append(e.name)
    return out


def check_output_folder(
    out: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Check that a result folder may be written at ``out`` (the output rule of the module
    docstring) without touching anything.

    Returns
    -------
    Path
        The absolute target path.

    Raises
    ------
    OutputError
        Naming the path and why it is refused.
    """
    target = _absolute(out)
    try:
        return _check_output_folder(target, inputs)
    except OSError as exc:
        raise OutputError(f"{target}: {exc.strerror or exc}") from None


def _check_output_folder(target: Path, inputs: Iterable[str | os.PathLike[str]]) -> Path:
    _check_names(target)
    if target.parent == target:
        raise OutputError(f"{target}: refusing to write a result folder over the filesystem root")
    _check_inputs(target, inputs)
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; give the folder it points to instead")
    if not target.exists():
        _check_parents(target)
        return target
    if not target.is_dir():
        raise OutputError(f"{target}: is an existing file; a result folder is wanted here")
    entries = list(target.iterdir())
    manifest = read_manifest(target)
    is_result = written_by_freight(manifest)
    if _is_cwd(target) and not is_result:
        raise OutputError(f"{target}: is the current folder and not a freight result folder")
    if not entries:
        return target
    if not is_result:
        shown = ", ".join(sorted(e.name for e in entries)[:5])
        more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
        raise OutputError(
            f"{target}: refusing to replace a folder freight did not write (no manifest.json of "
            f"a freight result; it holds {shown}{more})"
        )
    extra = _unexpected_entries(target, manifest or {})
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        raise OutputError(
            f"{target}: refusing to replace this result folder: it holds files its manifest "
            f"does not list ({shown}); move them away first"
        )
    return target


def check_output_file(
    path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Check that a single file may be (re)written at ``path``: not an input of the command, not
    a folder or anything but a regular file, not a file a result folder's manifest lists.

    Returns
    -------
    Path
        The absolute target path.

    Raises
    ------
    OutputError
        Naming the path and why it is refused.
    """
    target = _absolute(path)
    try:
        return _check_output_file(target, inputs)
    except OSError as exc:
        raise OutputError(f"{target}: {exc.strerror or exc}") from None


def _check_output_file(target: Path, inputs: Iterable[str | os.PathLike[str]]) -> Path:
    _check_names(target)
    if target.parent == target:
        raise OutputError(f"{target}: is the filesystem root; a file name is wanted")
    _check_inputs(target, inputs)
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; give the file it points to instead")
    if not target.exists():
        _check_parents(target)
        return target
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; a file name is wanted here")
    if not target.is_file():
        raise OutputError(f"{target}: exists and is not a regular file")
    manifest = read_manifest(target.parent)
    if written_by_freight(manifest) and target.name in (manifest or {}).get("files", {}):
        raise OutputError(
            f"{target}: refusing to replace a file of the result folder {target.parent} (its "
            "manifest lists it)"
        )
    return target


# ---------------------------------------------------------------------------------- locks


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of ``target`` (a sibling lock file) or raise."""
    lock_path = target.parent / f".freight-lock-{_tag(target)}"
    for _ in range(5):
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(
                f"{target}: cannot write in {target.parent}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"another freight process is writing {target}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file after we opened it: take the new one
    else:  # pragma: no cover - five removals in a row between open and lock
        raise OutputError(f"another freight process is writing {target}")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


def cleanup_stale(folder: Path, target: Path | None = None) -> list[Path]:
    """Delete the hidden temporaries of dead writers in ``folder``, and lock files nobody holds.

    When ``target`` is absent and a dead writer left its old result under a hidden
    ``.freight-old-*`` name (the fallback swap was interrupted), that folder is moved back to
    ``target`` first.

    Returns
    -------
    list of Path
        What was removed or restored.
    """
    done: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return done
    me = os.getpid()
    tag = _tag(target) if target is not None else None
    if target is not None:
        done += _cleanup_legacy(entries, target)
    for e in entries:
        m = _TEMP_RE.match(e.name)
        if m:
            kind, pid = m.group(1), int(m.group(2))
            if pid == me or pid_alive(pid):
                continue
            if (
                kind == "old"
                and target is not None
                and m.group(3) == tag
                and not target.exists()
                and written_by_freight(read_manifest(e))
            ):
                with contextlib.suppress(OSError):
                    os.rename(e, target)
                    log.warning("restored %s from an interrupted write (%s)", target, e.name)
                    done.append(target)
                    continue
            log.info("removing %s left by a dead writer (PID %d)", e, pid)
            _remove(e)
            done.append(e)
        elif _LOCK_RE.match(e.name) and (target is None or e.name != f".freight-lock-{tag}"):
            try:
                fd = os.open(e, os.O_RDWR)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_ino == os.stat(e).st_ino:
                    os.unlink(e)
                    done.append(e)
            os.close(fd)
    return done


def _cleanup_legacy(entries: Sequence[Path], target: Path) -> list[Path]:
    """Hidden folders of ``target`` left by the writer of earlier freight versions:
    ``.NAME.old-PID`` of a dead PID (moved back when ``target`` is absent, else removed) and
    ``.NAME.tmp-XXXXXXXX`` older than :data:`LEGACY_AGE_S`."""
    import time

    done: list[Path] = []
    old_re = re.compile(rf"^\.{re.escape(target.name)}\.old-([0-9]+)$")
    tmp_re = re.compile(rf"^\.{re.escape(target.name)}\.tmp-[A-Za-z0-9_]+$")
    for e in entries:
        m = old_re.match(e.name)
        try:
            if m and not pid_alive(int(m.group(1))) and e.is_dir():
                if not target.exists() and written_by_freight(read_manifest(e)):
                    os.rename(e, target)
                    log.warning("restored %s from an interrupted write (%s)", target, e.name)
                    done.append(target)
                else:
                    _remove(e)
                    done.append(e)
            elif tmp_re.match(e.name) and e.is_dir():
                if time.time() - e.stat().st_mtime > LEGACY_AGE_S:
                    _remove(e)
                    done.append(e)
        except OSError:
            continue
    return done


# ---------------------------------------------------------------------------------- writing


def _oserror(target: Path, exc: OSError) -> OutputError:
    where = exc.filename or target
    return OutputError(f"{target}: cannot write ({where}): {exc.strerror or exc}")


def _temp_name(target: Path, kind: str = "tmp") -> Path:
    return target.parent / f".freight-{kind}-{os.getpid()}-{_tag(target)}-{secrets.token_hex(4)}"


def _place_folder(tmp: Path, target: Path) -> None:
    """Put the complete folder ``tmp`` at ``target`` (see the module docstring)."""
    if not target.exists():
        if not renameat2(tmp, target, RENAME_NOREPLACE):
            os.rename(tmp, target)
        _stage("swapped", target)
        return
    if renameat2(tmp, target, RENAME_EXCHANGE):
        _stage("swapped", target)
        _remove(tmp)  # the old result, now under the hidden name
        return
    old = _temp_name(target, "old")
    os.rename(target, old)
    _stage("moved-old", target)
    os.rename(tmp, target)
    _stage("swapped", target)
    _remove(old)


def write_folder(
    out: str | os.PathLike[str],
    files: Mapping[str, bytes],
    manifest: Mapping[str, Any],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> tuple[Path, dict[str, Any]]:
    """Write a folder of files and its manifest under the rules of the module docstring.

    Parameters
    ----------
    out
        The result folder.
    files
        File name (no folders) -> bytes.
    manifest
        Fields of ``manifest.json``; ``files`` (name -> SHA-256) and ``written_by`` are added.
    inputs
        Paths this command read, besides those the manifest names.

    Returns
    -------
    path, manifest
        The absolute folder and the manifest as written.

    Raises
    ------
    OutputError
        If the folder may not or cannot be written; nothing is changed then.
    """
    for name in files:
        if name in ("", ".", "..", MANIFEST) or "/" in name or "\\" in name:
            raise ValueError(f"not a plain file name for a result folder: {name!r}")
    full = dict(manifest)
    full["files"] = {name: sha256_bytes(data) for name, data in files.items()}
    full["written_by"] = WRITTEN_BY
    text = json.dumps(full, indent=2, sort_keys=True, default=_json_default) + "\n"
    all_inputs = [*map(_raw, inputs), *manifest_inputs(full)]
    target = check_output_folder(out, inputs=all_inputs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _oserror(target, exc) from None
    was_cwd = _is_cwd(target)
    with _lock(target):
        _stage("locked", target)
        cleanup_stale(target.parent, target)
        check_output_folder(target, inputs=all_inputs)  # again, now that no one else writes
        tmp = _temp_name(target)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.mkdir(tmp, 0o777 & ~umask)
            for name, data in files.items():
                _write_bytes(tmp / name, data)
            _write_bytes(tmp / MANIFEST, text.encode("utf-8"))
            _fsync_dir(tmp)
            _stage("written", target)
            _place_folder(tmp, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            _remove(tmp)
            raise _oserror(target, exc) from None
        except BaseException:
            _remove(tmp)
            raise
    if was_cwd:  # the process sat in the old folder, which is gone: move into the new one
        os.chdir(target)
    return target, full


def write_file(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    table: OutputTable | None = None,
) -> Path:
    """Write one file atomically under the single-file rules of the module docstring.

    Parameters
    ----------
    path
        The file.
    data
        Text (written as UTF-8, line ends as given) or bytes.
    inputs
        Paths this command read: the file may be none of them nor hold one.
    table
        The declared table the file holds, if it is a CSV table; by default the single-file table
        of that name (``sweep.csv``), if any. Its header is checked against the declaration.

    Returns
    -------
    Path
        The path written (as given).

    Raises
    ------
    OutputError
        If the file may not or cannot be written; nothing is changed then.
    UndeclaredError
        If the header of a declared table holds an undeclared column.
    """
    given = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    decl = table or SINGLE_FILE_BY_NAME.get(given.name)
    if decl is not None:
        decl.check(_header(raw))
    target = check_output_file(given, inputs=inputs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        cleanup_stale(target.parent)
    except OSError as exc:
        raise _oserror(target, exc) from None
    tmp = _temp_name(target)
    try:
        _write_bytes(tmp, raw)
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise _oserror(target, exc) from None
    except BaseException:
        _remove(tmp)
        raise
    return given


# ------------------------------------------------------------------------------- the type


def _safe_name(name: str) -> bool:
    p = Path(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts


@dataclass(frozen=True)
class ResultFolder:
    """A result folder written by a freight command: its manifest and its declared tables.

    Create one with :meth:`write` or :meth:`open`; see the package docstring for examples.

    Attributes
    ----------
    path
        The folder.
    manifest
        The contents of its ``manifest.json``.
    """

    path: Path
    manifest: Mapping[str, Any] = field(repr=False)

    # -- writing

    @classmethod
    def write(
        cls,
        out: str | os.PathLike[str],
        tables: Mapping[str, Sequence[Mapping[str, Any]]],
        manifest: Mapping[str, Any],
        *,
        inputs: Iterable[str | os.PathLike[str]] = (),
        extra_files: Mapping[str, str | bytes] | None = None,
        columns: Mapping[str, Sequence[str]] | None = None,
    ) -> ResultFolder:
        """Render and write a result folder atomically (see the module docstring).

        Parameters
        ----------
        out
            The result folder.
        tables
            File name -> rows; each file must be a declared table of the manifest's command.
        manifest
            Must hold ``command`` (a declared :class:`~freight.results.declared.ResultKind`);
            ``inputs`` (path -> SHA-256, :func:`freight.results.tables.input_hashes`) names the
            inputs the output must not replace.
        inputs
            Further paths the command read (folders or files).
        extra_files
            File name -> text or bytes written as they are (a ``.csv`` among them must be a
            declared table too).
        columns
            File name -> column order, for tables whose first row lacks some columns.

        Returns
        -------
        ResultFolder
            The folder as written.

        Raises
        ------
        UndeclaredError
            If the command, a table or a column is not declared (a bug: nothing is written).
        OutputError
            If the folder may not or cannot be written (nothing is changed).
        """
        command = manifest.get("command")
        if not isinstance(command, str):
            raise UndeclaredError("the manifest of a result folder needs a 'command' string")
        kind = result_kind(command)
        files: dict[str, bytes] = {}
        for name, rows in tables.items():
            cols = (columns or {}).get(name)
            files[name] = kind.table(name).csv_text(rows, cols).encode("utf-8")
        for name, content in (extra_files or {}).items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            if name.endswith(".csv"):
                kind.table(name).check(_header(data))
            files[name] = data
        path, full = write_folder(out, files, manifest, inputs=inputs)
        return cls(path, full)

    # -- reading

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, verify: bool = False) -> ResultFolder:
        """Open a result folder: read its manifest, optionally check every file's SHA-256.

        Parameters
        ----------
        path
            The folder.
        verify
            Recompute the SHA-256 of every file the manifest lists and compare.

        Raises
        ------
        DataError
            If the folder or its manifest is missing or unreadable, or (``verify``) a listed file
            is missing or its bytes differ from the manifest — the problem names the file.
        """
        p = Path(path)
        if not p.is_dir():
            raise DataError([Problem(str(p), None, "", "not found: expected a result folder")])
        mf = p / MANIFEST
        if not mf.is_file():
            raise DataError(
                [Problem(str(p), None, "", "not a result folder of freight (no manifest.json)")]
            )
        try:
            data = json.loads(mf.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError([Problem(str(mf), None, "", f"cannot read manifest: {exc}")]) from None
        if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
            raise DataError(
                [Problem(str(mf), None, "", "not a freight manifest (expected a JSON object)")]
            )
        folder = cls(p, data)
        if verify:
            folder.verify()
        return folder

    def verify(self) -> None:
        """Check every file the manifest lists against its SHA-256.

        Raises
        ------
        DataError
            One problem per missing or damaged file, naming it.
        """
        problems: list[Problem] = []
        for name, digest in sorted(self.files.items()):
            f = self.path / name
            if not _safe_name(name):
                problems.append(
                    Problem(str(self.path / MANIFEST), None, "files", f"bad name {name!r}")
                )
            elif not f.is_file():
                problems.append(Problem(str(f), None, "", "missing: manifest.json lists it"))
            elif sha256_file(f) != digest:
                problems.append(
                    Problem(
                        str(f),
                        None,
                        "",
                        "damaged: its SHA-256 differs from manifest.json (the file was changed "
                        "or truncated after freight wrote it)",
                    )
                )
        if problems:
            raise DataError(problems, context=f"{self.path}: damaged result folder")

    @property
    def command(self) -> str:
        """The command that wrote the folder (``run``, ``compare`` …), ``""`` when not stated."""
        c = self.manifest.get("command")
        return c if isinstance(c, str) else ""

    @property
    def kind(self) -> ResultKind | None:
        """The declared kind of the folder, or ``None`` for an undeclared command."""
        try:
            return result_kind(self.command)
        except UndeclaredError:
            return None

    @property
    def files(self) -> dict[str, str]:
        """File name -> SHA-256, as the manifest lists them."""
        f = self.manifest.get("files")
        return {str(k): str(v) for k, v in f.items()} if isinstance(f, dict) else {}

    @property
    def tables(self) -> tuple[str, ...]:
        """File names of the CSV tables the folder holds (declared order, then the others)."""
        listed = [n for n in self.files if n.endswith(".csv")]
        kind = self.kind
        order = [t.file for t in kind.tables] if kind else []
        return tuple(
            [n for n in order if n in listed] + sorted(n for n in listed if n not in order)
        )

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input paths the manifest names."""
        return tuple(manifest_inputs(self.manifest))

    def table(self, name: str) -> OutputTable:
        """The declaration of one of the folder's tables.

        Raises
        ------
        UndeclaredError
            If the folder's command or the table is not declared.
        """
        return result_kind(self.command).table(name)

    def file(self, name: str) -> Path:
        """Path of a file of the folder.

        Raises
        ------
        DataError
            If the file is not there.
        """
        f = self.path / name
        if not _safe_name(name) or not f.is_file():
            raise DataError([Problem(str(f), None, "", "missing from the result folder")])
        return f

    def read(self, name: str) -> list[dict[str, str]]:
        """The rows of a CSV table as text cells (as ``csv.DictReader`` gives them).

        Raises
        ------
        DataError
            If the file is not there.
        """
        import csv

        with self.file(name).open(encoding="utf-8", newline="") as fh:
            return [dict(r) for r in csv.DictReader(fh)]

    def rows(self, name: str) -> list[dict[str, Any]]:
        """The rows of a declared table with cells parsed by their declared type (a blank float is
        ``None``, or ``inf`` where blank means unbounded).

        Raises
        ------
        DataError
            If the file is not there or a cell is not of its column's type.
        UndeclaredError
            If the table or one of its columns is not declared.
        """
        decl = self.table(name)
        try:
            return decl.parse_rows(self.read(name))
        except ValueError as exc:
            raise DataError([Problem(str(self.path / name), None, "", str(exc))]) from None
