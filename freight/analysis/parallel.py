"""Run many independent solves: in this process, on local processes, or on a Dask cluster.

One code path (DESIGN §8): :func:`map_tasks` takes a picklable function and a list of tasks and
returns outcomes in task order. ``jobs=1`` runs in-process; ``jobs>1`` uses a local process pool;
``scheduler="tcp://HOST:PORT"`` (or a ``dask.distributed.Client``) sends the same function to a
Dask cluster (``pip install freight[dask]``). A task that raises is returned as a
:class:`Failed` outcome so the others complete.

Processes: local workers die with their parent (Linux ``PR_SET_PDEATHSIG``; elsewhere each worker
watches its parent's pid), ignore Ctrl-C (the parent handles it, kills the pool and exits 130),
and are killed when the parent leaves the pool for any reason. A Dask scheduler that cannot be
reached within :data:`DASK_CONNECT_TIMEOUT_S`, or a cluster that has had no worker for
:data:`DASK_NO_WORKER_TIMEOUT_S` while tasks are pending, is an error (exit 2), never a hang.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from freight.errors import FreightError

T = TypeVar("T")
R = TypeVar("R")

DASK_CONNECT_TIMEOUT_S = 10.0
"""Seconds to reach a Dask scheduler before giving up (``FREIGHT_DASK_CONNECT_TIMEOUT_S``)."""

DASK_NO_WORKER_TIMEOUT_S = 60.0
"""Seconds a Dask cluster may have no worker while tasks are pending
(``FREIGHT_DASK_NO_WORKER_TIMEOUT_S``)."""

_PR_SET_PDEATHSIG = 1


def _timeout(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def _watch_parent(parent: int) -> None:
    """Exit this worker as soon as its parent is gone (portable fallback of PDEATHSIG)."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _worker_init(parent: int) -> None:
    """Set up a local worker: ignore Ctrl-C, die with the parent process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - libc without prctl
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Kill every worker of a pool now and release it without waiting."""
    procs = list(getattr(pool, "_processes", {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=5)


@dataclass(frozen=True)
class Failed:
    """A task that raised: the exception's type and message (and the traceback text)."""

    error: str
    message: str
    traceback: str = ""


def _safe(fn: Callable[[T], R], task: T) -> R | Failed:
    try:
        return fn(task)
    except Exception as exc:  # a failing task is recorded, the others go on
        return Failed(type(exc).__name__, str(exc), traceback.format_exc())


def iter_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int = 1,
    scheduler: Any = None,
) -> Iterator[tuple[int, R | Failed]]:
    """Yield ``(index, outcome)`` as tasks finish (in completion order)."""
    if scheduler is not None:
        yield from _dask(fn, tasks, scheduler)
        return
    if jobs <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            yield i, _safe(fn, t)
        return
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), initializer=_worker_init, initargs=(os.getpid(),)
    )
    try:
        futs = {pool.submit(_safe, fn, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futs):
            yield futs[f], f.result()
    except BaseException:
        _kill_pool(pool)  # Ctrl-C, an error, or the caller stopped early: no worker survives
        raise
    pool.shutdown(wait=True)


def _dask(
    fn: Callable[[T], R], tasks: Sequence[T], scheduler: Any
) -> Iterator[tuple[int, R | Failed]]:
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise FreightError(
            "a Dask scheduler was given but dask.distributed is not installed "
            "(pip install 'freight[dask]')"
        ) from None
    own = not isinstance(scheduler, Client)
    connect_s = _timeout("FREIGHT_DASK_CONNECT_TIMEOUT_S", DASK_CONNECT_TIMEOUT_S)
    idle_s = _timeout("FREIGHT_DASK_NO_WORKER_TIMEOUT_S", DASK_NO_WORKER_TIMEOUT_S)
    client: Any
    if own:
        try:
            client = Client(scheduler, timeout=connect_s)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise FreightError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler within {connect_s:g} s "
                f"({type(exc).__name__}: {exc})"
            ) from None
    else:
        client = scheduler
    try:
        futs: list[Any] = client.map(_safe, [fn] * len(tasks), list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futs)}
        pending = set(futs)
        no_worker_since: float | None = None
        while pending:
            done = [f for f in pending if f.done()]
            for f in done:
                pending.discard(f)
                yield index[f.key], f.result()
            if not pending:
                break
            workers = client.scheduler_info().get("workers", {})
            now = time.monotonic()
            if workers:
                no_worker_since = None
            elif no_worker_since is None:
                no_worker_since = now
            elif now - no_worker_since > idle_s:
                raise FreightError(
                    f"the Dask cluster at {scheduler} has had no worker for {idle_s:g} s with "
                    f"{len(pending)} task(s) pending; start workers or run with --jobs"
                )
            if not done:
                time.sleep(0.05)
    finally:
        if own:
            client.close()


def map_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R | Failed]:
    """Run every task; outcomes in task order (a :class:`Failed` where a task raised)."""
    out: list[R | Failed | None] = [None] * len(tasks)
    done = 0
    for i, r in iter_tasks(fn, tasks, jobs=jobs, scheduler=scheduler):
        out[i] = r
        done += 1
        if progress:
            progress(done, len(tasks))
    return out  # type: ignore[return-value]
